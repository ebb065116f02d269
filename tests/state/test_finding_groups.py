"""The findings list groups per-slice findings into findings, with sizes in mm (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.imaging.volumes import axial_stack, bar_volume
from tests.state.test_ai_results import LABELS, SHAPE, result
from viewer.inference import Box, BoxesOutput, Label, LabelsOutput, MaskOutput
from viewer.state.ai_results import OverlayState
from viewer.state.finding_groups import (
    area_mm2,
    group_findings,
    slice_spacing_mm,
    volume_ml,
)


def mask_of(lesion_pixels: int) -> MaskOutput:
    mask = np.zeros(SHAPE, np.uint8)
    mask[0:2, 0:5] = 1  # liver: 10 px on every slice
    mask.flat[20:20 + lesion_pixels] = 2
    values, counts = np.unique(mask, return_counts=True)
    return MaskOutput("logits", LABELS, mask, dict(zip(values.tolist(), counts.tolist(),
                                                       strict=True)))


def boxes_of(*boxes: Box) -> BoxesOutput:
    return BoxesOutput("boxes", boxes, 0.5, (Label("spot", None, "#FFB300"),), boxes)


def spot(x0: float, y0: float, x1: float, y1: float, score: float = 0.9) -> Box:
    return Box(x0, y0, x1, y1, score, 0, "spot", "#FFB300")


def test_a_mask_label_is_one_finding_with_its_area_and_volume() -> None:
    # 0.5 × 0.8 mm pixels (0.4 mm²), slices 2 mm apart.
    series, _ = axial_stack(bar_volume(slices=5, rows=8, cols=10), thickness=2.0)
    state = OverlayState()
    state.add_results([result(f, mask_of(n), series=series.uid)
                       for f, n in ((1, 5), (2, 20), (3, 10))])
    groups = group_findings(state.findings(series.uid))
    assert [(g.name, g.frames) for g in groups] == [("liver", [1, 2, 3]),
                                                    ("lesion", [1, 2, 3])]
    lesion = groups[1]
    assert lesion.best_frame == 2  # the slice with the largest area
    assert area_mm2(lesion, series, 2) == pytest.approx(8.0)  # 20 px × 0.4 mm²
    assert area_mm2(lesion, series, 4) == 0.0  # not on this slice
    assert slice_spacing_mm(series) == pytest.approx(2.0)
    assert volume_ml(lesion, series) == pytest.approx(35 * 0.4 * 2.0 / 1000)
    # Its members are the per-slice toggles: hiding them all hides the lesion everywhere.
    for key in lesion.keys:
        state.set_finding_visible(key, False)
    assert all(state.overlay_rgba(series.uid, f, SHAPE)[2, 0, 3] == 0 for f in (1, 2, 3))


def test_without_spacing_there_is_no_area_or_volume() -> None:
    series, _ = axial_stack(bar_volume(slices=3, rows=8, cols=10))
    for ref in series.frames:
        ref.instance.geometry = []
    state = OverlayState()
    state.add_results([result(0, mask_of(5), series=series.uid)])
    lesion = group_findings(state.findings(series.uid))[1]
    assert area_mm2(lesion, series, 0) is None and volume_ml(lesion, series) is None


def test_overlapping_boxes_on_neighbouring_slices_are_one_finding() -> None:
    state = OverlayState()
    state.add_results([
        result(0, boxes_of(spot(1, 1, 3, 3), spot(6, 5, 8, 7)), model="det"),
        result(1, boxes_of(spot(1, 1, 4, 4, 0.95)), model="det"),
        result(2, boxes_of(spot(2, 2, 4, 4)), model="det"),
        result(6, boxes_of(spot(1, 1, 3, 3)), model="det"),  # far away in z: another one
    ])
    groups = group_findings(state.findings("1.2.3"))
    assert [(g.name, g.frames) for g in groups] == [("spot", [0, 1, 2]), ("spot", [0]),
                                                    ("spot", [6])]
    assert groups[0].best_frame == 1 and groups[0].score == pytest.approx(0.95)
    assert len({g.key for g in groups}) == 3


def test_a_classification_is_one_finding_per_label_it_names() -> None:
    state = OverlayState()
    names = (Label("no lesion"), Label("lesion"))
    state.add_results([result(f, LabelsOutput("probs", names, p), model="cls")
                       for f, p in ((0, (0.9, 0.1)), (1, (0.2, 0.8)), (2, (0.1, 0.9)))])
    groups = group_findings(state.findings("1.2.3"))
    assert [(g.name, g.frames, g.best_frame) for g in groups] == [
        ("no lesion", [0], 0), ("lesion", [1, 2], 2)]  # by first slice
