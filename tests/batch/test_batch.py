"""`lightbox batch` on real studies and a real (tiny) model, with the process pool: the
outputs are those of `lightbox infer`, a rerun runs nothing, bad input is a failure with
its reason, and a job killed mid-way then resumed runs each study exactly once."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.batch.archive import lightbox, processes, write_archive
from tests.inference.artifacts import build
from viewer.audit.log import AuditLog
from viewer.cli.ai import infer_main
from viewer.cli.batch import main as batch_main
from viewer.host.settings import load_settings

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture
def models_dir(tmp_path):
    build(tmp_path / "models", "threshold")
    return tmp_path / "models"


def audit_records() -> list[dict]:
    return AuditLog.of(load_settings()).records()


def results_of(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.json"))}


def study_folder(out: Path, study: Path) -> Path:
    (first,) = [d for d in out.iterdir() if d.is_dir() and d.name != "batch-ledger"
                and (d / "threshold-frame-0000.json").exists()
                and json.loads((d / "threshold-frame-0000.json").read_text())
                ["source"]["series_uid"] == _series_uid(study)]
    return first


def _series_uid(study: Path) -> str:
    from pydicom import dcmread

    return str(dcmread(study / "CT0001.dcm", stop_before_pixels=True).SeriesInstanceUID)


def test_batch_writes_what_infer_writes_and_a_rerun_runs_nothing(models_dir, tmp_path, capsys):
    studies = write_archive(tmp_path / "archive", 3, broken=True)
    out = tmp_path / "out"
    args = [str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
            "--models-dir", str(models_dir), "--workers", "2", "--all"]
    assert batch_main(args) == 1  # the corrupt file and the study without images
    err = capsys.readouterr().err
    assert "batch: 3/3 studies" in err and "studies/s" in err and "ETA" in err
    summary = json.loads((out / "batch-summary-threshold.json").read_text())
    assert summary["done"] == 3 and summary["failed"] == 2
    assert summary["failures_by_reason"] == {"no_image": 1, "unreadable_file": 1}
    reasons = {f["reason"]: f for f in summary["failures"]}
    assert reasons["unreadable_file"]["study"] == "corrupt.dcm"
    assert "no image" in reasons["no_image"]["message"]
    for study in studies:  # the same JSON as `lightbox infer STUDY --all`
        alone = tmp_path / "infer" / study.name
        assert infer_main([str(study), "--model", "threshold", "--out", str(alone),
                           "--models-dir", str(models_dir), "--all"]) == 0
        batch = results_of(study_folder(out, study))
        assert list(batch) == ["threshold-frame-0000.json", "threshold-frame-0001.json"]
        assert batch == results_of(alone)
    runs = audit_records()
    assert Counter(r["outcome"] for r in runs) == {"ok": 6}  # 3 by batch, 3 by infer
    assert batch_main(args) == 1  # again: nothing runs, the failures are said again
    err = capsys.readouterr().err
    assert "3 already done (skipped), 0 to run" in err
    assert len(audit_records()) == 6
    assert not [p for p in out.rglob(".*")]  # no temporary file left behind


def test_a_study_outside_the_intended_use_is_failed_unless_accepted(models_dir, tmp_path):
    from pydicom import dcmread

    (study,) = write_archive(tmp_path / "archive", 1)
    for path in study.iterdir():  # the model is for CT; make this an MR
        ds = dcmread(path)
        ds.Modality = "MR"
        ds.save_as(path)
    out = tmp_path / "out"
    args = [str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
            "--models-dir", str(models_dir), "--workers", "1"]
    assert batch_main(args) == 1
    summary = json.loads((out / "batch-summary-threshold.json").read_text())
    assert summary["failures_by_reason"] == {"outside_intended_use": 1}
    assert "MR" in summary["failures"][0]["message"]
    assert [r["outcome"] for r in audit_records()] == ["refused"]  # as infer records it
    assert batch_main([*args, "--accept-warnings"]) == 0
    assert [r["outcome"] for r in audit_records()] == ["refused", "ok"]


def _wait_for(condition, what: str, job) -> None:
    deadline = time.monotonic() + 300  # a bound on a hung job, not a timing assertion
    while not condition():
        assert job.poll() is None, f"the job ended before {what}: " + job.stderr.read()
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def test_a_job_killed_mid_way_and_resumed_runs_each_study_once(models_dir, tmp_path):
    write_archive(tmp_path / "archive", 6)
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
            "--models-dir", str(models_dir), "--workers", "1"]
    job = lightbox(*args)
    ledger = out / "batch-ledger"
    def finished() -> int:  # a ledger file (not the atomic writer's temporary one)
        return len(list(ledger.glob("[!.]*.json"))) if ledger.is_dir() else 0

    _wait_for(lambda: finished() > 0, "a study finished", job)
    import os

    os.killpg(job.pid, signal.SIGKILL)  # the driver and its workers, at once
    job.wait()
    done = finished()
    assert 0 < done < 6, "the job was not killed mid-way"
    # A kill between a study's audit records and its ledger file leaves an intent: that
    # study counts as done at the next start (its records are in the log).
    intents = len(list(ledger.glob("*.pending")))
    resumed = lightbox(*args)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    skipped = int(err.split(" already done (skipped)")[0].rsplit("; ", 1)[1])
    assert done <= skipped <= done + intents
    assert f"{skipped} already done (skipped), {6 - skipped} to run" in err
    runs = audit_records()
    assert len(runs) == 6 and {r["outcome"] for r in runs} == {"ok"}
    assert len({r["series_hash"] for r in runs}) == 6  # each study run exactly once
    assert finished() == 6
    assert not list(out.rglob(".*.part"))  # what the kill left half-written is gone


# The job in a process of its own that dies (os._exit, as a kill would) at the audit
# log's last step for the second study: its records are on disk, its ledger file is not.
DIES_AFTER_SECOND_AUDIT = """
import os, sys
import viewer.audit.log as log
seen = []
def crash(point):
    if point == "head-saved":
        seen.append(point)
        if len(seen) == 2:
            os._exit(9)
