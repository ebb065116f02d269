"""The viewer as a client of a REAL ``lightbox serve`` process (tests/service/server.py):
the same Results as a run here, the server's model checked against the artifact verified
here, and every failure a clear message."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from tests.service.server import KEY, ROOT, free_port, running_service
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference.errors import IntendedUseError
from viewer.inference.registry import ModelRegistry
from viewer.io.scan import scan
from viewer.net.errors import ServerAuthError, ServerModelMismatchError, ServerUnreachableError


def client_settings(tmp_path, url, key=KEY, name="gpu1"):
    key_file = tmp_path / f"{name}.key"
    key_file.write_text(key + "\n")
    site = tmp_path / f"site-{name}.toml"
    site.write_text(f'[inference_servers.{name}]\nurl = "{url}"\n'
                    f'api_key_file = "{key_file}"\ntimeout_s = 120\n')
    settings = load_settings(site)
    assert not settings.problems, settings.problems
    return settings


@pytest.fixture(scope="module")
def registry():
    return ModelRegistry([ROOT / "models"], settings=load_settings())


def _series(folder):
    return next(s for s in scan([folder]).all_series() if s.has_images)


def _same_output(a, b) -> None:
    """Two outputs equal as a reader would see them: same type, fields, pixels, numbers."""
    from viewer.inference.results import (
        BoxesOutput,
        HeatmapOutput,
        LabelsOutput,
        MaskOutput,
        ValuesOutput,
    )

    assert type(a) is type(b) and a.output == b.output
    if isinstance(a, MaskOutput):
        assert a.labels == b.labels and a.counts == b.counts
        assert a.mask.dtype == b.mask.dtype and np.array_equal(a.mask, b.mask)
        assert not b.mask.flags.writeable
    elif isinstance(a, HeatmapOutput):
        assert (a.colormap, a.for_output, a.box, a.value_range) == (
            b.colormap, b.for_output, b.box, b.value_range)
        assert a.grid is not None and b.grid is not None and a.grid.dtype == b.grid.dtype
        np.testing.assert_allclose(b.grid, a.grid, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(b.heatmap, a.heatmap, rtol=1e-5, atol=1e-6)
    elif isinstance(a, BoxesOutput):
        assert (a.score_threshold, a.classes) == (b.score_threshold, b.classes)
        for mine, theirs in ((a.boxes, b.boxes), (a.candidates, b.candidates)):
            assert [(x.class_index, x.class_name, x.color) for x in mine] == [
                (x.class_index, x.class_name, x.color) for x in theirs]
            np.testing.assert_allclose([[x.x0, x.y0, x.x1, x.y1, x.score] for x in theirs],
                                       [[x.x0, x.y0, x.x1, x.y1, x.score] for x in mine],
                                       rtol=1e-5, atol=1e-4)
    elif isinstance(a, LabelsOutput | ValuesOutput):
        assert a.labels == b.labels if isinstance(a, LabelsOutput) else (
            (a.names, a.units, a.decimals) == (b.names, b.units, b.decimals))
        got = b.probabilities if isinstance(b, LabelsOutput) else b.values
        np.testing.assert_allclose(got, a.probabilities if isinstance(a, LabelsOutput)
                                   else a.values, rtol=1e-5, atol=1e-6)


# Every output kind the bundled models have: a 2-D mask, labels + heatmap, boxes with
# candidates below the threshold, a volume model's masks with its mL summary.
KINDS = {"ct-body-seg": "mask", "ct-lesion-cls": "labels+heatmap",
         "ct-lesion-det": "boxes", "ct-body-seg3d": "volume mask + mL"}


@pytest.mark.parametrize("model_id", list(KINDS))
def test_remote_run_gives_the_local_results(service, phantom, registry, tmp_path, model_id):
    from viewer.inference.remote import run_remote
    from viewer.inference.runner import run_model

    settings = client_settings(tmp_path, service.url)
    series = _series(phantom[0].parent)
    audit = AuditLog.of(settings)
    entry = registry.get(model_id)
    here = run_model(entry, series, accept_warnings=True, audit_log=audit)
    there = run_remote(entry, series, server="gpu1", settings=settings,
                       audit_log=audit, accept_warnings=True)
    assert len(there) == len(here)
    for a, b in zip(here, there, strict=True):
        assert b.provenance.server == "gpu1"
        assert b.provenance.provider == "CPUExecutionProvider"
        assert b.provenance.label.endswith(" · on gpu1 (CPU)")
        assert (b.provenance.model_digest, b.provenance.sop_instance_uid,
                b.provenance.frame_index, b.provenance.instance_frame) == (
            a.provenance.model_digest, a.provenance.sop_instance_uid,
            a.provenance.frame_index, a.provenance.instance_frame)
        assert (b.shape, b.geometry, b.warnings, b.domain) == (
            a.shape, a.geometry, a.warnings, a.domain)
        assert [type(o) for o in b.outputs] == [type(o) for o in a.outputs]
        for oa, ob in zip(a.outputs, b.outputs, strict=True):
            _same_output(oa, ob)
        assert (a.volume is None) == (b.volume is None)
        if a.volume is not None:
            assert b.volume == a.volume  # mL per label, grid, patches: the same summary
    if model_id == "ct-body-seg":  # a segmentation really came back
        assert any(np.count_nonzero(r.masks[0].mask) for r in there)
    if model_id == "ct-lesion-cls":  # the heatmap, as the desktop keeps it
        assert there[0].heatmaps and there[0].heatmaps[0].grid.shape == (16, 16)
    if model_id == "ct-lesion-det":  # the candidates for the threshold slider came back
        assert sum(len(r.boxes[0].candidates) for r in there) > sum(
            len(r.boxes[0].boxes) for r in there)
    if model_id == "ct-body-seg3d":
        assert there[0].volume is not None and there[0].volume.volumes
        assert there[0].volume is there[-1].volume  # one summary shared, as here
    # SEG/SR export (and so send-to-PACS) takes them as it takes a run here
    from viewer.inference.dicom_export import write_dicom

    for folder in ("here", "there"):
        (tmp_path / model_id / folder).mkdir(parents=True)
    written = write_dicom(there, series, tmp_path / model_id / "there")
    assert written and [p.name for p in written] == [p.name for p in write_dicom(
        here, series, tmp_path / model_id / "here")]
    records = [r for r in audit.records() if "gpu1" in r.get("runtime", "")]
    assert records and all("CPUExecutionProvider" in r["runtime"] for r in records)
    # the drift statistics of the run there, recorded here, are those of the run here
    local = next(r for r in reversed(audit.records()) if "gpu1" not in r["runtime"])
    assert records[-1]["stats"]["provider"] == "CPUExecutionProvider"
    assert records[-1]["stats"]["input"] == local["stats"]["input"]
    assert records[-1]["stats"]["output"] == local["stats"]["output"]


def test_the_json_default_is_unchanged_and_arrays_come_on_request(service, phantom):
    """Without ?outputs the answer is the summary it always was (no ``arrays`` key); with
    it, compressed label maps whose counts are the summary's."""
    plain = service.upload("/v1/models/ct-body-seg/run", phantom)
    assert plain.status == 200 and "arrays" not in plain.json()
    reply = service.upload("/v1/models/ct-body-seg/run?outputs=arrays", phantom)
    assert reply.status == 200, reply.body
    answer = reply.json()
    assert answer["results"] == plain.json()["results"]
    from viewer.service.schemas import RunResponse

    assert RunResponse.model_validate(answer).arrays is not None  # as the OpenAPI says
    from viewer.inference.result_arrays import decode_array

    for frame, summary in zip(answer["arrays"]["frames"], answer["results"], strict=True):
        (out,) = frame["outputs"]
        assert out["label_map"]["encoding"] == "zlib+base64"
        mask = decode_array(out["label_map"])
        assert mask.shape == (128, 128) and mask.dtype == np.uint8
        pixels = {lb["value"]: lb["pixels"] for lb in summary["outputs"][0]["labels"]}
        assert all(int(np.count_nonzero(mask == v)) == n for v, n in pixels.items())
        assert len(out["label_map"]["data"]) < mask.nbytes // 4  # compressed
    bad = service.upload("/v1/models/ct-body-seg/run?outputs=pixels", phantom)
    assert bad.status == 400 and bad.json()["reason"] == "bad_request"


