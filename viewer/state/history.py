"""Undo/redo for the reader's annotations, and whether they are saved.

One history is shared by the measurement store and the key images, so Ctrl+Z undoes the
last thing the reader did whichever store it touched. A step is a pair of callables that
put a store back or forward; the stores push them, the history only orders them.

"Saved" is a position in the history, not a flag: after saving, undoing an edit and
redoing it comes back to the saved state, so no prompt asks about work already on disk.
Loading a file is not a step (nothing to undo) and leaves the saved/unsaved state as is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from viewer.state.events import Listeners

Action = Callable[[], None]
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Step:
    undo: Action
    redo: Action
    #: Steps of one gesture share a group (e.g. one handle dragged): they merge into one.
    group: Hashable | None = None
    id: int = 0


class History:
    """Undoable steps, newest last; evented (listeners hear ``None`` on every change)."""

    def __init__(self) -> None:
        self._done: list[Step] = []
        self._undone: list[Step] = []
        self._saved_at = 0  # id of the newest done step when last saved (0: none)
        self._listeners: Listeners[None] = Listeners()

    def subscribe(self, listener: Callable[[None], None]) -> Callable[[], None]:
        return self._listeners.subscribe(listener)

    def push(self, undo: Action, redo: Action, *, group: Hashable | None = None,
             merge: bool = False) -> None:
        """Record a change already made. ``merge`` folds it into the newest step of the
        same ``group`` (its undo goes back to before the first change of the gesture)."""
        self._undone.clear()
        top = self._done[-1] if self._done else None
        if merge and group is not None and top is not None and top.group == group:
            # A new id: a gesture that continues after a save is an unsaved change.
            self._done[-1] = Step(top.undo, redo, group, next(_ids))
        else:
            self._done.append(Step(undo, redo, group, next(_ids)))
        self._listeners.emit(None)

    def undo(self) -> bool:
        if not self._done:
            return False
        step = self._done.pop()
        step.undo()
        self._undone.append(step)
        self._listeners.emit(None)
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        step = self._undone.pop()
        step.redo()
        self._done.append(step)
        self._listeners.emit(None)
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def dirty(self) -> bool:
        """Changes since the last save or load that are not on disk."""
        return (self._done[-1].id if self._done else 0) != self._saved_at

    def mark_saved(self) -> None:
        self._saved_at = self._done[-1].id if self._done else 0
        self._listeners.emit(None)

    def reset(self) -> None:
        """A new session: nothing to undo, nothing unsaved."""
        self._done.clear()
        self._undone.clear()
        self._saved_at = 0
        self._listeners.emit(None)
