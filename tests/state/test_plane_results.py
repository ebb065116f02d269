"""Mask results resampled into MPR planes, without Qt: a plane shows the labels of the
voxels it shows, and never another slice's."""

from __future__ import annotations

import numpy as np

from tests.state.test_ai_results import LABELS, provenance
from viewer.imaging.mpr import Plane, Reformat, Volume
from viewer.inference import Letterbox, MaskOutput, Result
from viewer.state.ai_results import OverlayState
from viewer.state.plane_results import plane_results

K, ROWS, COLS = 4, 6, 5
#: An axial stack, head first: k runs to the feet (-z), i to the back (+y), j to the left (+x).
AXES = ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0))


def volume() -> Volume:
    return Volume(np.zeros((K, ROWS, COLS), np.float32), (0.0, 0.0, 0.0), AXES, (2.0, 1.0, 1.0))


def mask_result(frame: int) -> Result:
    mask = np.zeros((ROWS, COLS), np.uint8)
    mask[frame, :] = 1  # slice k marks row k: each plane's cut is easy to predict
    values, counts = np.unique(mask, return_counts=True)
    output = MaskOutput("logits", LABELS, mask, dict(zip(values.tolist(), counts.tolist(),
                                                         strict=True)))
    return Result(provenance(frame), (ROWS, COLS), Letterbox((ROWS, COLS), (ROWS, COLS),
                                                             (1.0, 1.0), (0, 0)), (output,))


def store(frames) -> OverlayState:
    state = OverlayState()
    state.add_results([mask_result(k) for k in frames])
    return state


def stacked(frames) -> np.ndarray:
    stack = np.zeros((K, ROWS, COLS), np.uint8)
    for k in frames:
        stack[k] = mask_result(k).masks[0].mask
    return stack


def test_every_plane_cuts_the_stacked_masks_as_it_cuts_the_volume():
    results = store(range(K))
    for plane in Plane:
        reformat = Reformat.of(volume(), plane)
        derived = plane_results(results, "1.2.3", K, reformat, f"p.{plane}")
        assert len(derived) == reformat.count
        expected = np.transpose(stacked(range(K)), reformat.axes)
        expected = expected[tuple(slice(None, None, -1) if f else slice(None)
                                  for f in reformat.flips)]
        for result in derived:
            assert result.provenance.series_uid == f"p.{plane}"
            assert np.array_equal(result.masks[0].mask, expected[result.provenance.frame_index])
            assert result.shape == reformat.size


def test_a_partial_run_shows_only_in_the_acquired_plane_on_its_own_slice():
    results = store([2])
    axial = Reformat.of(volume(), Plane.AXIAL)
    (only,) = plane_results(results, "1.2.3", K, axial, "p.axial")
    assert round(axial.to_volume(only.provenance.frame_index, 0, 0)[0]) == 2
    assert np.array_equal(only.masks[0].mask, mask_result(2).masks[0].mask)
    for plane in (Plane.CORONAL, Plane.SAGITTAL):
        assert plane_results(results, "1.2.3", K, Reformat.of(volume(), plane), "p") == []


def test_results_of_another_series_are_never_cut():
    assert plane_results(store(range(K)), "9.9.9", K, Reformat.of(volume(), Plane.AXIAL),
                         "p") == []
