"""Volume models with inputs from other series: the manifest's rules and the resampling
onto the primary's grid through patient coordinates (no model needed)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.imaging.volumes import SAGITTAL, axial_stack, stack
from tests.inference.test_volume_plan import volume_document
from viewer.inference.errors import ManifestError
from viewer.inference.manifest import parse_manifest
from viewer.inference.volume_grid import geometry, plan_grid
from viewer.inference.volume_inputs import CHUNK_ELEMENTS, resample_onto, target_to_other
from viewer.inference.volume_plan import VolumePlan
from viewer.inference.volume_run import plan_bytes


def two_inputs() -> dict:
    doc = volume_document()
    flair = {**doc["inputs"][0], "name": "flair",
             "intensity": {"kind": "normalize", "mean": 300, "std": 100},
             "series": {"modality": ["MR"], "description": "(?i)flair", "role": "FLAIR"}}
    doc["inputs"].append(flair)
    return doc


def test_a_volume_model_takes_inputs_from_other_series():
    m = parse_manifest(two_inputs(), "seg3d")
    assert [i.name for i in m.inputs] == ["image", "flair"]
    assert m.inputs[1].from_other_series and m.inputs[1].series.role == "FLAIR"
    assert m.inputs[1].intensity.kind == "normalize"  # each input has its own intensity


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["inputs"][1].update(shape=["batch", 1, 48, 64],
                                         resize={"size": [48, 64]}),
         r"inputs\[1\].shape: a volume model needs \[batch, 1, depth, rows, columns\]"),
        (lambda d: d["inputs"][1].update(shape=["batch", 3, 32, 48, 64], channels=3),
         r"inputs\[1\].channels: a volume model reads one grey channel per input"),
        (lambda d: d["inputs"][1].update(shape=["batch", 1, 16, 48, 64]),
         r"volume.patch_size: \[32, 48, 64\] differs from inputs\[1\].shape"),
        (lambda d: d["inputs"][1].pop("series"),
         r"inputs\[1\].series: a volume model reads one series per input"),
        (lambda d: d["inputs"][0].update(series={"modality": ["CT"]}),
         r"inputs: every input has a series rule"),
    ],
)
def test_a_bad_input_of_a_volume_model_names_the_field(edit, message):
    doc = two_inputs()
    edit(doc)
    with pytest.raises(ManifestError, match=message):
        parse_manifest(doc, "seg3d")


def _plan(spacing=(2.0, 2.0, 2.0)) -> VolumePlan:
    return VolumePlan(spacing, "SPL", (8, 8, 8), pad_value=-1.0)


def test_a_sagittal_series_lands_on_an_axial_grid_through_patient_coordinates():
    """A field linear in the patient (trilinear keeps it exactly) sampled on a sagittal
    grid, resampled onto an axial primary's target grid: each target voxel gets the
    field's value at its own patient position; outside the sagittal field of view, pad."""
    primary, _ = axial_stack(np.zeros((10, 16, 20), np.int16), thickness=2.0,
                             spacing=(1.0, 1.0))  # x −10…9, y −8…7, z 0…−18
    volume = geometry(primary)
    grid = plan_grid(volume, _plan())

    def field(x, y, z):
        return 3.0 * x - 2.0 * y + 0.5 * z

    # sagittal slices right to left at 1.5 mm, pixels 1.2 mm (rows down, columns posterior);
    # x from −6 to 6: part of the primary lies outside
    xs = -6.0 + 1.5 * np.arange(9)
    cols, rows = np.arange(14), np.arange(18)
    slices, where = [], []
    for x in xs:
        z = 2.0 - 1.2 * rows[:, None] + 0 * cols[None, :]
        y = -9.0 + 1.2 * cols[None, :] + 0 * rows[:, None]
        slices.append(field(x, y, z).astype(np.float32))
        where.append((float(x), -9.0, 2.0))
    other, stored = stack(slices, where, SAGITTAL, (1.2, 1.2), description="sagittal")
    values = np.stack(stored)
    a, b = target_to_other(volume, grid, geometry(other))
    out = resample_onto(values, a, b, grid.target, -1.0, "linear")
    assert out.shape == grid.target
    # the patient position of every target voxel (acquired order of the primary)
    scale = np.array(grid.shape) / np.array(grid.target)
    t = np.indices(grid.target).reshape(3, -1).T.astype(float)
    acquired = (t + 0.5) * scale - 0.5
    points = np.array([volume.position(v) for v in acquired])
    expected = field(points[:, 0], points[:, 1], points[:, 2]).reshape(grid.target)
    k, i, j = np.moveaxis(np.array([geometry(other).voxel(p) for p in points]), 1, 0)
    n = values.shape
    inside = ((k >= -0.5) & (k <= n[0] - 0.5) & (i >= -0.5) & (i <= n[1] - 0.5)
              & (j >= -0.5) & (j <= n[2] - 0.5)).reshape(grid.target)
    core = ((k >= 0) & (k <= n[0] - 1) & (i >= 0) & (i <= n[1] - 1) & (j >= 0)
            & (j <= n[2] - 1)).reshape(grid.target)  # between sample centres: exact
    assert core.sum() > 50 and (~inside).sum() > 50
    np.testing.assert_allclose(out[core], expected[core], atol=1e-3)
    assert np.all(out[~inside] == -1.0)
    # nearest neighbour picks a sample within half a voxel of the point
    near = resample_onto(values, a, b, grid.target, -1.0, "nearest")
    assert np.all(np.abs(near[core] - expected[core]) <= 0.5 * 1.5 * 3 + 0.6 * 2 + 0.6 * 0.5)


def test_slabs_give_the_same_answer_as_one_piece(monkeypatch):
    primary, _ = axial_stack(np.zeros((12, 30, 30), np.int16), thickness=1.0, spacing=(1.0, 1.0))
    volume = geometry(primary)
    grid = plan_grid(volume, _plan((1.0, 1.0, 1.0)))
    rng = np.random.default_rng(0)
    values = rng.normal(size=volume.shape).astype(np.float32)
    a, b = target_to_other(volume, grid, volume)
    whole = resample_onto(values, a, b, grid.target, 0.0, "linear")
    import viewer.inference.volume_inputs as module

    monkeypatch.setattr(module, "CHUNK_ELEMENTS", grid.target[1] * grid.target[2])
    assert module.CHUNK_ELEMENTS < CHUNK_ELEMENTS
    sliced = resample_onto(values, a, b, grid.target, 0.0, "linear")
    assert np.array_equal(whole, sliced)
    np.testing.assert_allclose(whole, values, atol=1e-5)  # the same grid: unchanged


def test_the_memory_estimate_counts_every_other_series():
    primary, _ = axial_stack(np.zeros((20, 32, 40), np.int16), spacing=(1.0, 1.0))
    m = parse_manifest(two_inputs(), "seg3d")
    grid = plan_grid(geometry(primary), m.volume)
    alone = plan_bytes(m, grid)
    target = int(np.prod(grid.target))
    assert plan_bytes(m, grid, [5000]) == alone + 4 * (target + 5000)
    assert plan_bytes(m, grid, [5000, 9000]) == alone + 4 * (2 * target + 9000)
