"""The audit log: one complete JSON line per run, keyed hashes, no patient data."""

from __future__ import annotations

import json
import stat
import threading

import pytest

from viewer.audit import AuditLog, AuditRecord, log_name, series_hash
from viewer.host.settings import load_settings

pytestmark = pytest.mark.usefixtures("private_audit")


def record(**changes):
    fields = dict(
        model_id="m",
        model_version="1.0.0",
        model_digest="d" * 64,
        series_hash=series_hash("1.2.3"),
        runtime="onnxruntime 1",
        duration_s=0.25,
        frames=3,
        outcome="ok",
    )
    return AuditRecord(**(fields | changes))


def test_records_are_appended_as_json_lines(tmp_path):
    log = AuditLog.of(load_settings())
    assert log.path == tmp_path / "audit" / log_name()
    log.append(record())
    log.append(record(outcome="error", message="CT0001.dcm: damaged"))
    lines = log.path.read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["time"].endswith("Z") and first["user"]
    assert (first["model_id"], first["frames"], first["outcome"]) == ("m", 3, "ok")
    assert [r["outcome"] for r in log.records()] == ["ok", "error"]
    with pytest.raises(ValueError):
        log.append(record(outcome="maybe"))


def test_the_series_hash_is_keyed_per_install(tmp_path, monkeypatch):
    uid = "1.2.840.113619.2.55.3"
    first = series_hash(uid)
    assert first == series_hash(uid) and first != series_hash(uid + ".1")
    assert uid not in first and len(first) == 32
    key = tmp_path / "config" / "audit-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "another-install"))
    assert series_hash(uid) != first


def test_a_changed_install_key_is_honoured_at_once(tmp_path):
    """The key is kept in memory only while it is the same file: deleting it (how it is
    replaced) makes a new one at the next hash, a key put in its place is used from then
    on, and a damaged one refuses as before."""
    from viewer.audit import AuditError

    uid = "1.2.840.113619.2.55.3"
    key = tmp_path / "config" / "audit-key"
    first = series_hash(uid)
    assert series_hash(uid) == first
    key.unlink()
    second = series_hash(uid)
    assert second != first and key.exists()
    other = "ab" * 32
    replacement = key.with_name("new-key")
    replacement.write_text(other + "\n", encoding="ascii")
    replacement.replace(key)
    import hashlib
    import hmac

    expected = hmac.new(bytes.fromhex(other), uid.encode(), hashlib.sha256).hexdigest()[:32]
    assert series_hash(uid) == expected
    key.write_text("not a key\n", encoding="ascii")
    with pytest.raises(AuditError, match="is damaged"):
        series_hash(uid)


def test_concurrent_appends_never_interleave():
    log = AuditLog.of(load_settings())

    def write(n):
        for _ in range(20):
            log.append(record(message="x" * 2000, frames=n))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = log.records()
    assert len(records) == 80 and len(log.path.read_text().splitlines()) == 80


def test_a_torn_last_line_is_skipped():
    log = AuditLog.of(load_settings())
    log.append(record())
    with open(log.path, "a") as f:
        f.write('{"model_id": "m", "outc')
    assert len(log.records()) == 1


def test_every_account_has_its_own_log_in_a_shared_folder(tmp_path, capsys):
    """verify checks every chain in the folder and names each; a pipe put there is named,
    never opened (it would hang an administrator's verify)."""
    import os

    from viewer.audit.log import logs_in
    from viewer.cli.audit import main as audit_main

    settings = load_settings()
    mine = AuditLog.of(settings)
    mine.append(record())
    other = AuditLog(mine.path.with_name(log_name(os.getuid(), "other")))
    for frames in (1, 2):
        other.append(record(frames=frames, user="other"))
    os.mkfifo(mine.path.with_name(log_name(os.getuid(), "pipe")))
    assert [p.name for p in logs_in(mine.path.parent)] == sorted(
        [mine.path.name, other.path.name, log_name(os.getuid(), "pipe")])
    code = audit_main(["verify"], settings)
    out = capsys.readouterr().out
    assert code == 1
    assert f"{mine.path.name}: intact, 1 signed record(s)" in out
    assert f"{log_name(os.getuid(), 'pipe')}: TAMPERED: not a regular file" in out
    # The other log names its account in the file name; the file's owner matches it, but
    # its records say "other" while the uid is this account's: caught as another's log.
    assert f"{other.path.name}: TAMPERED: this is the log of 'other', not of " in out
    exported = tmp_path / "collected"
    assert audit_main(["export", "--from", "2000-01-01", "--to", "2100-01-01", "--all",
                       "--out", str(exported)], settings) == 0
    assert sorted(p.name for p in exported.iterdir()) == sorted(
        p.name.removesuffix(".jsonl") + ".export.jsonl" for p in (mine.path, other.path))
    for export in exported.iterdir():
        assert audit_main(["verify", "--export", str(export)], settings) == 0