log.crash_point = crash
from viewer.cli.batch import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_job_killed_between_a_studys_audit_and_its_ledger_does_not_run_it_again(
        models_dir, tmp_path):
    import contextlib
    import os
    import subprocess
    import sys

    write_archive(tmp_path / "archive", 4)
    out = tmp_path / "out"
    args = [str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
            "--models-dir", str(models_dir), "--workers", "1"]
    root = Path(__file__).resolve().parents[2]
    job = subprocess.Popen([sys.executable, "-c", DIES_AFTER_SECOND_AUDIT, *args], cwd=root,
                           env={**os.environ, "PYTHONPATH": str(root)},
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    try:
        code = job.wait(timeout=600)
    finally:  # the pool's workers outlive a driver that died: they go with its group
        with contextlib.suppress(ProcessLookupError):
            os.killpg(job.pid, signal.SIGKILL)
    assert code == 9, job.stderr.read() if job.stderr else ""
    ledger = out / "batch-ledger"
    assert len(list(ledger.glob("*.json"))) == 1 and len(list(ledger.glob("*.pending"))) == 1
    assert len(audit_records()) == 2  # the second study's run counted: it is audited
    resumed = lightbox("batch", *args)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert "2 already done (skipped), 2 to run" in err
    runs = audit_records()
    assert len(runs) == 4 and len({r["series_hash"] for r in runs}) == 4  # once each
    assert len(list(ledger.glob("*.json"))) == 4 and not list(ledger.glob("*.pending"))


def test_a_pool_worker_killed_mid_job_is_retried(models_dir, tmp_path):
    write_archive(tmp_path / "archive", 3)
    out = tmp_path / "out"
    job = lightbox("batch", str(tmp_path / "archive"), "--model", "threshold", "--out",
                   str(out), "--models-dir", str(models_dir), "--workers", "1")

    def worker() -> int | None:
        return next((pid for pid, (ppid, cmd) in processes().items()
                     if ppid == job.pid and "spawn_main" in cmd), None)

    _wait_for(lambda: worker() is not None, "a worker started", job)
    import os

    os.kill(worker(), signal.SIGKILL)
    _, err = job.communicate(timeout=600)
    assert job.returncode == 0, err  # its study was run again by a new worker
    runs = audit_records()
    assert len(runs) == 3 and len({r["series_hash"] for r in runs}) == 3


def test_a_dicomdir_is_a_source_too(models_dir, tmp_path):
    from pydicom.fileset import FileSet

    studies = write_archive(tmp_path / "archive", 2)
    fileset = FileSet()
    for study in studies:
        for path in sorted(study.iterdir()):
            fileset.add(path)
    fileset.write(tmp_path / "media")  # DICOMDIR + the files under its own names
    out = tmp_path / "out"
    assert batch_main([str(tmp_path / "media" / "DICOMDIR"), "--model", "threshold",
                       "--out", str(out), "--models-dir", str(models_dir),
                       "--workers", "1"]) == 0
    from_folder = tmp_path / "from-folder"
    assert batch_main([str(tmp_path / "archive"), "--model", "threshold", "--out",
                       str(from_folder), "--models-dir", str(models_dir),
                       "--workers", "1"]) == 0
    for study in studies:  # the same study, the same result, wherever its files are
        assert results_of(study_folder(out, study)) == results_of(
            study_folder(from_folder, study))


def test_dicom_writes_the_seg_of_each_study(models_dir, tmp_path):
    from pydicom import dcmread

    (study,) = write_archive(tmp_path / "archive", 1)
    out = tmp_path / "out"
    assert batch_main([str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
                       "--models-dir", str(models_dir), "--workers", "1", "--dicom"]) == 0
    seg = study_folder(out, study) / "threshold-seg.dcm"
    ds = dcmread(seg)
    assert ds.Modality == "SEG" and ds.StudyInstanceUID == dcmread(
        study / "CT0001.dcm", stop_before_pixels=True).StudyInstanceUID
    summary = json.loads((out / "batch-summary-threshold.json").read_text())
    assert summary["done"] == 1
    ledger = json.loads(next((out / "batch-ledger").glob("*.json")).read_text())
    assert sorted(Path(f).name for f in ledger["files"]) == [
        "threshold-frame-0000.json", "threshold-seg.dcm"]


def test_ctrl_c_stops_the_job_and_the_same_command_goes_on(models_dir, tmp_path):
    import os

    write_archive(tmp_path / "archive", 8, slices=1)
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
            "--models-dir", str(models_dir), "--workers", "1"]
    job = lightbox(*args)
    ledger = out / "batch-ledger"
    _wait_for(lambda: ledger.is_dir() and any(ledger.glob("[!.]*.json")), "a study finished",
              job)
    os.killpg(job.pid, signal.SIGINT)  # Ctrl+C in a terminal reaches the whole group
    _, err = job.communicate(timeout=600)
    assert job.returncode == 130, err
    assert "interrupted; run the same command again" in err
    resumed = lightbox(*args)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    ok = [r for r in audit_records() if r["outcome"] == "ok"]
    assert len(ok) == 8 and len({r["series_hash"] for r in ok}) == 8