def _older_build(folder, tmp_path, **changes):
    """ct-lesion-cls as another build (default: the older version 0.9.0), its digest
    recomputed and signed by a key the server's site trusts."""
    from viewer.inference.digest import manifest_digest
    from viewer.inference.signing import generate_key, sign_artifact

    target = folder / "ct-lesion-cls"
    shutil.copytree(ROOT / "models" / "ct-lesion-cls", target)
    (target / "signature.json").unlink()
    manifest = json.loads((target / "manifest.json").read_text())
    manifest.update(changes or {"version": "0.9.0"})
    manifest["digest"] = manifest_digest(manifest)
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    private, public = generate_key(folder / "keys")
    sign_artifact(target, private)
    return public.read_text().strip()


def test_a_server_with_another_build_is_refused_field_by_field(phantom, registry, tmp_path):
    from viewer.inference.remote import check_server, run_remote
    from viewer.service.keys import hash_key

    models = tmp_path / "models"
    public = _older_build(models, tmp_path)
    site = f'service_api_keys = ["{hash_key(KEY)}"]\ntrusted_keys = ["{public}"]\n'
    with running_service(tmp_path / "old", site=site, key=KEY,
                         args=["--models-dir", str(models)]) as old:
        assert old.get("/v1/models").json()["models"][0]["verified"]
        settings = client_settings(tmp_path, old.url, name="old")
        entry = registry.get("ct-lesion-cls")
        audit = AuditLog.of(settings)
        with pytest.raises(ServerModelMismatchError) as refused:
            check_server(settings, "old", entry)
        fields = [d.split(":")[0] for d in refused.value.differences]
        assert fields == ["version", "digest"]
        assert "on the server '0.9.0'" in str(refused.value)
        assert f"here '{entry.version}'" in str(refused.value)
        with pytest.raises(ServerModelMismatchError):
            run_remote(entry, _series(phantom[0].parent), server="old", settings=settings,
                       audit_log=audit, accept_warnings=True)
        last = audit.records()[-1]  # refused here, before anything was sent
        assert last["outcome"] == "refused" and last["frames"] == 0
        assert last["message"] == ("inference server old serves another model: version, "
                                   "digest differ")
        # a model the server does not have at all
        with pytest.raises(ServerModelMismatchError, match="the server has no model"):
            check_server(settings, "old", registry.get("ct-body-seg"))


