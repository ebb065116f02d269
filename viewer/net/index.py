"""The local study list: every study retrieved, received or opened, in one SQLite file.

The file (:data:`INDEX_NAME`) lives in the local store's folder (``pacs_store_dir``, by
default the per-user data folder's ``studies``): the index and the files it describes move
together, and whatever the index says can be checked against the folder beside it.
Opened folders are indexed by reference (their paths), never copied.

Qt-free and safe to use from several threads (one connection, one lock) and from
several processes (WAL, a busy timeout). The database is only ever a summary of the
folder: :meth:`StudyIndex.open` reconciles the two (a crash between a file landing and its
row, an eviction cut half way), and a database that cannot be read is set aside and
rebuilt from the folder, with :attr:`StudyIndex.notice` saying so. Eviction is in
:mod:`viewer.net.cache`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.net.errors import LocalStoreError

if TYPE_CHECKING:
    from viewer.io.model import ScanResult

log = logging.getLogger(__name__)

INDEX_NAME = "index.sqlite3"
#: Where a study came from (``studies.source``).
RETRIEVED, RECEIVED, OPENED = "retrieved", "received", "opened"
PARTIAL, COMPLETE, EVICTING = "partial", "complete", "evicting"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"
SR_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
#: Seconds a writer waits for another process's transaction before giving up.
BUSY_S = 10.0

#: The schema, one script per version: a database at version N runs scripts N+1.. in order.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE studies (
        study_uid TEXT PRIMARY KEY, patient_name TEXT NOT NULL DEFAULT '',
        patient_id TEXT NOT NULL DEFAULT '', study_date TEXT NOT NULL DEFAULT '',
        description TEXT NOT NULL DEFAULT '', accession TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL, node TEXT NOT NULL DEFAULT '', folder TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'complete', added REAL NOT NULL,
        last_opened REAL, ai INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE series (
        series_uid TEXT PRIMARY KEY, study_uid TEXT NOT NULL,
        modality TEXT NOT NULL DEFAULT '', description TEXT NOT NULL DEFAULT '',
        number INTEGER);
    CREATE TABLE instances (
        sop_uid TEXT PRIMARY KEY, series_uid TEXT NOT NULL, study_uid TEXT NOT NULL,
        path TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0,
        sop_class TEXT NOT NULL DEFAULT '');
    CREATE TABLE pins (study_uid TEXT NOT NULL, pid INTEGER NOT NULL,
                       PRIMARY KEY (study_uid, pid));
    CREATE INDEX studies_name ON studies (patient_name COLLATE NOCASE);
    CREATE INDEX studies_pid ON studies (patient_id COLLATE NOCASE);
    CREATE INDEX studies_accession ON studies (accession COLLATE NOCASE);
    CREATE INDEX studies_date ON studies (study_date);
    CREATE INDEX studies_opened ON studies (last_opened);
    CREATE INDEX series_study ON series (study_uid);
    CREATE INDEX series_modality ON series (modality);
    CREATE INDEX instances_study ON instances (study_uid);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StudyIndexError(LocalStoreError):
    """The study list's database cannot be used (locked too long, or from a newer
    Lightbox); the store's files are untouched."""


@dataclass(frozen=True)
class StudyRow:
    """One line of the study list."""

    study_uid: str
    patient_name: str
    patient_id: str
    study_date: str
    description: str
    accession: str
    modalities: tuple[str, ...]
    series: int
    images: int
    bytes: int
    source: str  # retrieved | received | opened
    node: str  # the node it was retrieved from
    folder: str  # where its files are: the store's study folder, or the opened folder
    partial: bool
    last_opened: float | None
    ai: bool  # AI results exist: from a session, or SEG/SR objects in the study

    @property
    def origin(self) -> str:
        if self.source == RETRIEVED:
            return f"retrieved from {self.node}" if self.node else "retrieved"
        return "received" if self.source == RECEIVED else "opened from a folder"


@dataclass(frozen=True)
class Header:
    """The values of one object the index keeps."""

    study_uid: str
    series_uid: str
    sop_uid: str
    sop_class: str = ""
    patient_name: str = ""
    patient_id: str = ""
    study_date: str = ""
    study_description: str = ""
    accession: str = ""
    modality: str = ""
    series_description: str = ""
    series_number: int | None = None


