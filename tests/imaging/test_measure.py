"""Measurement maths against shapes and a phantom of known size and HU."""

from __future__ import annotations

import math

import numpy as np
import pytest

from viewer.imaging.measure import (
    AT_DETECTOR,
    Calibration,
    Kind,
    calibration_of,
    measure,
    roi_mask,
)
from viewer.io.demo import HU, NAMES, NOISE_HU, phantom_regions, write_phantom_series
from viewer.io.model import FrameGeometry
from viewer.io.pixels import read_frame
from viewer.io.scan import scan
from viewer.state.measurements import evaluate

SQUARE = Calibration(0.5, 0.5, "PixelSpacing")
#: Rows 2 mm apart, columns 0.5 mm apart: a pixel four times taller than wide.
OBLONG = Calibration(2.0, 0.5, "PixelSpacing")


def test_distance_in_mm_with_square_and_oblong_pixels():
    assert measure(Kind.DISTANCE, ((0, 0), (30, 40)), SQUARE).value == pytest.approx(25.0)
    horizontal = measure(Kind.DISTANCE, ((10, 10), (50, 10)), OBLONG)
    vertical = measure(Kind.DISTANCE, ((10, 10), (10, 50)), OBLONG)
    assert horizontal.value == pytest.approx(20.0) and horizontal.unit == "mm"
    assert vertical.value == pytest.approx(80.0)
    diagonal = measure(Kind.DISTANCE, ((0, 0), (8, 1.5)), OBLONG)
    assert diagonal.value == pytest.approx(5.0)  # 4 mm across, 3 mm down
    assert diagonal.text() == "5.0 mm"


def test_without_spacing_the_unit_is_pixels_never_mm():
    cal = calibration_of(FrameGeometry())
    assert cal.unit == "px" and cal.area_unit == "px²"
    result = measure(Kind.DISTANCE, ((0, 0), (3, 4)), cal)
    assert result.value == pytest.approx(5.0) and result.unit == "px"
    assert "mm" not in result.text()
    roi = measure(Kind.RECTANGLE, ((0, 0), (10, 5)), cal)
    assert roi.area == pytest.approx(50.0) and roi.area_unit == "px²"
    assert "mm" not in roi.text()


def test_imager_pixel_spacing_is_labelled_at_detector():
    cal = calibration_of(FrameGeometry(spacing=(0.2, 0.2), spacing_source="ImagerPixelSpacing"))
    result = measure(Kind.DISTANCE, ((0, 0), (100, 0)), cal)
    assert result.value == pytest.approx(20.0)
    assert result.note == AT_DETECTOR and AT_DETECTOR in result.text()
    assert measure(Kind.DISTANCE, ((0, 0), (1, 0)), SQUARE).note == ""


def test_angle_in_degrees_accounts_for_oblong_pixels():
    right = measure(Kind.ANGLE, ((10, 0), (0, 0), (0, 10)), SQUARE)
    assert right.value == pytest.approx(90.0) and right.text() == "90.0°"
    assert measure(Kind.ANGLE, ((10, 0), (0, 0), (10, 10)), SQUARE).value == pytest.approx(45)
    # On screen (aspect-corrected) this is 45°: 4 columns of 0.5 mm = 1 row of 2 mm.
    assert measure(Kind.ANGLE, ((4, 0), (0, 0), (4, 1)), OBLONG).value == pytest.approx(45)
    assert measure(Kind.ANGLE, ((-5, 0), (0, 0), (5, 0)), SQUARE).value == pytest.approx(180)


def test_roi_area_and_statistics_of_a_known_disc():
    size = 200
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    disc = (xx - 100) ** 2 + (yy - 100) ** 2 <= 40 ** 2
    values = np.where(disc, 60.0, -1000.0).astype(np.float32)
    # An ellipse ROI well inside the disc: every pixel is 60.
    inner = measure(Kind.ELLIPSE, ((80, 80), (120, 120)), OBLONG, values, "HU")
    assert inner.mean == pytest.approx(60) and inner.sd == pytest.approx(0)
    assert inner.minimum == inner.maximum == 60
    assert inner.area == pytest.approx(math.pi * (20 * 0.5) * (20 * 2.0))
    assert inner.area_unit == "mm²" and "HU" in inner.text()
    # The ROI drawn exactly on the disc: the pixel count follows its area.
    exact = measure(Kind.ELLIPSE, ((60, 60), (140, 140)), Calibration(1, 1, "PixelSpacing"),
                    values)
    assert exact.pixels == pytest.approx(math.pi * 40 ** 2, rel=0.01)
    assert exact.mean == pytest.approx(60)
    rect = measure(Kind.RECTANGLE, ((10, 20), (30, 25)), OBLONG, values)
    assert rect.area == pytest.approx(20 * 0.5 * 5 * 2.0) and rect.pixels == 100
    assert rect.mean == -1000


def test_roi_mask_uses_pixel_centres_and_either_corner_order():
    mask = roi_mask(Kind.RECTANGLE, (4, 3), (1, 1), (5, 6))
    assert mask.sum() == 3 * 2 and mask[1:3, 1:4].all()
    assert not roi_mask(Kind.ELLIPSE, (2, 2), (2, 8), (10, 10)).any()


def test_wrong_number_of_points_is_refused():
    with pytest.raises(ValueError, match="needs 3 points"):
        measure(Kind.ANGLE, ((0, 0), (1, 1)), SQUARE)


@pytest.fixture(scope="module")
def oblong_phantom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oblong")
    # Non-square pixels: rows 1.2 mm apart, columns 0.8 mm apart.
    write_phantom_series(folder, slices=20, size=128, spacing=(1.2, 0.8))
    return scan([folder]).all_series()[0]


@pytest.mark.parametrize("name", ["liver", "lung", "fat", "soft_tissue"])
def test_rectangle_roi_on_the_phantom_reads_its_hu(oblong_phantom, name):
    region = phantom_regions(slices=20, size=128)[name]
    ref = oblong_phantom.frames[region.slice_index]
    stored = read_frame(ref)
    points = ((region.cols.start, region.rows.start), (region.cols.stop, region.rows.stop))
    result = evaluate(Kind.RECTANGLE, points, ref.instance, ref.frame, stored)
    expected = int(HU[NAMES.index(name)])
    assert result.value_unit == "HU"
    assert result.mean == pytest.approx(expected, abs=3 * NOISE_HU / math.sqrt(result.pixels) + 0.5)
    assert result.sd == pytest.approx(NOISE_HU, rel=0.35)
    width = (region.cols.stop - region.cols.start) * 0.8
    height = (region.rows.stop - region.rows.start) * 1.2
    assert result.area == pytest.approx(width * height)
    assert result.pixels == (region.cols.stop - region.cols.start) * (
        region.rows.stop - region.rows.start)


def test_distance_across_the_phantom_body_in_mm(oblong_phantom):
    ref = oblong_phantom.frames[0]
    # The body ellipse's half-widths are 0.85 and 0.60 of the half field of view.
    across = evaluate(Kind.DISTANCE, ((64 - 0.85 * 64, 40), (64 + 0.85 * 64, 40)),
                      ref.instance, ref.frame, None)
    assert across.value == pytest.approx(2 * 0.85 * 64 * 0.8) and across.unit == "mm"
    down = evaluate(Kind.DISTANCE, ((64, 10), (64, 50)), ref.instance, ref.frame, None)
    assert down.value == pytest.approx(40 * 1.2)
