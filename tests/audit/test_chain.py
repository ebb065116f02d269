"""The signed audit chain: its records, exports, older logs, several writers.

Every way of tampering with it is in test_tamper.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from viewer.audit import AuditLog, AuditRecord
from viewer.audit.chain import Expect, verify_lines
from viewer.cli.audit import main
from viewer.host.settings import load_settings

pytestmark = pytest.mark.usefixtures("private_audit")


def _record(frames: int, time: str = "") -> AuditRecord:
    return AuditRecord("m", "1.0.0", "d" * 64, "h" * 32, "onnxruntime 1", 0.5, frames, "ok",
                       time=time)


@pytest.fixture
def log() -> AuditLog:
    log = AuditLog.of(load_settings())
    for day in range(1, 6):
        log.append(_record(day, time=f"2026-03-0{day}T10:00:00.000Z"))
    return log


def _lines(log: AuditLog) -> list[str]:
    return log.path.read_text(encoding="utf-8").splitlines()


def _write(log: AuditLog, lines: list[str]) -> None:
    log.path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _verify(capsys, *args: str) -> tuple[int, str]:
    code = main(["verify", *args])
    return code, capsys.readouterr().out


def test_an_untouched_log_verifies(log, capsys):
    records = log.records()
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    assert records[1]["prev"] != records[2]["prev"]
    assert "chain_key" in records[0] and all("chain_key" not in r for r in records[1:])
    assert len({r["next_key"] for r in records}) == 5  # a new key for every record
    code, out = _verify(capsys)
    assert code == 0 and "intact, 5 signed record(s) of " in out


def test_an_older_unchained_log_starts_a_chain(tmp_path, capsys):
    log = AuditLog.of(load_settings())
    log.path.parent.mkdir(parents=True)
    old = [_record(n).as_dict() for n in (1, 2)]
    log.path.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    log.append(_record(3))
    log.append(_record(4))
    records = log.records()
    assert "seq" not in records[0] and records[2]["seq"] == 1 and "chain_start" in records[2]
    code, out = _verify(capsys)
    assert code == 0 and "2 older record(s) before the chain cannot be verified" in out
    # Unsigned records after the site's anchor date are not "older": they were stripped.
    since = datetime(2000, 1, 1, tzinfo=UTC)
    verdict = verify_lines(_lines(log), Expect(required_since=since, head_required=False))
    assert verdict.problem and "line 1 has no signature" in verdict.problem


def test_a_log_of_the_previous_hash_chained_format_is_continued(capsys):
    """Upgrading: records with seq/prev/hash but no signature, and their head, stay as an
    unverifiable start; the signed chain goes on after them."""
    import hashlib

    log = AuditLog.of(load_settings())
    log.path.parent.mkdir(parents=True)
    old = []
    for n in (1, 2):
        record = _record(n).as_dict() | {"seq": n, "prev": "0" * 64}
        record["hash"] = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
        old.append(record)
    log.path.write_text("".join(json.dumps(r) + "\n" for r in old), encoding="utf-8")
    log.head_path.write_text(json.dumps({"seq": 2, "hash": "ab" * 32}))
    code, out = _verify(capsys)
    assert code == 0 and "older Lightbox and cannot be verified" in out
    log.append(_record(3))
    code, out = _verify(capsys)
    assert code == 0 and "intact, 1 signed record(s)" in out
    assert "2 older record(s) before the chain cannot be verified" in out


def test_an_export_of_a_time_range_verifies_on_its_own(log, tmp_path, capsys):
    out = tmp_path / "review.jsonl"
    code = main(["export", "--from", "2026-03-02", "--to", "2026-03-04T12:00:00Z",
                 "--out", str(out)])
    assert code == 0 and "wrote 3 record(s)" in capsys.readouterr().out
    lines = out.read_text(encoding="utf-8").splitlines()
    full = [json.loads(line) for line in lines[1:]]
    assert [r.get("frames") for r in full] == [None, 2, 3, 4, None]  # stubs outside the range
    assert set(full[0]) == {"seq", "prev", "hash", "next_key", "sig", "chain_key", "stub"}
    for args in ([str(out)], ["--export", str(out)]):
        code, text = _verify(capsys, *args)
        assert code == 0 and "intact, 5 signed record(s)" in text
    del lines[2]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = _verify(capsys, "--export", str(out))
    assert code == 1 and "record 2 is missing" in text
    lines = out.read_text(encoding="utf-8").splitlines()[:2]  # the range's end cut off
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, text = _verify(capsys, "--export", str(out))
    assert code == 1 and "missing at the end" in text


def test_bad_times_are_usage_errors(log, tmp_path, capsys):
    assert main(["export", "--from", "yesterday", "--to", "2026-03-04",
                 "--out", str(tmp_path / "x")]) == 2
    assert "not an ISO 8601 time" in capsys.readouterr().err


def test_several_processes_extend_one_chain(tmp_path, capsys):
    import os
    import subprocess
    import sys

    script = ("from viewer.audit import AuditLog, AuditRecord\n"
              "from viewer.host.settings import load_settings\n"
              "log = AuditLog.of(load_settings())\n"
              "for n in range(25):\n"
              "    log.append(AuditRecord('m', '1', 'd' * 64, 'h' * 32, 'ort', 0.1, n, 'ok'))\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    writers = [subprocess.Popen([sys.executable, "-c", script], cwd=root, env=os.environ.copy())
               for _ in range(3)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    assert [r["seq"] for r in AuditLog.of(load_settings()).records()] == list(range(1, 76))
    code, out = _verify(capsys)
    assert code == 0 and "intact, 75 signed record(s)" in out


