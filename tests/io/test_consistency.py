"""Headers that contradict their pixel data are refused by name, never shown as garbage."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from viewer.errors import FileProblemError, InconsistentImageError
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

from .conftest import ct_slice, sample


def edited(tmp_path: Path, name: str, **values) -> Path:
    ds = pydicom.dcmread(sample(name))
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    path = tmp_path / f"edited-{name}"
    ds.save_as(path)
    return path


@pytest.mark.parametrize(("name", "values", "reason"), [
    # 16-bit data described as 8-bit: twice the bytes the header describes
    ("CT_small.dcm", {"BitsAllocated": 8, "BitsStored": 8, "HighBit": 7},
     "the pixel data holds 32768 bytes where the header describes 16384"),
    ("CT_small.dcm", {"Rows": 64},
     "the pixel data holds 32768 bytes where the header describes 16384"),
    ("CT_small.dcm", {"BitsAllocated": 12},
     "Bits Allocated is 12 (1, 8, 16, 32 or 64 are possible)"),
    ("CT_small.dcm", {"BitsStored": 20, "HighBit": 19},
     "Bits Stored (20) does not fit in Bits Allocated (16)"),
    ("CT_small.dcm", {"HighBit": 11}, "High Bit is 11 where Bits Stored (16) needs 15"),
    ("CT_small.dcm", {"PixelRepresentation": 2},
     "Pixel Representation is 2 (0 or 1 are possible)"),
    ("examples_rgb_color.dcm", {"SamplesPerPixel": 1},
     "1 samples per pixel do not fit RGB (it has 3)"),
    ("CT_small.dcm", {"PhotometricInterpretation": "RGB"},
     "1 samples per pixel do not fit RGB (it has 3)"),
])
def test_a_contradicting_header_is_refused_by_name(tmp_path, name, values, reason):
    path = edited(tmp_path, name, **values)
    with pytest.raises(InconsistentImageError) as caught:
        read_instance(path)
    assert caught.value.reason == f"{reason}: the header contradicts the image data, so it is not shown"
    problems = scan([path]).problems  # the open dialog and `info` list it with that reason
    assert [p.reason for p in problems] == [caught.value.reason]


def test_too_little_pixel_data_reads_as_truncated(tmp_path):
    path = edited(tmp_path, "CT_small.dcm", Rows=256)  # needs twice the bytes present
    with pytest.raises(FileProblemError, match="less pixel data than the image size needs"):
        read_instance(path)


def test_a_pad_byte_or_padding_is_fine(tmp_path):
    ds = ct_slice((0, 0, 0), size=(3, 3))
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    ds.PixelData = bytes(range(9)) + b"\0"  # odd length padded to even
    path = tmp_path / "odd.dcm"
    ds.save_as(path, enforce_file_format=True)
    assert read_frame(FrameRef(read_instance(path))).tolist() == [[0, 1, 2], [3, 4, 5],
                                                                  [6, 7, 8]]
    assert read_instance(sample("MR_small_padded.dcm")).pixel is not None


@pytest.mark.parametrize("name", ["SC_rgb_jpeg_dcmtk.dcm", "MR_small_jp2klossless.dcm",
                                  "MR_small_jpeg_ls_lossless.dcm"])
@pytest.mark.parametrize("values", [{"Rows": 56}, {"Rows": 72}, {"Columns": 56}])
def test_compressed_frames_of_another_size_than_the_header_are_refused(tmp_path, name,
                                                                       values):
    """The first frame's codestream header (JPEG SOF, JPEG 2000 SIZ) is read with the
    DICOM header: the size it gives must be the size the header says."""
    path = edited(tmp_path, name, **values)
    with pytest.raises(InconsistentImageError, match=r"the compressed image is \d+×\d+ where "
                       r"the header says \d+×\d+"):
        read_instance(path)


@pytest.mark.parametrize(("name", "values", "reason"), [
    # 16-bit samples under a header that says 8 bits decoded to noise, with exit 0
    ("MR_small_jp2klossless.dcm", {"BitsAllocated": 8, "BitsStored": 8, "HighBit": 7},
     "the compressed image has 16-bit samples where Bits Allocated is 8"),
    ("MR_small_jpeg_ls_lossless.dcm", {"BitsAllocated": 8, "BitsStored": 8, "HighBit": 7},
     "the compressed image has 16-bit samples where Bits Allocated is 8"),
    ("SC_rgb_jpeg_dcmtk.dcm", {"SamplesPerPixel": 1, "PhotometricInterpretation": "MONOCHROME2"},
     "the compressed image has 3 samples per pixel where the header says 1"),
])
def test_compressed_frames_of_another_depth_or_samples_are_refused(tmp_path, name, values,
                                                                   reason):
    with pytest.raises(InconsistentImageError) as caught:
        read_instance(edited(tmp_path, name, **values))
    assert caught.value.reason.startswith(reason)


def test_consistent_samples_still_open():
    for name in ("CT_small.dcm", "examples_rgb_color.dcm", "examples_palette.dcm", "MR_small.dcm",
                 "SC_rgb_jpeg_dcmtk.dcm", "MR_small_RLE.dcm"):
        inst = read_instance(sample(name))
        assert np.asarray(read_frame(FrameRef(inst))).size
