"""The studies open in a session, merged by Study / Series / SOP Instance UID, without Qt.

A scan returns fresh ``Study`` objects every time, so opening the same folder twice (or a
folder holding files already open) would list everything twice. Here each UID is kept
once: a known instance adds nothing, a known series takes only its new instances and is
ordered again through :func:`viewer.io.series.order_series`, and listeners hear exactly what
was added, so views append rows instead of rebuilding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from viewer.io.model import Instance, Series, Study
from viewer.io.series import order_series
from viewer.state.events import Listeners


@dataclass(frozen=True)
class StudiesAdded:
    """What one :meth:`OpenStudies.add` changed (all empty: nothing new)."""

    studies: tuple[Study, ...] = ()  # studies not open before (with all their series)
    series: tuple[tuple[Series, Study], ...] = ()  # new series of studies already open
    grown: tuple[Series, ...] = ()  # open series that took new instances (re-ordered)
    instances: int = 0  # instances not open before

    @property
    def empty(self) -> bool:
        return self.instances == 0


@dataclass
class _Known:
    studies: dict[str, Study] = field(default_factory=dict)
    series: dict[tuple[str, str], Series] = field(default_factory=dict)
    instances: set[str] = field(default_factory=set)


class OpenStudies:
    """Every study of the session, each UID once; evented with :class:`StudiesAdded`."""

    def __init__(self) -> None:
        self._known = _Known()
        self.added: Listeners[StudiesAdded] = Listeners()

    def subscribe(self, listener: Callable[[StudiesAdded], None]) -> Callable[[], None]:
        return self.added.subscribe(listener)

    def __iter__(self) -> Iterator[Study]:
        return iter(list(self._known.studies.values()))

    def __len__(self) -> int:
        return len(self._known.studies)

    def all_series(self) -> list[tuple[Series, Study]]:
        return [(s, st) for st in self for s in st.series]

    def series_by_uid(self, uid: str) -> tuple[Series, Study] | None:
        return next(((s, st) for s, st in self.all_series() if s.uid == uid), None)

    def has_instance(self, sop_instance_uid: str) -> bool:
        return sop_instance_uid in self._known.instances

    def add(self, studies: Iterable[Study]) -> StudiesAdded:
        """Merge ``studies`` (from a scan); emit and return what was new."""
        new_studies: list[Study] = []
        new_series: list[tuple[Series, Study]] = []
        grown: list[Series] = []
        count = 0
        for study in studies:
            known = self._known.studies.get(study.uid)
            if known is None:
                kept = self._take_study(study)
                if kept is not None:
                    new_studies.append(kept)
                    count += sum(len(s.instances) for s in kept.series)
                continue
            for series in study.series:
                existed = (known.uid, series.uid) in self._known.series
                added = self._merge_series(known, series)
                count += added
                if added and existed:
                    grown.append(self._known.series[(known.uid, series.uid)])
                elif added:
                    new_series.append((series, known))
        result = StudiesAdded(tuple(new_studies), tuple(new_series), tuple(grown), count)
        if not result.empty:
            self.added.emit(result)
        return result

    def _fresh(self, series: Series) -> list[Instance]:
        """The instances of ``series`` not open yet (also once within the series itself)."""
        fresh: list[Instance] = []
        for instance in series.instances:
            if instance.sop_instance_uid not in self._known.instances:
                self._known.instances.add(instance.sop_instance_uid)
                fresh.append(instance)
        return fresh

    def _take_study(self, study: Study) -> Study | None:
        kept = [s for s in study.series if self._keep_series(study, s)]
        if not kept:
            return None  # every file was already open under another study object
        study.series = kept
        self._known.studies[study.uid] = study
        return study

    def _keep_series(self, study: Study, series: Series) -> bool:
        fresh = self._fresh(series)
        if not fresh:
            return False
        if len(fresh) != len(series.instances):
            series.instances = fresh
            order_series(series)
        self._known.series[(study.uid, series.uid)] = series
        return True

    def _merge_series(self, study: Study, series: Series) -> int:
        """Add the new instances of ``series`` to ``study``; how many were new."""
        fresh = self._fresh(series)
        if not fresh:
            return 0
        known = self._known.series.get((study.uid, series.uid))
        if known is None:
            series.instances = fresh
            order_series(series)
            self._known.series[(study.uid, series.uid)] = series
            study.series.append(series)
            return len(fresh)
        known.instances.extend(fresh)
        order_series(known)  # the merged stack sorted again along its normal
        return len(fresh)
