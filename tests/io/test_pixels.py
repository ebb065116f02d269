"""Known values: compressed and big-endian files decode to their uncompressed twins."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from viewer.errors import NotAnImageError, UnreadableFileError
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.pixels import has_fast_path, read_frame

from .conftest import sample


def frame_of(name: str, index: int = 0) -> np.ndarray:
    return read_frame(FrameRef(read_instance(sample(name)), index))


def test_ct_small_stored_values():
    inst = read_instance(sample("CT_small.dcm"))
    assert has_fast_path(inst)  # native: read straight from its offset
    arr = read_frame(FrameRef(inst))
    assert arr.shape == (128, 128) and arr.dtype == np.int16
    # Stored values, not Hounsfield units: rescale is left to imaging.
    assert arr[64, 64] == 1928 and arr.min() == 128 and arr.max() == 2191


@pytest.mark.parametrize(
    "twin",
    [
        "MR_small_RLE.dcm",
        "MR_small_jp2klossless.dcm",
        "MR_small_jpeg_ls_lossless.dcm",
        "MR_small_implicit.dcm",
        "MR_small_bigendian.dcm",
        "MR_small_expb.dcm",
        "MR_small_padded.dcm",
    ],
)
def test_lossless_and_big_endian_variants_equal_the_uncompressed_file(twin):
    reference = frame_of("MR_small.dcm")
    arr = frame_of(twin)
    assert arr.dtype == reference.dtype == np.int16
    np.testing.assert_array_equal(arr, reference)


def test_deflated_file_matches_pydicom_reference():
    import pydicom

    reference = pydicom.dcmread(sample("image_dfl.dcm")).pixel_array
    np.testing.assert_array_equal(frame_of("image_dfl.dcm"), reference)


def test_multiframe_big_endian_rt_dose_equals_little_endian_per_frame():
    for i in (0, 7, 14):
        np.testing.assert_array_equal(frame_of("rtdose_expb.dcm", i), frame_of("rtdose.dcm", i))
        np.testing.assert_array_equal(frame_of("rtdose_rle.dcm", i), frame_of("rtdose.dcm", i))
    assert not np.array_equal(frame_of("rtdose.dcm", 0), frame_of("rtdose.dcm", 14))


def test_rgb_big_endian_equals_little_endian():
    np.testing.assert_array_equal(
        frame_of("SC_rgb_small_odd_big_endian.dcm"), frame_of("SC_rgb_small_odd.dcm")
    )


def _mean_colour(arr: np.ndarray) -> np.ndarray:
    return arr.reshape(-1, 3).mean(axis=0)


@pytest.mark.parametrize(
    "name",
    [
        "SC_rgb_dcmtk_+eb+cy+n1.dcm",  # JPEG, YBR_FULL
        "SC_rgb_dcmtk_+eb+cy+np.dcm",  # JPEG, YBR_FULL_422
        "SC_rgb_dcmtk_+eb+cr.dcm",  # JPEG, RGB
        "SC_ybr_full_422_uncompressed.dcm",  # native YBR_FULL_422
        "SC_rgb_jpeg_gdcm.dcm",  # JPEG lossless RGB
        "SC_rgb_gdcm_KY.dcm",  # JPEG 2000
        "SC_rgb_rle_16bit.dcm",  # 16-bit colour, scaled to 8 bits
        "SC_rgb_rle_32bit.dcm",
    ],
)
def test_ybr_and_rgb_encodings_give_the_same_colours(name):
    reference = frame_of("SC_rgb_rle.dcm")  # lossless RGB: colour bars, white, black
    arr = frame_of(name)
    assert arr.shape == reference.shape and arr.dtype == np.uint8
    # Lossy JPEG moves single pixels, but every bar keeps its colour.
    diff = np.abs(arr.astype(int) - reference.astype(int))
    assert np.median(diff) <= 3
    np.testing.assert_allclose(_mean_colour(arr), _mean_colour(reference), atol=4)


def test_red_bar_is_red_not_a_ycbcr_value():
    arr = frame_of("SC_rgb_dcmtk_+eb+cy+np.dcm")
    top = arr[5, 50]  # SC_rgb files: the top band is pure red
    assert top[0] > 200 and top[1] < 40 and top[2] < 40


def test_palette_colour_becomes_rgb():
    inst = read_instance(sample("examples_palette.dcm"))
    arr = read_frame(FrameRef(inst))
    assert arr.shape == (inst.pixel.rows, inst.pixel.columns, 3) and arr.dtype == np.uint8
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 10  # really coloured, not grey


def test_bits_above_bits_stored_are_cleared():
    inst = read_instance(sample("examples_overlay.dcm"))  # 12 of 16 bits used
    assert inst.pixel.bits_stored == 12
    assert read_frame(FrameRef(inst)).max() < 2**12


def test_signed_twelve_bit_values_are_sign_extended(tmp_path):
    import pydicom

    ds = pydicom.dcmread(sample("CT_small.dcm"))
    values = np.array([[-2048, -1, 0, 2047]], dtype=np.int16)
    raw = values.view(np.uint16) & 0x0FFF  # 12-bit two's complement, high bits clear
    ds.Rows, ds.Columns, ds.BitsStored, ds.HighBit = 1, 4, 12, 11
    ds.PixelData = raw.astype("<u2").tobytes()
    ds.save_as(tmp_path / "signed12.dcm")
    arr = read_frame(FrameRef(read_instance(tmp_path / "signed12.dcm")))
    np.testing.assert_array_equal(arr, values)


def test_object_without_pixels_is_not_an_image():
    inst = read_instance(sample("rtplan.dcm"))
    assert inst.pixel is None and inst.header is not None
    with pytest.raises(NotAnImageError, match="rtplan.dcm"):
        read_frame(FrameRef(inst))


def test_file_truncated_after_scanning_reports_the_file(tmp_path):
    path = tmp_path / "CT.dcm"
    shutil.copy(sample("CT_small.dcm"), path)
    inst = read_instance(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 1000])
    with pytest.raises(UnreadableFileError, match=r"CT\.dcm: file is truncated"):
        read_frame(FrameRef(inst))


def test_damaged_compressed_data_names_the_syntax():
    with pytest.raises(UnreadableFileError) as info:
        frame_of("JPEG2000-embedded-sequence-delimiter.dcm")
    assert "JPEG 2000" in info.value.reason and "damaged" in info.value.reason
