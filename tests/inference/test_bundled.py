"""The bundled demonstration models verify and find what the demo phantom holds.

Skipped until the artifacts exist in models/ (they are built by viewer.modelkit).
"""

from __future__ import annotations

import pytest

from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, bundled_models_dir, run_model
from viewer.io.demo import phantom_regions, write_phantom_series
from viewer.io.scan import scan

IDS = ("ct-body-seg", "ct-lesion-cls", "ct-lesion-det")


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    missing = [i for i in IDS if not (bundled_models_dir() / i / "manifest.json").is_file()]
    # The artifacts are committed: a missing one is a failure, never a skip.
    assert not missing, f"bundled models missing: {', '.join(missing)}"
    return ModelRegistry([bundled_models_dir()], settings=load_settings())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    write_phantom_series(folder)  # the demo's own: 64 slices of 256 × 256
    return scan([folder]).all_series()[0]


def test_every_bundled_model_verifies_and_says_it_is_a_demonstration(bundled):
    for model_id in IDS:
        entry = bundled.get(model_id)
        assert entry.available, entry.reason
        assert entry.manifest.not_for_clinical_use


def _centre(region):
    return (region.rows.start + region.rows.stop) / 2, (region.cols.start + region.cols.stop) / 2


def test_segmentation_finds_the_liver_and_the_lesion(bundled, demo):
    regions = phantom_regions()
    lesion, liver = regions["lesion"], regions["liver"]
    (result,) = run_model(bundled.get("ct-body-seg"), demo, [lesion.slice_index], audit_log=AuditLog.of(load_settings()))
    mask = result.masks[0]
    value = {label.name: label.value for label in mask.labels}
    assert (mask.mask[liver.rows, liver.cols] == value["liver"]).mean() > 0.8
    assert (mask.mask[lesion.rows, lesion.cols] == value["lesion"]).mean() > 0.5


def test_detector_boxes_the_lesion(bundled, demo):
    lesion = phantom_regions()["lesion"]
    (result,) = run_model(bundled.get("ct-lesion-det"), demo, [lesion.slice_index], audit_log=AuditLog.of(load_settings()))
    row, col = _centre(lesion)
    boxes = result.boxes[0].boxes
    assert any(b.x0 <= col <= b.x1 and b.y0 <= row <= b.y1 for b in boxes), boxes


def test_classifier_says_lesion_only_where_there_is_one(bundled, demo):
    regions = phantom_regions()
    lesion = regions["lesion"]
    with_lesion, chest = run_model(
        bundled.get("ct-lesion-cls"), demo, [lesion.slice_index, regions["lung"].slice_index], audit_log=AuditLog.of(load_settings())
    )
    assert with_lesion.labels[0].probability("lesion") > 0.5
    assert chest.labels[0].probability("lesion") < 0.5
    heat = with_lesion.heatmaps[0].heatmap
    assert heat.shape == (256, 256)
    assert heat[lesion.rows, lesion.cols].mean() > heat.mean()


@pytest.mark.parametrize("name", ["model.onnx", "golden.npz", "CARD.md", "manifest.json"])
def test_a_flipped_byte_in_a_bundled_artifact_is_caught_naming_the_file(tmp_path, name):
    import shutil

    for model_id in IDS:
        shutil.copytree(bundled_models_dir() / model_id, tmp_path / "models" / model_id)
    target = tmp_path / "models" / "ct-body-seg" / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit, in the middle of the file
    target.write_bytes(bytes(data))
    registry = ModelRegistry([tmp_path / "models"], settings=load_settings())
    entry = registry.get("ct-body-seg")
    assert not entry.available and name in entry.reason, entry.reason
    assert registry.get("ct-lesion-det").available and registry.get("ct-lesion-cls").available
