"""A crash at any point of an audit append is recovered at the next run: no record lost,
the chain intact and verifiable, and nothing a crash leaves is taken for tampering.

A record makes one write durable (the log line, fsynced); the key state and the head
follow without an fsync of their own and may be left behind by a crash. Each point is cut
for real: a child process runs the product's own append and exits there
(``viewer.audit.log.crash_point``, the test hook on that code path). What a power cut can
leave beyond that (a key state and head several records behind, an unfinished last line)
is made on disk as it would be found. What a crash cannot leave (a head or key state
ahead of the log, records the key state's keys did not sign) is still refused.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from viewer.audit import AuditError, AuditLog, AuditRecord
from viewer.audit.chain import head_of, link, link_hash
from viewer.audit.signing import ChainState, chain_id, load_state, new_key, save_state, state_path
from viewer.cli.audit import main
from viewer.host.settings import load_settings

pytestmark = pytest.mark.usefixtures("private_audit")

ROOT = Path(__file__).resolve().parents[2]
POINTS = ["key-kept", "log-written", "log-synced", "state-saved", "head-saved"]

CHILD = """
import os, sys
from viewer.audit import AuditRecord, log as audit_log
from viewer.host.settings import load_settings

point = sys.argv[1]
audit_log.crash_point = lambda at: os._exit(70) if at == point else None
audit_log.AuditLog.of(load_settings()).append(AuditRecord(
    "m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, 99, "ok"))
os._exit(0)
"""


def _record(frames: int) -> AuditRecord:
    return AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, frames, "ok")


def _log() -> AuditLog:
    return AuditLog.of(load_settings())


def _crash_in_append(point: str) -> int:
    done = subprocess.run([sys.executable, "-c", CHILD, point], cwd=ROOT, env=os.environ,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode in (0, 70), done.stderr
    return done.returncode


def _verify(capsys) -> tuple[int, str]:
    code = main(["verify"], load_settings())
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _seqs(log: AuditLog) -> list[int]:
    return [r["seq"] for r in log.records()]


@pytest.mark.parametrize("before", [0, 3], ids=["first-record", "fourth-record"])
@pytest.mark.parametrize("point", POINTS)
def test_a_crash_at_every_point_is_recovered_at_the_next_run(capsys, point, before):
    log = _log()
    for frames in range(1, before + 1):
        log.append(_record(frames))
    chain = load_state(log.path).chain if before else None
    code = _crash_in_append(point)
    if point == "key-kept" and before:
        assert code == 0  # only a new chain keeps its first key first: no crash there
    else:
        assert code == 70
    written = before + (0 if point == "key-kept" and not before else 1)
    # As found after the crash: every record whose line was written is there, and the
    # chain verifies (a head or key state left behind is named as such, not as tampering).
    assert _seqs(log) == list(range(1, written + 1))
    code, out = _verify(capsys)
    assert code == 0, out
    if written:
        assert f"intact, {written} signed record(s)" in out
    # The next run continues the chain and brings the head and key state up to date.
    log.append(_record(7))
    assert _seqs(log) == list(range(1, written + 2))
    code, out = _verify(capsys)
    assert code == 0 and "before the end" not in out, out
    state = load_state(log.path)
    assert state is not None and state.seq == written + 1
    if chain is not None:
        assert state.chain == chain
    assert json.loads(log.head_path.read_text())["seq"] == written + 1


def test_a_power_cut_that_left_the_key_state_and_head_behind(capsys):
    """Written without their own fsync, both may come back from disk older than the log:
    the key state is rolled forward over any number of records its keys signed; a head
    one record behind is what a crash leaves (further behind is reported, see below)."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    state = state_path(log.path).read_bytes()
    log.append(_record(4))
    head = log.head_path.read_bytes()
    log.append(_record(5))
    state_path(log.path).write_bytes(state)
    log.head_path.write_bytes(head)
    code, out = _verify(capsys)
    assert code == 0, out
    assert "the key state stands at record 3, 2 records before the end" in out
    assert "the head names record 4, one before the end" in out
    log.check()
    log.append(_record(6))
    code, out = _verify(capsys)
    assert code == 0 and "before the end" not in out and "6 signed record(s)" in out, out


def test_an_unfinished_last_line_is_cut_off_by_the_next_run(capsys):
    """A power cut during the write can leave the start of a line that was never fsynced
    (so no run counted on it)."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    line = log.path.read_text().splitlines()[-1]
    with open(log.path, "a", encoding="utf-8") as f:
        f.write(line[:150])
    code, out = _verify(capsys)
    assert code == 0 and "line 4 is a record Lightbox began writing" in out, out
    log.append(_record(4))
    assert _seqs(log) == [1, 2, 3, 4]
    assert log.path.read_text().endswith("}\n")
    code, out = _verify(capsys)
    assert code == 0 and "began writing" not in out, out


def test_a_whole_last_record_without_its_newline_is_kept(capsys):
    """Only its newline missing (a power cut between the two pages of the line, or an
    edit): the record stays, and the next one starts on a line of its own."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    log.path.write_text(log.path.read_text()[:-1])
    assert _verify(capsys)[0] == 0
    log.append(_record(4))
    assert _seqs(log) == [1, 2, 3, 4]
    code, out = _verify(capsys)
    assert code == 0 and "intact, 4 signed record(s)" in out, out


def test_a_cut_last_record_that_was_written_is_not_taken_for_a_crash(capsys):
    """The key state and head name record 3: cutting its line is damage, not a crash."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    text = log.path.read_text()
    log.path.write_text(text[:-60])
    code, out = _verify(capsys)
    assert code == 1 and "line 3 is not a complete record" in out, out
    with pytest.raises(AuditError, match="cannot be continued"):
        log.append(_record(4))


def test_a_key_state_behind_is_rolled_forward_only_over_records_its_keys_signed(capsys):
    """Records after the key state re-signed with other keys (a rewrite of records the
    state no longer covers) are refused, by the next run and by verify."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    saved = {p: p.read_bytes() for p in (state_path(log.path), log.head_path)}
    log.append(_record(4))
    for path, data in saved.items():
        path.write_bytes(data)
    lines = log.path.read_text().splitlines()
    fourth = json.loads(lines[-1])
    fourth["outcome"] = "error"
    seed, next_seed = new_key()[0], new_key()[0]
    fields = {k: v for k, v in fourth.items() if k not in ("seq", "prev", "hash", "sig")}
    lines[-1] = json.dumps(link(fields, json.loads(lines[-2]), seed, next_seed))
    log.path.write_text("".join(line + "\n" for line in lines))
    code, out = _verify(capsys)
    assert code == 1 and "record 4 (line 4) has no valid signature" in out, out
    with pytest.raises(AuditError, match="cannot be continued"):
        log.append(_record(5))


def test_a_head_further_behind_than_a_crash_leaves_is_reported(capsys):
    """A crash leaves the head at most one record behind the log (it is written right
    after each line); an older head put back is named, as before."""
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    head = log.head_path.read_bytes()
    log.append(_record(4))
    log.append(_record(5))
    log.head_path.write_bytes(head)
    code, out = _verify(capsys)
    assert code == 1 and "the head names record 3 but the log goes on to record 5" in out, out


def test_a_head_ahead_of_the_log_is_still_tampering(capsys):
    log = _log()
    for frames in range(1, 4):
        log.append(_record(frames))
    head = log.head_path.read_bytes()
    state = state_path(log.path).read_bytes()
    lines = log.path.read_text().splitlines()
    log.path.write_text("".join(line + "\n" for line in lines[:-1]))
    log.head_path.write_bytes(head)
    state_path(log.path).write_bytes(state)
    code, out = _verify(capsys)
    assert code == 1 and "record 3 is missing at the end" in out, out


def test_a_log_written_by_an_older_lightbox_keeps_verifying_and_is_continued(capsys):
    """The older writer: a random key for every record, key state and head fsynced. Its
    log, head and key state are read as they are; the next record continues its chain."""
    log = _log()
    log.path.parent.mkdir(parents=True, exist_ok=True)
    seed, previous, lines = new_key()[0], None, []
    chain = ""
    for frames in range(1, 4):
        next_seed = new_key()[0]
        entry = link(_record(frames).as_dict(), previous, seed, next_seed)
        lines.append(json.dumps(entry, ensure_ascii=False, sort_keys=True))
        chain = chain or chain_id(entry["chain_key"])
        save_state(log.path, ChainState(chain, entry["seq"], link_hash(entry), next_seed))
        log.head_path.write_text(json.dumps(head_of(entry, next_seed), sort_keys=True))
        previous, seed = entry, next_seed
    log.path.write_text("".join(line + "\n" for line in lines))
    code, out = _verify(capsys)
    assert code == 0 and "intact, 3 signed record(s)" in out, out
    log.append(_record(4))
    log.append(_record(5))
    code, out = _verify(capsys)
    assert code == 0 and "intact, 5 signed record(s)" in out, out
    assert load_state(log.path).chain == chain
