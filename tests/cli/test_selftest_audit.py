"""The self-test's audit checks: the series-hash key and the key state are this account's
alone and parse, and the chain verifies to its last record; each failure has a remedy.

Real records are written by ``AuditLog.append`` (signed and chained as an AI run writes
them); the damage is what a user, a script or another account could do to the files.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from viewer.audit.log import KEY_NAME, AuditLog, AuditRecord, config_dir, series_hash
from viewer.audit.signing import state_path
from viewer.cli.selftest import FAIL, OK, check_files
from viewer.host.settings import Settings, load_settings

pytestmark = pytest.mark.usefixtures("private_audit")


def run_recorded(settings: Settings, runs: int = 2) -> AuditLog:
    log = AuditLog.of(settings)
    for _ in range(runs):
        log.append(AuditRecord("ct-body-seg", "1.0.0", "d" * 64, series_hash("1.2.3"),
                               "onnxruntime", 0.5, 3, "ok"))
    return log


def checks() -> dict[str, tuple[str, str]]:
    return {c.name: (c.status, c.detail) for c in check_files(load_settings())}


def test_after_recorded_runs_every_audit_check_passes() -> None:
    fresh = checks()
    assert fresh["audit chain"] == (OK, f"{AuditLog.of(load_settings()).path.name}: "
                                        "no AI runs recorded yet")
    assert fresh["audit key"][0] == OK and "can be created" in fresh["audit key"][1]
    run_recorded(load_settings())
    found = checks()
    assert {name: status for name, (status, _) in found.items()
            if name.startswith("audit")} == {"audit log": OK, "audit head": OK,
                                             "audit key state": OK, "audit key": OK,
                                             "audit chain": OK}
    assert "intact, 2 signed record(s); the last verifies" in found["audit chain"][1]
    assert "yours alone" in found["audit key"][1]


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
@pytest.mark.parametrize("secret", ["audit key", "audit key state"])
def test_a_secret_other_accounts_can_read_fails_with_chmod(secret: str) -> None:
    log = run_recorded(load_settings(), runs=1)
    path = config_dir() / KEY_NAME if secret == "audit key" else state_path(log.path)
    path.chmod(0o644)
    status, detail = checks()[secret]
    assert status == FAIL
    assert f"{path} can be read or changed by other accounts (mode 0644)" in detail
    assert detail.endswith(f"run: chmod 600 {path}")
    path.chmod(0o600)
    assert checks()[secret][0] == OK  # the remedy is enough


def test_a_damaged_series_key_fails_with_what_to_do() -> None:
    run_recorded(load_settings(), runs=1)
    (config_dir() / KEY_NAME).write_text("not a key\n", encoding="ascii")
    status, detail = checks()["audit key"]
    assert status == FAIL and "is damaged" in detail and "Restore it from a backup" in detail


def test_an_edited_last_record_fails_the_chain_check(tmp_path: Path) -> None:
    log = run_recorded(load_settings())
    lines = log.path.read_text(encoding="utf-8").splitlines()
    last = json.loads(lines[-1])
    last["outcome"] = "error"  # what someone hiding a run might change
    log.path.write_text("\n".join([*lines[:-1], json.dumps(last)]) + "\n", encoding="utf-8")
    status, detail = checks()["audit chain"]
    assert status == FAIL
    assert detail.startswith(f"{log.path.name} (line 2): ")
    assert "'lightbox audit verify'" in detail and "aside" in detail


def test_a_deleted_log_fails_the_chain_check() -> None:
    log = run_recorded(load_settings())
    log.path.unlink()
    status, detail = checks()["audit chain"]
    assert status == FAIL
    assert f"{log.path} is missing, but this account wrote 2 record(s) to it" in detail


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another account needs root")
def test_a_key_state_of_another_account_fails_with_chown() -> None:
    log = run_recorded(load_settings(), runs=1)
    path = state_path(log.path)
    os.chown(path, 65534, 65534)
    status, detail = checks()["audit key state"]
    assert status == FAIL and "belongs to another account (uid 65534)" in detail
    assert f"chown root {path}; chmod 600 {path}" in detail
