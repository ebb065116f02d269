"""Reference lines: where one image's plane cuts another's, in the other's pixels (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.imaging.volumes import SAGITTAL, axial_stack, bar_volume, stack, write_series
from viewer.imaging.reference_lines import lines_on, plane_of, reference_line
from viewer.io.scan import scan

CORONAL = (1.0, 0.0, 0.0, 0.0, 0.0, -1.0)


def _sagittal(x: float, for_uid: str = "1.2.3.4"):
    """One 40 × 40 sagittal image at x (mm), 1 mm pixels, top-left at y = -20, z = +20."""
    series, _ = stack([np.zeros((40, 40), np.int16)], [(x, -20.0, 20.0)], SAGITTAL,
                      (1.0, 1.0), for_uid, f"sag{x}")
    return series.frames[0]


def test_a_sagittal_image_draws_a_vertical_line_on_an_axial_one() -> None:
    # Axial: 32 rows × 40 columns, 0.5 mm rows, 0.8 mm columns, top-left at (-10, -8).
    axial, _ = axial_stack(bar_volume(slices=3), thickness=2.0)
    segment = reference_line(plane_of(_sagittal(x=0.0)), plane_of(axial.frames[1]))
    assert segment is not None
    # x = 0 is column (0 - -10) / 0.8 = 12.5; the sagittal image spans y -20..19.5,
    # beyond the axial image's rows, so the line runs over every row (-0.5 .. 31.5).
    (c0, r0), (c1, r1) = segment.start, segment.end
    assert c0 == pytest.approx(12.5) and c1 == pytest.approx(12.5)
    assert sorted((r0, r1)) == pytest.approx([-0.5, 31.5])


def test_the_line_is_clipped_to_the_source_image_too() -> None:
    axial, _ = axial_stack(bar_volume(slices=3), thickness=2.0)
    # A small coronal image at y = -4, spanning x from -6 to -2 (5 columns of 1 mm).
    coronal, _ = stack([np.zeros((5, 5), np.int16)], [(-6.0, -4.0, 1.0)], CORONAL,
                       (1.0, 1.0), "1.2.3.4", "cor")
    segment = reference_line(plane_of(coronal.frames[0]), plane_of(axial.frames[0]))
    assert segment is not None
    # Row of y = -4: (-4 - -8) / 0.5 = 8; columns of x -6.5 .. -1.5: 4.375 .. 10.625.
    assert segment.start[1] == pytest.approx(8.0) and segment.end[1] == pytest.approx(8.0)
    assert sorted((segment.start[0], segment.end[0])) == pytest.approx([4.375, 10.625])


def test_no_line_for_parallel_planes_other_frames_of_reference_or_a_miss() -> None:
    axial, _ = axial_stack(bar_volume(slices=3), thickness=2.0)
    a, b = plane_of(axial.frames[0]), plane_of(axial.frames[2])
    assert reference_line(a, b) is None  # parallel
    assert reference_line(plane_of(_sagittal(0.0, for_uid="9.9")), b) is None
    assert reference_line(plane_of(_sagittal(500.0)), b) is None  # beyond the axial image
    assert lines_on(axial.frames[0], [(_sagittal(0.0), "S"), (axial.frames[1], "A")]) \
        == [(reference_line(plane_of(_sagittal(0.0)), a), "S")]


def test_written_series_of_two_orientations_relate_through_their_headers(tmp_path) -> None:
    for_uid = "1.2.826.0.1.3680043.8.498.77"
    volume = bar_volume(slices=4, rows=16, cols=16)
    write_series(tmp_path / "ax", list(volume), [(-8.0, -8.0, -k * 4.0) for k in range(4)],
                 spacing=(1.0, 1.0), for_uid=for_uid, series_number=1, description="Axial")
    sag = np.zeros((4, 20, 16), np.int16)
    write_series(tmp_path / "sag", list(sag), [(x - 2.0, -8.0, 4.0) for x in range(4)],
                 orientation=SAGITTAL, spacing=(1.0, 1.0), for_uid=for_uid, series_number=2,
                 description="Sagittal")
    series = {s.description: s for s in scan([tmp_path]).all_series()}
    axial, sagittal = series["Axial"], series["Sagittal"]
    on_axial = lines_on(axial.frames[0], [(sagittal.frames[2], "Sagittal · Im 3")])
    assert len(on_axial) == 1
    segment, label = on_axial[0]
    x = sagittal.frames[2].geometry.position[0]
    assert segment.start[0] == pytest.approx(x + 8.0) and label == "Sagittal · Im 3"
    on_sagittal = lines_on(sagittal.frames[0], [(axial.frames[1], "Axial")])
    z = axial.frames[1].geometry.position[2]
    assert on_sagittal[0][0].start[1] == pytest.approx(4.0 - z)  # row of that z
