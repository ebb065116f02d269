"""The file system as it is: named pipes, devices, link loops, broken links, folder
cycles and DICOMDIRs that point outside their folder. Each is a named problem; nothing
hangs, crashes or leaves the folder it was given."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian

from tests.waiting import within
from viewer.errors import FileProblemError, UnreadableFileError
from viewer.io.deidentify import UidMap, deidentify_file, export_files
from viewer.io.scan import collect_files, read_file, scan

from .conftest import ct_slice, sample

posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def _reasons(problems) -> dict[str, str]:
    return {p.path.name: p.reason for p in problems}


@pytest.fixture
def study(tmp_series) -> Path:
    return tmp_series({f"ok{z}.dcm": ct_slice((0, 0, z)) for z in range(2)})


@posix_only
def test_a_named_pipe_called_png_is_skipped_with_a_reason_and_never_opened(study):
    fifo = study / "scan.png"
    os.mkfifo(fifo)
    result = within(10, lambda: scan([study]), fifo)
    assert len(result.all_series()[0].frames) == 2
    assert _reasons(result.problems) == {"scan.png": "a named pipe, not a file"}
    # named on its own, and read directly: the same reason, no wait
    assert _reasons(within(10, lambda: scan([fifo]), fifo).problems) == {
        "scan.png": "a named pipe, not a file"}
    with pytest.raises(FileProblemError, match="a named pipe, not a file"):
        within(10, lambda: read_file(fifo), fifo)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_a_device_is_a_problem_not_a_file(study):
    (study / "dev.dcm").symlink_to("/dev/null")
    result = scan([study, "/dev/null"])
    assert len(result.all_series()[0].frames) == 2
    assert _reasons(result.problems) == {"dev.dcm": "a character device, not a file",
                                         "null": "a character device, not a file"}


def test_looping_and_broken_links_are_reported_not_crashing(study):
    (study / "a.dcm").symlink_to("b.dcm")
    (study / "b.dcm").symlink_to("a.dcm")
    (study / "self.dcm").symlink_to("self.dcm")
    (study / "gone.dcm").symlink_to("nowhere.dcm")
    result = scan([study])
    assert len(result.all_series()[0].frames) == 2
    reasons = _reasons(result.problems)
    assert set(reasons) == {"a.dcm", "b.dcm", "self.dcm", "gone.dcm"}
    assert reasons["a.dcm"].startswith("a symbolic link loop")
    assert reasons["self.dcm"].startswith("a symbolic link loop")
    assert reasons["gone.dcm"] == "a broken symbolic link (its target does not exist)"
    # named on the command line, a loop is the same problem
    assert _reasons(scan([study / "a.dcm"]).problems)["a.dcm"].startswith(
        "a symbolic link loop")


def test_a_link_to_a_file_is_followed_and_read_once(study):
    (study / "again.dcm").symlink_to(study / "ok0.dcm")
    files, problems = collect_files([study])
    assert len(files) == 2 and problems == []


def test_a_folder_cycle_is_walked_once_and_named(study):
    sub = study / "sub"
    sub.mkdir()
    shutil.copy(study / "ok0.dcm", sub / "copy.dcm")
    (sub / "parent").symlink_to("..")
    (sub / "itself").symlink_to(".")
    files, problems = collect_files([study])
    assert sorted(f.name for f in files) == ["copy.dcm", "ok0.dcm", "ok1.dcm"]
    reasons = _reasons(problems)
    assert reasons == {
        "itself": "a link back to a folder already included (a loop): not read twice",
        "parent": "a link back to a folder already included (a loop): not read twice",
    }


def test_a_link_to_a_folder_outside_is_not_followed(tmp_path_factory, study):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(study / "ok0.dcm", elsewhere / "private.dcm")
    (study / "out").symlink_to(elsewhere)
    (study / "root").symlink_to("/")
    files, problems = collect_files([study])
    assert sorted(f.name for f in files) == ["ok0.dcm", "ok1.dcm"]
    assert set(_reasons(problems)) == {"out", "root"}
    assert all("outside the one opened: not followed" in p.reason for p in problems)
    # opened by name, the linked folder is read
    assert [f.name for f in collect_files([study / "out"])[0]] == ["private.dcm"]


def test_anonymize_copies_the_rest_and_lists_loops_and_pipes(tmp_path_factory, study):
    (study / "a.dcm").symlink_to("b.dcm")
    (study / "b.dcm").symlink_to("a.dcm")
    if hasattr(os, "mkfifo"):
        os.mkfifo(study / "pipe.dcm")
    files, problems = collect_files([study])
    report = within(30, lambda: export_files(files, tmp_path_factory.mktemp("out") / "copy"),
                    study / "pipe.dcm")
    assert len(report.written) == 2 and report.skipped == []
    assert {"a.dcm", "b.dcm"} <= set(_reasons(problems))


@posix_only
def test_a_pipe_swapped_in_after_the_scan_is_refused_without_waiting(tmp_path):
    """The race: a file becomes a named pipe between listing and reading. The reader
    opens with O_NONBLOCK and checks what it opened, so it refuses instead of waiting."""
    fifo = tmp_path / "late.dcm"
    os.mkfifo(fifo)
    with pytest.raises(UnreadableFileError, match="a named pipe, not a regular file"):
        within(10, lambda: deidentify_file(fifo, UidMap()), fifo)
    report = within(10, lambda: export_files([sample("CT_small.dcm"), fifo],
                                             tmp_path / "copy"), fifo)
    assert report.skipped == [(fifo, "a named pipe, not a regular file")]


# --- DICOMDIR ------------------------------------------------------------------------------


def _dicomdir(folder: Path, *references: list[str] | str) -> Path:
    """A DICOMDIR whose image records point at ``references`` (file ID components)."""
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.1.3.10"
    ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.FileSetID = "TEST"
    records = []
    for ref in references:
        record = Dataset()
        record.DirectoryRecordType = "IMAGE"
        record.ReferencedFileID = ref
        records.append(record)
    ds.DirectoryRecordSequence = records
    path = folder / "DICOMDIR"
    ds.save_as(path, enforce_file_format=True)
    return path


def test_dicomdir_references_stay_inside_its_folder(tmp_path):
    stick = tmp_path / "stick"
    (stick / "IMAGES").mkdir(parents=True)
    shutil.copy(sample("CT_small.dcm"), stick / "IMAGES" / "IM1")
    shutil.copy(sample("MR_small.dcm"), tmp_path / "secret.dcm")
    (stick / "IMAGES" / "LINK").symlink_to(tmp_path / "secret.dcm")
    dicomdir = _dicomdir(
        stick,
        ["IMAGES", "IM1"],
        ["..", "secret.dcm"],
        ["IMAGES", "..", "..", "secret.dcm"],
        str(tmp_path / "secret.dcm"),  # absolute
        ["IMAGES", "LINK"],  # a link that leads out
        ["IMAGES", "IM2"],  # missing
    )
    files, problems = collect_files([dicomdir])
    assert files == [stick / "IMAGES" / "IM1"]
    outside = [p for p in problems if "outside its folder" in p.reason]
    assert len(outside) == 4
    assert [p.reason for p in problems if p not in outside] == [
        "listed in the DICOMDIR but missing"]
    result = scan([dicomdir])
    assert sum(len(s.instances) for s in result.all_series()) == 1
