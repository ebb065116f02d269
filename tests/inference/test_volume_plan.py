"""The manifest's volume section and the grid arithmetic it drives (no model needed)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.imaging.volumes import SAGITTAL, axial_stack, stack
from viewer.inference.errors import ManifestError
from viewer.inference.manifest import parse_manifest
from viewer.inference.sliding_window import importance, starts
from viewer.inference.volume_grid import (
    linear_weights,
    nearest_target,
    plan_grid,
    resample_axis,
)
from viewer.inference.volume_plan import VolumePlan
from viewer.io.model import Series


def volume_document() -> dict:
    return {
        "format_version": 1, "id": "seg3d", "name": "Seg 3-D", "version": "1.0.0",
        "not_for_clinical_use": True,
        "intended_use": {"modality": ["CT"], "input": "volume"},
        "inputs": [{"name": "image", "shape": ["batch", 1, 32, 48, 64], "channels": 1,
                    "intensity": {"kind": "window", "center": 40, "width": 400}}],
        "outputs": [{"name": "logits", "kind": "mask", "shape": ["batch", 3, 32, 48, 64],
                     "activation": "softmax",
                     "labels": [{"name": "background"}, {"name": "a"}, {"name": "b"}]}],
        "volume": {"spacing_mm": [2.0, 1.5, 1.5], "axes": "SPL", "patch_size": [32, 48, 64],
                   "overlap": 0.25, "blending": "constant", "pad_value": -1024,
                   "interpolation": "linear"},
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "files": {"model.onnx": "a" * 64, "golden.npz": "b" * 64},
        "digest": "c" * 64,
    }


def test_the_volume_section_becomes_a_frozen_plan():
    m = parse_manifest(volume_document(), "seg3d")
    assert m.volume == VolumePlan((2.0, 1.5, 1.5), "SPL", (32, 48, 64), 0.25, "constant",
                                  -1024.0, "linear")
    assert m.volume.directions == ((2, 1), (1, 1), (0, 1))
    assert m.inputs[0].resize.size == (48, 64)  # may be omitted: a volume model ignores it
    with pytest.raises(AttributeError):
        m.volume.overlap = 0.5  # type: ignore[misc]


def test_a_label_map_output_is_accepted_for_a_volume_model():
    doc = volume_document()
    doc["outputs"] = [{"name": "labels", "kind": "label_map", "shape": ["batch", 32, 48, 64],
                       "labels": [{"name": "background"}, {"name": "a", "value": 4}]}]
    m = parse_manifest(doc, "seg3d")
    assert [label.value for label in m.outputs[0].labels] == [0, 4]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["volume"].update(axes="SPX"), "volume.axes: 'SPX' must be three letters"),
        (lambda d: d["volume"].update(axes="SIL"), "volume.axes: 'SIL'"),
        (lambda d: d["volume"].update(overlap=1.0), "volume.overlap: must lie in 0 <= overlap"),
        (lambda d: d["volume"].update(blending="max"), "volume.blending: 'max' is not one of"),
        (lambda d: d["volume"].pop("spacing_mm"), "volume.spacing_mm: is missing"),
        (lambda d: d["volume"].update(spacing_mm=[2, 0, 2]), r"volume.spacing_mm\[1\]: 0 mm"),
        (lambda d: d["volume"].update(patch_size=[32, 48, 32]),
         r"volume.patch_size: \[32, 48, 32\] differs from inputs\[0\].shape"),
        (lambda d: d["volume"].update(pad_value="air"), "volume.pad_value: expected a finite"),
        (lambda d: d["intended_use"].update(input="slice"),
         r'outputs\[0\].shape: .*needs a volume model: intended_use.input "volume" and a '
         "volume section"),
        (lambda d: d.pop("volume"),
         r"outputs\[0\].shape: a mask needs \[batch, classes, rows, columns\] \(a 3-D mask"),
        (lambda d: d["outputs"][0].update(shape=["batch", 3, 48, 64]),
         r"outputs\[0\].shape: a mask needs \[batch, classes, depth, rows, columns\]"),
        (lambda d: d["outputs"][0].update(shape=["batch", 3, 16, 48, 64]),
         r"outputs\[0\].shape: .* must cover the whole patch"),
        (lambda d: d["outputs"][0].update(shape=["batch", 3, "depth", 48, 64]),
         r"outputs\[0\].shape: .* must cover the whole patch"),
    ],
)
def test_a_bad_volume_section_names_the_field(edit, message):
    doc = volume_document()
    edit(doc)
    with pytest.raises(ManifestError, match=message):
        parse_manifest(doc, "seg3d")


def test_patch_starts_cover_the_axis_with_the_last_flush_to_the_edge():
    assert starts(24, 16, 0.5) == [0, 8]
    assert starts(25, 16, 0.5) == [0, 8, 9]
    assert starts(100, 32, 0.25) == [0, 24, 48, 68]
    assert starts(10, 16, 0.5) == [-3]  # shorter than the patch: one, centred, padded
    assert starts(11, 16, 0.5) == [-2]
    assert starts(16, 16, 0.9) == [0]


def test_gaussian_weights_peak_in_the_middle_and_never_vanish():
    w = importance((8, 8, 8), "gaussian")
    assert w.max() == 1.0 and w.min() > 0 and w[3:5, 3:5, 3:5].min() == w.max()
    assert np.array_equal(importance((4, 4, 4), "constant"), np.ones((4, 4, 4), np.float32))


def test_linear_resampling_keeps_a_ramp_and_spans_the_same_extent():
    ramp = np.tile(np.arange(40, dtype=np.float32), (3, 1))  # value = column index
    half = resample_axis(ramp, 1, 20, "linear")
    assert np.allclose(half[0], np.arange(20) * 2 + 0.5)  # centres of column pairs
    assert np.array_equal(resample_axis(ramp, 1, 40, "linear"), ramp)
    lo, hi, w = linear_weights(40, 20)
    assert lo[0] == 0 and hi[-1] == 39 and np.allclose(w, 0.5)
    # labels go back: acquired column j lies in target voxel j // 2
    assert np.array_equal(nearest_target(40, 20), np.arange(40) // 2)


def test_resampling_in_chunks_equals_one_pass(monkeypatch):
    rng = np.random.default_rng(1)
    data = rng.normal(size=(7, 30, 20)).astype(np.float32)
    whole = resample_axis(data, 0, 11, "linear")
    monkeypatch.setattr("viewer.inference.volume_grid.CHUNK_ELEMENTS", 50)
    assert np.array_equal(resample_axis(data, 0, 11, "linear"), whole)


def _plan(axes: str = "SPL", spacing=(2.0, 2.0, 2.0)) -> VolumePlan:
    return VolumePlan(spacing, axes, (16, 16, 16))


def test_an_axial_stack_is_turned_to_the_model_axes_without_a_copy():
    from viewer.inference.volume_grid import geometry

    volume = np.zeros((10, 32, 40), np.int16)
    series, _ = axial_stack(volume, thickness=2.0, spacing=(0.5, 0.8))  # head first
    grid = plan_grid(geometry(series), _plan())
    # depth toward S: the stack (which runs toward I) flipped; rows toward P: the rows;
    # columns toward L: the columns
    assert grid.axes == (0, 1, 2) and grid.flips == (True, False, False)
    assert grid.target == (10, 8, 16) and grid.model_shape == (10, 8, 16)
    data = np.arange(10 * 8 * 16, dtype=np.float32).reshape(10, 8, 16)
    view = grid.to_model(data)
    assert np.shares_memory(view, data) and view[0, 0, 0] == data[9, 0, 0]
    assert np.array_equal(grid.to_acquired(view), data)
    assert grid.voxel_mm3 == pytest.approx(2.0 * 0.5 * 0.8)


def test_a_sagittal_stack_takes_its_depth_from_the_rows():
    from viewer.inference.volume_grid import geometry

    slices = [np.zeros((30, 20), np.int16) for _ in range(6)]
    positions = [(-5.0 + 3.0 * k, -10.0, 15.0) for k in range(6)]  # right → left
    series, _ = stack(slices, positions, SAGITTAL, (1.0, 1.0))
    grid = plan_grid(geometry(series), _plan("SPL", (1.0, 1.0, 1.5)))
    # rows run toward I (flip for S), columns toward P, the stack toward L
    assert grid.axes == (1, 2, 0) and grid.flips == (True, False, False)
    assert grid.model_shape == (30, 20, 12)
    assert isinstance(series, Series)


def test_the_plan_names_its_directions_in_the_error_for_an_unknown_letter():
    doc = volume_document()
    doc["volume"]["axes"] = "spl"
    with pytest.raises(ManifestError, match=re.escape("R/L, A/P, S/I")):
        parse_manifest(doc, "seg3d")
