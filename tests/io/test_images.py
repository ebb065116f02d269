"""Plain images written with Pillow: 8/16-bit grey and RGB, in each common format."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from viewer.errors import UnreadableFileError
from viewer.io.images import read_image
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

GREY8 = (np.arange(20 * 30).reshape(20, 30) % 256).astype(np.uint8)
GREY16 = (np.arange(20 * 30).reshape(20, 30) * 97).astype(np.uint16)
RGB = np.stack([GREY8, 255 - GREY8, np.full_like(GREY8, 7)], axis=-1)


@pytest.mark.parametrize("ext", ["png", "tif", "bmp"])
def test_lossless_grey8_and_rgb_round_trip(tmp_path, ext):
    for name, arr in (("grey", GREY8), ("rgb", RGB)):
        path = tmp_path / f"{name}.{ext}"
        Image.fromarray(arr).save(path)
        inst = read_image(path)
        assert inst.kind == "image" and inst.pixel.rows == 20 and inst.pixel.columns == 30
        assert inst.pixel.is_colour == (arr.ndim == 3)
        out = read_frame(FrameRef(inst))
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, arr)


@pytest.mark.parametrize("ext", ["png", "tif"])
def test_sixteen_bit_grey_keeps_its_values(tmp_path, ext):
    path = tmp_path / f"g16.{ext}"
    Image.fromarray(GREY16).save(path)
    inst = read_image(path)
    assert inst.pixel.bits_stored == 16 and not inst.pixel.is_colour
    out = read_frame(FrameRef(inst))
    assert out.dtype == np.uint16
    np.testing.assert_array_equal(out, GREY16)


def test_jpeg_grey_and_colour_decode_close_to_the_source(tmp_path):
    ramp = np.linspace(0, 255, 32).astype(np.uint8)
    grey = np.tile(ramp, (24, 1))
    rgb = np.stack([grey, grey[::-1], 255 - grey], axis=-1)  # smooth: JPEG keeps it
    for name, arr in (("grey", grey), ("rgb", rgb)):
        path = tmp_path / f"{name}.jpg"
        Image.fromarray(arr).save(path, quality=95)
        out = read_frame(FrameRef(read_image(path)))
        assert out.shape == arr.shape and out.dtype == np.uint8
        assert np.abs(out.astype(int) - arr.astype(int)).mean() < 4


def test_images_in_one_folder_form_one_series(tmp_path):
    for i in range(3):
        Image.fromarray(GREY8).save(tmp_path / f"shot{i}.png")
    result = scan([tmp_path])
    (study,) = result.studies
    (series,) = study.series
    assert len(series.frames) == 3 and series.description == tmp_path.name
    assert [f.instance.path.name for f in series.frames] == ["shot0.png", "shot1.png", "shot2.png"]


def test_exif_rotation_is_applied(tmp_path):
    path = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    Image.fromarray(RGB).save(path, exif=exif, quality=95)
    inst = read_image(path)
    assert (inst.pixel.rows, inst.pixel.columns) == (30, 20)
    assert read_frame(FrameRef(inst)).shape == (30, 20, 3)


def test_truncated_png_is_a_clear_problem(tmp_path):
    path = tmp_path / "cut.png"
    Image.fromarray(RGB).save(path)
    path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(UnreadableFileError, match="cut.png"):
        read_frame(FrameRef(read_image(path)))
