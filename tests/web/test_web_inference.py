"""Models in the browser (web/src/inference) through the real page: Debian's headless
Chromium on ``lightbox serve --demo``. Each bundled model's files are checked and its
golden vectors replayed in WebAssembly (and WebGPU where the browser offers it); the 2-D
models' results on the demo study's frames equal the viewer's own run (viewer.inference
with Python's ONNX Runtime) within the manifest's tolerance; a model file changed on the
server after the service verified it is refused in the page, the file named, nothing
drawn. The volume models' runs: tests/web/test_web_volume.py. No request leaves 127.0.0.1."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from tests.service.server import ROOT, running_service
from tests.web.browser import WEBAPP, outside
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, run_model
from viewer.inference.agreement import Tolerance, agreement
from viewer.inference.result_arrays import decode_array, frame_arrays
from viewer.io.demo import phantom_regions
from viewer.io.scan import scan

MODELS = ("ct-body-seg", "ct-body-seg3d", "ct-lesion-cls", "ct-lesion-det", "mr-brain-tissue")
SLICE_MODELS = ("ct-body-seg", "ct-lesion-cls", "ct-lesion-det")

#: window.lightbox.inference.verify(id, backend) → the Verification, as JSON
VERIFY = """const [id, backend, done] = arguments;
window.lightbox.inference.verify(id, backend).then(v => done(v), e => done({error: String(e)}));"""
BACKENDS = """const done = arguments[arguments.length - 1];
window.lightbox.inference.backends().then(done, e => done({error: String(e)}));"""
#: window.lightbox.runModel(...) → the RunResult with its typed arrays as plain lists
RUN = """const [id, options, done] = arguments;
const plain = (key, value) => ArrayBuffer.isView(value) ? Array.from(value) : value;
window.lightbox.runModel(id, options).then(
  r => done(JSON.parse(JSON.stringify(r, plain))), e => done({error: String(e.message || e)}));"""
OPEN = """const [uid, done] = arguments;
window.lightbox.openSeries(uid).then(() => done(''), e => done(String(e)));"""


def phantom_series(server) -> str:
    studies = server.get("/v1/studies").json()["studies"]
    study = next(s for s in studies if s["description"] == "Lightbox demo phantom")
    return str(server.get(f"/v1/studies/{study['study_uid']}/series").json()
               ["series"][0]["series_uid"])


def test_every_bundled_model_replays_its_golden_vectors_in_webassembly(demo_page):
    offered = demo_page.wait_for(BACKENDS)
    assert "wasm" in offered["available"], offered
    for model_id in MODELS:
        found = demo_page.wait_for(VERIFY, model_id, "wasm", timeout=300)
        assert found.get("ok") is True, found
        assert found["files_checked"] == ["manifest.json", "model.onnx", "golden.npz"]
        assert 0 <= found["golden_worst"] <= 1
        assert found["model"]["id"] == model_id and found["backend"] == "wasm"
    # onnxruntime-web's runtime came from the page's own bundle, not a CDN
    runtime = [u for u in demo_page.requests() if "ort-wasm-simd-threaded" in u]
    assert any(u.endswith(".wasm") and "/web/assets/" in u for u in runtime), runtime
    assert outside(runtime) == []
    built = {p.suffix for p in WEBAPP.glob("assets/ort-wasm-simd-threaded*")}
    assert built == {".wasm", ".mjs"}, built


def test_webgpu_replays_too_where_the_browser_offers_it(demo_page):
    offered = demo_page.wait_for(BACKENDS)
    if "webgpu" not in offered["available"]:
        note = next(n for n in offered["notes"] if n.startswith("WebGPU"))
        pytest.skip(f"headless Chromium here does not offer WebGPU ({note})")
    for model_id in MODELS:
        found = demo_page.wait_for(VERIFY, model_id, "webgpu", timeout=300)
        assert found.get("ok") is True, found


def _python_results(server, model_id: str, frames: list[int]):
    demo = server.home / "cache" / "demo"
    series = next(s for s in scan([demo]).all_series() if s.has_images
                  and s.description and "phantom" in (s.description or "").lower())
    registry = ModelRegistry([ROOT / "models"], settings=load_settings())
    results = run_model(registry.get(model_id), series, frames, accept_warnings=True,
                        audit_log=AuditLog.of(load_settings()))
    return registry.get(model_id).manifest, [frame_arrays(r) for r in results], results


def _close(name: str, got: list[float | None], want: list[float | None], tol: Tolerance):
    a = np.array([np.nan if v is None else v for v in got], dtype=np.float64)
    b = np.array([np.nan if v is None else v for v in want], dtype=np.float64)
    found = agreement(a, b, tol)
    assert found.agrees, f"{name}: {got} against Python's {want}"


def _compare(frame: dict, want: dict, tol: Tolerance) -> None:
    assert frame["frame_index"] == want["frame_index"]
    assert frame["sop_instance_uid"] == want["sop_instance_uid"]
    assert frame["geometry"] == want["geometry"]
    assert [o["name"] for o in frame["outputs"]] == [o["name"] for o in want["outputs"]]
    if want["domain"] is None:
        assert frame["domain"] is None
    else:  # the check against the training data, on the browser's own sample
        mine, ref_ = frame["domain"], want["domain"]
        assert abs(mine["psi"] - ref_["psi"]) <= 1e-9 * max(1.0, abs(ref_["psi"])), (mine, ref_)
        assert (mine["level"], mine["findings"], mine["notes"]) == (
            ref_["level"], ref_["findings"], ref_["notes"])
    for got, ref in zip(frame["outputs"], want["outputs"], strict=True):
        name = f"frame {want['frame_index']} {ref['name']}"
        if ref["kind"] == "mask":
            mask = decode_array(ref["label_map"])
            mine = np.array(got["label_map"]["data"]).reshape(got["label_map"]["shape"])
            assert got["label_map"]["dtype"] == mask.dtype.name
            # different runtimes round differently: a pixel whose two best classes tie
            # within float32 rounding may go either way, no more than that
            assert (mine != mask).mean() <= 0.002, f"{name}: {(mine != mask).sum()} pixels differ"
        elif ref["kind"] == "heatmap":
            grid = decode_array(ref["grid"])
            mine = np.array(got["grid"]["data"], dtype=np.float32).reshape(grid.shape)
            assert agreement(mine, grid, tol).agrees, name
            assert got["box"] == ref["box"] and got["value_range"] == ref["value_range"]
        elif ref["kind"] == "boxes":
            assert len(got["boxes"]) == len(ref["boxes"]), name
            for b, r in zip(got["boxes"], ref["boxes"], strict=True):
                assert b["class"] == r["class"] and b["class_index"] == r["class_index"]
                _close(name, [b[k] for k in ("x0", "y0", "x1", "y1", "score")],
                       [r[k] for k in ("x0", "y0", "x1", "y1", "score")], tol)
            assert abs(len(got["candidates"]) - len(ref["candidates"])) <= 1, name
        elif ref["kind"] == "labels":
            _close(name, got["probabilities"], ref["probabilities"], tol)
        else:
            _close(name, got["values"], ref["values"], tol)


@pytest.mark.parametrize("model_id", SLICE_MODELS)
def test_a_run_in_the_browser_equals_the_viewers_own(demo_page, web_service, model_id):
    regions = phantom_regions()
    frames = [regions["lesion"].slice_index, regions["lung"].slice_index]
    assert demo_page.wait_for(OPEN, phantom_series(web_service)) == ""
    run = demo_page.wait_for(RUN, model_id, {"where": "browser", "backend": "wasm",
                                             "frames": frames, "accept_warnings": True},
                             timeout=300)
    assert "error" not in run, run
    assert run["where"] == {"place": "browser", "backend": "WebAssembly"}
    manifest, want, results = _python_results(web_service, model_id, frames)
    assert run["warnings_accepted"] == list(results[0].warnings)
    assert run["model"]["digest"] == manifest.digest
    tol = manifest.tolerance
    for frame, ref in zip(run["frames"], want, strict=True):
        _compare(frame, ref, tol)
    state = demo_page.script("return window.lightbox.state()")
    assert any(o["model_id"] == model_id and "browser" in o["where"]
               for o in state["overlays"]), state


@pytest.fixture(scope="module")
def changed_service(tmp_path_factory):
    """--demo with its own models folder; model.onnx of ct-lesion-cls is changed AFTER the
    service verified it (a file altered on the server or on the way): the service still
    lists the model; the bytes the browser downloads are not the ones the manifest names."""
    base = tmp_path_factory.mktemp("web-changed")
    models = base / "models"
    for name in ("ct-lesion-cls", "ct-lesion-det"):
        shutil.copytree(ROOT / "models" / name, models / name)
    with running_service(base / "home", args=["--demo", "--models-dir", str(models)]) as server:
        listed = {m["id"]: m for m in server.get("/v1/models").json()["models"]}
        assert listed["ct-lesion-cls"]["verified"], listed
        onnx = models / "ct-lesion-cls" / "model.onnx"
        data = bytearray(onnx.read_bytes())
        data[len(data) // 2] ^= 0x01
        onnx.write_bytes(bytes(data))
        yield server


def test_a_changed_model_file_is_refused_in_the_page_naming_it(browser, changed_service):
    browser.driver.get(changed_service.url + "/web/")
    assert browser.wait_for("const done = arguments[arguments.length - 1];"
                            "window.lightbox.ready.then(() => done(''), e => done(String(e)));") == ""
    found = browser.wait_for(VERIFY, "ct-lesion-cls", "wasm")
    assert found["ok"] is False
    assert "model.onnx does not match its digest" in found["reason"], found
    assert found["golden_worst"] is None
    assert browser.wait_for(OPEN, phantom_series(changed_service)) == ""
    run = browser.wait_for(RUN, "ct-lesion-cls", {"where": "browser", "backend": "wasm",
                                                  "frames": [0], "accept_warnings": True})
    assert "model.onnx does not match its digest" in run.get("error", ""), run
    state = browser.script("return window.lightbox.state()")
    assert "model.onnx" in state["message"]
    assert state["overlays"] == [], "nothing is drawn from a refused model"
    # the untouched model beside it still verifies and runs
    assert browser.wait_for(VERIFY, "ct-lesion-det", "wasm")["ok"] is True
    assert outside(browser.requests()) == [], "a request left 127.0.0.1"


def test_outside_its_intended_use_nothing_runs_until_the_warnings_are_accepted(
        demo_page, web_service):
    """An MR series for a CT model: the browser gives the service's own warnings (its 409)
    and runs only with accept_warnings, which the result then carries."""
    found = None
    for study in web_service.get("/v1/studies").json()["studies"]:
        for s in web_service.get(f"/v1/studies/{study['study_uid']}/series").json()["series"]:
            if s["modality"] == "MR" and s["frames"]:
                found = s["series_uid"]
    assert found, "the demo has no MR series"
    refused = web_service.call("POST", f"/v1/series/{found}/run?model=ct-lesion-cls&frames=0")
    assert refused.status == 409
    warnings = refused.json()["warnings"]
    assert any("modality is MR" in w for w in warnings), warnings
    assert demo_page.wait_for(OPEN, found) == ""
    run = demo_page.wait_for(RUN, "ct-lesion-cls", {"where": "browser", "backend": "wasm",
                                                    "frames": [0]})
    assert "intended use" in run.get("error", ""), run
    for warning in warnings:
        assert warning in run["error"]
    assert not [o for o in demo_page.script("return window.lightbox.state()")["overlays"]
                if o["model_id"] == "ct-lesion-cls"], "nothing is drawn before it is accepted"
    accepted = demo_page.wait_for(RUN, "ct-lesion-cls", {"where": "browser", "backend": "wasm",
                                                         "frames": [0], "accept_warnings": True})
    assert "error" not in accepted, accepted
    assert accepted["warnings_accepted"] == warnings
