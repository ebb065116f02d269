"""The audit log: one JSON line per AI run (and per send to the PACS: ``viewer.audit.sends``),
appended, flushed and fsynced.

Durability: the log line is the record, and its ``fsync`` the one wait of a run (plus the
folder's, once, when the log is made). The key state and the head are written after it
without their own ``fsync`` (on disk with the next record's or the system's next flush):
a crash at any point leaves them at the log's last record or behind it, never ahead, and
the next append rolls them forward after checking each record they missed with the key
it was signed with (``chain.follow_state``); a half-written last line (which was never
fsynced, so no run counted on it) is cut off then. A key state or head *ahead* of the log,
or records it cannot follow, are damage: the append refuses, as before.

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
import errno
import getpass
import hashlib
import hmac
import json
import logging
import math
import os
import re
import secrets
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from viewer.audit.chain import GENESIS, follow_state, head_of, head_of_start, link, link_hash
from viewer.audit.signing import (
    AuditError,
    ChainState,
    chain_id,
    load_state,
    new_key,
    public_hex,
    ratchet,
    save_state,
)
from viewer.host.files import sync_folder, write_atomic
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
_TAIL = 8192  # bytes read back to find the last record; a record is well under this
KEY_NAME = "audit-key"
OUTCOMES = ("ok", "cancelled", "error", "refused")

_lock = threading.Lock()
logger = logging.getLogger(__name__)

#: Test hook (``tests/audit/test_crash.py``): called with the name of each point of an
#: append where a crash must be recoverable, in order: ``"log-written"`` (the line
#: written, not yet fsynced; a new chain's ``"key-kept"`` comes first), ``"log-synced"``, ``"state-saved"``, ``"head-saved"``. A test
#: process sets it to exit there; it is None in the product.
crash_point: Callable[[str], None] | None = None


def _at(point: str) -> None:
    if crash_point is not None:
        crash_point(point)


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
    #: What the run saw and gave, for drift monitoring (``viewer.inference.run_stats``,
    #: format in docs/governance.md): a plain JSON object, no patient data; left out of
    #: the record when empty, so records of older versions read (and verify) unchanged.
    stats: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        # Every field is a plain value (input_series and stats are copied below).
        record = {f.name: getattr(self, f.name) for f in fields(self)}
        if self.input_series:
            record["input_series"] = dict(self.input_series)
        else:
            del record["input_series"]
        if self.stats:  # as the log will hold it (JSON): lists, not tuples; no NaN
            record["stats"] = _plain(self.stats)
        else:
            del record["stats"]
        record["time"] = self.time or utc_now()
        record["user"] = self.user or os_user()
        record["duration_s"] = round(self.duration_s, 4)
        return record


def _plain(value: Any) -> Any:
    """``value`` as the log's JSON will hold it: dicts with text keys, lists, finite
    numbers (NaN and infinity become null), text, booleans and null."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, bool, int)):
        return value
    return _plain(float(value)) if hasattr(value, "__float__") else str(value)


