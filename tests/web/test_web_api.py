"""The web viewer's endpoints over HTTP against a real ``lightbox serve --demo`` process
with API keys and hidden identity: studies, series geometry in the viewer's order, frame
bytes equal to the viewer's own decode, a run on a stored series equal to the upload of
the same images, model files equal to their manifest digests, traversal refused, keys
required for data and not for the page."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.service.server import KEY, ROOT, running_service
from viewer.service.keys import hash_key

MODELS = ROOT / "models"
SITE = f"""service_api_keys = ["{hash_key(KEY)}"]
hide_identity = true
"""


@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    """--demo with keys, hidden identity, two verified models and a tampered one."""
    base = tmp_path_factory.mktemp("web-keyed")
    models = base / "models"
    for name in ("ct-body-seg", "ct-lesion-cls", "ct-lesion-det"):
        shutil.copytree(MODELS / name, models / name)
    (models / "ct-lesion-det" / "golden.npz").write_bytes(b"tampered")
    with running_service(base / "home", site=SITE, key=KEY,
                         args=["--demo", "--models-dir", str(models)]) as server:
        yield server


@pytest.fixture(scope="module")
def scanned(keyed):
    """The demo the service serves, scanned here by the viewer's own scan."""
    from viewer.io.scan import scan

    found = scan([keyed.home / "cache" / "demo"])
    return {s.uid: s for s in found.all_series() if s.has_images}


def phantom_uid(server) -> str:
    studies = server.get("/v1/studies").json()["studies"]
    study = next(s for s in studies if s["description"] == "Lightbox demo phantom")
    return str(server.get(f"/v1/studies/{study['study_uid']}/series").json()
               ["series"][0]["series_uid"])


def test_studies_are_the_demo_with_identity_hidden(keyed, scanned):
    answer = keyed.get("/v1/studies")
    assert answer.status == 200 and answer.json()["identity_hidden"] is True
    studies = answer.json()["studies"]
    assert {s["source"] for s in studies} == {"local"}
    assert all(s["patient"] == "" and s["patient_id"] == "" for s in studies)
    assert "Demo^Phantom" not in answer.body.decode()
    phantom = next(s for s in studies if s["description"] == "Lightbox demo phantom")
    assert phantom["modalities"] == ["CT"] and phantom["series"] == 1
    listed = {x["series_uid"] for s in studies
              for x in keyed.get(f"/v1/studies/{s['study_uid']}/series").json()["series"]}
    assert listed == set(scanned)
    missing = keyed.get("/v1/studies/1.2.3.4/series")
    assert missing.status == 404 and missing.json()["reason"] == "unknown_study"
    assert missing.json()["detail"] == missing.json()["message"]
    shown = keyed.get("/v1/studies?show_identity=true").json()  # not locked: as the
    assert shown["identity_hidden"] is False  # desktop's View menu, a reader may show it
    assert "Demo^Phantom" in {s["patient"] for s in shown["studies"]}
    started = (keyed.home / "serve.log").read_text()
    assert f"the web viewer at /web/ offers {len(studies)} studies from " in started


