"""The audit log: one JSON line per AI run, appended, flushed and fsynced.

A record says who ran which model (id, version, digest) on what (a keyed hash of the
series UID, never the UID itself nor any patient data), with which runtime, how long it
took and how it ended. The hash is an HMAC with a random key made once per install, so
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
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viewer.config import load_settings, user_config_dir

LOG_NAME = "ai-runs.jsonl"
KEY_NAME = "audit-key"
OUTCOMES = ("ok", "cancelled", "error", "refused")

_lock = threading.Lock()


def audit_dir() -> Path:
    """Where the audit log lives: ``LIGHTBOX_AUDIT_DIR``, the site configuration's
    ``audit_dir``, or the per-user data folder."""
    return load_settings().audit_dir


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
    time: str = ""
    user: str = ""

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["time"] = self.time or utc_now()
        record["user"] = self.user or os_user()
        record["duration_s"] = round(self.duration_s, 4)
        return record


class AuditLog:
    """The append-only log file (``audit_dir()/ai-runs.jsonl`` unless ``path`` is given)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else audit_dir() / LOG_NAME

    def append(self, record: AuditRecord) -> dict[str, Any]:
        if record.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {record.outcome!r}")
        entry = record.as_dict()
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _lock:
            # One write() of the whole line on an O_APPEND descriptor: lines from several
            # processes never interleave, and a crash leaves at most the last line short.
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        return entry

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
