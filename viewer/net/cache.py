"""The bounded cache: the store's studies kept within the site's ``pacs_cache_gb``, and
the study list's database kept equal to the folder after any crash.

Eviction removes the least recently opened *complete* studies first, never one pinned
(open on screen: :meth:`StudyIndex.pin`, by a process still running) nor one still
arriving (partial), nor the study that was just stored. Each study goes in one order:
its row is marked ``evicting`` (committed), its files are removed series by series, then
its rows are deleted. A crash anywhere in between leaves a marked row, or files without
rows, or rows without files; :func:`reconcile` (run by every :meth:`StudyIndex.open`)
finishes a marked eviction and makes the rows match the files that are there.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass

from viewer.net.index import (
    COMPLETE,
    EVICTING,
    OPENED,
    PARTIAL,
    RECEIVED,
    RETRIEVED,
    StudyIndex,
    _delete_rows,
    header_of,
)
from viewer.net.store import ORIGIN, LocalStore, is_uid

log = logging.getLogger(__name__)
GB = 1_000_000_000

#: Test hook on the eviction path (tests/net/test_study_index.py ends a child process
#: at each point): called with "marked", "series-removed", "files-removed", "rows-deleted".
def _no_crash(at: str) -> None:
    """The product's own: no crash anywhere."""


crash_point: Callable[[str], None] = _no_crash


@dataclass(frozen=True)
class Repair:
    """What :func:`reconcile` found and fixed."""

    evictions_finished: int = 0
    files_indexed: int = 0
    rows_dropped: int = 0


def reconcile(index: StudyIndex) -> Repair:
    """Make the database match the store's folder (see the module's docstring)."""
    store = LocalStore(index.root, indexed=False)
    finished = 0
    for (study,) in index.rows("SELECT study_uid FROM studies WHERE state = ?", (EVICTING,)):
        _remove_files(store, study)
        with index.transaction() as db:
            _delete_rows(db, study)
        finished += 1
    folders = {p.name for p in index.root.iterdir() if p.is_dir() and is_uid(p.name)} \
        if index.root.is_dir() else set()
    known = {uid: (source, state) for uid, source, state in index.rows(
        "SELECT study_uid, source, state FROM studies")}
    dropped = indexed = 0
    for study, (source, _) in known.items():
        if source != OPENED and study not in folders:
            with index.transaction() as db:
                _delete_rows(db, study)
            dropped += 1
    for study in sorted(folders):
        here = {sop: (series, store.path_for(study, series, sop))
                for series, sop in store.instances(study)}
        rows = {sop: path for sop, path in index.rows(
            "SELECT sop_uid, path FROM instances WHERE study_uid = ?", (study,))}
        source, node = _origin(store, study)
        if study not in known or known[study][0] == OPENED:
            index.set_source(study, source, node)
        for sop in sorted(set(here) - set(rows) | {s for s in set(here) & set(rows)
                                                   if rows[s] != str(here[s][1])}):
            path = here[sop][1]
            try:
                header = header_of(path)
                size = path.stat().st_size
            except Exception:  # noqa: BLE001 - a file pydicom cannot read is not listed
                log.warning("the stored file %s cannot be read; not listed", path)
                continue
            index.add_file(header, path, size, source=source, node=node)
            indexed += 1
        gone = [s for s in rows if s not in here]
        if gone:
            with index.transaction() as db:
                db.executemany("DELETE FROM instances WHERE sop_uid = ?", [(s,) for s in gone])
                db.execute("DELETE FROM series WHERE study_uid = ? AND series_uid NOT IN "
                           "(SELECT series_uid FROM instances WHERE study_uid = ?)",
                           (study, study))
            dropped += len(gone)
        state = PARTIAL if store.is_partial(study) else COMPLETE
        if known.get(study, ("", ""))[1] != state:
            index.set_state(study, state)
    repair = Repair(finished, indexed, dropped)
    if repair != Repair():
        log.info("study list repaired from the local store: %s", repair)
    return repair


def evict_to(index: StudyIndex, limit_bytes: int, keep: Collection[str] = ()) -> list[str]:
    """Remove the least recently opened complete studies until the store holds at most
    ``limit_bytes``; the studies removed, in order. Pinned, partial and ``keep``
    studies stay, even if the store stays over the limit."""
    total = index.cached_bytes()
    if total <= limit_bytes:
        return []
    pinned = {study for study, pid in index.rows("SELECT study_uid, pid FROM pins")
              if _alive(pid)}
    candidates = index.rows(
        "SELECT s.study_uid, COALESCE(SUM(i.bytes), 0) FROM studies s LEFT JOIN instances i "
        "ON i.study_uid = s.study_uid WHERE s.source != ? AND s.state = ? "
        "GROUP BY s.study_uid ORDER BY COALESCE(s.last_opened, s.added), s.added",
        (OPENED, COMPLETE))
    store = LocalStore(index.root, indexed=False)
    evicted: list[str] = []
    for study, size in candidates:
        if total <= limit_bytes:
            break
        if study in pinned or study in keep:
            continue
        evict(index, store, study)
        evicted.append(study)
        total -= size
    if evicted:
        log.info("local cache over %.3g GB: %d least recently opened studies removed",
                 limit_bytes / GB, len(evicted))
    return evicted


def evict(index: StudyIndex, store: LocalStore, study: str) -> None:
    """One study out of the cache, in the one order a crash can be repaired from."""
    index.set_state(study, EVICTING)
    crash_point("marked")
    _remove_files(store, study)
    crash_point("files-removed")
    with index.transaction() as db:
        _delete_rows(db, study)
    crash_point("rows-deleted")


def enforce(index: StudyIndex, limit_gb: float, keep: Collection[str] = ()) -> list[str]:
    return evict_to(index, int(limit_gb * GB), keep)


def _remove_files(store: LocalStore, study: str) -> None:
    folder = store.study_dir(study)
    if not folder.is_dir():
        return
    first = True
    for series in sorted(p for p in folder.iterdir() if p.is_dir()):
        shutil.rmtree(series, ignore_errors=True)
        if first:
            crash_point("series-removed")
            first = False
    shutil.rmtree(folder, ignore_errors=True)


def _origin(store: LocalStore, study: str) -> tuple[str, str]:
    """Where a study in the store came from, as its ``.origin`` file says (a retrieve
    writes one; a pushed study has none)."""
    try:
        origin = json.loads((store.study_dir(study) / ORIGIN).read_text(encoding="utf-8"))
        return RETRIEVED, str(origin.get("node", ""))
    except (OSError, ValueError, AttributeError):
        return RECEIVED, ""


def _alive(pid: int) -> bool:
    """Whether the process that pinned a study still runs (a crashed viewer's pins go)."""
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # QUERY_LIMITED
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

