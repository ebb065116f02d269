"""The audit log: one JSON line per AI run, appended, flushed and fsynced.

A record says who ran which model (id, version, digest) on what (a keyed hash of the
series UID, never the UID itself nor any patient data), with which runtime, how long it
took and how it ended. Records are signed and chained (``viewer.audit.chain``, keys in
``viewer.audit.signing``): ``lightbox audit verify`` finds the first edited, deleted,
reordered or forged one. The series hash is an HMAC with a random key made once per
install, so the same series gives the same hash on this workstation and nothing elsewhere
can reverse it by hashing known UIDs.

A record that cannot be written is an :class:`~viewer.audit.signing.AuditError` that
says what to fix: the run it records does not count as done.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viewer.audit.chain import head_of, link, link_hash
from viewer.audit.signing import AuditError, ChainState, chain_id, load_state, new_key, save_state
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

LOG_NAME = "ai-runs.jsonl"  # the one log of a per-user folder, before per-user names
LOG_PREFIX, LOG_SUFFIX = "ai-runs", ".jsonl"
HEAD_SUFFIX = ".head"  # ai-runs-….jsonl.head: the chain's last seq and hash
_TAIL = 65536  # bytes read back to find the last record; a record is well under this
KEY_NAME = "audit-key"
OUTCOMES = ("ok", "cancelled", "error", "refused")

_lock = threading.Lock()
logger = logging.getLogger(__name__)


def _cannot_write(path: Path, exc: OSError) -> AuditError:
    return AuditError(f"the audit log {path} cannot be written ({exc.strerror or exc}), so "
                      "the run does not count: free disk space, or ask IT to make the folder "
                      "writable for you")


def _lost(path: Path, why: str) -> AuditError:
    return AuditError(f"the audit log {path} cannot be continued: {why}. No AI run can be "
                      "recorded until IT checks it ('lightbox audit verify') and moves the "
                      "log aside")


def config_dir() -> Path:
    """Lightbox's per-user settings folder: ``LIGHTBOX_CONFIG_DIR`` or the platform's."""
    return user_config_dir()


def read_key(path: Path) -> bytes:
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise AuditError(f"the audit key {path} cannot be read ({exc.strerror}): check its "
                         "owner and permissions") from None
    except ValueError:
        key = b""
    if len(key) != 32:
        raise AuditError(
            f"the audit key {path} is damaged, so no AI run can be recorded. Restore it from "
            "a backup, or delete it to make a new one (series hashes written before will "
            "then no longer match new ones)")
    return key


#: The install key as last read, with the file's identity then (path; device, inode, size,
#: change times): reused while a ``stat`` still finds that very file, read again as soon as
#: it was replaced, rewritten, re-permissioned or deleted (how a key is changed).
_key_cache: tuple[Path, tuple[int, ...], bytes] | None = None


def _install_key() -> bytes:
    global _key_cache
    path = config_dir() / KEY_NAME
    try:
        st = path.stat()
    except FileNotFoundError:
        return _make_key(path)
    except OSError:
        return read_key(path)  # says what is wrong with it
    stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cached = _key_cache
    if cached is not None and cached[0] == path and cached[1] == stamp:
        return cached[2]
    key = read_key(path)
    _key_cache = (path, stamp, key)
    return key


def _make_key(path: Path) -> bytes:
    key = secrets.token_bytes(32)
    # Written whole under a temporary name, then linked into place: another process sees
    # no key or the complete key, never an empty file, and the first one made wins.
    tmp = path.with_name(f".{KEY_NAME}.{secrets.token_hex(6)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(key.hex())
        try:
            os.link(tmp, path)
        except FileExistsError:  # another process made it first: use theirs
            return read_key(path)
    except OSError as exc:
        raise AuditError(f"the audit key {path} cannot be made ({exc.strerror}): "
                         f"{path.parent} must be a folder you can write to") from None
    finally:
        tmp.unlink(missing_ok=True)
    return key


def series_hash(uid: str) -> str:
    """HMAC-SHA-256 of a series UID with this install's key (hex, 32 characters).
    Raises :class:`AuditError` when the key is damaged or cannot be made."""
    digest = hmac.new(_install_key(), uid.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:32]


def os_user() -> str:
    """The account's name: from its user id where there is one (``getpass`` alone would
    believe ``$USER``, which the account sets), else the login name."""
    with contextlib.suppress(ImportError, KeyError, AttributeError):
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name is better than no record
        return "unknown"


def _file_safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name) or "unknown"


def log_name(uid: int | None = None, user: str | None = None) -> str:
    """This account's log file name, ``ai-runs-<uid>-<user>.jsonl`` (Windows, which has no
    numeric uid: ``ai-runs-<user>.jsonl``). Every account writes its own chain, so one
    folder can hold the logs of every user of a workstation (a shared, sticky folder)."""
    if uid is None and hasattr(os, "getuid"):
        uid = os.getuid()
    user = _file_safe(user if user is not None else os_user())
    return f"{LOG_PREFIX}-{uid}-{user}{LOG_SUFFIX}" if uid is not None \
        else f"{LOG_PREFIX}-{user}{LOG_SUFFIX}"


def owner_in_name(path: Path) -> tuple[int | None, str] | None:
    """(uid, user) named by a per-user log file name; None for any other name."""
    match = re.fullmatch(rf"{LOG_PREFIX}-(?:(\d+)-)?(.+){re.escape(LOG_SUFFIX)}", path.name)
    if match is None:
        return None
    return (int(match.group(1)) if match.group(1) else None), match.group(2)


def logs_in(folder: Path) -> list[Path]:
    """Every audit log in ``folder`` (per-user names and the older single ``ai-runs.jsonl``),
    sorted by name."""
    try:
        names = sorted(p for p in folder.iterdir()
                       if p.name == LOG_NAME or owner_in_name(p) is not None)
    except OSError:
        return []
    return [p for p in names if not p.name.endswith(".export" + LOG_SUFFIX)]


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
    #: Inputs read from other series of the study: input name → keyed hash of that
    #: series' UID (as ``series_hash``); left out of the record when there are none.
    input_series: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        record = asdict(self)
        if self.input_series:
            record["input_series"] = dict(self.input_series)
        else:
            del record["input_series"]
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
        """This account's log in ``settings.audit_dir`` (``LIGHTBOX_AUDIT_DIR``, the site
        configuration's ``audit_dir``, or the per-user data folder): :func:`log_name`. An
        older single ``ai-runs.jsonl`` that this account owns and has a key state for is
        continued, so upgrading does not break a chain."""
        folder = settings.audit_dir
        legacy = folder / LOG_NAME
        own = folder / log_name()
        if not own.exists() and _owned_by_me(legacy):
            with contextlib.suppress(AuditError):
                if load_state(legacy) is not None:
                    return cls(legacy)
        return cls(own)

    @property
    def head_path(self) -> Path:
        return self.path.with_name(self.path.name + HEAD_SUFFIX)

    def check(self) -> None:
        """Raise :class:`AuditError` now if a record could not be written (the folder, the
        key, the key state), so that a run does not start only to be thrown away."""
        _install_key()
        state = load_state(self.path)
        folder = self.path.parent
        if not folder.is_dir():
            try:
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise _cannot_write(self.path, exc) from None
        if not os.access(folder, os.W_OK | os.X_OK) or (
                self.path.exists() and not os.access(self.path, os.W_OK)):
            raise AuditError(f"the audit log {self.path} cannot be written: you need write "
                             f"permission on it and on {folder} (ask IT)")
        if state is not None and not self.path.exists():
            raise _lost(self.path, f"it is missing, but this account wrote {state.seq} "
                        "record(s) to it")
        if self.path.exists():
            fd = os.open(self.path, os.O_RDONLY)
            try:
                _check_owner(self.path, fd)
                _key_to_continue(self.path, state, _last_record(fd)[0])
            finally:
                os.close(fd)

    def append(self, record: AuditRecord) -> dict[str, Any]:
        """Sign and append ``record``; raises :class:`AuditError` (what to fix) when it
        cannot be written."""
        if record.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {record.outcome!r}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _lock:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    _check_owner(self.path, fd)
                    _lock_file(fd)
                    return self._append_locked(fd, record)
                finally:
                    os.close(fd)  # closing releases the lock
        except OSError as exc:
            raise _cannot_write(self.path, exc) from None

    def _append_locked(self, fd: int, record: AuditRecord) -> dict[str, Any]:
        state = load_state(self.path)
        previous, torn = _last_record(fd)
        entry_fields = record.as_dict()
        if previous is not None and "sig" not in previous:
            entry_fields["chain_start"] = "after unsigned records written by an older Lightbox"
        seed = _key_to_continue(self.path, state, previous)
        previous = previous if previous is not None and "sig" in previous else None
        next_seed, _ = new_key()
        entry = link(entry_fields, previous, seed, next_seed)
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
        # One write() of the whole line on an O_APPEND descriptor, under the lock:
        # a crash leaves at most the last line short, on a line of its own.
        os.write(fd, (b"\n" if torn else b"") + line)
        os.fsync(fd)
        chain = state.chain if state is not None else chain_id(entry["chain_key"])
        save_state(self.path, ChainState(chain, entry["seq"], link_hash(entry), next_seed))
        write_atomic(self.head_path, json.dumps(head_of(entry, next_seed), sort_keys=True),
                     mode=0o600)
        # A second copy of where the chain stands, in the application log (no patient data).
        logger.info("audit record %d of chain %s written to %s", entry["seq"], chain,
                    self.path.name)
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


def _owned_by_me(path: Path) -> bool:
    try:
        owner = path.stat().st_uid
    except OSError:
        return False
    return not hasattr(os, "getuid") or owner == os.getuid()


def _check_owner(path: Path, fd: int) -> None:
    """Refuse a log another account made under this account's name (in a shared folder
    anyone in the group may create any name first)."""
    if hasattr(os, "getuid") and os.fstat(fd).st_uid != os.getuid():
        raise AuditError(f"the audit log {path} belongs to another account (uid "
                         f"{os.fstat(fd).st_uid}), so this account cannot record its runs in "
                         "it: ask IT to check it ('lightbox audit verify') and move it aside")


def _key_to_continue(path: Path, state: ChainState | None,
                     previous: dict[str, Any] | None) -> bytes:
    """The key that signs the record after ``previous`` (the log's last): the key state's,
    or a new chain's when the log holds no signed record. Raises :class:`AuditError` when
    the log and the key state disagree: appending would hide what happened to the log."""
    if previous is None or "sig" not in previous:  # empty, or an older unsigned log
        if state is not None:
            raise _lost(path, f"it holds no signed record, but this account wrote "
                        f"{state.seq} record(s) to it")
        return new_key()[0]
    if state is None:
        raise _lost(path, "its key state (the key for the next record) is missing")
    if state.seq != previous.get("seq") or state.link != link_hash(previous):
        raise _lost(path, f"it ends at record {previous.get('seq')} but this account last "
                    f"wrote record {state.seq}")
    return state.next_seed


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
