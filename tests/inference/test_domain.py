"""The out-of-domain warning: loud on images unlike the training data, quiet on alike ones.

Uses the bundled demonstration models and their stored reference statistics, through the
viewer's own path (scan → run_model), and held-out phantom slices drawn like the training
data from a seed neither training nor the reference used.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest

from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, bundled_models_dir, run_model
from viewer.inference.domain import check_domain, histogram, psi
from viewer.inference.manifest import parse_manifest, read_manifest
from viewer.io.demo import write_phantom_series
from viewer.io.scan import scan

MODELS = ("ct-lesion-cls", "ct-lesion-det", "ct-body-seg")
COMMON = Path(__file__).resolve().parents[2] / "models" / "recipes" / "common"
EVERY = slice(None, None, 6)  # every 6th slice of the 64: all levels of the trunk


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> ModelRegistry:
    return ModelRegistry([bundled_models_dir()], settings=load_settings())


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "phantom"
    write_phantom_series(folder)
    return folder


def _rescaled(demo_folder: Path, dest: Path, slope: float, shift: float) -> Path:
    """The demo series with its stored rescale changed: HU × slope + shift on every pixel."""
    shutil.copytree(demo_folder, dest)
    for path in dest.iterdir():
        ds = pydicom.dcmread(path)
        ds.RescaleSlope = f"{float(ds.RescaleSlope) * slope:g}"
        ds.RescaleIntercept = f"{float(ds.RescaleIntercept) * slope + shift:g}"
        ds.save_as(path)
    return dest


def _frames(series) -> list[int]:
    return list(range(len(series.frames)))[EVERY]


def test_psi_is_zero_for_the_same_histogram_and_grows_with_a_shift():
    rng = np.random.default_rng(0)
    a = histogram(rng.uniform(0, 1, 10_000), 20, (0.0, 1.0))
    b = histogram(rng.uniform(0, 1, 10_000), 20, (0.0, 1.0))
    c = histogram(rng.uniform(0.5, 1.5, 10_000), 20, (0.0, 1.0))  # beyond 1: the last bin
    assert psi(a, a) == 0 and psi(a, b) < 0.01 and psi(a, c) > 2
    assert c[-1] > 0.5


@pytest.mark.parametrize("model_id", MODELS)
def test_every_bundled_model_carries_its_training_reference(model_id):
    ref = read_manifest(bundled_models_dir() / model_id).reference
    assert ref is not None and ref.samples == 300 and ref.bins == 20
    assert ref.thresholds.psi_unlike == 1.25 and ref.acquisition["modality"] == ["CT"]
    assert ref.sample_psi is not None and ref.sample_psi.max < ref.thresholds.psi_unlike


def test_an_artifact_without_reference_stays_valid():
    folder = bundled_models_dir() / "ct-lesion-cls"
    doc = dict(read_manifest(folder).raw)
    doc.pop("reference")
    assert parse_manifest(doc, folder).reference is None


@pytest.mark.parametrize("model_id", MODELS)
def test_quiet_on_the_demo_series(registry, demo_folder, model_id):
    series = scan([demo_folder]).all_series()[0]
    results = run_model(registry.get(model_id), series, _frames(series), batch_size=16, audit_log=AuditLog.of(load_settings()))
    assert all(r.domain is not None and r.domain.level == "like" for r in results), [
        (r.provenance.frame_index, r.domain) for r in results]


def test_quiet_on_held_out_phantom_slices_like_the_training_data():
    sys.path.insert(0, str(COMMON))
    try:
        import phantom2d
    finally:
        sys.path.remove(str(COMMON))
    for model_id in MODELS:
        manifest = read_manifest(bundled_models_dir() / model_id)
        spec = {"inputs": [{"intensity": {"center": manifest.inputs[0].intensity.center,
                                          "width": manifest.inputs[0].intensity.width}}]}
        held_out = phantom2d.reference_samples(120, 31_337, spec)
        loud = [check_domain(manifest.reference, s["image"][None], spacing_mm=s["spacing_mm"],
                             size=s["size"], attributes={"modality": "CT", "kvp": "120"})
                for s in held_out]
        assert not [c.message for c in loud if c.unlike], model_id


@pytest.mark.parametrize(("slope", "shift"), [(0.3, 0.0), (1.0, 500.0)])
def test_fires_on_a_strongly_rescaled_intensity_distribution(
        registry, demo_folder, tmp_path, slope, shift):
    series = scan([_rescaled(demo_folder, tmp_path / "odd", slope, shift)]).all_series()[0]
    for model_id in MODELS:
        results = run_model(registry.get(model_id), series, _frames(series), batch_size=16, audit_log=AuditLog.of(load_settings()))
        for r in results:
            assert r.domain.unlike, (model_id, r.provenance.frame_index, r.domain)
            assert r.domain.message.startswith(
                "this image is unlike the model's training data: intensity distribution "
                "differs (PSI ")
            assert "> 1.25)" in r.domain.message


def test_fires_on_an_image_of_another_modality(registry, pydicom_files, tmp_path):
    from viewer.audit.log import AuditLog

    audit = AuditLog(tmp_path / "audit.jsonl")
    series = scan([pydicom_files / "MR_small.dcm"]).all_series()[0]
    (result,) = run_model(registry.get("ct-lesion-cls"), series, accept_warnings=True,
                          audit_log=audit)
    assert audit.records()[-1]["unlike_training"] == 1  # the governance record says so too
    assert result.domain.unlike
    text = "; ".join(result.ood)
    assert "modality is MR; the training data were CT" in text
    assert "image has 64 rows; the training data had 128–512" in text
    assert result.warnings  # the intended-use warning the reader accepted, as well


def test_an_image_with_no_spacing_says_so(registry, tmp_path):
    from PIL import Image

    path = tmp_path / "slice.png"
    Image.fromarray(np.full((256, 256), 90, np.uint8)).save(path)
    series = scan([path]).all_series()[0]
    (result,) = run_model(registry.get("ct-body-seg"), series, accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    assert any(f.startswith("pixel spacing is not recorded") for f in result.ood)


def test_lightbox_infer_saves_the_finding_and_says_it(pydicom_files, tmp_path, capsys):
    import json

    from viewer.cli.ai import infer_main

    out = tmp_path / "out"
    assert infer_main([str(pydicom_files / "MR_small.dcm"), "--model", "ct-lesion-cls",
                       "--accept-warnings", "--out", str(out)]) == 0
    saved = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert saved["ood"]["level"] == "unlike" and saved["ood"]["psi"] is not None
    assert saved["ood"]["message"].startswith("this image is unlike the model's training data: ")
    assert "warning: 1 of 1 image(s): this image is unlike" in capsys.readouterr().err