def test_wrong_key_and_no_key_are_named(service, registry, tmp_path):
    from viewer.inference.remote import check_server

    entry = registry.get("ct-lesion-cls")
    wrong = client_settings(tmp_path, service.url, key="not-the-key", name="wrong")
    with pytest.raises(ServerAuthError, match="does not accept this workstation's API key"):
        check_server(wrong, "wrong", entry)
    site = tmp_path / "nokey.toml"
    site.write_text(f'[inference_servers.nokey]\nurl = "{service.url}"\n')
    with pytest.raises(ServerAuthError, match="asks for an API key and the site gives none"):
        check_server(load_settings(site), "nokey", entry)
    assert KEY not in (service.home / "serve.log").read_text(errors="replace")


def test_a_server_that_is_down_is_named_and_a_run_here_still_works(phantom, registry,
                                                                    tmp_path):
    from viewer.inference.remote import check_server
    from viewer.inference.runner import run_model

    settings = client_settings(tmp_path, f"http://127.0.0.1:{free_port()}", name="down")
    entry = registry.get("ct-lesion-cls")
    with pytest.raises(ServerUnreachableError, match=r"inference server down \(127\.0\.0\.1:"
                       r"\d+\) cannot be reached .*not running"):
        check_server(settings, "down", entry)
    here = run_model(entry, _series(phantom[0].parent), accept_warnings=True,
                     audit_log=AuditLog.of(settings))
    assert here and here[0].provenance.server == ""


def test_intended_use_warnings_are_asked_here_first(service, registry, tmp_path):
    """An MR series for a CT model: refused here with the same warnings as a local run,
    before anything is uploaded."""
    from viewer.inference.remote import run_remote
    from viewer.io.demo import write_phantom_series

    settings = client_settings(tmp_path, service.url)
    import pydicom

    files = write_phantom_series(tmp_path / "mr", slices=2, size=64)
    for path in files:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.save_as(path)
    series = _series(files[0].parent)
    with pytest.raises(IntendedUseError) as refused:
        run_remote(registry.get("ct-lesion-cls"), series, server="gpu1", settings=settings,
                   audit_log=AuditLog.of(settings))
    assert any("MR" in w for w in refused.value.warnings)


