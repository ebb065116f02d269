"""What a retrieve does with each object a node sends: check it, store it, count it.

pynetdicom calls the C-STORE handler on the association's own thread, the one that also
reads the network: a handler that wrote and synced a 0.5 MB file before returning would
hold the transfer still meanwhile. So the handler only checks the object (its UIDs are
UIDs, it belongs to the study and series asked for, it is not here yet) and hands its
bytes to one writer thread through a short queue (:data:`QUEUED` objects: memory stays
bounded, and a slow disk slows the node down instead of filling memory). The writer
stores each file atomically (``LocalStore.write``) and reports progress.

A success status may thus reach the node before its file is on disk. That is safe: the
retrieve counts what is *in the store* at the end, and an image whose write failed is
missing there, keeps the study marked partial, and is fetched again on resume. A write
that fails for lack of space stops the retrieve (``fatal``); the next objects are answered
"out of resources" so the node stops sending.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from viewer.net.errors import LocalStoreError
from viewer.net.store import LocalStore, is_uid
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from pynetdicom.events import Event

log = logging.getLogger(__name__)
#: Objects waiting for the writer (a 512² CT image is 0.5 MB).
QUEUED = 16
_Item = tuple[str, str, str, bytes]


@dataclass(frozen=True)
class Progress:
    """Where a retrieve stands: images stored now, already here, refused, listed."""

    stored: int
    skipped: int
    failed: int
    total: int

    @property
    def done(self) -> int:
        return self.stored + self.skipped + self.failed


@dataclass
class Receiver:
    """Takes the images a node sends for one study (or series; ``study_uid`` None: any
    study, as the PACS pushes them). :meth:`start` before the first object,
    :meth:`finish` after the last (it waits for the writer)."""

    store: LocalStore
    study_uid: str | None
    series_uid: str | None
    total: int
    skipped: int
    token: CancelToken
    progress: Callable[[Progress], None] | None
    failed: int = 0
    stored: int = 0
    problems: list[str] = field(default_factory=list)
    fatal: LocalStoreError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _queue: queue.Queue[_Item | None] = field(default_factory=lambda: queue.Queue(QUEUED))
    _queued: set[str] = field(default_factory=set)
    studies: set[str] = field(default_factory=set)  # the studies objects were stored for
    #: Images of each study stored now or already here (a push names no total).
    images: dict[str, int] = field(default_factory=dict)
    _writer: threading.Thread | None = None

    def snapshot(self) -> Progress:
        return Progress(self.stored, self.skipped, self.failed, self.total)

    def start(self) -> None:
        self._writer = threading.Thread(target=self._write_all, name="pacs-store-writer",
                                        daemon=True)
        self._writer.start()

    def finish(self) -> None:
        """Wait until every queued object is written (or dropped after a fatal error)."""
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None

    def on_store(self, event: Event) -> int:
        """pynetdicom's C-STORE handler: the status for the node."""
        if self.token.cancelled or self.fatal is not None:
            return 0xA700  # Out of resources: the node stops sending
        try:
            ds = event.dataset
            uids = (ds.get("StudyInstanceUID"), ds.get("SeriesInstanceUID"),
                    ds.get("SOPInstanceUID"))
        except Exception:  # noqa: BLE001 - whatever pydicom raises on a broken object
            return self.refuse("an object that cannot be read (malformed data set)",
                                0xC210)
        study, series, sop = (str(u) if u is not None else "" for u in uids)
        if not all(is_uid(u) for u in (study, series, sop)):
            return self.refuse("an object whose UIDs are not DICOM UIDs", 0xC210)
        if sop != str(getattr(event.request, "AffectedSOPInstanceUID", "")):
            return self.refuse("an object whose SOP Instance UID differs from the "
                                "request's", 0xC210)
        return self.take(study, series, sop, event.encoded_dataset)

    def take(self, study: str, series: str, sop: str, data: Callable[[], bytes]) -> int:
        """Queue one object whose UIDs are UIDs (``data`` gives its file bytes): the
        status for the node. The WADO-RS retrieve (viewer.net.wado) hands each part here."""
        if ((self.study_uid is not None and study != self.study_uid)
                or (self.series_uid and series != self.series_uid)):
            return self.refuse("an object of another study or series than asked for",
                                0xC211)
        with self.lock:
            if sop in self._queued or self.store.has(study, series, sop):
                self.skipped += 1
                self.images[study] = self.images.get(study, 0) + 1
                self._report()
                return 0x0000
            self._queued.add(sop)
        self._queue.put((study, series, sop, data()))
        return 0x0000

    def _write_all(self) -> None:
        while (item := self._queue.get()) is not None:
            if self.fatal is not None:
                continue  # drained, not written: the retrieve is stopping
            try:
                self.store.write(*item)
            except LocalStoreError as exc:
                self.fatal = exc
                continue
            except Exception:  # noqa: BLE001 - an unforeseen error must not hang the retrieve
                log.exception("storing a received object failed")
                self.fatal = LocalStoreError("storing a received image failed unexpectedly; "
                                             "what was stored is kept, retrieve again")
                continue
            with self.lock:
                self.stored += 1
                self.studies.add(item[0])
                self.images[item[0]] = self.images.get(item[0], 0) + 1
                self._report()

    def refuse(self, what: str, status: int) -> int:
        with self.lock:
            self.failed += 1
            reason = f"the node sent {what}; it was not stored"
            if reason not in self.problems:
                self.problems.append(reason)
            self._report()
        return status

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.snapshot())