def header_of(path: Path) -> Header:
    """The index's values of one stored file (pydicom, without the pixel data)."""
    import pydicom

    ds = pydicom.dcmread(path, stop_before_pixels=True, force=True)

    def text(keyword: str) -> str:
        value = ds.get(keyword, "")
        return str(value).strip() if value is not None else ""

    number = ds.get("SeriesNumber")
    try:
        series_number = int(number) if number not in (None, "") else None
    except (TypeError, ValueError):
        series_number = None
    sop_class = str(ds.file_meta.get("MediaStorageSOPClassUID", "")) if hasattr(
        ds, "file_meta") else ""
    return Header(text("StudyInstanceUID"), text("SeriesInstanceUID"), text("SOPInstanceUID"),
                  text("SOPClassUID") or sop_class, text("PatientName"), text("PatientID"),
                  text("StudyDate"), text("StudyDescription"), text("AccessionNumber"),
                  text("Modality"), text("SeriesDescription"), series_number)


class StudyIndex:
    """The study list's database. :meth:`open` it; :meth:`close` when done."""

    def __init__(self, store_root: Path, connection: sqlite3.Connection,
                 notice: str = "") -> None:
        self.root = Path(store_root)
        self.path = self.root / INDEX_NAME
        self._db = connection
        self._lock = threading.RLock()
        #: Said once to the reader or IT: the database was rebuilt, and why.
        self.notice = notice
        self.busy_s = BUSY_S

    # --- opening ----------------------------------------------------------------------

    @classmethod
    def open(cls, store_root: Path, *, reconcile: bool = True,
             busy_s: float = BUSY_S) -> StudyIndex:
        """Open (or create) the index of ``store_root``; repair it from the folder.

        A database that is not one, or is damaged, is renamed ``index.sqlite3.damaged``
        and rebuilt from the folder (:attr:`notice` says so). A database another process
        holds locked for longer than :data:`BUSY_S` raises :class:`StudyIndexError`.
        """
        root = Path(store_root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StudyIndexError(f"cannot create the local store {root} "
                                  f"({exc.strerror or exc})") from exc
        path = root / INDEX_NAME
        notice = ""
        try:
            connection = _connect(path, busy_s)
        except sqlite3.DatabaseError as exc:
            if _locked(exc):
                raise _locked_error(path, busy_s) from exc
            if not _damaged(exc):
                raise StudyIndexError(f"cannot open the study list's database {path} "
                                      f"({exc}); the studies' files are untouched") from exc
            notice = (f"the study list's database {path} could not be read ({exc}); it was "
                      "set aside and rebuilt from the studies in the local store (opened "
                      "folders are listed again when next opened)")
            log.warning("%s", notice)
            try:
                _set_aside(path)
            except OSError as moved:
                raise StudyIndexError(
                    f"the study list's database {path} could not be read ({exc}) nor set "
                    f"aside ({moved.strerror or moved}); close other Lightbox windows and "
                    "try again, or remove the file to rebuild it") from moved
            try:
                connection = _connect(path, busy_s)
            except sqlite3.DatabaseError as again:
                raise StudyIndexError(f"cannot create the study list's database {path} "
                                      f"({again})") from again
        index = cls(root, connection, notice)
        index.busy_s = busy_s
        if reconcile:
            from viewer.net.cache import reconcile as repair

            try:
                repair(index)
            except sqlite3.DatabaseError as exc:
                index.close()
                if _locked(exc):
                    raise _locked_error(path, busy_s) from exc
                raise StudyIndexError(f"the study list's database {path} cannot be "
                                      f"updated ({exc})") from exc
        return index

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> StudyIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing ----------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction under the lock (``with index.transaction() as db:``)."""
        with self._lock:
            try:
                with self._db:
                    yield self._db
            except sqlite3.OperationalError as exc:
                if _locked(exc):
                    raise _locked_error(self.path, self.busy_s) from exc
                raise

    def add_file(self, header: Header, path: Path, size: int, *, source: str = RECEIVED,
                 node: str = "", folder: str = "") -> None:
        """One object whose file is ``path``: its study, series and instance rows."""
        with self.transaction() as db:
            self._add(db, header, path, size, source, node, folder)

    def _add(self, db: sqlite3.Connection, h: Header, path: Path, size: int, source: str,
             node: str, folder: str) -> None:
        if source == OPENED:
            known = db.execute("SELECT source FROM studies WHERE study_uid = ?",
                               (h.study_uid,)).fetchone()
            if known is not None and known[0] != OPENED:
                return  # in the store: its files there stay the ones listed
        db.execute(
            "INSERT INTO studies (study_uid, patient_name, patient_id, study_date, "
            "description, accession, source, node, folder, added) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (study_uid) DO UPDATE SET "
            "patient_name = CASE WHEN patient_name = '' THEN excluded.patient_name "
            "ELSE patient_name END, patient_id = CASE WHEN patient_id = '' THEN "
            "excluded.patient_id ELSE patient_id END, study_date = CASE WHEN study_date = '' "
            "THEN excluded.study_date ELSE study_date END, description = CASE WHEN "
            "description = '' THEN excluded.description ELSE description END, accession = "
            "CASE WHEN accession = '' THEN excluded.accession ELSE accession END",
            (h.study_uid, h.patient_name, h.patient_id, h.study_date, h.study_description,
             h.accession, source, node, folder, time.time()))
        db.execute(
            "INSERT INTO series (series_uid, study_uid, modality, description, number) "
            "VALUES (?,?,?,?,?) ON CONFLICT (series_uid) DO NOTHING",
            (h.series_uid, h.study_uid, h.modality, h.series_description, h.series_number))
        db.execute(
            "INSERT INTO instances (sop_uid, series_uid, study_uid, path, bytes, sop_class) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT (sop_uid) DO UPDATE SET path = excluded.path, "
            "bytes = excluded.bytes",
            (h.sop_uid, h.series_uid, h.study_uid, str(path), size, h.sop_class))

    def set_source(self, study_uid: str, source: str, node: str = "") -> None:
        """Where a study in the store came from (a retrieve names it before its first
        image lands; a study only opened before becomes a cached one)."""
        with self.transaction() as db:
            db.execute("INSERT INTO studies (study_uid, source, node, added) VALUES (?,?,?,?) "
                       "ON CONFLICT (study_uid) DO UPDATE SET source = excluded.source, "
                       "node = excluded.node, folder = ''",
                       (study_uid, source, node, time.time()))

    def set_state(self, study_uid: str, state: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE studies SET state = ? WHERE study_uid = ?", (state, study_uid))

    def add_opened(self, result: ScanResult) -> int:
        """Index what a folder's scan found, by reference (no copy); how many studies.
        A study already in the store keeps its rows there; each becomes last opened."""
        now = time.time()
        with self.transaction() as db:
            for study in result.studies:
                paths = [str(i.path.parent) for s in study.series for i in s.instances]
                folder = os.path.commonpath(paths) if paths else ""
                for series in study.series:
                    for instance in series.instances:
                        try:
                            size = instance.path.stat().st_size
                        except OSError:
                            size = 0
                        h = Header(study.uid, series.uid, instance.sop_instance_uid,
                                   instance.sop_class_uid, study.patient_name,
                                   study.patient_id, study.date, study.description, "",
                                   series.modality, series.description, series.number)
                        self._add(db, h, instance.path, size, OPENED, "", folder)
                db.execute("UPDATE studies SET last_opened = ? WHERE study_uid = ?",
                           (now, study.uid))
        return len(result.studies)

    def mark_opened(self, study_uid: str) -> None:
        """The study was opened on screen now (least recently opened goes first)."""
        with self.transaction() as db:
            db.execute("UPDATE studies SET last_opened = ? WHERE study_uid = ?",
                       (time.time(), study_uid))

    def mark_ai(self, study_uid: str, has: bool = True) -> None:
        """The session produced AI results for the study (SEG/SR in it count anyway)."""
        with self.transaction() as db:
            db.execute("UPDATE studies SET ai = ? WHERE study_uid = ?", (int(has), study_uid))

    def pin(self, study_uid: str) -> None:
        """The study is open on screen in this process: never evicted until :meth:`unpin`
        (or until this process is gone)."""
        with self.transaction() as db:
            db.execute("INSERT OR IGNORE INTO pins VALUES (?, ?)", (study_uid, os.getpid()))

    def unpin(self, study_uid: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pins WHERE study_uid = ? AND pid = ?",
                       (study_uid, os.getpid()))

    def forget(self, study_uid: str) -> None:
        with self.transaction() as db:
            _delete_rows(db, study_uid)

    # --- reading ----------------------------------------------------------------------

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return list(self._db.execute(sql, tuple(params)))

    def search(self, text: str = "", *, limit: int | None = None) -> list[StudyRow]:
        """Studies whose patient name or ID, accession, date, description or a series'
        modality holds every word of ``text``; most recently opened (or added) first."""
        where, params = [], []
        for word in text.split():
            like = "%" + _escaped(word) + "%"
            digits = word.replace("-", "").replace("/", "").replace(".", "")
            where.append(
                "(s.patient_name LIKE ? ESCAPE '\\' OR s.patient_id LIKE ? ESCAPE '\\' OR "
                "s.accession LIKE ? ESCAPE '\\' OR s.description LIKE ? ESCAPE '\\' OR "
                "s.study_date LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM series m WHERE "
                "m.study_uid = s.study_uid AND m.modality = ? COLLATE NOCASE))")
            params += [like, like, like, like,
                       _escaped(digits if digits.isdigit() else word) + "%", word]
        sql = (
            "SELECT s.study_uid, s.patient_name, s.patient_id, s.study_date, s.description, "
            "s.accession, (SELECT GROUP_CONCAT(DISTINCT modality) FROM series m "
            "WHERE m.study_uid = s.study_uid), COUNT(DISTINCT i.series_uid), "
            "COUNT(i.sop_uid), COALESCE(SUM(i.bytes), 0), s.source, s.node, s.folder, "
            "s.state, s.last_opened, s.ai OR COALESCE(MAX(i.sop_class = ? OR "
            "i.sop_class LIKE ?), 0) FROM studies s LEFT JOIN instances i "
            "ON i.study_uid = s.study_uid WHERE s.state != 'evicting'"
            + "".join(f" AND {w}" for w in where)
            + " GROUP BY s.study_uid ORDER BY COALESCE(s.last_opened, s.added) DESC")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        found = self.rows(sql, [SEG, SR_PREFIX + "%", *params])
        return [StudyRow(r[0], r[1], r[2], r[3], r[4], r[5],
                         tuple(sorted(m for m in (r[6] or "").split(",") if m)),
                         r[7], r[8], r[9], r[10], r[11],
                         r[12] if r[10] == OPENED else str(self.root / r[0]),
                         r[13] == PARTIAL, r[14], bool(r[15])) for r in found]

    def changes(self) -> int:
        """Rows this connection changed so far (``PRAGMA data_version`` counts the
        other connections')."""
        with self._lock:
            return self._db.total_changes

    def study(self, study_uid: str) -> StudyRow | None:
        return next((r for r in self.search() if r.study_uid == study_uid), None)

    def cached_bytes(self) -> int:
        """Bytes of the studies in the store (opened folders are not the cache's)."""
        return int(self.rows(
            "SELECT COALESCE(SUM(i.bytes), 0) FROM instances i JOIN studies s "
            "ON s.study_uid = i.study_uid WHERE s.source != 'opened'")[0][0])


def record_opened(store_root: Path, result: ScanResult) -> None:
    """What the viewer opened: listed (by reference), marked last opened, and pinned for
    as long as this process runs (the viewer keeps what it opened on screen: never
    evicted meanwhile). Never stops the open: a study list that cannot be used is
    logged."""
    if not result.studies:
        return
    try:
        with StudyIndex.open(store_root, reconcile=False) as index:
            index.add_opened(result)
            for study in result.studies:
                index.pin(study.uid)
    except (LocalStoreError, sqlite3.Error, OSError) as exc:
        log.warning("the study list could not record the opened studies: %s", exc)


def record_ai(store_root: Path, study_uid: str) -> None:
    """An AI run in the viewer gave results for the study (listed or not yet: a study
    not in the list is not added). Never stops the run: a failure is logged."""
    try:
        with StudyIndex.open(store_root, reconcile=False) as index:
            index.mark_ai(study_uid)
    except (LocalStoreError, sqlite3.Error, OSError) as exc:
        log.warning("the study list could not record the AI results: %s", exc)


def _connect(path: Path, busy_s: float) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=busy_s, check_same_thread=False)
    try:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("its integrity check failed")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StudyIndexError(
                f"the study list's database {path} was written by a newer Lightbox "
                f"(schema {version}, this one knows {SCHEMA_VERSION}); update Lightbox or "
                "remove the file to rebuild it from the store")
        for number in range(version, SCHEMA_VERSION):
            db.executescript("BEGIN;" + MIGRATIONS[number]
                             + f"; PRAGMA user_version = {number + 1}; COMMIT;")
    except BaseException:
        db.close()
        raise
    return db


def _escaped(word: str) -> str:
    """``word`` for LIKE: its own ``%`` and ``_`` are matched, not wildcards."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _locked(exc: sqlite3.DatabaseError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """A file that is no database or a damaged one (not a full disk or a permission)."""
    text = str(exc)
    return any(w in text for w in ("not a database", "malformed", "integrity", "corrupt"))


def _locked_error(path: Path, busy_s: float) -> StudyIndexError:
    return StudyIndexError(
        f"the study list's database {path} is held by another program for more than "
        f"{busy_s:g} s (another Lightbox stuck, or a backup tool); close it and try again")


def _set_aside(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, path.with_name(path.name + suffix + ".damaged"))


def _delete_rows(db: sqlite3.Connection, study_uid: str) -> None:
    for table in ("instances", "series", "pins", "studies"):
        db.execute(f"DELETE FROM {table} WHERE study_uid = ?", (study_uid,))  # noqa: S608
