"""Which AI run is going and how the last one on each series ended, without Qt.

The panel's run line used to be a label's text, so "64 images done" stayed on screen while
another series was displayed. Here the line belongs to a series: the run going on it, else
the last outcome on it, else nothing. The text itself is made (and translated) by the UI;
this model only keeps it with the series it is about.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from viewer.state.events import Listeners

Status = Literal["running", "ok", "cancelled", "declined", "error"]


@dataclass(frozen=True)
class RunStatus:
    """One run: what it runs on, how far it got, and the line shown for it."""

    number: int
    model_id: str
    series_uid: str
    total: int
    done: int = 0
    status: Status = "running"
    text: str = ""


class RunState:
    """The current run and the last outcome per series; emits the series UID it changed."""

    def __init__(self) -> None:
        self.current: RunStatus | None = None
        self._last: dict[str, RunStatus] = {}
        self.changed: Listeners[str] = Listeners()

    def subscribe(self, listener: Callable[[str], None]) -> Callable[[], None]:
        return self.changed.subscribe(listener)

    @property
    def running(self) -> bool:
        return self.current is not None

    def start(self, number: int, model_id: str, series_uid: str, total: int,
              text: str) -> RunStatus:
        self.current = RunStatus(number, model_id, series_uid, total, text=text)
        self.changed.emit(series_uid)
        return self.current

    def progress(self, number: int, done: int, total: int) -> None:
        """Progress of run ``number``; ignored when another run is current (stale)."""
        if self.current is not None and self.current.number == number:
            self.current = dataclasses.replace(self.current, done=done, total=total)
            self.changed.emit(self.current.series_uid)

    def say(self, text: str) -> None:
        """A new line for the current run (cancelling…, waiting for a choice…)."""
        if self.current is not None:
            self.current = dataclasses.replace(self.current, text=text)
            self.changed.emit(self.current.series_uid)

    def finish(self, number: int, status: Status, text: str) -> RunStatus | None:
        """End run ``number``: its outcome becomes its series' last; stale numbers drop."""
        if self.current is None or self.current.number != number:
            return None
        ended = dataclasses.replace(self.current, status=status, text=text)
        self.current = None
        self._last[ended.series_uid] = ended
        self.changed.emit(ended.series_uid)
        return ended

    def note(self, series_uid: str, text: str, status: Status = "declined") -> None:
        """A line about a series without a run going (not run: outside intended use)."""
        self._last[series_uid] = RunStatus(0, "", series_uid, 0, status=status, text=text)
        self.changed.emit(series_uid)

    def for_series(self, series_uid: str | None) -> RunStatus | None:
        """What the panel shows for ``series_uid``: its run going, else its last outcome."""
        if series_uid is None:
            return None
        if self.current is not None and self.current.series_uid == series_uid:
            return self.current
        return self._last.get(series_uid)

    def text_for(self, series_uid: str | None) -> str:
        found = self.for_series(series_uid)
        return found.text if found is not None else ""
