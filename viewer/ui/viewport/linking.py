"""Linked scrolling (by patient position) and linked window/level between viewports.

Both are options the reader switches on in the View menu. Scrolling one viewport moves
every other shown viewport whose series shares its frame of reference and slice plane to
the slice nearest in position (see :mod:`viewer.imaging.sync`); series that cannot be
linked stay where they are. A window change goes to every other shown viewport of the same
modality (a CT window means nothing on an MR). Changes made by the linker itself are not
passed on again.

A manual link with an offset (:class:`viewer.imaging.sync.OffsetLink`) ties two viewports
whose series share no frame of reference: the reader brings both to the same anatomy and
links them; scrolling either keeps that offset until unlinked or either opens another
series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from viewer.imaging.sync import OffsetLink, linked_index

if TYPE_CHECKING:
    from viewer.ui.viewport.viewport import Viewport


class Linker:
    def __init__(self, viewports: Callable[[], list[Viewport]]) -> None:
        """``viewports``: the viewports currently shown (asked at each change)."""
        self._viewports = viewports
        self.scroll = False
        self.window = False
        self._busy = False
        self.offset: OffsetLink | None = None
        self._offset_pair: tuple[Viewport, Viewport] | None = None

    def watch(self, viewport: Viewport) -> None:
        viewport.state_changed.connect(lambda changed: self._changed(viewport, changed))
        viewport.series_opened.connect(lambda *_: self._opened(viewport))

    def set_scroll(self, on: bool, source: Viewport | None = None) -> None:
        self.scroll = on
        if on and source is not None:
            self.follow(source, scroll=True)

    def set_window(self, on: bool, source: Viewport | None = None) -> None:
        self.window = on
        if on and source is not None:
            self.follow(source, window=True)

    def link_with_offset(self, source: Viewport, target: Viewport) -> OffsetLink | None:
        """Tie ``target`` to ``source`` at their current slices; None if either is empty."""
        if source.series is None or target.series is None or source is target \
                or not source.series.frames or not target.series.frames:
            return None
        self.offset = OffsetLink.between(source.series, source.state.index,
                                         target.series, target.state.index)
        self._offset_pair = (source, target)
        return self.offset

    def set_offset(self, link: OffsetLink, source: Viewport, target: Viewport) -> None:
        """Tie ``target`` to ``source`` with an offset computed elsewhere (the comparison
        hanging's centre alignment); ``target`` moves to it at once."""
        self.offset, self._offset_pair = link, (source, target)
        self._follow_offset(source)

    def unlink_offset(self) -> None:
        self.offset = self._offset_pair = None

    def _follow_offset(self, moved: Viewport) -> None:
        if self.offset is None or self._offset_pair is None:
            return
        source, target = self._offset_pair
        if moved is source:
            index = self.offset.target_index(source.state.index)
            other = target
        else:
            index = self.offset.source_index(target.state.index)
            other = source
        if index is not None:
            self._apply(other, index=index)

    def _changed(self, source: Viewport, changed: frozenset[str]) -> None:
        if "index" in changed and not self._busy and self._offset_pair \
                and source in self._offset_pair:
            self._follow_offset(source)
        scroll = self.scroll and "index" in changed
        window = self.window and "window" in changed
        if (scroll or window) and not self._busy:
            self.follow(source, scroll=scroll, window=window)

    def _opened(self, viewport: Viewport) -> None:
        """A series opened in a linked layout starts at the others' position."""
        if self._offset_pair is not None and viewport in self._offset_pair \
                and self.offset is not None and viewport.series not in (
                    self.offset.source, self.offset.target):
            self.unlink_offset()  # the slices the reader matched are no longer shown
        if not self.scroll or self._busy or viewport.series is None:
            return
        for other in self._viewports():
            if other is not viewport and other.series is not None:
                index = linked_index(other.series, other.state.index, viewport.series)
                if index is not None:
                    self._apply(viewport, index=index)
                    return

    def follow(self, source: Viewport, *, scroll: bool = False, window: bool = False) -> None:
        """Bring the other shown viewports to ``source``'s position and/or window."""
        if source.series is None:
            return
        for target in self._viewports():
            if target is source or target.series is None:
                continue
            changes: dict[str, object] = {}
            if scroll:
                index = linked_index(source.series, source.state.index, target.series)
                if index is not None:
                    changes["index"] = index
            if (window and source.state.window is not None
                    and target.series.modality == source.series.modality):
                changes["window"] = source.state.window
            if changes:
                self._apply(target, **changes)

    def _apply(self, target: Viewport, **changes: object) -> None:
        self._busy = True
        try:
            target.state.update(**changes)
        finally:
            self._busy = False