def test_the_docs_example_configures_a_server_and_runs_on_it(service, phantom, tmp_path):
    """docs/service.md "The viewer as a client": its table is a valid site configuration,
    and its command runs on a real server and writes what a run here writes."""
    import re
    import subprocess
    import sys

    from tests.service.server import environment

    doc = (ROOT / "docs" / "service.md").read_text(encoding="utf-8")
    start = doc.index("## The viewer as a client")
    part = doc[start:doc.index("\n## ", start + 1)]  # to the next section
    (toml,) = re.findall(r"```toml\n(.*?)```", part, re.S)
    (command,) = re.findall(r"```sh\n(.*?)```", part, re.S)
    site = tmp_path / "doc.toml"
    site.write_text(toml)
    documented = load_settings(site)
    assert not documented.problems and documented.inference_servers["gpu1"].port == 8443
    key = tmp_path / "gpu1.key"
    key.write_text(KEY)
    text = toml.replace("https://ai.hospital.local:8443", service.url).replace(
        "/etc/lightbox/gpu1.key", str(key))
    env = environment(tmp_path / "client", text)
    args = command.strip().replace('"$SERIES"', str(phantom[0].parent)).split()
    assert args[0] == "lightbox"
    done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    written = json.loads((tmp_path / "results" / "ct-body-seg-frame-0000.json").read_text())
    assert written["marking"].endswith(" · on gpu1 (CPU)")
    assert written["computed_on"] == {"server": "gpu1", "provider": "CPUExecutionProvider"}
    assert written["model"]["digest"] == json.loads(
        (ROOT / "models" / "ct-body-seg" / "manifest.json").read_text())["digest"]
    assert KEY not in done.stdout + done.stderr


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_mutual_tls_with_the_site_files(phantom, registry, tmp_path):
    """A server with service_mutual_tls: the viewer runs on it with the site's CA and its
    certificate; without a certificate it is told that the server requires one."""
    from tests.service.test_mutual_tls import _certificates
    from viewer.inference.remote import check_server, run_remote

    certs = tmp_path / "certs"
    _certificates(certs)
    served = (f'service_mutual_tls = true\ntls_ca_file = "{certs / "ca.pem"}"\n'
              f'tls_cert_file = "{certs / "server.pem"}"\n'
              f'tls_key_file = "{certs / "server.key"}"\n')
    import ssl

    probe = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    probe.load_cert_chain(str(certs / "client.pem"), str(certs / "client.key"))
    with running_service(tmp_path / "tls", site=served, context=probe) as server:
        site = tmp_path / "client.toml"
        table = f'[inference_servers.secure]\nurl = "{server.url}"\n'
        site.write_text(f'tls_ca_file = "{certs / "ca.pem"}"\n'
                        f'tls_cert_file = "{certs / "client.pem"}"\n'
                        f'tls_key_file = "{certs / "client.key"}"\n' + table)
        settings = load_settings(site)
        entry = registry.get("ct-lesion-cls")
        results = run_remote(entry, _series(phantom[0].parent), server="secure",
                             settings=settings, audit_log=AuditLog.of(settings))
        assert len(results) == 4 and results[0].provenance.server == "secure"
        site.write_text(f'tls_ca_file = "{certs / "ca.pem"}"\n' + table)
        with pytest.raises(ServerUnreachableError, match="requires this workstation's "
                           "certificate"):
            check_server(load_settings(site), "secure", entry)
        site.write_text(table)  # the system's authorities do not know the site's CA
        with pytest.raises(ServerUnreachableError, match="certificate is not trusted"):
            check_server(load_settings(site), "secure", entry)


def test_too_many_files_and_a_silent_server_and_a_cancel(service, registry, tmp_path):
    """413 (the server's service_max_instances is 8: tests/service/conftest.py), a server
    that accepts the connection and never answers, and a run cancelled in its upload."""
    import socket

    from viewer.errors import Cancelled
    from viewer.inference.remote import run_remote
    from viewer.io.demo import write_phantom_series
    from viewer.net.errors import ServerRefusedError
    from viewer.tasks.cancel import CancelToken

    settings = client_settings(tmp_path, service.url)
    big = _series(write_phantom_series(tmp_path / "big", slices=10, size=32)[0].parent)
    entry = registry.get("ct-lesion-cls")
    audit = AuditLog.of(settings)
    with pytest.raises(ServerRefusedError, match="does not take a series this large") as large:
        run_remote(entry, big, server="gpu1", settings=settings, audit_log=audit,
                   accept_warnings=True)
    assert large.value.status == 413
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_remote(entry, big, server="gpu1", settings=settings, audit_log=audit,
                   accept_warnings=True, cancel=token)
    assert [r["outcome"] for r in audit.records()[-2:]] == ["error", "cancelled"]
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        site = tmp_path / "silent.toml"
        site.write_text(f'[inference_servers.silent]\nurl = "http://127.0.0.1:{port}"\n'
                        "timeout_s = 1\n")
        from viewer.inference.remote import check_server

        with pytest.raises(ServerUnreachableError, match=r"did not answer within 1 s"):
            check_server(load_settings(site), "silent", entry)


