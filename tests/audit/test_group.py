"""Group commit (viewer.audit.group): records of runs that finish together share one write
and one fsync, each caller answered only after its own record is durable, the chain the
same as record by record, and a crash inside a group write recovered like any other."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from viewer.audit import AuditError, AuditLog, AuditRecord
from viewer.audit import log as audit_log
from viewer.audit.group import GroupCommit
from viewer.audit.signing import load_state
from viewer.cli.audit import main
from viewer.host.settings import load_settings

pytestmark = pytest.mark.usefixtures("private_audit")
ROOT = Path(__file__).resolve().parents[2]
POINTS = ["key-kept", "log-written", "log-synced", "state-saved", "head-saved"]


def _record(frames: int) -> AuditRecord:
    return AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, frames, "ok")


def _verify(capsys) -> tuple[int, str]:
    code = main(["verify"], load_settings())
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _pending(group: GroupCommit, log: AuditLog) -> int:
    with group._mutex:  # noqa: SLF001 - how many callers wait behind the write under way
        return len(group._pending.get(log.path, []))  # noqa: SLF001


def test_callers_arriving_during_a_write_share_the_next_fsync(capsys, monkeypatch):
    """The first caller's write is held at its fsync until seven more callers wait: they
    go out together in ONE write, each gets its own entry, none returns before it."""
    log = AuditLog.of(load_settings())
    log.append(_record(0))
    group = GroupCommit()
    entered, release, synced = threading.Event(), threading.Event(), []
    fsync = os.fsync

    def held_fsync(fd: int) -> None:
        if not synced:
            entered.set()
            release.wait(60)
        fsync(fd)
        synced.append(fd)

    monkeypatch.setattr(audit_log.os, "fsync", held_fsync)
    answers: dict[int, dict] = {}
    returned_before_sync: list[int] = []

    def run(frames: int) -> None:
        entry = group.append(log, _record(frames))
        if len(synced) < (1 if frames == 1 else 2):
            returned_before_sync.append(frames)
        answers[frames] = entry

    first = threading.Thread(target=run, args=(1,))
    first.start()
    assert entered.wait(60)  # the first caller's write is at its fsync
    others = [threading.Thread(target=run, args=(n,)) for n in range(2, 9)]
    for t in others:
        t.start()
    while _pending(group, log) < 7:
        threading.Event().wait(0.001)
    assert not answers  # nobody is answered while the first write is not durable
    release.set()
    for t in [first, *others]:
        t.join(60)
    assert sorted(answers) == list(range(1, 9)) and not returned_before_sync
    assert group.writes == 2 and group.last_group == 7 and len(synced) == 2
    records = log.records()
    assert [r["seq"] for r in records] == list(range(1, 10))
    assert sorted(r["frames"] for r in records[2:]) == list(range(2, 9))  # once each
    assert all(r["group"] == {"first": 3, "last": 9} for r in records[2:])
    assert {answers[r["frames"]]["seq"] for r in records[1:]} == set(range(2, 10))
    code, out = _verify(capsys)
    assert code == 0 and "intact, 9 signed record(s)" in out, out


def test_a_failed_group_write_fails_every_caller_in_it(tmp_path):
    """Nothing counts when the write fails: each caller gets the AuditError."""
    folder = tmp_path / "not-a-folder"
    folder.write_text("a file where the audit folder should be")
    group = GroupCommit()
    with pytest.raises(AuditError, match="cannot be written"):
        group.append(AuditLog(folder / "ai-runs.jsonl"), _record(1))
    with pytest.raises(ValueError, match="unknown outcome"):  # refused before it is queued
        group.append(AuditLog(tmp_path / "ai-runs.jsonl"), AuditRecord(
            "m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, 1, "maybe"))
    assert not (tmp_path / "ai-runs.jsonl").exists() and not group._pending  # noqa: SLF001


CHILD = """
import os, sys
from viewer.audit import AuditRecord, log as audit_log
from viewer.host.settings import load_settings

point, before = sys.argv[1], int(sys.argv[2])
log = audit_log.AuditLog.of(load_settings())
for n in range(before):
    log.append(AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, n, "ok"))
audit_log.crash_point = lambda at: os._exit(70) if at == point else None
log.append_many([AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, 90 + n,
                             "ok") for n in range(3)])
os._exit(0)
"""


@pytest.mark.parametrize("before", [0, 2], ids=["new-chain", "after-two"])
@pytest.mark.parametrize("point", POINTS)
def test_a_crash_inside_a_group_write_is_recovered(capsys, point, before):
    """A real child process appends three records with one fsync and exits at each point:
    the chain verifies as found (a head left before the group is named, not taken for
    tampering), and the next run brings everything up to date."""
    done = subprocess.run([sys.executable, "-c", CHILD, point, str(before)], cwd=ROOT,
                          env=os.environ, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode in (0, 70), done.stderr
    log = AuditLog.of(load_settings())
    written = before + (0 if point == "key-kept" and not before else 3)
    assert [r["seq"] for r in log.records()] == list(range(1, written + 1))
    code, out = _verify(capsys)
    assert code == 0, out
    log.append(_record(7))
    code, out = _verify(capsys)
    assert code == 0 and "before the end" not in out and "just before" not in out, out
    state = load_state(log.path)
    assert state is not None and state.seq == written + 1
