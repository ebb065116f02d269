"""The bundled volume models in the browser (docs/web.md): Debian's headless Chromium on
``lightbox serve --demo --studies BRAIN``, ct-body-seg3d on the demo CT phantom and
mr-brain-tissue on the MNI152 brain written as a sagittal MR series, both run in
WebAssembly through the page (the whole series read through the page's frame cache,
resampled, windowed and blended in the page), against the viewer's own run (Python's ONNX
Runtime) on the same series: the masks of the frames asked for, the run's grid and the mL
per label. No request leaves 127.0.0.1."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tests.service.server import ROOT, running_service
from tests.web.browser import outside
from tests.web.test_web_inference import OPEN, RUN
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, run_model
from viewer.inference.result_arrays import decode_array, frame_arrays, volume_arrays
from viewer.io.demo import phantom_regions
from viewer.io.scan import scan


@pytest.fixture(scope="module")
def brain(tmp_path_factory) -> Path | None:
    """The MNI152 T1 template as a sagittal MR series (None without nilearn)."""
    try:
        import nilearn  # noqa: F401
    except ImportError:
        return None
    from tests.anatomy import write_mni152_series

    return write_mni152_series(tmp_path_factory.mktemp("brain") / "sagittal", "sagittal")


@pytest.fixture(scope="module")
def volume_service(tmp_path_factory, brain):
    args = ["--demo", *(["--studies", str(brain)] if brain is not None else [])]
    with running_service(tmp_path_factory.mktemp("web-volume"), args=args) as server:
        yield server


@pytest.fixture
def page(volume_service, browser):
    browser.driver.get(volume_service.url + "/web/")
    error = browser.wait_for(
        "const done = arguments[arguments.length - 1];"
        "const look = n => window.lightbox ? window.lightbox.ready.then(() => done(''), "
        "  e => done(String(e))) : n ? requestAnimationFrame(() => look(n - 1)) : done('no hooks');"
        "look(600);")
    assert not error, error
    yield browser
    assert outside(browser.requests()) == [], "a request left 127.0.0.1"


def _series_uid(server, modality: str, description: str) -> str:
    for study in server.get("/v1/studies").json()["studies"]:
        for s in server.get(f"/v1/studies/{study['study_uid']}/series").json()["series"]:
            if s["modality"] == modality and description in (s["description"] or "").lower():
                return str(s["series_uid"])
    raise AssertionError(f"no {modality} series '{description}' on the service")


def _python_run(folder: Path, description: str, model_id: str, frames: list[int]):
    series = next(s for s in scan([folder]).all_series()
                  if description in (s.description or "").lower())
    registry = ModelRegistry([ROOT / "models"], settings=load_settings())
    results = run_model(registry.get(model_id), series, frames, accept_warnings=True,
                        audit_log=AuditLog.of(load_settings()))
    return [frame_arrays(r) for r in results], volume_arrays(results[0].volume)


#: every text the progress line shows from now on
WATCH = """window.__progress = [];
const line = document.getElementById('progress');
new MutationObserver(() => window.__progress.push(line.textContent))
  .observe(line, {childList: true, characterData: true, subtree: true});"""

CASES = {  # model → (modality, description, folder of the series, frames asked)
    "ct-body-seg3d": ("CT", "phantom", None, None),
    "mr-brain-tissue": ("MR", "", "brain", [0, 30, 49, 70, 98]),
}


@pytest.mark.parametrize("model_id", sorted(CASES))
def test_a_volume_model_runs_in_the_browser_as_the_viewer_runs_it(page, volume_service, brain,
                                                                  model_id):
    modality, description, folder, frames = CASES[model_id]
    if folder == "brain":
        if brain is None:
            pytest.skip("nilearn (the MNI152 template) is not installed")
        where = brain
        description = (scan([brain]).all_series()[0].description or "").lower()
    else:
        where = volume_service.home / "cache" / "demo"
        regions = phantom_regions()
        frames = [0, regions["lesion"].slice_index, regions["lung"].slice_index, 63]
    uid = _series_uid(volume_service, modality, description)
    assert page.wait_for(OPEN, uid) == ""
    page.script(WATCH)
    run = page.wait_for(RUN, model_id, {"where": "browser", "backend": "wasm", "frames": frames,
                                        "accept_warnings": True}, timeout=600)
    assert "error" not in run, run
    assert run["where"] == {"place": "browser", "backend": "WebAssembly"}
    want, summary = _python_run(where, description, model_id, frames)
    assert [f["frame_index"] for f in run["frames"]] == frames
    for got, ref in zip(run["frames"], want, strict=True):
        assert got["sop_instance_uid"] == ref["sop_instance_uid"]
        assert got["geometry"] == ref["geometry"]
        assert got["domain"] is None and ref["domain"] is None
        (mine,), (theirs,) = got["outputs"], ref["outputs"]
        mask = decode_array(theirs["label_map"])
        assert mine["label_map"]["dtype"] == mask.dtype.name
        labels = np.array(mine["label_map"]["data"]).reshape(mine["label_map"]["shape"])
        # another runtime rounds differently: a voxel whose two best classes tie within
        # float32 rounding may go either way, no more than that
        assert (labels != mask).mean() <= 0.002, f"frame {ref['frame_index']}"
    assert any(len(np.unique(decode_array(f["outputs"][0]["label_map"]))) > 2 for f in want)
    volume = run["volume"]
    for key in ("voxel_mm3", "frames", "target_shape", "patches", "accumulator_bytes"):
        assert volume[key] == summary[key], key
    assert np.allclose(volume["target_spacing_mm"], summary["target_spacing_mm"], rtol=1e-12)
    total = summary["frames"] * np.prod(run["frames"][0]["geometry"]["source"])
    assert [(v["output"], v["value"]) for v in volume["volumes"]] == [
        (v["output"], v["value"]) for v in summary["volumes"]]
    for mine_v, ref_v in zip(volume["volumes"], summary["volumes"], strict=True):
        assert abs(mine_v["voxels"] - ref_v["voxels"]) <= 0.002 * total, (mine_v, ref_v)
        assert abs(mine_v["ml"] - ref_v["ml"]) <= 0.002 * total * summary["voxel_mm3"] / 1000
    # the page shows the volumes beside the overlay, as the desktop's AI panel does
    shown = page.script("return document.getElementById('ai-text').textContent")
    assert " mL" in shown, shown
    state = page.script("return window.lightbox.state()")
    assert any(o["model_id"] == model_id and "browser" in o["where"] for o in state["overlays"])
    # the progress line counted frames read, then patches run, up to 100 %
    seen = [int(m.group(1)) for text in page.script("return window.__progress")
            if (m := re.search(r"Running AI · .*… (\d+) %$", text))]
    assert seen and seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) > 3, seen
    if model_id == "ct-body-seg3d":  # the service's run gives the page the same summary
        served = page.wait_for(RUN, model_id, {"where": "service", "frames": frames[:1],
                                               "accept_warnings": True}, timeout=300)
        assert "error" not in served, served
        assert served["volume"] == summary
        assert " mL" in page.script("return document.getElementById('ai-text').textContent")


def test_a_series_that_makes_no_volume_is_refused_with_the_reason(page, volume_service):
    """pydicom's one-image MR of the demo: the desktop's reason, nothing drawn."""
    found = None
    for study in volume_service.get("/v1/studies").json()["studies"]:
        for s in volume_service.get(f"/v1/studies/{study['study_uid']}/series").json()["series"]:
            if s["frames"] and s["frames"] < 3:
                found = s["series_uid"]
    assert found, "the demo has no short series"
    assert page.wait_for(OPEN, found) == ""
    run = page.wait_for(RUN, "ct-body-seg3d", {"where": "browser", "backend": "wasm",
                                               "accept_warnings": True}, timeout=300)
    assert "the model reads the series as a volume of at least 3 slices" in run.get("error", "")
    state = page.script("return window.lightbox.state()")
    assert state["overlays"] == [] and "at least 3 slices" in state["message"]


#: start a run, and once its progress shows, open another series: the run stops
SWITCH = """const [id, other, done] = arguments;
const running = window.lightbox.runModel(id, {where: "browser", backend: "wasm",
                                              accept_warnings: true});
const line = document.getElementById('progress');
const wait = () => / \\d+ %$/.test(line.textContent)
  ? window.lightbox.openSeries(other).then(() => running)
      .then(() => done({ok: true}), e => done({error: String(e.message || e)}))
  : setTimeout(wait, 20);
wait();"""


def test_opening_another_series_stops_a_volume_run(page, volume_service, brain):
    """The desktop's cancel: the run stops between frames or batches, nothing is drawn.
    mr-brain-tissue's run on the brain (210 patches) outlasts opening a series by far."""
    if brain is None:
        pytest.skip("nilearn (the MNI152 template) is not installed")
    mr = _series_uid(volume_service, "MR", (scan([brain]).all_series()[0].description or "").lower())
    phantom = _series_uid(volume_service, "CT", "phantom")
    assert page.wait_for(OPEN, mr) == ""
    found = page.wait_for(SWITCH, "mr-brain-tissue", phantom, timeout=300)
    assert "the run was cancelled" in found.get("error", ""), found
    state = page.script("return window.lightbox.state()")
    assert state["series_uid"] == phantom and state["overlays"] == []
    assert "cancelled" in state["message"]
