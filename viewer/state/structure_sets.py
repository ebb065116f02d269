"""The session's RT structure sets, without Qt: each file read once, off the GUI thread.

Every viewport showing a series of a study draws the study's structure sets drawn on that
series' frame of reference. Reading them belongs to the session, not to each viewport: one
store per session holds, per study UID, the parsed sets and the files that could not be
read. :meth:`StructureSets.request` reads what is new as one job of a
:class:`viewer.tasks.jobs.Batch` (the submit function is handed in, so the UI's bridge
stays the only place that knows Qt); without one (a script) it reads at once. Listeners
hear a :class:`StructureSetsRead` per finished read, carrying the problems found for the
first time, so a damaged file is told once however many viewports show its study.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from viewer.errors import LightboxError
from viewer.io.model import Series, Study
from viewer.io.rtstruct import (
    StructureSet,
    frame_of_reference,
    read_structure_set,
    structure_set_files,
)
from viewer.state.events import Listeners
from viewer.tasks.jobs import Batch, Job, Outcome, Submit

Entry = StructureSet | LightboxError


@dataclass(frozen=True)
class StructureSetsRead:
    """Files of ``study_uid`` were read; ``problems``: those that could not be used."""

    study_uid: str
    problems: tuple[LightboxError, ...] = ()


@dataclass(frozen=True)
class _Request:
    study_uid: str
    paths: tuple[Path, ...]


def read_files(paths: Iterable[Path], job: Job[_Request] | None = None) -> dict[Path, Entry]:
    """Each file's structure set, or why it cannot be used (on a worker)."""
    entries: dict[Path, Entry] = {}
    for path in paths:
        if job is not None:
            job.check()
        try:
            entries[path] = read_structure_set(path)
        except LightboxError as exc:
            entries[path] = exc
    return entries


class StructureSets:
    """Per study UID, its RT structure sets (and problems), each file read once."""

    def __init__(self) -> None:
        self._read: dict[str, dict[Path, Entry]] = {}
        self._pending: set[Path] = set()
        self._batch: Batch[_Request, dict[Path, Entry]] | None = None
        self.read: Listeners[StructureSetsRead] = Listeners()

    def subscribe(self, listener: Callable[[StructureSetsRead], None]) -> Callable[[], None]:
        return self.read.subscribe(listener)

    def read_in_background(self, submit: Submit) -> None:
        """Read from now on through ``submit`` (whose ``done`` runs on the caller's thread)."""
        self._batch = Batch(submit)

    @property
    def pending(self) -> int:
        """Files asked for and not read yet."""
        return len(self._pending)

    def request(self, study: Study | None) -> bool:
        """Read the structure sets of ``study`` not read or asked for yet; True when a read
        started (its :class:`StructureSetsRead` comes when it is done)."""
        if study is None:
            return False
        known = self._read.get(study.uid, {})
        paths = tuple(p for p in structure_set_files(study)
                      if p not in known and p not in self._pending)
        if not paths:
            return False
        request = _Request(study.uid, paths)
        if self._batch is None:
            self._store(request, read_files(paths))
            return True
        self._pending.update(paths)
        started = self._batch.start(request, lambda job: read_files(paths, job), self._done)
        if started is None:  # the pool is closed: the session is ending
            self._pending.difference_update(paths)
            return False
        return True

    def _done(self, job: Job[_Request], outcome: Outcome[dict[Path, Entry]]) -> None:
        self._pending.difference_update(job.request.paths)
        if outcome.cancelled:
            return
        if outcome.error is not None:  # not a damaged file (those are entries): a bug
            error = outcome.error
            problem = error if isinstance(error, LightboxError) else LightboxError(
                f"the RT structure sets could not be read ({type(error).__name__})")
            self._store(job.request, dict.fromkeys(job.request.paths, problem))
            return
        self._store(job.request, outcome.value or {})

    def _store(self, request: _Request, entries: dict[Path, Entry]) -> None:
        self._read.setdefault(request.study_uid, {}).update(entries)
        problems = tuple(e for e in entries.values() if isinstance(e, LightboxError))
        self.read.emit(StructureSetsRead(request.study_uid, problems))

    def for_series(self, series: Series, study: Study | None) -> list[StructureSet]:
        """The sets read so far of ``study`` drawn on ``series``' frame of reference (those
        on another frame of reference are about other images: left out quietly)."""
        read = self._read.get(study.uid, {}) if study is not None else {}
        if not any(isinstance(e, StructureSet) for e in read.values()):
            return []
        own = frame_of_reference(series)
        return [e for e in read.values()
                if isinstance(e, StructureSet) and e.fits(own)]

    def problems(self, study_uid: str) -> list[LightboxError]:
        return [e for e in self._read.get(study_uid, {}).values()
                if isinstance(e, LightboxError)]

    def close(self) -> None:
        """Drop reads still on their way (the session is ending)."""
        if self._batch is not None:
            self._batch.clear()
        self._pending.clear()
