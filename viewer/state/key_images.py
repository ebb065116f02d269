"""The reader's key images for the session, keyed by UIDs, without Qt.

A key image is one frame of one image, (SOP Instance UID, frame), as for measurements, so
it survives closing and reopening the study. Toggling is undoable through the history the
measurement store uses (one Ctrl+Z for whatever the reader did last); a Key Object
Selection file read back is loaded without a step. Evented: listeners hear the frame key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from viewer.state.events import Listeners
from viewer.state.history import History
from viewer.state.measurements import FrameKey


@dataclass(frozen=True, slots=True)
class KeyImage:
    sop_instance_uid: str
    frame: int = 0
    series_uid: str = ""
    study_uid: str = ""

    @property
    def key(self) -> FrameKey:
        return (self.sop_instance_uid, self.frame)


class KeyImageStore:
    def __init__(self, history: History | None = None) -> None:
        self._items: dict[FrameKey, KeyImage] = {}
        self._listeners: Listeners[FrameKey] = Listeners()
        self.history = history if history is not None else History()

    def subscribe(self, listener: Callable[[FrameKey], None]) -> Callable[[], None]:
        return self._listeners.subscribe(listener)

    def _set(self, image: KeyImage, on: bool) -> None:
        if on:
            self._items[image.key] = image
        else:
            self._items.pop(image.key, None)
        self._listeners.emit(image.key)

    def toggle(self, image: KeyImage) -> bool:
        """Mark or unmark ``image``; returns whether it is a key image now."""
        on = image.key not in self._items
        before = self._items.get(image.key, image)
        self._set(before, on)
        self.history.push(lambda: self._set(before, not on), lambda: self._set(before, on))
        return on

    def is_key(self, sop_instance_uid: str, frame: int = 0) -> bool:
        return (sop_instance_uid, frame) in self._items

    def of_study(self, study_uid: str) -> list[KeyImage]:
        return [k for k in self if k.study_uid == study_uid]

    def load(self, images: Iterable[KeyImage]) -> list[KeyImage]:
        """Key images read from a file (not a step); returns those that were new."""
        added: list[KeyImage] = []
        for image in images:
            if image.key not in self._items:
                self._set(image, True)
                added.append(image)
        return added

    def reset(self) -> None:
        keys = list(self._items)
        self._items.clear()
        for key in keys:
            self._listeners.emit(key)
        self.history.reset()

    def __iter__(self) -> Iterator[KeyImage]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

