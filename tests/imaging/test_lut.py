"""Modality and VOI transforms against values worked out by hand from PS3.3 C.11."""

import numpy as np
import pytest
from pydicom import Dataset
from pydicom.sequence import Sequence

from tests.imaging.headers import instance_of, lut_item
from viewer.imaging.lut import (
    apply_window,
    default_window,
    file_windows,
    modality_values,
    voi_lut_sequence,
    voi_lut_window,
)
from viewer.imaging.window import Window


def grey(values, window, function="LINEAR"):
    return apply_window(np.array(values, dtype=np.float32), window, function).tolist()


def test_linear_window_edges_follow_the_standard_formula():
    # c=40, w=400: x <= c - 0.5 - (w-1)/2 = -160 is black, x > c - 0.5 + (w-1)/2 = 239 white,
    # between: ((x - 39.5) / 399 + 0.5) * 255, rounded.
    window = Window(40, 400)
    assert grey([-1000, -160, -159, 39.5, 40, 238, 239, 239.5, 3000], window) == [
        0,
        0,
        1,
        128,
        128,
        254,
        255,
        255,
        255,
    ]


def test_linear_window_of_width_one_is_a_threshold():
    assert grey([99, 99.5, 99.6, 100, 101], Window(100, 1)) == [0, 0, 255, 255, 255]


def test_linear_exact_and_sigmoid_functions():
    assert grey([-60, -50, 0, 25, 50, 60], Window(0, 100), "LINEAR_EXACT") == [
        0,
        0,
        128,
        191,
        255,
        255,
    ]
    # SIGMOID: 255 / (1 + exp(-4 (x - c) / w)); at x = c + w: 255 / (1 + e^-4) = 250.4
    assert grey([0, 100, -100], Window(0, 100), "SIGMOID") == [128, 250, 5]


def test_rescale_slope_and_intercept_give_modality_units():
    instance = instance_of(RescaleSlope="2", RescaleIntercept="-100")
    values = modality_values(np.array([[0, 50, 100]], dtype=np.uint16), instance)
    assert values.dtype == np.float32
    assert values.tolist() == [[-100, 0, 100]]


def test_no_rescale_is_the_identity_and_never_aliases_the_input():
    stored = np.array([1.5, 2.5], dtype=np.float32)
    values = modality_values(stored, instance_of())
    values[0] = 99
    assert stored[0] == 1.5


def test_per_frame_rescale_from_functional_groups():
    frames = []
    for slope in (1, 3):
        transform = Dataset()
        transform.RescaleSlope = slope
        transform.RescaleIntercept = 0
        group = Dataset()
        group.PixelValueTransformationSequence = Sequence([transform])
        frames.append(group)
    instance = instance_of(frames=2, PerFrameFunctionalGroupsSequence=Sequence(frames))
    stored = np.array([10], dtype=np.uint16)
    assert modality_values(stored, instance, 0).tolist() == [10]
    assert modality_values(stored, instance, 1).tolist() == [30]


def test_modality_lut_sequence_maps_and_clamps():
    instance = instance_of(ModalityLUTSequence=Sequence([lut_item([3, 10, 16], [0, 1000, 2000])]))
    stored = np.array([5, 10, 11, 12, 40], dtype=np.uint16)
    assert modality_values(stored, instance).tolist() == [0, 0, 1000, 2000, 2000]


def test_file_windows_keep_every_valid_pair():
    instance = instance_of(WindowCenter=["40", "400", "7"], WindowWidth=["400", "1800", "0"])
    assert file_windows(instance) == [Window(40, 400), Window(400, 1800)]
    assert default_window(instance) == Window(40, 400)


def test_per_frame_windows_win_over_the_top_level():
    voi = Dataset()
    voi.WindowCenter = 100
    voi.WindowWidth = 50
    group = Dataset()
    group.FrameVOILUTSequence = Sequence([voi])
    instance = instance_of(
        WindowCenter=40, WindowWidth=400, SharedFunctionalGroupsSequence=Sequence([group])
    )
    assert file_windows(instance) == [Window(100, 50)]


def test_default_window_without_file_window_spans_the_image_in_modality_units():
    instance = instance_of(RescaleIntercept=-1024, RescaleSlope=1)
    stored = np.array([[1024 - 100, 1024 + 300]], dtype=np.uint16)
    window = default_window(instance, 0, stored)
    # The linear formula's ends land on the image's minimum and maximum.
    assert grey([-100, -99, 299, 300], window) == [0, 1, 254, 255]


def test_default_window_from_a_voi_lut_spans_its_input_range():
    instance = instance_of(VOILUTSequence=Sequence([lut_item([4, 100, 8], [0, 50, 100, 255])]))
    [lut] = voi_lut_sequence(instance)
    assert (lut.first, lut.last, lut.bits) == (100, 103, 8)
    window = default_window(instance)
    assert window == voi_lut_window(lut)
    assert grey([100, 103], window) == [0, 255]


def test_colour_default_window_is_the_identity():
    rgb = np.arange(256, dtype=np.uint8).repeat(3).reshape(16, 16, 3)
    window = default_window(instance_of(photometric="RGB"), 0, rgb)
    assert grey(range(256), window) == list(range(256))


@pytest.mark.parametrize(
    "bad",
    [
        {"WindowCenter": b"", "WindowWidth": b""},
        {"RescaleSlope": b"junk", "WindowCenter": b"40", "WindowWidth": b"wide"},
        {"RescaleSlope": b"0 "},
    ],
)
def test_broken_values_fall_back_instead_of_crashing(bad):
    instance = instance_of(raw=bad)
    stored = np.array([[0, 10]], dtype=np.uint16)
    assert file_windows(instance) == []
    assert modality_values(stored, instance).tolist() == [[0, 10]]
