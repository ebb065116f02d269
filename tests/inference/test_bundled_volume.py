"""The bundled 3-D demonstration models, run by the viewer as a reader would run them: a
sliding window over the whole series, one mask per original slice.

mr-brain-tissue on the MNI152 brain written as a real MR series, acquired axially and
sagittally: its labels land on the template's tissues, and both acquisitions give the
same labels at the same place in the patient. ct-body-seg3d on the demo CT phantom: the
liver and the lesion where the phantom put them.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.anatomy import mni152, write_mni152_series
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, bundled_models_dir, run_model
from viewer.io.demo import phantom_regions, write_phantom_series
from viewer.io.scan import scan


@pytest.fixture(scope="module")
def bundled():
    return ModelRegistry([bundled_models_dir()], settings=load_settings())


@pytest.fixture(scope="module")
def brain():
    pytest.importorskip("nilearn")
    return mni152().load(resolution=2)


def _labels_in_model_axes(bundled, brain, orientation: str, folder) -> np.ndarray:
    """Run the model on the written series; its masks stacked back into model axes "SPL"."""
    write_mni152_series(folder, orientation)
    (series,) = scan([folder]).all_series()
    results = run_model(bundled.get("mr-brain-tissue"), series,
                        audit_log=AuditLog.of(load_settings()))
    assert len(results) == len(series.frames)  # one result per original slice
    written, _ = mni152().in_orientation(brain, brain.labels, orientation)
    stack = np.zeros(written.shape, dtype=np.uint8)
    for frame, result in zip(series.frames, results, strict=True):
        (mask,) = result.masks
        stack[frame.instance.instance_number - 1] = mask.mask  # instance n: written slice n - 1
    return mni152().from_orientation(brain, stack, orientation)


def _dice(pred: np.ndarray, truth: np.ndarray, value: int) -> float:
    p, t = pred == value, truth == value
    return 2 * float((p & t).sum()) / float(p.sum() + t.sum())


def test_brain_tissues_land_on_the_template_in_both_acquisitions(bundled, brain, tmp_path):
    entry = bundled.get("mr-brain-tissue")
    assert entry.available, entry.reason
    axial = _labels_in_model_axes(bundled, brain, "axial", tmp_path / "axial")
    sagittal = _labels_in_model_axes(bundled, brain, "sagittal", tmp_path / "sagittal")
    names = {label.name: label.value for label in entry.manifest.outputs[0].labels}
    # the card's held-out figures are 0.70 / 0.91 / 0.90 (CSF / grey / white matter)
    for name, least in (("csf", 0.5), ("grey matter", 0.8), ("white matter", 0.8)):
        assert _dice(axial, brain.labels, names[name]) > least, name
    # the same patient, acquired in another plane, gets the same labels where it counts
    assert (axial == sagittal).mean() > 0.97


def test_the_ct_volume_model_finds_the_liver_and_the_lesion(bundled, tmp_path):
    entry = bundled.get("ct-body-seg3d")
    assert entry.available, entry.reason
    write_phantom_series(tmp_path / "phantom")  # the demo's own: 64 slices of 256 × 256
    (series,) = scan([tmp_path / "phantom"]).all_series()
    results = run_model(entry, series, audit_log=AuditLog.of(load_settings()))
    assert len(results) == len(series.frames)
    regions = phantom_regions()
    lesion, liver = regions["lesion"], regions["liver"]
    mask = results[lesion.slice_index].masks[0]
    value = {label.name: label.value for label in mask.labels}
    assert (mask.mask[liver.rows, liver.cols] == value["liver"]).mean() > 0.8
    assert (mask.mask[lesion.rows, lesion.cols] == value["lesion"]).mean() > 0.5
    lung = regions["lung"]
    chest = results[lung.slice_index].masks[0].mask
    assert (chest[lung.rows, lung.cols] == value["lung"]).mean() > 0.9
