"""Scanning folders, files and DICOMDIRs: progress, cancel, and problems that don't stop it."""

from __future__ import annotations

import contextlib
import shutil

import numpy as np
import pytest

from viewer.errors import Cancelled
from viewer.io.scan import scan
from viewer.tasks.cancel import CancelToken

from .conftest import TEST_FILES, ct_slice, sample


def test_folder_with_one_bad_file_still_opens_the_rest(tmp_series):
    folder = tmp_series({f"ok{z}.dcm": ct_slice((0, 0, z)) for z in range(3)})
    (folder / "broken.dcm").write_bytes(sample("CT_small.dcm").read_bytes()[:20000])
    (folder / "notes.txt").write_text("not an image")
    (folder / ".DS_Store").write_bytes(b"\0\1\2")  # hidden: skipped quietly
    result = scan([folder])
    assert len(result.all_series()[0].frames) == 3
    reasons = {p.path.name: p.reason for p in result.problems}
    assert reasons == {
        "broken.dcm": "file is truncated (pixel data incomplete)",
        "notes.txt": "not a DICOM file or supported image",
    }


def test_progress_counts_files_and_cancel_stops(tmp_series):
    folder = tmp_series({f"s{z}.dcm": ct_slice((0, 0, z)) for z in range(5)})
    seen: list[tuple[int, int]] = []
    scan([folder], progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5) and len(seen) == 6

    token = CancelToken()

    def cancel_after_two(done: int, total: int) -> None:
        if done == 2:
            token.cancel()

    with pytest.raises(Cancelled):
        scan([folder], progress=cancel_after_two, cancel=token)


def test_dicomdir_opens_the_files_it_references():
    result = scan([TEST_FILES / "dicomdirtests" / "DICOMDIR"])
    assert not [p for p in result.problems if "missing" not in p.reason]
    patients = {s.patient_id for s in result.studies}
    assert len(result.studies) >= 2 and len(patients) >= 1
    on_disk = [
        f
        for f in (TEST_FILES / "dicomdirtests").rglob("*")
        if f.is_file() and "TINY_ALPHA" not in f.parts and f.parent.name != "dicomdirtests"
    ]
    assert sum(len(s.instances) for s in result.all_series()) == len(on_disk) == 31


def test_dicomdir_with_missing_file_reports_it(tmp_path):
    shutil.copytree(TEST_FILES / "dicomdirtests", tmp_path / "dd")
    victim = tmp_path / "dd" / "98892003" / "MR700" / "4648"
    victim.unlink()
    result = scan([tmp_path / "dd" / "DICOMDIR"])
    assert [p.reason for p in result.problems if p.path.name == "4648"] == [
        "listed in the DICOMDIR but missing"
    ]


def test_same_file_given_twice_is_read_once(tmp_series):
    folder = tmp_series({"a.dcm": ct_slice((0, 0, 0))})
    result = scan([folder, folder / "a.dcm"])
    assert len(result.all_series()[0].instances) == 1


def test_missing_path_is_a_problem_not_a_crash(tmp_path):
    result = scan([tmp_path / "nowhere"])
    assert result.studies == [] and result.problems[0].reason == "not found"


def test_dicom_without_extension_and_image_without_extension(tmp_path):
    from PIL import Image

    shutil.copy(sample("CT_small.dcm"), tmp_path / "IMG0001")
    Image.fromarray(np.zeros((4, 6), np.uint8)).save(tmp_path / "snapshot", format="PNG")
    result = scan([tmp_path])
    kinds = sorted(i.kind for s in result.all_series() for i in s.instances)
    assert kinds == ["dicom", "image"] and result.problems == []


def test_scanning_and_decoding_every_sample_logs_no_patient_data(caplog, recwarn):
    """Names, IDs and birth dates of every sample never appear in a log line or warning."""
    import pydicom

    from viewer.io.pixels import read_frame

    caplog.set_level("DEBUG")
    result = scan([TEST_FILES])
    for series in result.all_series():
        for ref in series.frames:
            with contextlib.suppress(Exception):  # the known-bad samples: only logs matter
                read_frame(ref)
    identities: set[str] = set()
    for series in result.all_series():
        for inst in series.instances:
            for keyword in ("PatientName", "PatientID", "PatientBirthDate", "OtherPatientIDs"):
                value = inst.header.get(keyword) if inst.header is not None else None
                if isinstance(value, pydicom.valuerep.PersonName):
                    identities |= {p for p in (value.family_name, value.given_name) if len(p) > 3}
                elif value and len(str(value)) > 3:
                    identities.add(str(value))
    assert len(identities) > 20  # the samples really carry identities to leak
    said = caplog.text + "\n".join(str(w.message) for w in recwarn)
    leaked = sorted(v for v in identities if v in said)
    assert not leaked
