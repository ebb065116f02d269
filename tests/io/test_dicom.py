"""Header reading: geometry, pixel layout, where native pixels sit, clear refusals."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from viewer.errors import UnreadableFileError
from viewer.io.dicom import read_instance

from .conftest import ct_slice, sample, write


def test_ct_header_geometry_and_native_offset():
    inst = read_instance(sample("CT_small.dcm"))
    assert inst.kind == "dicom" and inst.modality == "CT"
    assert inst.pixel.rows == 128 and inst.pixel.pixel_representation == 1
    geo = inst.frame_geometry(0)
    assert geo.orientation == (1, 0, 0, 0, 1, 0)
    assert geo.spacing == pytest.approx((0.661468, 0.661468))
    assert geo.spacing_source == "PixelSpacing"
    # The stored offset really points at the pixels.
    with open(inst.path, "rb") as f:
        f.seek(inst.pixel_offset)
        raw = np.frombuffer(f.read(inst.pixel_length), "<i2")
    np.testing.assert_array_equal(raw.reshape(128, 128), pydicom.dcmread(inst.path).pixel_array)


def test_header_is_kept_without_pixel_data():
    inst = read_instance(sample("CT_small.dcm"))
    assert "PixelData" not in inst.header
    assert inst.header.Modality == "CT" and "PatientName" in inst.header


def test_compressed_file_has_no_offset():
    inst = read_instance(sample("MR_small_jp2klossless.dcm"))
    assert inst.pixel_offset is None and inst.pixel.transfer_syntax.startswith(
        "1.2.840.10008.1.2.4"
    )


def test_file_without_preamble_or_meta_is_read():
    inst = read_instance(sample("ExplVR_LitEndNoMeta.dcm"))
    assert inst.sop_class_uid and inst.header is not None


def test_imager_pixel_spacing_is_the_fallback_and_says_so(tmp_path):
    ds = ct_slice((0, 0, 0))
    del ds.PixelSpacing
    ds.ImagerPixelSpacing = [0.2, 0.3]
    geo = read_instance(write(ds, tmp_path / "x.dcm")).frame_geometry(0)
    assert geo.spacing == (0.2, 0.3) and geo.spacing_source == "ImagerPixelSpacing"


def test_enhanced_multiframe_positions_come_from_functional_groups(tmp_path):
    ds = ct_slice((0, 0, 0))
    for kw in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing"):
        delattr(ds, kw)
    ds.NumberOfFrames = 3
    ds.PixelData = np.zeros((3, 8, 8), "<i2").tobytes()
    shared = Dataset()
    orient, measures = Dataset(), Dataset()
    orient.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    measures.PixelSpacing = [0.7, 0.7]
    shared.PlaneOrientationSequence = [orient]
    shared.PixelMeasuresSequence = [measures]
    ds.SharedFunctionalGroupsSequence = [shared]
    frames = []
    for z in (10.0, 12.5, 15.0):
        item, pos = Dataset(), Dataset()
        pos.ImagePositionPatient = [0, 0, z]
        item.PlanePositionSequence = [pos]
        frames.append(item)
    ds.PerFrameFunctionalGroupsSequence = frames
    inst = read_instance(write(ds, tmp_path / "enhanced.dcm"))
    assert inst.number_of_frames == 3
    assert [inst.frame_geometry(i).position[2] for i in range(3)] == [10.0, 12.5, 15.0]
    assert inst.frame_geometry(2).orientation == (1, 0, 0, 0, 1, 0)
    assert inst.frame_geometry(1).spacing == (0.7, 0.7)


def test_rt_dose_frames_are_placed_by_grid_offsets():
    inst = read_instance(sample("rtdose.dcm"))
    zs = [inst.frame_geometry(i).position[2] for i in range(inst.number_of_frames)]
    assert len(zs) == 15 and zs == sorted(zs) and zs[0] != zs[-1]


def test_invalid_frame_count_is_recovered_from_pixel_size_with_a_warning():
    inst = read_instance(sample("badVR.dcm"))  # NumberOfFrames "1A"
    assert inst.number_of_frames == 15
    assert any("Number of Frames" in w for w in inst.warnings)


@pytest.mark.parametrize("name", ["test-SR.dcm", "rtplan.dcm", "rtstruct.dcm", "waveform_ecg.dcm"])
def test_objects_without_pixels_are_instances_not_errors(name):
    inst = read_instance(sample(name))
    assert inst.pixel is None and not inst.has_pixels and inst.header is not None


def test_truncated_copy_of_a_real_file_names_the_file(tmp_path):
    data = sample("CT_small.dcm").read_bytes()
    path = tmp_path / "slice 7.dcm"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError) as info:
        read_instance(path)
    assert str(info.value) == "slice 7.dcm: file is truncated (pixel data incomplete)"


def test_file_cut_inside_the_header_is_unreadable(tmp_path):
    path = tmp_path / "cut.dcm"
    path.write_bytes(sample("CT_small.dcm").read_bytes()[:700])
    with pytest.raises(UnreadableFileError, match="cut.dcm"):
        read_instance(path)


@pytest.mark.parametrize("keep", [140, 200, 300])
def test_file_cut_inside_the_file_meta_is_truncated_not_an_empty_object(tmp_path, keep):
    # pydicom returns an empty data set here without complaint; it must not be listed as a
    # harmless object "without image".
    ds = ct_slice((0, 0, 0))
    full = write(ds, tmp_path / "whole.dcm").read_bytes()
    path = tmp_path / "cut.dcm"
    path.write_bytes(full[:keep])
    with pytest.raises(UnreadableFileError) as info:
        read_instance(path)
    assert str(info.value) == "cut.dcm: file is truncated (header incomplete)"


def test_file_meta_alone_is_refused(tmp_path):
    ds = ct_slice((0, 0, 0))
    full = write(ds, tmp_path / "whole.dcm").read_bytes()
    group_length = int.from_bytes(full[140:144], "little")
    path = tmp_path / "meta_only.dcm"
    path.write_bytes(full[: 144 + group_length])
    with pytest.raises(UnreadableFileError, match="meta_only.dcm: file holds no DICOM data"):
        read_instance(path)


def test_random_bytes_are_not_a_dicom_file(tmp_path):
    path = tmp_path / "noise.bin"
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(UnreadableFileError) as info:
        read_instance(path)
    assert info.value.reason.startswith("not a DICOM file")


def test_empty_and_missing_files(tmp_path):
    (tmp_path / "empty.dcm").write_bytes(b"")
    with pytest.raises(UnreadableFileError, match="empty"):
        read_instance(tmp_path / "empty.dcm")
    with pytest.raises(UnreadableFileError, match="cannot be opened"):
        read_instance(tmp_path / "gone.dcm")


def test_a_path_that_cannot_be_opened_is_named(tmp_path):
    # A folder named like a file fails to open for every user, root included (a chmod'ed
    # file would not: CI runs as root, and such a test would only ever be skipped).
    path = tmp_path / "locked.dcm"
    path.mkdir()
    with pytest.raises(UnreadableFileError, match="locked.dcm"):
        read_instance(path)


def test_malformed_values_never_reach_the_log_or_warnings(tmp_path, caplog, recwarn):
    ds = ct_slice((0, 0, 0))
    ds.PatientBirthDate = "1970011"  # one digit short: invalid DA, and patient data
    ds.PatientName = "Doe^" + "J" * 80  # longer than PN allows
    path = write(ds, tmp_path / "odd.dcm")
    caplog.set_level("DEBUG")
    inst = read_instance(path)
    str(inst.header.PatientName), str(inst.header.PatientBirthDate)  # converted on access
    said = caplog.text + " ".join(str(w.message) for w in recwarn)
    assert "1970011" not in said and "JJJJ" not in said
