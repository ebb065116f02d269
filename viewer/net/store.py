"""The per-user local store of studies received from the PACS.

Laid out as ``<store>/<StudyInstanceUID>/<SeriesInstanceUID>/<SOPInstanceUID>.dcm``. The
names come from the network, so each UID is checked to be a UID (digits and dots, at most
64 characters, PS3.5 9.1) before it becomes a path: ``../../x`` or ``C:\\x`` is refused,
and nothing can be written outside the store. Every object is written with the one
atomic writer (``viewer.host.files.write_atomic``: temporary file, flush, rename), so a
crash, a kill or a full disk leaves complete files or none.

A study whose retrieve has not finished holds a ``.partial`` marker (written before the
first image, removed when every image the node listed is stored): the next retrieve of
that study skips what is there and fetches the rest. A retrieved study also holds an
``.origin`` file naming the node, so the study list can be rebuilt from the folder alone.

Every file that lands here is entered in the study list (:mod:`viewer.net.index`) right
after its rename: this is the one place files land. The index is opened on the first
write; if it cannot be used the files are still stored (the next open of the index
reconciles it with the folder), and the reason is logged.
"""

from __future__ import annotations

import errno
import json
import logging
import re
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.host.files import PART_SUFFIX, sync_folder, write_atomic
from viewer.net.errors import LocalStoreError

if TYPE_CHECKING:
    from viewer.host.settings import Settings
    from viewer.net.index import StudyIndex

log = logging.getLogger(__name__)

