"""`lightbox batch --ray local`: the same job on a real local Ray instance (started and
shut down by the command). Few and small: a Ray start is slow on a small machine. The
worker is killed from outside, by its process id, as an operator or the kernel would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.batch.archive import lightbox, processes, write_archive
from tests.batch.test_batch import audit_records, results_of, study_folder
from tests.inference.artifacts import build
from viewer.cli.ai import infer_main

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture
def stop_at_the_end():
    """A job a failed assertion left running is stopped (with the Ray instance under it)."""
    jobs = []
    yield jobs.append
    for job in jobs:
        if job.poll() is None:
            for pid in _family(job):
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            job.wait()


def _family(job) -> dict[int, str]:
    """The job's process and every process under it (Ray's servers and workers): pid →
    command line. Other Ray instances on the machine are not the test's."""
    table = processes()
    family, grew = {job.pid}, True
    while grew:
        more = {pid for pid, (ppid, _) in table.items() if ppid in family} - family
        family |= more
        grew = bool(more)
    return {pid: table[pid][1] for pid in family if pid in table}


def _ray_task_pids(job) -> set[int]:
    """The job's Ray workers running a study now (Ray titles a worker by its task)."""
    return {pid for pid, cmd in _family(job).items() if cmd.startswith("ray::_study")}


def _kill_running_task(job, spare: set[int]) -> int:
    deadline = time.monotonic() + 300  # a bound on a hung job, not a timing assertion
    while True:
        assert job.poll() is None, "the job ended first: " + job.stderr.read()
        assert time.monotonic() < deadline, "no Ray worker ever ran a study"
        running = _ray_task_pids(job) - spare
        if running:
            pid = min(running)
            os.kill(pid, signal.SIGKILL)
            return pid
        time.sleep(0.01)


def _listening(job) -> list[str]:
    """The addresses the job's processes (it, Ray's servers and workers under it) listen on,
    as /proc/net/tcp{,6} write them (hex address:port)."""
    inodes = set()
    for pid in _family(job):
        with contextlib.suppress(OSError):
            for fd in (Path("/proc") / str(pid) / "fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:["):
                        inodes.add(target[8:-1])
    found = []
    for name in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{name}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                found.append(fields[1])
    return found


#: 127.0.0.1, ::1, ::ffff:127.0.0.1
LOOPBACK = ("0100007F:", "00000000000000000000000001000000:",
            "0000000000000000FFFF00000100007F:")


def test_ray_local_gives_the_same_outputs_and_retries_a_killed_worker(tmp_path,
                                                                     stop_at_the_end):
    models = tmp_path / "models"
    build(models, "threshold")
    studies = write_archive(tmp_path / "archive", 2)
    out = tmp_path / "out"
    job = lightbox("batch", str(tmp_path / "archive"), "--model", "threshold", "--out",
                   str(out), "--models-dir", str(models), "--ray", "local", "--all")
    stop_at_the_end(job)
    _kill_running_task(job, set())
    listening = _listening(job)  # the local instance is up: Ray's servers all listen
    assert listening and all(a.startswith(LOOPBACK) for a in listening), listening
    _, err = job.communicate(timeout=600)
    assert job.returncode == 0, err  # the killed study ran again on another worker
    assert "on a local Ray instance" in err and "batch: 2 done" in err
    for study in studies:
        alone = tmp_path / "infer" / study.name
        assert infer_main([str(study), "--model", "threshold", "--out", str(alone),
                           "--models-dir", str(models), "--all"]) == 0
        assert results_of(study_folder(out, study)) == results_of(alone)
    runs = [r for r in audit_records() if r["outcome"] == "ok"]
    assert len(runs) == 4 and len({r["series_hash"] for r in runs}) == 2  # batch + infer


def test_ray_a_study_whose_worker_dies_twice_is_failed_and_the_job_ends(tmp_path,
                                                                        stop_at_the_end):
    models = tmp_path / "models"
    build(models, "threshold")
    write_archive(tmp_path / "archive", 1, slices=8)
    out = tmp_path / "out"
    job = lightbox("batch", str(tmp_path / "archive"), "--model", "threshold", "--out",
                   str(out), "--models-dir", str(models), "--ray", "local", "--all")
    stop_at_the_end(job)
    first = _kill_running_task(job, set())
    _kill_running_task(job, {first})  # its retry
    _, err = job.communicate(timeout=600)
    assert job.returncode == 1, err
    summary = json.loads((out / "batch-summary-threshold.json").read_text())
    assert summary["failures_by_reason"] == {"worker_died": 1}
    assert "died" in summary["failures"][0]["message"]
    assert audit_records() == []  # it never ran to the end, so no run was recorded
    assert not (out / "batch-ledger").exists() or not list((out / "batch-ledger").iterdir())