class Record(Protocol):
    """What the log appends: an AI run (:class:`AuditRecord`) or a send to the PACS
    (``viewer.audit.sends.SendRecord``, ``"event": "send"``), one signed chain for both."""

    @property
    def outcome(self) -> str: ...

    def as_dict(self) -> dict[str, Any]: ...


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
                _continue(self.path, fd, state, _read_tail(fd))
            finally:
                os.close(fd)

    def append(self, record: Record) -> dict[str, Any]:
        """Sign and append ``record``; raises :class:`AuditError` (what to fix) when it
        cannot be written."""
        return self.append_many([record])[0]

    def append_many(self, records: Sequence[Record]) -> list[dict[str, Any]]:
        """Sign, chain and append ``records`` in order with ONE write and ONE ``fsync``
        (group commit, :class:`viewer.audit.group.GroupCommit`): every one is durable when
        this returns, or none counts (:class:`AuditError`)."""
        for record in records:
            if record.outcome not in OUTCOMES:
                raise ValueError(f"unknown outcome {record.outcome!r}")
        if not records:
            return []
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _lock:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    _check_owner(self.path, fd)
                    _lock_file(fd)
                    return self._append_locked(fd, records)
                finally:
                    os.close(fd)  # closing releases the lock
        except OSError as exc:
            raise _cannot_write(self.path, exc) from None

    def _append_locked(self, fd: int, records: Sequence[Record]) -> list[dict[str, Any]]:
        state = load_state(self.path)
        tail = _read_tail(fd)
        previous = tail.last
        first_fields = records[0].as_dict()
        if previous is not None and "sig" not in previous:
            first_fields["chain_start"] = "after unsigned records written by an older Lightbox"
        seed, state = _continue(self.path, fd, state, tail)
        if state is None:
            # A new chain. Its first key is kept (durably, once) before the record it signs:
            # every later key follows from it, so nothing else needs an fsync of its own.
            # So is a head of "record 0" (signed with it), which a crash may leave behind.
            state = ChainState(chain_id(public_hex(seed)), 0, GENESIS, seed)
            save_state(self.path, state)
            write_atomic(self.head_path, json.dumps(head_of_start(seed), sort_keys=True),
                         mode=0o600)
            _at("key-kept")
        previous = previous if previous is not None and "sig" in previous else None
        entries: list[dict[str, Any]] = []
        lines: list[bytes] = []
        first = int(previous["seq"]) + 1 if previous is not None else 1
        for i, record in enumerate(records):
            next_seed = ratchet(seed)
            fields = first_fields if i == 0 else record.as_dict()
            if len(records) > 1:  # signed: a crash may leave the head before the group
                fields["group"] = {"first": first, "last": first + len(records) - 1}
            entry = link(fields, previous, seed, next_seed)
            entries.append(entry)
            lines.append((json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
                         .encode())
            previous, seed = entry, next_seed
        line = b"".join(lines)
        end = tail.size
        if tail.unterminated:
            line = b"\n" + line
        elif tail.torn_at is not None:
            if tail.data[tail.torn_at - tail.start:].startswith(b"{"):
                # The start of a line a crash cut before its fsync (no run counted on it).
                os.ftruncate(fd, end := tail.torn_at)
            else:  # something else: left for verify to name, on a line of its own
                line = b"\n" + line
        # One write() of every line on an O_APPEND descriptor, under the lock.
        written = os.write(fd, line)
        if written != len(line):  # a full disk: take the piece back, no run counts
            os.ftruncate(fd, end)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        _at("log-written")
        os.fsync(fd)  # the records are durable: the one wait of the runs they record
        if tail.size == 0:
            sync_folder(self.path.parent)  # a new log: its name too
        _at("log-synced")
        # The key state and head follow without an fsync of their own (a new file's first
        # version with one): a crash leaves them behind the log, and the next append rolls
        # them forward (_continue) over every record they missed. Until then a reader
        # sees them, so neither is stale for anyone but a power cut.
        last = entries[-1]
        chain = state.chain
        save_state(self.path, ChainState(chain, last["seq"], link_hash(last), seed),
                   durable=False)
        _at("state-saved")
        write_atomic(self.head_path, json.dumps(head_of(last, seed), sort_keys=True),
                     mode=0o600, durable=False)
        _at("head-saved")
        # A second copy of where the chain stands, in the application log (no patient data).
        if len(entries) == 1:
            logger.info("audit record %d of chain %s written to %s", last["seq"], chain,
                        self.path.name)
        else:
            logger.info("audit records %d-%d of chain %s written to %s", entries[0]["seq"],
                        last["seq"], chain, self.path.name)
        return entries

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


def _continue(path: Path, fd: int, state: ChainState | None,
              tail: _Tail) -> tuple[bytes, ChainState | None]:
    """The key that signs the record after the log's last, and the key state rolled forward
    to that record: the key state's own, or a new chain's when the log holds no signed
    record. Raises :class:`AuditError` when the log and the key state disagree in a way no
    crash leaves (the state ahead of the log, or records it cannot have signed): appending
    would hide what happened to the log."""
    previous = tail.last
    if previous is None or "sig" not in previous:  # empty, or an older unsigned log
        if state is not None and state.seq == 0:  # record 1's key, kept before record 1
            return state.next_seed, state
        if state is not None:
            raise _lost(path, f"it holds no signed record, but this account wrote "
                        f"{state.seq} record(s) to it")
        return new_key()[0], None
    if state is None:
        raise _lost(path, "its key state (the key for the next record) is missing")
    last_seq = previous.get("seq")
    if not isinstance(last_seq, int) or state.seq > last_seq:
        raise _lost(path, f"it ends at record {last_seq} but this account last wrote record "
                    f"{state.seq}")
    if state.seq == last_seq:
        if state.link != link_hash(previous):
            raise _lost(path, f"its record {last_seq} is not the one this account wrote")
        return state.next_seed, state
    # A crash after the log line, before the key state: roll it forward over the records
    # it missed, each checked with the key the state holds for it.
    followed, problem = follow_state(_records_from(fd, tail, state.seq), state, last_seq)
    if followed is None:
        raise _lost(path, f"it ends at record {last_seq} but this account last wrote record "
                    f"{state.seq}, and {problem}")
    return followed.next_seed, followed


@dataclass(frozen=True)
class _Tail:
    """The end of the open log: its size, the last complete record, where an unfinished
    last line starts (None: the log ends with a newline) and the bytes read."""

    size: int
    last: dict[str, Any] | None
    torn_at: int | None
    start: int
    data: bytes
    unterminated: bool = False  # the last record lacks its newline (it stays; one is added)


def _read_tail(fd: int) -> _Tail:
    size = os.fstat(fd).st_size
    if size == 0:
        return _Tail(0, None, None, 0, b"")
    start = max(0, size - _TAIL)
    data = _read_at(fd, start, size)
    end = data.rfind(b"\n") + 1
    torn_at = None if end == len(data) else start + end
    if torn_at is not None and end == 0 and start > 0:  # one line longer than the tail
        start, data = 0, _read_at(fd, 0, size)
        end = data.rfind(b"\n") + 1
        torn_at = None if end == len(data) else end
    if torn_at is not None:  # a whole record without its newline is a record: kept
        with contextlib.suppress(ValueError):
            value = json.loads(data[end:])
            if isinstance(value, dict):
                return _Tail(size, value, None, start, data, unterminated=True)
    for line in reversed(data[:end].splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return _Tail(size, value, torn_at, start, data)
    if start > 0:  # no record in the tail: look at the whole log
        data = _read_at(fd, 0, size)
        for line in reversed(data[:data.rfind(b"\n") + 1].splitlines()):
            with contextlib.suppress(ValueError):
                value = json.loads(line)
                if isinstance(value, dict):
                    return _Tail(size, value, torn_at, 0, data)
    return _Tail(size, None, torn_at, start, data)


def _read_at(fd: int, start: int, end: int) -> bytes:
    os.lseek(fd, start, os.SEEK_SET)
    data = b""
    while len(data) < end - start:
        chunk = os.read(fd, end - start - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _records_from(fd: int, tail: _Tail, seq: int) -> dict[int, dict[str, Any]]:
    """The signed records of the log from ``seq`` on, by seq (the tail's bytes, or the
    whole log when ``seq`` stands before them)."""
    found = _signed_records(tail.data)
    if seq not in found and tail.start > 0:
        found = _signed_records(_read_at(fd, 0, tail.size))
    return found


def _signed_records(data: bytes) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for line in data.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and "sig" in value and isinstance(value.get("seq"), int):
            found.setdefault(value["seq"], value)
    return found
