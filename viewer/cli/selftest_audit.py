"""The self-test's checks of this account's audit secrets and chain.

Two secrets make the audit trustworthy: the install's series-hash key (``audit-key``: who
reads it can test guessed series UIDs against the log) and the key state of this
account's log (the private key of its next record: who reads it can forge that record).
Each must exist or be creatable, be this account's, be readable by it alone (mode 0600
on POSIX) and parse; and the log's chain, its head and the key state must agree, so the
next AI run can be recorded (an AI run whose record cannot be written does not complete).
Every failure says what to do. Nothing is created or changed here.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from viewer.audit.chain import Expect, read_head, verify_lines
from viewer.audit.log import KEY_NAME, AuditLog, config_dir, os_user, read_key
from viewer.audit.signing import AuditError, load_state, state_path
from viewer.cli.selftest import FAIL, OK, Check, check_file
from viewer.host.settings import Settings

#: What a reader of each secret could do: said in the failure, so IT sees why it matters.
_EXPOSED = {"audit key": "test guessed series UIDs against the audit log",
            "audit key state": "forge this account's next audit record"}


def check_secret(label: str, path: Path, parse: Callable[[Path], object]) -> Check:
    """``path`` is this account's alone and ``parse`` reads it; or it is absent and can be
    made at the first AI run (:func:`check_file`)."""
    if not path.exists() and not path.is_symlink():
        return check_file(label, path)
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        return Check(label, FAIL, f"{path} is not a regular file: ask IT to move it aside")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return Check(label, FAIL, f"{path} belongs to another account (uid {info.st_uid}): "
                     f"it must be yours alone; ask IT to run: chown {os_user()} {path}; "
                     f"chmod 600 {path}")
    if os.name == "posix" and info.st_mode & 0o077:
        return Check(label, FAIL, f"{path} can be read or changed by other accounts (mode "
                     f"{stat.S_IMODE(info.st_mode):04o}): whoever reads it can "
                     f"{_EXPOSED[label]}; run: chmod 600 {path}")
    try:
        parse(path)
    except AuditError as exc:
        return Check(label, FAIL, str(exc))
    return Check(label, OK, f"{path} is yours alone and readable")


def check_chain(log: AuditLog, settings: Settings) -> Check:
    """The log's signed chain verifies to its last record, and the head and this account's
    key state continue it: the next record can be signed and appended."""
    label = "audit chain"
    remedy = ("no AI run can be recorded until IT checks it ('lightbox audit verify') and "
              "moves the log, its .head file and the key state aside to start a new log")
    try:
        state = load_state(log.path)
    except AuditError as exc:
        return Check(label, FAIL, str(exc))
    if not log.path.exists():
        if (state is not None and state.seq > 0) or log.head_path.exists():
            written = f"{state.seq} record(s)" if state is not None else "records"
            return Check(label, FAIL, f"{log.path} is missing, but this account wrote "
                         f"{written} to it (deleted?): {remedy}")
        return Check(label, OK, f"{log.path.name}: no AI runs recorded yet")
    try:
        lines = log.path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        return Check(label, FAIL, f"{log.path} cannot be read ({exc}): {remedy}")
    verdict = verify_lines(lines, Expect(
        head=read_head(log.head_path), state=state, user=os_user(),
        required_since=settings.audit_required_since))
    if not verdict.ok:
        where = f" (line {verdict.line})" if verdict.line else ""
        return Check(label, FAIL, f"{log.path.name}{where}: {verdict.problem}; {remedy}")
    return Check(label, OK, f"{log.path.name}: intact, {verdict.records} signed record(s); "
                 "the last verifies and the key state continues it")


def check_audit_secrets(settings: Settings) -> list[Check]:
    log = AuditLog.of(settings)
    return [check_secret("audit key state", state_path(log.path),
                         lambda _: load_state(log.path)),
            check_secret("audit key", config_dir() / KEY_NAME, read_key),
            check_chain(log, settings)]