#: PS3.5 9.1: components of digits without leading zeros, separated by dots; 64 at most.
_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+")
PARTIAL = ".partial"
ORIGIN = ".origin"
SUFFIX = ".dcm"
#: Errors that mean the disk (or the account's quota, or a file size limit) is full.
FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def is_uid(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 64 and _UID.fullmatch(value) is not None


class LocalStore:
    """One folder of received studies (the site's ``pacs_store_dir``)."""

    def __init__(self, root: Path, *, indexed: bool = True,
                 cache_gb: float | None = None) -> None:
        self.root = Path(root)
        self.indexed = indexed
        self.cache_gb = cache_gb
        self._index: StudyIndex | None = None
        self._index_failed = False
        self._index_lock = threading.Lock()
        self._source: dict[str, tuple[str, str]] = {}

    @classmethod
    def of(cls, settings: Settings) -> LocalStore:
        """The site's store, bounded by its ``pacs_cache_gb``."""
        return cls(settings.pacs_store_dir, cache_gb=settings.pacs_cache_gb)

    @property
    def index(self) -> StudyIndex | None:
        """The study list (opened on first use), or None when it cannot be used."""
        with self._index_lock:
            if self._index is None and self.indexed and not self._index_failed:
                from viewer.net.index import StudyIndex

                try:
                    self._index = StudyIndex.open(self.root)
                except (LocalStoreError, sqlite3.Error, OSError) as exc:
                    self._index_failed = True
                    log.warning("the study list is not updated: %s", exc)
            return self._index

    def close(self) -> None:
        with self._index_lock:
            if self._index is not None:
                self._index.close()
                self._index = None

    def enforce_cache(self, keep: set[str]) -> list[str]:
        """Evict least recently opened studies past ``cache_gb`` (viewer.net.cache)."""
        index = self.index
        if self.cache_gb is None or index is None:
            return []
        from viewer.net.cache import enforce

        try:
            return enforce(index, self.cache_gb, keep)
        except (sqlite3.Error, OSError) as exc:
            log.warning("the local cache could not be trimmed: %s", exc)
            return []

    def _indexing(self, action: str, call: object, *args: object) -> None:
        """Run one index update; a failure is logged, never stops the store."""
        if self.index is None:
            return
        try:
            call(*args)  # type: ignore[operator]
        except (LocalStoreError, sqlite3.Error, OSError, ValueError) as exc:
            log.warning("the study list could not record %s (%s); it is repaired from the "
                        "folder when next opened", action, exc)

    def study_dir(self, study_uid: str) -> Path:
        return self.root / _checked(study_uid, "Study Instance UID")

    def path_for(self, study_uid: str, series_uid: str, sop_uid: str) -> Path:
        return (self.study_dir(study_uid) / _checked(series_uid, "Series Instance UID")
                / (_checked(sop_uid, "SOP Instance UID") + SUFFIX))

    def has(self, study_uid: str, series_uid: str, sop_uid: str) -> bool:
        return self.path_for(study_uid, series_uid, sop_uid).is_file()

    def instances(self, study_uid: str) -> set[tuple[str, str]]:
        """(series UID, SOP instance UID) of every complete file stored for the study."""
        folder = self.study_dir(study_uid)
        if not folder.is_dir():
            return set()
        return {(f.parent.name, f.name[:-len(SUFFIX)])
                for f in folder.glob(f"*/*{SUFFIX}")
                if is_uid(f.parent.name) and is_uid(f.name[:-len(SUFFIX)])}

    def write(self, study_uid: str, series_uid: str, sop_uid: str, data: bytes) -> Path:
        """Store one object's file bytes atomically; :class:`LocalStoreError` when the
        disk cannot take it (nothing of it is left behind)."""
        path = self.path_for(study_uid, series_uid, sop_uid)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Each file is synced before its rename (never a torn file); the folder once
            # per retrieve (sync): a rename lost in a power cut is only fetched again.
            write_atomic(path, data, mode=0o600, sync_rename=False)
        except OSError as exc:
            raise _store_error(self.root, exc) from exc
        if self.index is not None:
            self._indexing("a stored image", self._index_file, study_uid, path, len(data))
        return path

    def _index_file(self, study_uid: str, path: Path, size: int) -> None:
        from viewer.net.index import RECEIVED, header_of

        assert self._index is not None
        source, node = self._source.get(study_uid, (RECEIVED, ""))
        self._index.add_file(header_of(path), path, size, source=source, node=node)

    def sync(self, study_uid: str) -> None:
        """Make the study's stored files' names durable (its series folders and itself)."""
        folder = self.study_dir(study_uid)
        for series in [p for p in folder.iterdir() if p.is_dir()] if folder.is_dir() else []:
            sync_folder(series)
        sync_folder(folder)

    def discard_leftovers(self, study_uid: str) -> int:
        """Remove the temporary files a killed retrieve left (``.NAME.xxxx.part``: never a
        stored image, whose name is its UID); how many. Called as a retrieve starts:
        one retrieve of a study at a time (the commands and, later, the study list)."""
        folder = self.study_dir(study_uid)
        removed = 0
        for leftover in folder.glob(f"*/.*{PART_SUFFIX}") if folder.is_dir() else []:
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    def mark_partial(self, study_uid: str, node: str) -> None:
        folder = self.study_dir(study_uid)
        marker = {"node": node, "started": datetime.now(UTC).isoformat(timespec="seconds")}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / PARTIAL, json.dumps(marker) + "\n")
            write_atomic(folder / ORIGIN, json.dumps({"node": node}) + "\n")
        except OSError as exc:
            raise _store_error(self.root, exc) from exc
        from viewer.net.index import PARTIAL as PARTIAL_STATE
        from viewer.net.index import RETRIEVED

        self._source[study_uid] = (RETRIEVED, node)
        if (index := self.index) is not None:
            self._indexing("a retrieve", index.set_source, study_uid, RETRIEVED, node)
            self._indexing("a retrieve", index.set_state, study_uid, PARTIAL_STATE)

    def mark_receiving(self, study_uid: str, node: str) -> None:
        """A node started pushing the study: marked partial (and listed as received from
        ``node``) until its association ends (:meth:`clear_partial`); a crash meanwhile
        leaves it marked, as a push cannot be resumed from here."""
        folder = self.study_dir(study_uid)
        marker = {"node": node, "started": datetime.now(UTC).isoformat(timespec="seconds"),
                  "pushed": True}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / PARTIAL, json.dumps(marker) + "\n")  # no .origin: pushed
        except OSError as exc:
            raise _store_error(self.root, exc) from exc
        from viewer.net.index import PARTIAL as PARTIAL_STATE
        from viewer.net.index import RECEIVED

        self._source.setdefault(study_uid, (RECEIVED, node))
        if (index := self.index) is not None:
            if index.study(study_uid) is None:  # a study retrieved before stays so listed
                self._indexing("a push", index.set_source, study_uid, RECEIVED, node)
            self._indexing("a push", index.set_state, study_uid, PARTIAL_STATE)

    def clear_partial(self, study_uid: str) -> None:
        """The study is complete: its files made durable first, then the marker goes."""
        self.sync(study_uid)
        (self.study_dir(study_uid) / PARTIAL).unlink(missing_ok=True)
        from viewer.net.index import COMPLETE

        if (index := self.index) is not None:
            self._indexing("a complete study", index.set_state, study_uid, COMPLETE)

    def is_partial(self, study_uid: str) -> bool:
        return (self.study_dir(study_uid) / PARTIAL).is_file()


def _checked(uid: str, what: str) -> str:
    if not is_uid(uid):
        raise LocalStoreError(f"the node sent a {what} that is not a DICOM UID "
                              f"({len(str(uid))} characters); the object is not stored")
    return uid


def _store_error(root: Path, exc: OSError) -> LocalStoreError:
    if exc.errno in FULL:
        return LocalStoreError(
            f"the local store {root} is full ({exc.strerror or exc}): free space there (or "
            "ask IT to move pacs_store_dir) and retrieve again; what arrived is kept and "
            "the rest resumes")
    return LocalStoreError(f"cannot write to the local store {root} "
                           f"({exc.strerror or exc}); check the folder's permissions")