def test_series_geometry_is_in_the_viewers_spatial_order(keyed, scanned):
    uid = phantom_uid(keyed)
    info = keyed.get(f"/v1/series/{uid}").json()
    series = scanned[uid]
    assert info["modality"] == "CT" and info["body_part"] == "CHEST"
    assert info["samples"] == 1 and info["photometric"] == "MONOCHROME2"
    assert [f["sop_instance_uid"] for f in info["frames"]] == [
        f.instance.sop_instance_uid for f in series.frames]
    z = [f["position"][2] for f in info["frames"]]
    assert z == sorted(z, reverse=True) or z == sorted(z)  # sorted along the normal
    first = info["frames"][0]
    assert first["orientation"] == [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    assert first["pixel_spacing"] == list(series.frames[0].geometry.spacing)
    assert first["rows"] == first["columns"] == 256
    names = [p["name"] for p in info["presets"]]
    assert "Lung" in names and "Bone" in names  # the site's CT presets


def test_frames_are_the_viewers_own_decode_for_every_transfer_syntax(keyed, scanned):
    from viewer.imaging.lut import modality_values
    from viewer.io.pixels import read_frame

    syntaxes = set()
    for uid, series in scanned.items():
        for index in {0, len(series.frames) - 1}:
            ref = series.frames[index]
            reply = keyed.get(f"/v1/series/{uid}/frames/{index}")
            assert reply.status == 200, reply.body
            assert reply.headers["content-type"] == "application/octet-stream"
            stored = read_frame(ref)
            if stored.ndim == 3:
                expected = stored.astype(np.uint8).tobytes()
                assert reply.headers["x-lightbox-samples"] == "3"
                assert reply.headers["x-lightbox-dtype"] == "uint8"
            else:
                expected = modality_values(stored, ref.instance, ref.frame).astype(
                    "<f4").tobytes()
                assert reply.headers["x-lightbox-dtype"] == "float32"
            assert int(reply.headers["x-lightbox-rows"]) == stored.shape[0]
            assert int(reply.headers["x-lightbox-columns"]) == stored.shape[1]
            assert reply.body == expected, f"{uid} frame {index}"
            syntaxes.add(ref.instance.pixel.transfer_syntax)
    assert "1.2.840.10008.1.2.4.91" in syntaxes or "1.2.840.10008.1.2.4.90" in syntaxes
    assert "1.2.840.10008.1.2.5" in syntaxes  # RLE
    beyond = keyed.get(f"/v1/series/{phantom_uid(keyed)}/frames/64")
    assert beyond.status == 404 and beyond.json()["reason"] == "unknown_frame"


def test_a_run_on_a_stored_series_equals_the_upload_of_its_images(keyed, scanned):
    uid = phantom_uid(keyed)
    series = scanned[uid]
    middle = [30, 31]
    stored = keyed.call("POST", f"/v1/series/{uid}/run?model=ct-body-seg&frames=0,1")
    assert stored.status == 200, stored.body
    upload = keyed.upload("/v1/models/ct-body-seg/run?outputs=arrays",
                          [series.frames[i].instance.path for i in (0, 1)])
    assert upload.status == 200, upload.body
    a, b = stored.json(), upload.json()
    assert a["provenance"] == b["provenance"] and a["provenance"]["provider"]
    assert a["results"] == b["results"] and a["arrays"] == b["arrays"]
    assert len(a["arrays"]["frames"]) == 2
    inside = keyed.call("POST", f"/v1/series/{uid}/run?model=ct-body-seg&frames="
                        + ",".join(map(str, middle)))
    assert [f["frame_index"] for f in inside.json()["arrays"]["frames"]] == middle
    wrong = keyed.call("POST", f"/v1/series/{uid}/run?model=ct-body-seg&frames=0,99")
    assert wrong.status == 400 and "frames 0 to 63" in wrong.json()["detail"]
    mr = next(u for u, s in scanned.items() if s.modality == "MR")
    refused = keyed.call("POST", f"/v1/series/{mr}/run?model=ct-body-seg")
    assert refused.status == 409 and refused.json()["reason"] == "intended_use"
    assert refused.json()["warnings"]
    unknown = keyed.call("POST", f"/v1/series/{uid}/run?model=nope")
    assert unknown.status == 404 and unknown.json()["reason"] == "unknown_model"


def test_model_files_match_their_manifest_and_nothing_else_is_given(keyed):
    folder = MODELS / "ct-lesion-cls"
    manifest = keyed.get("/v1/models/ct-lesion-cls/files/manifest.json")
    assert manifest.status == 200 and manifest.body == (folder / "manifest.json").read_bytes()
    listed = json.loads(manifest.body)["files"]
    for name, digest in listed.items():
        got = keyed.get(f"/v1/models/ct-lesion-cls/files/{name}")
        assert got.status == 200 and hashlib.sha256(got.body).hexdigest() == digest
    signature = keyed.get("/v1/models/ct-lesion-cls/files/signature.json")
    assert signature.status == 200 and signature.body == (folder / "signature.json").read_bytes()
    for name in ("..%2F..%2Fsite.toml", "..%2Fct-body-seg%2Fmodel.onnx",
                 "%2Fetc%2Fpasswd", "recipe.py", "model.onnx%00", ".%2Fmodel.onnx"):
        refused = keyed.get(f"/v1/models/ct-lesion-cls/files/{name}")
        assert refused.status == 404 and refused.json()["reason"] in ("unknown_file",
                                                                      "not_found"), name
    tampered = keyed.get("/v1/models/ct-lesion-det/files/model.onnx")
    assert tampered.status == 503 and tampered.json()["reason"] == "model_unavailable"


def test_data_needs_the_key_and_the_page_does_not(keyed):
    uid = phantom_uid(keyed)
    for path in ("/v1/studies", f"/v1/series/{uid}", f"/v1/series/{uid}/frames/0",
                 "/v1/models/ct-lesion-cls/files/model.onnx",
                 f"/v1/studies/{keyed.get('/v1/studies').json()['studies'][0]['study_uid']}"
                 "/series"):
        refused = keyed.get(path, key=False)
        assert refused.status == 401 and refused.json()["reason"] == "unauthorized", path
    run = keyed.call("POST", f"/v1/series/{uid}/run?model=ct-body-seg", key=False)
    assert run.status == 401
    page = keyed.get("/web/", key=False, headers={"Accept": "text/html"})
    assert page.status == 200 and b"<html" in page.body


def test_the_page_is_served_isolated_and_same_origin_only(keyed):
    page = keyed.get("/web/", key=False)
    csp = page.headers["content-security-policy"]
    for rule in ("script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self' blob:",
                 "connect-src 'self'", "img-src 'self' data: blob:", "style-src 'self'"):
        assert rule in csp
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    assert page.headers["cross-origin-embedder-policy"] == "require-corp"
    assert page.headers["cache-control"] == "no-cache"
    assert keyed.get("/web", key=False).status == 200  # redirected to /web/
    import re

    for asset in re.findall(rb'(?:src|href)="(/web/assets/[^"]+)"', page.body):
        got = keyed.get(asset.decode(), key=False)
        assert got.status == 200 and "immutable" in got.headers["cache-control"]
        media = {b"js": "text/javascript", b"css": "text/css"}[asset.rsplit(b".", 1)[1]]
        assert got.headers["content-type"].startswith(media), asset
    import gzip

    (script,) = re.findall(rb'src="(/web/assets/[^"]+\.js)"', page.body)
    plain = keyed.get(script.decode(), key=False)
    packed = keyed.get(script.decode(), key=False, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip" and len(packed.body) < len(plain.body)
    assert gzip.decompress(packed.body) == plain.body
    assert packed.headers["content-security-policy"] == csp
    assert keyed.get("/web/assets/..%2F..%2Fapp.py", key=False).status == 404
    assert keyed.get("/web/nothing-here.js", key=False).status == 404


def test_media_types_and_the_unbuilt_page(tmp_path):
    from viewer.service.routes_web import web_response

    unbuilt = web_response(tmp_path, "", "text/html")
    assert unbuilt.status_code == 503 and b"npm run build" in bytes(unbuilt.body)
    problem = json.loads(bytes(web_response(tmp_path, "", "application/json").body))
    assert problem["reason"] == "web_not_built" and "npm run build" in problem["detail"]
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    for name, media in (("ort.wasm", "application/wasm"), ("ort.mjs", "text/javascript"),
                        ("a.js", "text/javascript"), ("a.css", "text/css")):
        (tmp_path / "assets" / name).write_bytes(b"\0asm" if name.endswith("wasm") else b"")
        answer = web_response(tmp_path, f"assets/{name}")
        assert answer.media_type is not None and answer.media_type.startswith(media), name


def test_the_openapi_document_describes_the_web_endpoints(keyed):
    document = keyed.get("/openapi.json", key=False).json()
    for path in ("/v1/studies", "/v1/studies/{study_uid}/series", "/v1/series/{series_uid}",
                 "/v1/series/{series_uid}/frames/{index}", "/v1/series/{series_uid}/run",
                 "/v1/models/{model_id}/files/{name}", "/v1/studies/{study_uid}/retrieve"):
        assert path in document["paths"], path
    schemas = document["components"]["schemas"]
    for name in ("StudyList", "SeriesList", "SeriesInfo", "FrameInfo", "RetrieveAnswer"):
        assert name in schemas, name
    assert "/web/{path}" not in document["paths"]


def test_serve_refuses_a_studies_folder_that_does_not_exist(tmp_path, capsys):
    from viewer.cli.serve import main

    assert main(["--studies", str(tmp_path / "nowhere")]) == 2
    assert "--studies" in capsys.readouterr().err and not Path(tmp_path / "nowhere").exists()
