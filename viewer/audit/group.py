"""Group commit: records of runs that finish together share one write and one ``fsync``.

A service answering many clients at once spends most of its own time in the audit log's
``fsync`` (one per request, a few ms each, while the model itself may take less). Here a
run's thread hands its record over and waits; the first thread to find no write under way
becomes the writer: it takes every record waiting at that moment, appends them in arrival
order with :meth:`~viewer.audit.log.AuditLog.append_many` (one write, one ``fsync``, the
chain and signatures exactly as record-by-record) and wakes each waiter with its own
entry. Records arriving during that ``fsync`` go out together in the next one. So no
caller returns before its record is durable, and a failed write fails every run it held
(each gets the :class:`~viewer.audit.signing.AuditError`, none counts). With one caller
at a time it is one ``append`` per record, as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewer.audit.log import OUTCOMES, AuditLog, Record


@dataclass
class _Waiter:
    record: Record
    done: bool = False
    entry: dict[str, Any] | None = None
    error: BaseException | None = None


class GroupCommit:
    """One per process and log file: :meth:`append` as ``AuditLog.append``, shared."""

    def __init__(self) -> None:
        self._mutex = threading.Condition()
        self._pending: dict[Path, list[_Waiter]] = {}
        self._writing: set[Path] = set()
        #: records per write, for tests and the benchmark (the latest write's)
        self.last_group = 0
        self.writes = 0

    def append(self, log: AuditLog, record: Record) -> dict[str, Any]:
        """``record`` appended to ``log``, durable when this returns; AuditError if not."""
        if record.outcome not in OUTCOMES:  # a caller's mistake fails that caller alone
            raise ValueError(f"unknown outcome {record.outcome!r}")
        me = _Waiter(record)
        path = log.path
        with self._mutex:
            self._pending.setdefault(path, []).append(me)
        while True:
            with self._mutex:
                if me.done:
                    break
                if path in self._writing:
                    lead = False
                else:
                    self._writing.add(path)
                    group = self._pending.pop(path, [])
                    lead = True
                if not lead:
                    self._mutex.wait()  # until a write ends: done, or the next writer
                    continue
            self._write(log, group)
            with self._mutex:
                self._writing.discard(path)
                self._mutex.notify_all()
        if me.error is not None:
            raise me.error
        assert me.entry is not None
        return me.entry

    def _write(self, log: AuditLog, group: list[_Waiter]) -> None:
        try:
            entries = log.append_many([w.record for w in group])
        except BaseException as exc:  # noqa: BLE001 - every waiter gets it, then the writer
            for w in group:
                w.error = exc
                w.done = True
            return
        self.last_group, self.writes = len(group), self.writes + 1
        for w, entry in zip(group, entries, strict=True):
            w.entry = entry
            w.done = True
