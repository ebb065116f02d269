"""De-identification: marker identity in many tags, none survives; pixels and UIDs hold."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.datadict import dictionary_has_tag, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import RLELossless

from viewer.cli.anonymize import EXIT_FAILED, EXIT_OK, EXIT_SKIPPED, main
from viewer.io.atomic import ExportError
from viewer.io.deid_profile import BASIC_PROFILE, STRICTER, TABLE_E1_1, resolve
from viewer.io.deidentify import BURNED_IN, UidMap, clean_dataset, export_series
from viewer.io.demo import write_phantom_series
from viewer.io.scan import scan

NAME = "Zqxmarker^Wilhelmina"
PATIENT_ID = "MRK-ID-77341"
BIRTH = "19451231"
MARKERS = (b"Zqxmarker", b"Wilhelmina", PATIENT_ID.encode(), BIRTH.encode())


def _item(**values: object) -> Dataset:
    item = Dataset()
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _mark(path: Path, index: int, burned_in: bool = False) -> None:
    """Put the marker identity in many places, nested and private, like real files do."""
    ds = pydicom.dcmread(path)
    ds.PatientName = NAME
    ds.PatientID = PATIENT_ID
    ds.PatientBirthDate = BIRTH
    ds.OtherPatientNames = NAME
    ds.OtherPatientIDsSequence = Sequence([_item(PatientID=PATIENT_ID,
                                                 TypeOfPatientID="TEXT")])
    ds.ReferringPhysicianName = NAME
    ds.PerformingPhysicianName = NAME
    ds.AccessionNumber = PATIENT_ID
    ds.StudyDescription = f"CT for {NAME}"
    ds.ImageComments = f"born {BIRTH}, id {PATIENT_ID}"
    ds.InstitutionName = "Zqxmarker General"
    ds.RequestAttributesSequence = Sequence([_item(
        RequestedProcedureID=PATIENT_ID, ScheduledProcedureStepID=PATIENT_ID)])
    # A sequence the profile does not list, holding a person's name two levels down.
    ds.ProcedureCodeSequence = Sequence([_item(
        CodeValue="CTCHEST", CodingSchemeDesignator="99LOCAL", CodeMeaning="CT chest",
        PurposeOfReferenceCodeSequence=Sequence([_item(
            CodeValue="X", CodingSchemeDesignator="99LOCAL", CodeMeaning="x",
            VerifyingObserverName=NAME)]))])
    ds.ReferencedPatientSequence = Sequence([_item(
        ReferencedSOPClassUID="1.2.840.10008.3.1.2.1.1",
        ReferencedSOPInstanceUID="1.2.3.4.5.6.7.8.19451231")])
    ds.PatientBirthTime = "101010"
    ds.add_new(0x00091010, "LO", "LIGHTBOX TEST")  # private creator
    ds.add_new(0x00091011, "LO", NAME)
    ds.add_new(0x00091012, "LO", f"{PATIENT_ID} {BIRTH}")
    ds.add_new(0x00091013, "UN", f"{NAME}".encode())
    ds.BurnedInAnnotation = "YES" if burned_in else "NO"
    if index > 0:  # a reference to the first slice, as derived images carry
        first = pydicom.dcmread(path.parent / "CT0001.dcm", stop_before_pixels=True)
        ds.ReferencedImageSequence = Sequence([_item(
            ReferencedSOPClassUID=first.SOPClassUID,
            ReferencedSOPInstanceUID=first.SOPInstanceUID)])
    ds.save_as(path)


@pytest.fixture
def marked_series(tmp_path) -> list[Path]:
    paths = write_phantom_series(tmp_path / "src", slices=4, size=32)
    for i, path in enumerate(paths):
        _mark(path, i)
    return paths


def _bytes_of_every_file(folder: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()]


def test_no_marker_survives_anywhere_in_the_export(marked_series, tmp_path):
    source = pydicom.dcmread(marked_series[0])
    assert any(m in marked_series[0].read_bytes() for m in MARKERS)
    out = tmp_path / "export"
    report = export_series(marked_series, out)
    files = _bytes_of_every_file(out)
    assert len(files) == 4 and not report.skipped
    for path, data in files:
        for marker in MARKERS:
            assert marker not in data, f"{marker!r} survived in {path.name}"
        for uid in (source.StudyInstanceUID, source.SeriesInstanceUID,
                    source.FrameOfReferenceUID):
            assert uid.encode() not in data, f"an original UID survived in {path.name}"
    ds = pydicom.dcmread(files[0][0])
    assert ds.PatientIdentityRemoved == "YES"
    assert ds.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert ds.PatientName == "" and ds.PatientID == ""  # Z: present, empty
    assert "OtherPatientIDsSequence" not in ds and "ImageComments" not in ds
    assert not any(e.tag.is_private for e in ds.iterall())
    assert "ReferencedPatientSequence" not in ds
    assert ds.Modality == "CT" and ds.PixelSpacing == source.PixelSpacing  # kept


def test_pixels_unchanged_and_uids_consistent(marked_series, tmp_path):
    out = tmp_path / "export"
    export_series(marked_series, out)
    originals = [pydicom.dcmread(p) for p in marked_series]
    copies = [pydicom.dcmread(out / f"IM{i + 1:05d}.dcm") for i in range(len(originals))]
    for a, b in zip(originals, copies, strict=True):
        assert a.PixelData == b.PixelData
        assert b.file_meta.MediaStorageSOPInstanceUID == b.SOPInstanceUID
        assert b.SOPInstanceUID != a.SOPInstanceUID
    assert len({c.StudyInstanceUID for c in copies}) == 1
    assert len({c.SeriesInstanceUID for c in copies}) == 1
    assert len({c.FrameOfReferenceUID for c in copies}) == 1
    assert len({c.SOPInstanceUID for c in copies}) == len(copies)
    # References inside the series follow the remapping.
    for copy in copies[1:]:
        assert copy.ReferencedImageSequence[0].ReferencedSOPInstanceUID == \
            copies[0].SOPInstanceUID
    # Lightbox opens the copy as one study with one series of every slice, in order.
    result = scan([out])
    assert not result.problems and len(result.studies) == 1
    series = result.all_series()
    assert len(series) == 1 and len(series[0].frames) == len(originals)
    assert series[0].sorted_by == "position"


def test_compressed_pixels_are_copied_byte_for_byte(tmp_path):
    paths = write_phantom_series(tmp_path / "rle", slices=2, size=32, transfer_syntax=RLELossless)
    out = tmp_path / "out"
    export_series(paths, out)
    for i, path in enumerate(paths):
        a, b = pydicom.dcmread(path), pydicom.dcmread(out / f"IM{i + 1:05d}.dcm")
        assert b.file_meta.TransferSyntaxUID == RLELossless
        assert a.PixelData == b.PixelData
        np.testing.assert_array_equal(a.pixel_array, b.pixel_array)


def test_burned_in_annotation_is_kept_and_warned(tmp_path):
    paths = write_phantom_series(tmp_path / "src", slices=1, size=16)
    _mark(paths[0], 0, burned_in=True)
    report = export_series(paths, tmp_path / "out")
    assert report.warnings == [BURNED_IN]
    assert pydicom.dcmread(tmp_path / "out" / "IM00001.dcm").BurnedInAnnotation == "YES"


def test_uid_map_is_consistent_and_keeps_registered_uids():
    uids = UidMap()
    assert uids("1.2.3") == uids("1.2.3") != uids("1.2.4")
    assert UidMap()("1.2.3") != uids("1.2.3")  # a new secret per export
    assert resolve("X/Z") == "Z" and resolve("X/D") == "D" and resolve("X/Z/U*") == "U"
    assert BASIC_PROFILE["PatientName"] == "Z" and BASIC_PROFILE["StudyInstanceUID"] == "U"


def test_unreadable_file_in_a_series_export_leaves_nothing(marked_series, tmp_path):
    bad = marked_series[0].parent / "broken.dcm"
    bad.write_bytes(b"not dicom" * 20)
    out = tmp_path / "export"
    with pytest.raises(Exception, match="broken.dcm"):
        export_series([*marked_series, bad], out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export")]


def test_read_only_destination_gives_a_clear_error_and_writes_nothing(marked_series):
    # /sys refuses new files even to root; a chmod'ed folder does only for other users.
    with pytest.raises(ExportError, match="Cannot export"):
        export_series(marked_series, Path("/sys/lightbox-export"))


def test_existing_non_empty_destination_is_refused(marked_series, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="not empty"):
        export_series(marked_series, out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


# -- lightbox anonymize ------------------------------------------------------------------


def test_cli_copies_every_dicom_file_and_reports_skips(marked_series, tmp_path, capsys):
    src = marked_series[0].parent
    (src / "notes.txt").write_text("not an image")
    sub = src / "more"
    sub.mkdir()
    shutil.copy(pydicom.data.get_testdata_file("MR_small.dcm", download=False), sub / "mr")
    out = tmp_path / "anon"
    code = main([str(src), str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == EXIT_SKIPPED
    assert "notes.txt" in printed and "Wrote 5 de-identified file(s) (2 study(ies), 2 series)" \
        in printed
    written = [p for p in out.rglob("*.dcm")]
    assert len(written) == 5
    for path, data in _bytes_of_every_file(out):
        assert not any(m in data for m in MARKERS), path
    assert len(scan([out]).all_series()) == 2


def test_cli_exit_codes(marked_series, tmp_path, capsys):
    src = marked_series[0].parent
    assert main([str(src), str(tmp_path / "a"), "-q"]) == EXIT_OK
    assert main([str(src), str(tmp_path / "a"), "-q"]) == EXIT_FAILED  # exists, not empty
    assert "not empty" in capsys.readouterr().err
    assert main([str(tmp_path / "missing"), str(tmp_path / "b")]) == EXIT_FAILED
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "x.txt").write_text("x")
    assert main([str(empty), str(tmp_path / "c"), "-q"]) == EXIT_FAILED
    assert not (tmp_path / "c").exists()
    assert main([str(src), "/sys/lightbox-anon", "-q"]) == EXIT_FAILED
    assert "Cannot export" in capsys.readouterr().err


#: Rows of PS3.15 Table E.1-1 "Basic Prof." column, as the standard gives them.
STANDARD_ROWS = {
    "PatientName": "Z", "PatientID": "Z", "PatientBirthDate": "Z", "PatientSex": "Z",
    "PatientBirthTime": "X", "PatientAge": "X", "PatientWeight": "X", "OtherPatientIDs": "X",
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U",
    "FrameOfReferenceUID": "U", "MediaStorageSOPInstanceUID": "U",
    "AccessionNumber": "Z", "StudyID": "Z", "StudyDate": "Z", "StudyTime": "Z",
    "SeriesDate": "X/D", "AcquisitionDate": "X/Z", "AcquisitionDateTime": "X/Z/D",
    "ContentDate": "Z/D", "ContentTime": "Z/D", "ReferringPhysicianName": "Z",
    "InstitutionName": "X/Z/D", "InstitutionAddress": "X", "StationName": "X/Z/D",
    "OperatorsName": "X/Z/D", "PerformingPhysicianName": "X", "DeviceSerialNumber": "X/Z/D",
    "GantryID": "X", "ProtocolName": "X/D", "StudyDescription": "X", "SeriesDescription": "X",
    "ImageComments": "X", "ReferencedImageSequence": "X/Z/U*", "SourceImageSequence": "X/Z/U*",
    "ReferencedStudySequence": "X/Z", "ContentSequence": "D", "VerifyingObserverName": "D",
    "ResponsiblePerson": "X", "PlacerOrderNumberImagingServiceRequest": "Z",
    "ClinicalTrialSubjectID": "D", "IconImageSequence": "X", "DataSetTrailingPadding": "X",
}


@pytest.mark.parametrize("keyword", sorted(STANDARD_ROWS))
def test_well_known_rows_match_the_standard(keyword):
    assert BASIC_PROFILE[keyword] == STANDARD_ROWS[keyword]


def test_every_row_is_a_real_tag_with_its_own_keyword():
    tags = [tag for tag, _, _ in TABLE_E1_1]
    assert len(TABLE_E1_1) == 456
    assert len(set(tags)) == len(tags) and tags == sorted(tags)
    assert len(BASIC_PROFILE) == len(TABLE_E1_1)
    for tag, keyword, code in TABLE_E1_1:
        assert dictionary_has_tag(tag), f"{tag:08X} is not a DICOM tag"
        assert keyword_for_tag(tag) == keyword, f"{tag:08X} is {keyword_for_tag(tag)}"
        assert resolve(code) in ("X", "Z", "D", "U"), (keyword, code)
    assert not set(STRICTER) & set(tags)  # our own additions never shadow a row


def test_compound_codes_take_the_choice_every_iod_accepts():
    assert [resolve(c) for c in ("X/Z", "X/D", "Z/D", "X/Z/D", "X/Z/U*")] == list("ZDDDU")
    with pytest.raises(ValueError):
        resolve("X/K")


def test_each_kind_of_action_shows_in_the_copy():
    ds = Dataset()
    ds.PatientName = NAME
    ds.ContentDate = "20240102"  # Z/D: a dummy date, not the real one
    ds.AcquisitionDate = "20240102"  # X/Z: present but empty
    ds.InstitutionName = "Zqxmarker General"  # X/Z/D: a dummy name
    ds.ResponsiblePerson = NAME  # X
    ds.PatientBirthDateInAlternativeCalendar = "1945"  # not in the table: ours removes it
    ds.FrameOfReferenceUID = "1.2.3.4.19451231"  # U
    ds.Modality = "CT"  # not listed: kept
    ds.add_new(0x60003000, "OW", b"\x01\x02")  # overlay data: removed by group
    ds.add_new(0x60000010, "US", 2)  # overlay rows: the rest of the overlay group is not identifying
    clean_dataset(ds, UidMap())
    assert "PatientName" in ds and "AcquisitionDate" in ds  # Z: present, empty
    assert not ds.PatientName and not ds.AcquisitionDate
    assert ds.ContentDate == "19000101" and ds.InstitutionName == "ANONYMIZED"
    assert "ResponsiblePerson" not in ds and "PatientBirthDateInAlternativeCalendar" not in ds
    assert ds.FrameOfReferenceUID not in ("", "1.2.3.4.19451231")
    assert ds.Modality == "CT" and 0x60003000 not in ds and ds[0x60000010].value == 2
