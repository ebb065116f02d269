"""Contours in patient mm mapped onto a frame's pixel grid, matched by image or plane."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from viewer.imaging.contours import (
    DEFAULT_TOLERANCE_MM,
    contours_on_frame,
    slice_tolerance,
)
from viewer.io.model import FrameGeometry
from viewer.io.rtstruct import Contour, Roi, StructureSet

AXIAL = FrameGeometry((-100.0, -50.0, 20.0), (1, 0, 0, 0, 1, 0), (0.5, 2.0))


def _c(kind: str, points: tuple, images: tuple[str, ...] = ()) -> Contour:
    return Contour(kind, np.array(points, dtype=float), images)


def _set(*contours: Contour) -> StructureSet:
    roi = Roi(1, "Organ", (255, 0, 0), contours)
    return StructureSet(path=Path("rt.dcm"), sop_instance_uid="9",
                        label="RT", study_uid="1", frame_of_reference_uids=("4",),
                        rois=(roi,))


def test_patient_mm_become_column_and_row():
    square = _c("CLOSED_PLANAR", ((-100.0, -50.0, 20.0), (-80.0, -50.0, 20.0),
                                  (-80.0, -45.0, 20.0)))
    (drawn,) = contours_on_frame([_set(square)], "sop", AXIAL, 1.0)
    # x along the rows at 2 mm per column, y down the columns at 0.5 mm per row.
    assert drawn.points == pytest.approx(np.array([[0, 0], [10, 0], [10, 10]]))
    assert drawn.closed and drawn.colour == (255, 0, 0) and drawn.roi_name == "Organ"


def test_oblique_frame_uses_its_orientation():
    # A coronal frame: rows run along +x, columns along -z.
    coronal = FrameGeometry((0.0, 10.0, 0.0), (1, 0, 0, 0, 0, -1), (1.0, 1.0))
    contour = _c("OPEN_PLANAR", ((5.0, 10.0, -3.0),))
    (drawn,) = contours_on_frame([_set(contour)], "sop", coronal, 0.5)
    assert drawn.points == pytest.approx(np.array([[5, 3]])) and not drawn.closed


def test_matched_by_plane_within_half_a_slice():
    near = _c("CLOSED_PLANAR", ((-90.0, -40.0, 21.2),) * 3)
    far = _c("CLOSED_PLANAR", ((-90.0, -40.0, 21.3),) * 3)
    tilted = _c("CLOSED_PLANAR", ((-90.0, -40.0, 20.0), (-80.0, -40.0, 23.0)))
    drawn = contours_on_frame([_set(near, far, tilted)], "sop", AXIAL, 1.25)
    assert len(drawn) == 1 and drawn[0].points[0] == pytest.approx([5, 20])


def test_matched_by_referenced_image_when_it_names_one_of_the_series():
    on_b = _c("CLOSED_PLANAR", ((-90.0, -40.0, 20.0),), images=("b",))
    elsewhere = _c("CLOSED_PLANAR", ((-90.0, -40.0, 20.0),), images=("other-series",))
    sets = [_set(on_b, elsewhere)]
    # On image "a" of the series: on_b names image b of this series, so not here; the
    # other names no image of the series and is matched by its plane.
    assert len(contours_on_frame(sets, "a", AXIAL, 1.0, {"a", "b"})) == 1
    assert len(contours_on_frame(sets, "b", AXIAL, 1.0, {"a", "b"})) == 2


def test_unknown_geometry_draws_nothing():
    contour = _c("CLOSED_PLANAR", ((0.0, 0.0, 0.0),))
    assert contours_on_frame([_set(contour)], "s", FrameGeometry(), 1.0) == []


def test_tolerance_is_half_the_slice_spacing():
    frames = [FrameGeometry((0.0, 0.0, -2.5 * i), (1, 0, 0, 0, 1, 0), (1.0, 1.0))
              for i in range(5)]
    assert slice_tolerance(frames) == pytest.approx(1.25)
    assert slice_tolerance(frames[:1], thickness=3.0) == 1.5
    assert slice_tolerance([]) == DEFAULT_TOLERANCE_MM
