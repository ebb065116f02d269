"""``lightbox serve`` as a client on the network meets it: a real uvicorn process, HTTP."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import onnxruntime as ort
import pydicom
import pytest

from tests.service.server import ROOT, multipart
from viewer.audit.log import series_hash

MODELS = ROOT / "models"


def test_models_are_listed_with_their_verification(service):
    models = {m["id"]: m for m in service.get("/v1/models").json()["models"]}
    assert set(models) == {"ct-body-seg", "ct-body-seg3d", "ct-lesion-cls", "ct-lesion-det",
                           "mr-brain-tissue"}
    cls = models["ct-lesion-cls"]
    manifest = json.loads((MODELS / "ct-lesion-cls" / "manifest.json").read_text())
    assert cls["verified"] and cls["status"] == "available" and cls["reason"] == ""
    assert cls["digest"] == manifest["digest"] and cls["version"] == manifest["version"]
    assert cls["intended_use"]["modality"] == ["CT"] and cls["outputs"] == ["labels", "heatmap"]
    assert cls["runtime"] == "onnxruntime" and cls["provider"] == "CPUExecutionProvider"


def test_no_key_no_answer(service):
    for path in ("/v1/models", "/v2/health/ready", "/v2/models/ct-lesion-cls", "/metrics"):
        reply = service.get(path, key=False)
        assert reply.status == 401 and reply.json()["reason"] == "unauthorized", path
    wrong = service.get("/v1/models", key="not-the-key")
    assert wrong.status == 401 and "not one this service accepts" in wrong.json()["message"]
    by_header = service.call("GET", "/v1/models", key=False,
                             headers={"X-API-Key": service.key})
    assert by_header.status == 200
    assert service.get("/v2/health/live", key=False).json() == {"live": True}


def test_run_on_a_series_equals_the_desktop_core(service, phantom, tmp_path):
    reply = service.upload("/v1/models/ct-lesion-cls/run", phantom)
    assert reply.status == 200, reply.body
    answer = reply.json()
    manifest = json.loads((MODELS / "ct-lesion-cls" / "manifest.json").read_text())
    assert answer["provenance"]["model_digest"] == manifest["digest"]
    assert answer["provenance"]["runtime"] == "onnxruntime"
    assert answer["provenance"]["provider"] == "CPUExecutionProvider"
    assert answer["images"] == 4 and len(answer["results"]) == 4
    # the same core in this process, on the same files, gives the same JSON
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference.registry import ModelRegistry
    from viewer.inference.result_json import result_summary
    from viewer.inference.runner import run_model
    from viewer.io.scan import scan

    settings = load_settings()
    entry = ModelRegistry([MODELS], settings=settings).get("ct-lesion-cls")
    (series,) = [s for s in scan([phantom[0].parent]).all_series() if s.has_images]
    here = [result_summary(r) for r in run_model(entry, series, audit_log=AuditLog(
        tmp_path / "audit.jsonl"))]
    for served, local in zip(answer["results"], here, strict=True):
        assert served["outputs"][0]["probabilities"] == pytest.approx(
            local["outputs"][0]["probabilities"], abs=1e-5)
        assert served["source"] == local["source"]
    # the spool is gone; the audit names the client by key id, and no series UID
    assert not list((service.home / "spool").iterdir())
    records = [json.loads(line) for path in (service.home / "audit").glob("*.jsonl")
               for line in path.read_text().splitlines()]
    runs = [r for r in records if r.get("model_id") == "ct-lesion-cls" and r["outcome"] == "ok"]
    from viewer.service.keys import hash_key, key_id

    assert runs and runs[-1]["client"] == f"key:{key_id(hash_key(service.key))}"
    text = "".join(p.read_text() for p in (service.home / "audit").glob("*.jsonl"))
    assert series.uid not in text and service.key not in text
    assert series_hash(series.uid)  # the audit's own keyed hash stands for the series


def test_seg_and_sr_on_request(service, phantom):
    reply = service.upload("/v1/models/ct-body-seg/run?dicom=seg,sr", phantom)
    assert reply.status == 200, reply.body
    (seg,) = reply.json()["dicom"]
    assert seg["kind"] == "SEG" and seg["filename"] == "ct-body-seg-seg.dcm"
    ds = pydicom.dcmread(io.BytesIO(base64.b64decode(seg["data_base64"])))
    assert ds.Modality == "SEG" and ds.ReferencedSeriesSequence[0].SeriesInstanceUID == \
        pydicom.dcmread(phantom[0]).SeriesInstanceUID
    bad = service.upload("/v1/models/ct-body-seg/run?dicom=png", phantom)
    assert bad.status == 400 and bad.json()["reason"] == "bad_request"


def test_intended_use_needs_an_explicit_accept(service, pydicom_files):
    mr = pydicom_files / "MR_small.dcm"
    refused = service.upload("/v1/models/ct-lesion-cls/run", [mr])
    assert refused.status == 409
    problem = refused.json()
    assert problem["reason"] == "intended_use"
    assert "modality is MR; the model is meant for CT" in problem["warnings"]
    accepted = service.upload("/v1/models/ct-lesion-cls/run?accept_warnings=true", [mr])
    assert accepted.status == 200
    assert "modality is MR; the model is meant for CT" in accepted.json()["warnings_accepted"]


def test_limits_answer_413_and_keep_nothing(service, tmp_path):
    auth = f"Authorization: Bearer {service.key}\r\n".encode()
    # a declared length over the limit: answered before a byte of the body is sent (as
    # curl waits with "Expect: 100-continue")
    status, problem = service.raw(
        b"POST /v1/models/ct-lesion-cls/run HTTP/1.1\r\nHost: x\r\n" + auth
        + b"Content-Type: multipart/form-data; boundary=b\r\n"
        + b"Content-Length: 5000000\r\nExpect: 100-continue\r\n\r\n")
    assert status == 413 and problem["reason"] == "too_large"
    assert "service_max_request_mb" in problem["message"]
    # no declared length (chunked): stopped where the body passes the limit
    part = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a\"\r\n\r\n"
    chunks = [part] + [b"\0" * 65536] * 18  # 1.1 MiB
    status, problem = service.raw(
        b"POST /v1/models/ct-lesion-cls/run HTTP/1.1\r\nHost: x\r\n" + auth
        + b"Content-Type: multipart/form-data; boundary=b\r\n"
        + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        [b"%x\r\n%s\r\n" % (len(c), c) for c in chunks] + [b"0\r\n\r\n"])
    assert status == 413 and problem["reason"] == "too_large"
    from viewer.io.demo import write_phantom_series

    nine = write_phantom_series(tmp_path / "nine", slices=9, size=16)
    many = service.upload("/v1/models/ct-lesion-cls/run", nine)
    assert many.status == 413 and many.json()["reason"] == "too_many_files"
    assert "service_max_instances" in many.json()["message"]
    assert not list((service.home / "spool").iterdir())


def test_bad_uploads_say_why(service, tmp_path):
    png = tmp_path / "x.png"
    from PIL import Image

    Image.fromarray(np.zeros((8, 8), np.uint8)).save(png)
    not_dicom = service.upload("/v1/models/ct-lesion-cls/run", [png])
    assert not_dicom.status == 415 and not_dicom.json()["reason"] == "not_dicom"
    form = service.call("POST", "/v1/models/ct-lesion-cls/run", b"{}",
                        headers={"Content-Type": "application/json"})
    assert form.status == 415 and form.json()["reason"] == "unsupported_media_type"
    empty_body, kind = multipart([])
    empty = service.call("POST", "/v1/models/ct-lesion-cls/run", empty_body,
                         headers={"Content-Type": kind})
    assert empty.status == 400 and empty.json()["reason"] == "no_series"
    assert not list((service.home / "spool").iterdir())


def test_unknown_model_is_404_everywhere(service, phantom):
    for reply in (service.upload("/v1/models/nope/run", phantom[:1]),
                  service.get("/v2/models/nope"),
                  service.post_json("/v2/models/nope/infer", {"inputs": []})):
        assert reply.status == 404 and reply.json()["reason"] == "unknown_model"
        assert "ct-lesion-cls" in reply.json()["message"]  # the known ones are named
    unknown_path = service.get("/v3/anything")
    assert unknown_path.status == 404 and unknown_path.json()["reason"] == "not_found"


def _direct(model: str, image: np.ndarray) -> dict[str, np.ndarray]:
    session = ort.InferenceSession(str(MODELS / model / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(names, {"image": image}), strict=True))


def _image() -> np.ndarray:
    with np.load(MODELS / "ct-lesion-cls" / "golden.npz") as golden:
        return np.asarray(golden["input:image"][:2], dtype=np.float32)


def test_open_inference_protocol_json(service):
    meta = service.get("/v2/models/ct-lesion-cls").json()
    assert meta["platform"] == "onnxruntime_onnx"
    assert meta["inputs"] == [{"name": "image", "datatype": "FP32", "shape": [-1, 1, 128, 128]}]
    assert service.get(f"/v2/models/ct-lesion-cls/versions/{meta['versions'][0]}").status == 200
    assert service.get("/v2/models/ct-lesion-cls/versions/0.0.0-no").status == 404
    image = _image()
    reply = service.post_json("/v2/models/ct-lesion-cls/infer", {"id": "r1", "inputs": [
        {"name": "image", "shape": list(image.shape), "datatype": "FP32",
         "data": image.reshape(-1).tolist()}]})
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert answer["model_name"] == "ct-lesion-cls" and answer["id"] == "r1"
    expected = _direct("ct-lesion-cls", image)
    for out in answer["outputs"]:
        got = np.asarray(out["data"], np.float32).reshape(out["shape"])
        np.testing.assert_allclose(got, expected[out["name"]], rtol=1e-5, atol=1e-6)
    wrong = service.post_json("/v2/models/ct-lesion-cls/infer", {"inputs": [
        {"name": "image", "shape": [1, 1, 4, 4], "datatype": "FP32", "data": [0.0] * 16}]})
    assert wrong.status == 400 and wrong.json()["reason"] == "invalid_tensor"
    assert "takes [-1, 1, 128, 128]" in wrong.json()["message"]


def test_open_inference_protocol_binary(service):
    image = _image()
    header = json.dumps({"inputs": [
        {"name": "image", "shape": list(image.shape), "datatype": "FP32",
         "parameters": {"binary_data_size": image.nbytes}}],
        "outputs": [{"name": "probs", "parameters": {"binary_data": True}}, {"name": "cam"}]
    }).encode()
    reply = service.call("POST", "/v2/models/ct-lesion-cls/infer",
                         header + image.astype("<f4").tobytes(),
                         headers={"Inference-Header-Content-Length": str(len(header)),
                                  "Content-Type": "application/octet-stream"})
    assert reply.status == 200, reply.body
    length = int(reply.headers["inference-header-content-length"])
    answer = json.loads(reply.body[:length])
    probs, cam = answer["outputs"]
    assert probs["name"] == "probs" and "data" not in probs
    size = probs["parameters"]["binary_data_size"]
    got = np.frombuffer(reply.body[length:length + size], "<f4").reshape(probs["shape"])
    assert len(reply.body) == length + size  # cam came back as JSON
    expected = _direct("ct-lesion-cls", image)
    np.testing.assert_allclose(got, expected["probs"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(cam["data"], np.float32).reshape(cam["shape"]),
                               expected["cam"], rtol=1e-5, atol=1e-6)
    short = service.call("POST", "/v2/models/ct-lesion-cls/infer", header + b"\0" * 8,
                         headers={"Inference-Header-Content-Length": str(len(header))})
    assert short.status == 400 and short.json()["reason"] == "invalid_tensor"


def test_ready_and_metrics(service):
    ready = service.get("/v2/health/ready").json()
    assert ready["ready"] and ready["models"]["ct-lesion-cls"] == "available"
    assert service.get("/v2").json()["extensions"] == ["binary_tensor_data"]
    assert service.get("/v1/models").status == 200  # one answered, whatever ran before
    service.get("/v1/models", key=False)  # one failure at least, and one before routing:
    assert service.raw(b"POST /v2/models/x/infer HTTP/1.1\r\nHost: x\r\n"
                       b"Content-Length: 9000000\r\nExpect: 100-continue\r\n\r\n")[0] == 413
    text = service.get("/metrics").body.decode()
    assert 'lightbox_requests_total{method="GET",route="/v1/models",status="200"}' in text
    assert 'lightbox_failures_total{reason="unauthorized"}' in text
    assert 'lightbox_failures_total{reason="too_large"}' in text  # answered before routing
    assert 'route="unmatched",status="413"' in text
    assert "lightbox_request_seconds_bucket" in text


def test_the_openapi_document(service):
    document = service.get("/openapi.json", key=False).json()
    assert document["openapi"].startswith("3.")
    schemas = document["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for item in node:
                yield from refs(item)

    for ref in refs(document):
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in schemas
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert method in {"get", "post"} and "responses" in operation, path
    run = document["paths"]["/v1/models/{model_id}/run"]["post"]
    assert "multipart/form-data" in run["requestBody"]["content"]
    infer = document["paths"]["/v2/models/{name}/infer"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/octet-stream"} <= set(infer)
    assert {"InferRequest", "RequestInput", "InferResponse", "Problem"} <= set(schemas)
    # ?outputs=arrays: the pixels' schema is in the document
    assert {"RunArrays", "FrameArrays", "OutputArrays", "EncodedArray", "VolumeArrays",
            "Geometry", "ExactBox"} <= set(schemas)
    assert "outputs" in {p["name"] for p in run["parameters"]}
    assert "class" in schemas["ExactBox"]["properties"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def test_a_site_without_keys_binds_loopback_only(tmp_path, capsys, monkeypatch):
    from viewer.cli.serve import main

    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "none.toml"))
    assert main(["--host", "0.0.0.0"]) == 2
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err
    assert main(["--hash-key", "abc"]) == 0
    assert "hash: sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" in \
        capsys.readouterr().out


def test_not_ready_until_every_model_verifies(tmp_path):
    import shutil

    from tests.service.server import running_service

    models = tmp_path / "models"
    for name in ("ct-lesion-cls", "ct-lesion-det"):
        shutil.copytree(MODELS / name, models / name)
    (models / "ct-lesion-det" / "golden.npz").write_bytes(b"tampered")
    with running_service(tmp_path / "home", args=["--models-dir", str(models)]) as server:
        ready = server.get("/v2/health/ready")
        assert ready.status == 503 and not ready.json()["ready"]
        assert ready.json()["reason"] == "not_ready" and "ct-lesion-det" in ready.json()["message"]
        assert "golden.npz does not match its digest" in ready.json()["models"]["ct-lesion-det"]
        listed = {m["id"]: m for m in server.get("/v1/models").json()["models"]}
        assert not listed["ct-lesion-det"]["verified"] and listed["ct-lesion-cls"]["verified"]
        broken = server.post_json("/v2/models/ct-lesion-det/infer", {"inputs": []})
        assert broken.status == 503 and broken.json()["reason"] == "model_unavailable"
        # no key configured: the caller is named by its address
        assert server.get("/v1/models", key=False).status == 200


def test_docs_pages_fetch_nothing_from_outside(service):
    import re

    allowed = {  # hosts that appear in the bundles as identifiers or links, never fetched
        "www.w3.org", "json-schema.org", "datatracker.ietf.org", "www.rfc-editor.org",
        "spec.openapis.org", "github.com", "raw.githubusercontent.com", "swagger.io",
        "spdx.org", "redux.js.org", "reactjs.org", "fb.me", "example.com", "base",
        "www.tiktok.com", "twitter.com", "instagram.com", "www.facebook.com",
        "vladimirgorej.com", "soundcloud.com", "redocly.com", "stackoverflow.com",
        "marked.js.org", "git.io", "api.", "tailwindcss.com", "validator.swagger.io"}
    url = re.compile(rb"https?://([A-Za-z0-9.-]+)")
    for page in ("/docs", "/redoc"):
        reply = service.get(page, key=False)
        assert reply.status == 200
        assert reply.headers["content-security-policy"].startswith("default-src 'self'")
        assert not url.findall(reply.body), page  # the page itself names no other host
        sources = re.findall(rb'(?:src|href)="([^"]+)"', reply.body)
        assert sources and all(not s.startswith((b"http", b"//")) for s in sources)
        for source in sources:
            asset = service.get("/" + source.decode(), key=False)
            assert asset.status == 200, source
            hosts = {h.decode() for h in url.findall(asset.body)}
            assert hosts <= allowed, (source, hosts - allowed)
    assert b"validatorUrl: null" in service.get("/static/swagger-init.js", key=False).body
    assert b"cdn.redoc.ly" not in service.get("/static/redoc/redoc.standalone.js",
                                              key=False).body


def test_without_the_server_extra_serve_says_what_to_install(tmp_path):
    """As in the frozen workstation app, which does not contain the web stack."""
    import subprocess
    import sys

    from tests.service.server import environment

    blocker = ("import sys, importlib.abc\n"
               "class Block(importlib.abc.MetaPathFinder):\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] in {'fastapi', 'uvicorn', 'starlette'}:\n"
               "            raise ImportError('not installed: ' + name)\n"
               "sys.meta_path.insert(0, Block())\n"
               "from viewer.cli.main import main\n"
               "raise SystemExit(main(['serve']))\n")
    done = subprocess.run([sys.executable, "-c", blocker], cwd=ROOT, capture_output=True,
                          text=True, env=environment(tmp_path, ""), timeout=120)
    assert done.returncode == 1
    assert "needs the server extra (pip install 'lightbox[server]'" in done.stderr


def test_no_patient_data_in_logs_and_the_audit_chain_verifies(service, phantom, tmp_path,
                                                             monkeypatch, capsys):
    marked = []
    for path in phantom:
        ds = pydicom.dcmread(path)
        ds.PatientName, ds.PatientID = "Zzqmarker^Patient", "MRK-98765"
        ds.save_as(tmp_path / path.name)
        marked.append(tmp_path / path.name)
    assert service.upload("/v1/models/ct-lesion-det/run?dicom=sr", marked).status == 200
    assert service.upload("/v1/models/nope/run", marked).status == 404
    seen = (service.home / "serve.log").read_text(errors="replace")
    seen += "".join(p.read_text(errors="replace") for p in
                    (service.home / "audit").glob("*.jsonl"))
    seen += "".join(p.read_text(errors="replace") for p in
                    (service.home / "logs").rglob("*") if p.is_file())
    assert "Zzqmarker" not in seen and "MRK-98765" not in seen
    from viewer.cli.audit import main as audit_main
    from viewer.host.settings import load_settings

    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(service.home / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(service.home / "config"))
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(service.home / "site.toml"))
    assert audit_main(["verify"], load_settings()) == 0, capsys.readouterr()


def test_concurrent_clients_all_answered_and_audited(service, monkeypatch, capsys):
    """A load bounded in count (8 clients × 5 requests) on 127.0.0.1: every answer right,
    one audit record each, and the chain still verifies."""
    from concurrent.futures import ThreadPoolExecutor

    image = _image()[:1]
    body = {"inputs": [{"name": "image", "shape": list(image.shape), "datatype": "FP32",
                        "data": image.reshape(-1).tolist()}], "outputs": [{"name": "probs"}]}
    audit = service.home / "audit"

    def count() -> int:
        return sum(1 for p in audit.glob("*.jsonl") for line in p.read_text().splitlines()
                   if '"open inference protocol: raw tensors"' in line)

    before = count()
    expected = _direct("ct-lesion-cls", image)["probs"]

    def one(_: int) -> np.ndarray:
        reply = service.post_json("/v2/models/ct-lesion-cls/infer", body)
        assert reply.status == 200, reply.body
        (out,) = reply.json()["outputs"]
        return np.asarray(out["data"], np.float32).reshape(out["shape"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(40)))
    for got in answers:
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert count() == before + 40
    from viewer.cli.audit import main as audit_main
    from viewer.host.settings import load_settings

    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(audit))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(service.home / "config"))
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(service.home / "site.toml"))
    assert audit_main(["verify"], load_settings()) == 0, capsys.readouterr()


def test_a_mistake_in_the_keys_keeps_the_service_down(tmp_path, monkeypatch, capsys):
    from viewer.cli.serve import main

    site = tmp_path / "site.toml"
    site.write_text('service_api_keys = ["the-key-itself"]\n')
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    assert main([]) == 1
    err = capsys.readouterr().err
    assert "service_api_keys must be a list of" in err and "never the keys themselves" in err