def test_infer_server_usage_mistakes(phantom, tmp_path, capsys):
    from viewer.cli.ai import infer_main

    settings = client_settings(tmp_path, "http://127.0.0.1:9", name="gpu1")
    folder = str(phantom[0].parent)
    assert infer_main([folder, "--model", "ct-lesion-cls", "--out", str(tmp_path / "o"),
                       "--server", "gpu2"], settings) == 2
    assert "--server gpu2: no such inference server (the site's: gpu1)" in \
        capsys.readouterr().err
    assert infer_main([folder, "--model", "ct-lesion-cls", "--out", str(tmp_path / "o"),
                       "--server", "gpu1", "--frame", "0"], settings) == 2
    assert "--server runs the whole series" in capsys.readouterr().err
    # a server that is down: exit 1 with the reason, nothing written
    assert infer_main([folder, "--model", "ct-lesion-cls", "--out", str(tmp_path / "o"),
                       "--server", "gpu1"], settings) == 1
    assert "inference server gpu1 (127.0.0.1:9) cannot be reached" in capsys.readouterr().err
    assert not list((tmp_path / "o").glob("*.json"))


def test_the_self_test_checks_each_server(service, tmp_path):
    from viewer.cli.selftest import check_inference_servers

    settings = client_settings(tmp_path, service.url)
    (offline,) = check_inference_servers(settings, network=False)
    assert offline.status == "OK" and "key and TLS files can be used" in offline.detail
    (online,) = check_inference_servers(settings, network=True)
    assert online.status == "OK", online.detail
    assert "serves 5 of this workstation's 5 verified models identically" in online.detail
    (tmp_path / "gpu1.key").unlink()
    (missing,) = check_inference_servers(settings, network=False)
    assert missing.status == "FAIL" and "cannot be read from the site's api_key_file" in \
        missing.detail
    assert check_inference_servers(load_settings(tmp_path / "none.toml"), True) == []


def test_a_server_error_is_named_with_its_reason(phantom, registry, tmp_path):
    """A 5xx: the server cannot write its audit log, so it runs nothing (503
    audit_unavailable); the reader is told so, with the server's reason."""
    from viewer.inference.remote import run_remote
    from viewer.net.errors import ServerRefusedError
    from viewer.service.keys import hash_key

    home = tmp_path / "broken"
    home.mkdir()
    (home / "audit").write_text("a file where the audit folder should be")
    with running_service(home, site=f'service_api_keys = ["{hash_key(KEY)}"]\n',
                         key=KEY) as broken:
        settings = client_settings(tmp_path, broken.url, name="broken")
        with pytest.raises(ServerRefusedError) as failed:
            run_remote(registry.get("ct-lesion-cls"), _series(phantom[0].parent),
                       server="broken", settings=settings,
                       audit_log=AuditLog.of(load_settings()))
    assert failed.value.status == 503 and failed.value.reason == "audit_unavailable"
    assert str(failed.value).startswith("inference server broken (127.0.0.1:")
    assert "failed (HTTP 503, audit_unavailable): the run cannot be recorded" in \
        str(failed.value)


def test_a_rebuild_of_the_same_version_is_refused_by_its_digest(registry, tmp_path):
    """Same id and version, another build (its description changed): only the digest
    differs, and that is enough."""
    from viewer.inference.remote import check_server
    from viewer.service.keys import hash_key

    models = tmp_path / "models"
    public = _older_build(models, tmp_path, description="rebuilt")
    site = f'service_api_keys = ["{hash_key(KEY)}"]\ntrusted_keys = ["{public}"]\n'
    with running_service(tmp_path / "rebuilt", site=site, key=KEY,
                         args=["--models-dir", str(models)]) as rebuilt:
        settings = client_settings(tmp_path, rebuilt.url, name="rebuilt")
        with pytest.raises(ServerModelMismatchError) as refused:
            check_server(settings, "rebuilt", registry.get("ct-lesion-cls"))
    assert [d.split(":")[0] for d in refused.value.differences] == ["digest"]
