"""What reaches the screen: grey levels, inversion, the folded-LUT fast path, colour."""

import numpy as np
import pytest
from pydicom.data import get_testdata_file
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.sequence import Sequence

from tests.imaging.headers import instance_of, lut_item
from viewer.imaging.lut import default_window
from viewer.imaging.render import CHUNK_PIXELS, apply_table, render_frame, render_thumbnail
from viewer.imaging.window import Window
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame

CT = instance_of(RescaleSlope=1, RescaleIntercept=-1024, signed=False)


def test_ct_window_on_stored_values_with_rescale():
    stored = np.array([[0, 1024 - 160, 1024 + 40, 1024 + 239, 4095]], dtype=np.uint16)
    out = render_frame(stored, CT, 0, Window(40, 400))
    assert out.dtype == np.uint8 and out.shape == stored.shape
    assert out.tolist() == [[0, 0, 128, 255, 255]]


def test_monochrome1_is_shown_inverted_and_invert_flips_it_back():
    stored = np.array([[0, 100, 200, 255]], dtype=np.uint8)
    window = Window(128, 256)
    mono2 = render_frame(stored, instance_of(bits=8), 0, window)
    mono1 = render_frame(stored, instance_of(bits=8, photometric="MONOCHROME1"), 0, window)
    assert mono2.tolist() == [[0, 100, 200, 255]]
    assert mono1.tolist() == [[255, 155, 55, 0]]
    assert (
        render_frame(
            stored, instance_of(bits=8, photometric="MONOCHROME1"), 0, window, invert=True
        ).tolist()
        == mono2.tolist()
    )
    assert (
        render_frame(stored, instance_of(bits=8), 0, window, invert=True).tolist() == mono1.tolist()
    )


@pytest.mark.parametrize("photometric", ["MONOCHROME2", "MONOCHROME1"])
@pytest.mark.parametrize("invert", [False, True])
@pytest.mark.parametrize(
    "window",
    [Window(40, 400), Window(-600, 1500), Window(0, 1), Window(3, 7.5), Window(-30000, 100)],
)
def test_lookup_table_path_equals_float_path(photometric, invert, window):
    rng = np.random.default_rng(1)
    stored = rng.integers(-32768, 32767, size=(64, 48), dtype=np.int16)
    stored[0, :4] = [-32768, -1, 0, 32767]
    instance = instance_of(
        photometric=photometric, signed=True, RescaleSlope="0.5", RescaleIntercept="-20"
    )
    fast = render_frame(stored, instance, 0, window, invert)
    slow = render_frame(stored.astype(np.float32), instance, 0, window, invert)
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.uint16])
@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_lookup_table_path_equals_float_path_for_other_types(dtype, function):
    info = np.iinfo(dtype)
    stored = (
        np.random.default_rng(2)
        .integers(info.min, info.max, size=(32, 32), endpoint=True)
        .astype(dtype)
    )
    instance = instance_of(signed=info.min < 0, bits=info.bits, VOILUTFunction=function)
    window = Window(float(info.min) + info.max / 3, info.max / 2)
    fast = render_frame(stored, instance, 0, window)
    slow = render_frame(stored.astype(np.float32), instance, 0, window)
    np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize(
    "shape", [(1, CHUNK_PIXELS + 7), (2, CHUNK_PIXELS + 1), (257, 301), (3001, 131), (7, 5)])
def test_row_blocks_give_the_whole_frame_lookup_on_odd_sizes(shape):
    """A large frame is looked up in row blocks (the last one short): every pixel gets
    exactly what one whole-frame ``np.take`` and the float path give, into a kept buffer
    too, and a buffer that does not fit is left alone."""
    rng = np.random.default_rng(3)
    stored = rng.integers(-32768, 32767, size=shape, endpoint=True, dtype=np.int16)
    instance = instance_of(signed=True, RescaleSlope="0.5", RescaleIntercept="-20")
    table = rng.integers(0, 255, size=2**16, endpoint=True, dtype=np.uint8)
    index = stored.view(np.uint16)
    np.testing.assert_array_equal(apply_table(table, index), np.take(table, index))
    buffer = np.full(shape, 7, dtype=np.uint8)
    for window in (Window(40, 400), Window(-600, 1500)):
        slow = render_frame(stored.astype(np.float32), instance, 0, window)
        kept = render_frame(stored, instance, 0, window, out=buffer)
        assert kept is buffer
        np.testing.assert_array_equal(kept, slow)
    wrong = np.zeros((shape[0] + 1, shape[1]), dtype=np.uint8)
    fresh = render_frame(stored, instance, 0, Window(40, 400), out=wrong)
    assert fresh is not wrong and not wrong.any()
    np.testing.assert_array_equal(fresh, render_frame(stored.astype(np.float32), instance, 0,
                                                      Window(40, 400)))


