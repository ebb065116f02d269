"""The audit log: one JSON line per AI run, appended, flushed and fsynced.

A record says who ran which model (id, version, digest) on what (a keyed hash of the
series UID, never the UID itself nor any patient data), with which runtime, how long it
took and how it ended. Records are hash-chained (``viewer.audit.chain``): ``lightbox audit
verify`` finds the first edited, deleted or reordered one. The series hash is an HMAC with a random key made once per install, so
the same series gives the same hash on this workstation and nothing elsewhere can
reverse it by hashing known UIDs.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viewer.audit.chain import link, record_hash
from viewer.host.files import write_atomic
from viewer.host.folders import user_config_dir
from viewer.host.settings import Settings

# An exclusive lock across processes while a record is chained and written: flock on
# POSIX, msvcrt's byte-range lock on Windows.
if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

    def _lock_file(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
else:
    import fcntl

    def _lock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

LOG_NAME = "ai-runs.jsonl"
HEAD_SUFFIX = ".head"  # ai-runs.jsonl.head: the chain's last seq and hash
_TAIL = 65536  # bytes read back to find the last record; a record is well under this
KEY_NAME = "audit-key"
OUTCOMES = ("ok", "cancelled", "error", "refused")

_lock = threading.Lock()


def config_dir() -> Path:
    """Lightbox's per-user settings folder: ``LIGHTBOX_CONFIG_DIR`` or the platform's."""
    return user_config_dir()


def _install_key() -> bytes:
    path = config_dir() / KEY_NAME
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key.hex())
    return key


def series_hash(uid: str) -> str:
    """HMAC-SHA-256 of a series UID with this install's key (hex, 32 characters)."""
    digest = hmac.new(_install_key(), uid.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:32]


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is better than no record
        return "unknown"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class AuditRecord:
    model_id: str
    model_version: str
    model_digest: str
    series_hash: str
    runtime: str
    duration_s: float
    frames: int
    outcome: str  # ok | cancelled | error | refused
    message: str = ""  # for error/refused: the reason, never patient data
    unlike_training: int = 0  # frames flagged as unlike the model's training data
    time: str = ""
    user: str = ""

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["time"] = self.time or utc_now()
        record["user"] = self.user or os_user()
        record["duration_s"] = round(self.duration_s, 4)
        return record


class AuditLog:
    """The append-only log file ``path`` (:meth:`of` gives the configured one)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @classmethod
    def of(cls, settings: Settings) -> AuditLog:
        """The log in ``settings.audit_dir`` (``LIGHTBOX_AUDIT_DIR``, the site
        configuration's ``audit_dir``, or the per-user data folder)."""
        return cls(settings.audit_dir / LOG_NAME)

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name + HEAD_SUFFIX)

    def append(self, record: AuditRecord) -> dict[str, Any]:
        if record.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {record.outcome!r}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                _lock_file(fd)
                previous, torn = _last_record(fd)
                entry = link(record.as_dict(), previous)
                line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
                # One write() of the whole line on an O_APPEND descriptor, under the lock:
                # a crash leaves at most the last line short, on a line of its own.
                os.write(fd, (b"\n" if torn else b"") + line)
                os.fsync(fd)
                self._write_head(entry)
            finally:
                os.close(fd)  # closing releases the lock
        return entry

    def _write_head(self, entry: dict[str, Any]) -> None:
        head = {"seq": entry["seq"], "hash": record_hash(entry), "time": entry["time"]}
        write_atomic(self.head_path, json.dumps(head, sort_keys=True), mode=0o600)

    def records(self) -> list[dict[str, Any]]:
        """Every complete record (a torn last line is skipped)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        found = []
        for line in text.splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found


def _last_record(fd: int) -> tuple[dict[str, Any] | None, bool]:
    """The last complete record of the open log, and whether a torn line ends it."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, False
    start = max(0, size - _TAIL)
    os.lseek(fd, start, os.SEEK_SET)
    tail = b""
    while len(tail) < size - start:
        chunk = os.read(fd, size - start - len(tail))
        if not chunk:
            break
        tail += chunk
    torn = not tail.endswith(b"\n")
    for line in reversed(tail.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value, torn
    return None, torn
