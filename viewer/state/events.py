"""Subscribers to a Qt-free model's changes (the evented-model habit, without Qt).

State, overlays and measurements each keep one :class:`Listeners`; widgets subscribe and
redraw, and every subscription can be undone with the callable it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

E = TypeVar("E")


class Listeners(Generic[E]):
    def __init__(self) -> None:
        self._items: list[Callable[[E], None]] = []

    def subscribe(self, listener: Callable[[E], None]) -> Callable[[], None]:
        """Call ``listener(event)`` on every change; returns the unsubscribe."""
        self._items.append(listener)

        def unsubscribe() -> None:
            if listener in self._items:
                self._items.remove(listener)

        return unsubscribe

    def emit(self, event: E) -> None:
        # A listener may unsubscribe while we iterate: walk a copy.
        for listener in list(self._items):
            listener(event)
