"""Which series each viewport slot shows and which slot is active, without Qt.

Slots are numbered in grid order (0 is the top-left viewport). Commands (menus, keys, the
AI panel) ask :attr:`ViewportSlots.active` when they fire, never a viewport remembered
earlier. Listeners hear the slot numbers that changed (``-1`` for "the active slot moved").
"""

from __future__ import annotations

from collections.abc import Callable

from viewer.state.events import Listeners

ACTIVE_CHANGED = -1


class ViewportSlots:
    def __init__(self, count: int = 4) -> None:
        self._shown: list[str | None] = [None] * count
        self._active = 0
        self.changed: Listeners[int] = Listeners()

    def subscribe(self, listener: Callable[[int], None]) -> Callable[[], None]:
        return self.changed.subscribe(listener)

    def __len__(self) -> int:
        return len(self._shown)

    @property
    def active(self) -> int:
        return self._active

    def activate(self, slot: int) -> None:
        self._check(slot)
        if slot != self._active:
            self._active = slot
            self.changed.emit(ACTIVE_CHANGED)

    def shown(self, slot: int) -> str | None:
        self._check(slot)
        return self._shown[slot]

    def show(self, slot: int, series_uid: str | None) -> None:
        self._check(slot)
        if self._shown[slot] != series_uid:
            self._shown[slot] = series_uid
            self.changed.emit(slot)

    def close(self, slot: int, series_uid: str) -> bool:
        """Empty ``slot`` if it still shows ``series_uid``; False (nothing changes) when it
        shows something else: a second close of the same series, or one that lost a race."""
        self._check(slot)
        if self._shown[slot] != series_uid:
            return False
        self.show(slot, None)
        return True

    def slots_showing(self, series_uid: str) -> list[int]:
        return [n for n, uid in enumerate(self._shown) if uid == series_uid]

    def _check(self, slot: int) -> None:
        if not 0 <= slot < len(self._shown):
            raise IndexError(f"no viewport slot {slot} (there are {len(self._shown)})")