def test_a_strided_or_big_endian_frame_renders_as_its_copy():
    rng = np.random.default_rng(4)
    stored = rng.integers(0, 4095, size=(301, 2 * 257), dtype=np.uint16)
    view = stored[::3, ::2]  # not contiguous: blocks of a view
    window = Window(40, 400)
    np.testing.assert_array_equal(render_frame(view, CT, 0, window),
                                  render_frame(view.copy(), CT, 0, window))
    swapped = stored.astype(">u2")
    np.testing.assert_array_equal(render_frame(swapped, CT, 0, window),
                                  render_frame(stored, CT, 0, window))


def test_voi_lut_sequence_is_used_for_the_files_own_display():
    instance = instance_of(
        bits=8, VOILUTSequence=Sequence([lut_item([4, 100, 8], [0, 50, 100, 255])])
    )
    stored = np.array([[0, 100, 101, 102, 103, 200]], dtype=np.uint8)
    through_lut = [[0, 0, 50, 100, 255, 255]]
    assert render_frame(stored, instance, 0, None).tolist() == through_lut
    assert (
        render_frame(stored, instance, 0, default_window(instance, 0, stored)).tolist()
        == through_lut
    )
    # Once the reader drags the window, the linear window replaces the LUT.
    assert render_frame(stored, instance, 0, Window(102, 2)).tolist() == [[0, 0, 0, 255, 255, 255]]


def test_voi_lut_entries_are_scaled_from_their_bit_depth():
    instance = instance_of(VOILUTSequence=Sequence([lut_item([3, 0, 12], [0, 2048, 4095])]))
    stored = np.array([[0, 1, 2]], dtype=np.uint16)
    assert render_frame(stored, instance, 0, None).tolist() == [[0, 128, 255]]


def test_matches_pydicom_on_a_real_ct():
    path = get_testdata_file("CT_small.dcm", download=False)
    instance = read_instance(path)
    stored = read_frame(FrameRef(instance, 0))
    window = default_window(instance, 0, stored)
    ours = render_frame(stored, instance, 0, window).astype(int)

    import pydicom

    ds = pydicom.dcmread(path)
    ds.WindowCenter, ds.WindowWidth = window.center, window.width
    theirs = apply_voi_lut(apply_modality_lut(ds.pixel_array, ds), ds)
    theirs = (theirs - theirs.min()) / (2**16 - 1) * 255  # pydicom's output spans 16 bits
    assert np.abs(ours - theirs).max() <= 1
    assert 0 < ours.mean() < 255


def test_colour_passes_through_unless_asked_otherwise():
    path = get_testdata_file("examples_rgb_color.dcm", download=False)
    instance = read_instance(path)
    rgb = read_frame(FrameRef(instance, 0))
    window = default_window(instance, 0, rgb)
    assert render_frame(rgb, instance, 0, window) is rgb
    assert render_frame(rgb, instance, 0, None) is rgb
    np.testing.assert_array_equal(render_frame(rgb, instance, 0, window, invert=True), 255 - rgb)
    narrow = render_frame(rgb, instance, 0, Window(128, 64))
    assert narrow.shape == rgb.shape
    assert narrow[rgb <= 95].max() == 0 and narrow[rgb >= 160].min() == 255


def test_thumbnail_keeps_the_aspect_and_never_enlarges():
    stored = np.zeros((300, 150), dtype=np.uint16)
    stored[:150] = 4000
    thumb = render_thumbnail(stored, CT, 0, Window(40, 400), size=96)
    assert thumb.shape == (96, 48)
    assert thumb[:40].min() == 255 and thumb[-40:].max() == 0
    small = np.zeros((20, 30), dtype=np.uint16)
    assert render_thumbnail(small, CT, 0, Window(40, 400)).shape == (20, 30)


def test_thumbnail_shows_non_square_pixels_at_their_true_shape():
    instance = instance_of(spacing=(2.0, 1.0))  # rows twice as far apart as columns
    thumb = render_thumbnail(
        np.zeros((100, 200), dtype=np.uint16), instance, 0, Window(0, 10), size=64
    )
    assert thumb.shape == (64, 64)


def test_thumbnail_of_colour_is_colour():
    rgb = np.full((200, 100, 3), (255, 0, 0), dtype=np.uint8)
    thumb = render_thumbnail(rgb, instance_of(photometric="RGB"), 0, None, size=50)
    assert thumb.shape == (50, 25, 3)
    assert thumb[..., 0].min() == 255 and thumb[..., 1:].max() == 0