def test_a_model_that_is_not_installed_is_said_not_a_crash(models_dir, tmp_path, capsys):
    """``--model`` with a typo once ended in 'unexpected error (ModelError)', exit 70:
    the documented exit 1 (the model is unavailable), the model named, nothing written."""
    (tmp_path / "archive").mkdir()
    out = tmp_path / "out"
    assert batch_main([str(tmp_path / "archive"), "--model", "threshhold", "--out", str(out),
                       "--models-dir", str(models_dir)]) == 1
    err = capsys.readouterr().err
    assert "model threshhold: no such model" in err and "threshold" in err
    assert not out.exists()


def test_an_out_folder_inside_the_source_is_refused(models_dir, tmp_path, capsys):
    """``--out`` inside SOURCE once worked, then the same command (the documented way to go
    on) read its own results as studies: every JSON 'not a DICOM file', exit 1."""
    write_archive(tmp_path / "archive", 1)
    out = tmp_path / "archive" / "results"
    assert batch_main([str(tmp_path / "archive"), "--model", "threshold", "--out", str(out),
                       "--models-dir", str(models_dir), "--workers", "1"]) == 2
    assert "is inside" in capsys.readouterr().err
    assert not out.exists()
    assert batch_main([str(tmp_path / "archive"), "--model", "threshold", "--out",
                       str(tmp_path / "archive"), "--models-dir", str(models_dir)]) == 2


@pytest.mark.parametrize(("option", "said"), [
    ("--limit", "a number of studies, 1 or more, not '0'"),
    ("--retrieves", "a number of studies retrieved at once, 1 or more, not '0'"),
    ("--workers", "a number of workers, 1 or more, not '0'"),
])
def test_a_count_of_zero_is_refused_naming_what_it_counts(tmp_path, capsys, option, said):
    """``--limit 0`` was refused as 'a number of workers': the wrong thing to fix."""
    with pytest.raises(SystemExit) as exited:
        batch_main(["--node", "pacs", option, "0", "--model", "m", "--out",
                    str(tmp_path / "out")])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err


def test_a_node_that_cannot_be_searched_leaves_no_empty_out_folder(models_dir, tmp_path,
                                                                    monkeypatch, capsys):
    """The search fails before anything runs (exit 1): the --out folder it had made for
    the job is not left behind empty (nothing half-written)."""
    site = tmp_path / "site.toml"
    site.write_text('[dicom_nodes.pacs]\nae_title = "P"\nhost = "127.0.0.1"\nport = 1\n',
                    encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    out = tmp_path / "out"
    assert batch_main(["--node", "pacs", "--model", "threshold", "--out", str(out),
                       "--models-dir", str(models_dir)]) == 1
    assert "cannot be reached" in capsys.readouterr().err
    assert not out.exists()
