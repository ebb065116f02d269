"""The viewport grid: 1×1, 1×2, 2×1 or 2×2 viewports, one of them active.

Each viewport sits in a ``ViewportFrame`` that draws its border: the active one in the
accent colour, the others in a dark grey, so the reader always sees which viewport the
keys, presets, tag browser and AI panel act on. A click or keyboard focus in a viewport
makes it active. A series dragged from the browser and dropped on a frame opens there.
Viewports hidden by a smaller layout stop loading and forget their series.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from viewer.state.slots import ACTIVE_CHANGED
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:
    from viewer.state.session import Session
    from viewer.ui.viewport.viewport import Viewport

#: Layout name -> (rows, columns). "1x2" is one row of two viewports.
LAYOUTS: dict[str, tuple[int, int]] = {"1x1": (1, 1), "1x2": (1, 2), "2x1": (2, 1),
                                        "2x2": (2, 2)}
#: Marked for lupdate; translated where shown (the View > Layout menu).
LAYOUT_TITLES = {"1x1": QT_TRANSLATE_NOOP("Layout", "1 × 1"),
                 "1x2": QT_TRANSLATE_NOOP("Layout", "1 × 2 (side by side)"),
                 "2x1": QT_TRANSLATE_NOOP("Layout", "2 × 1 (one above the other)"),
                 "2x2": QT_TRANSLATE_NOOP("Layout", "2 × 2")}
#: MIME type of a series dragged from the browser: its browser key as ASCII digits.
SERIES_MIME = "application/x-lightbox-series"
ACTIVE_COLOUR = QColor(64, 156, 255)
INACTIVE_COLOUR = QColor(48, 48, 52)
BORDER = 2
EMPTY_MESSAGE = QT_TRANSLATE_NOOP("Layout", "Drag a series here from the Studies list")


def series_key(data: bytes) -> int | None:
    try:
        return int(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None


class ViewportFrame(QWidget):
    """One viewport with its border; takes series dropped from the browser."""

    #: A series was dropped here: (this frame's viewport, the browser key of the series).
    series_dropped = Signal(object, int)

    def __init__(self, viewport: Viewport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport = viewport
        self._active = False
        self._drop_hover = False
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(BORDER, BORDER, BORDER, BORDER)
        layout.addWidget(viewport)

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        if active != self._active:
            self._active = active
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        colour = ACTIVE_COLOUR if (self._active or self._drop_hover) else INACTIVE_COLOUR
        painter.fillRect(self.rect(), colour)
        painter.end()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasFormat(SERIES_MIME):
            event.acceptProposedAction()
            self._drop_hover = True
            self.update()
        else:
            event.ignore()  # files and folders: the main window opens them

    def dragLeaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()
        mime = event.mimeData()
        if not mime.hasFormat(SERIES_MIME):
            event.ignore()
            return
        key = series_key(bytes(mime.data(SERIES_MIME).data()))
        if key is not None:
            event.acceptProposedAction()
            self.series_dropped.emit(self.viewport, key)


class ViewportGrid(QWidget):
    """Up to four viewports in a grid; ``active`` is the one commands go to."""

    activated = Signal(object)  # the viewport that became active
    viewport_added = Signal(object)  # a new viewport (to wire its signals)
    series_dropped = Signal(object, int)  # (viewport, browser key)
    layout_changed = Signal(str)

    def __init__(self, factory: Callable[[], Viewport], parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        """``session``: whose active slot this grid shows (a script that activates a slot
        there activates the viewport here); None keeps the active viewport to the grid."""
        super().__init__(parent)
        self._factory = factory
        self._session = session
        self._unsubscribe = (session.slots.subscribe(self._slot_changed)
                             if session is not None else (lambda: None))
        self.frames: list[ViewportFrame] = []
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(0)
        self.layout_name = ""
        self._active: Viewport | None = None
        self._ensure(1)
        self._active = self.frames[0].viewport
        self.frames[0].set_active(True)
        self.set_layout("1x1")

    # -- what is there ------------------------------------------------------------------------

    @property
    def active(self) -> Viewport:
        assert self._active is not None
        return self._active

    @property
    def viewports(self) -> list[Viewport]:
        """Every viewport made so far, shown or not, in grid order."""
        return [f.viewport for f in self.frames]

    def visible_viewports(self) -> list[Viewport]:
        rows, cols = LAYOUTS[self.layout_name]
        return self.viewports[: rows * cols]

    def frame_of(self, viewport: Viewport) -> ViewportFrame:
        return next(f for f in self.frames if f.viewport is viewport)

    # -- changing it --------------------------------------------------------------------------

    def _ensure(self, count: int) -> None:
        while len(self.frames) < count:
            viewport = self._factory()
            frame = ViewportFrame(viewport, self)
            frame.series_dropped.connect(self.series_dropped)
            viewport.installEventFilter(self)
            if self.frames:
                viewport.empty_message = translate("Layout", EMPTY_MESSAGE)
            self.frames.append(frame)
            self.viewport_added.emit(viewport)

    def set_layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}; choose one of {', '.join(LAYOUTS)}")
        if name == self.layout_name:
            return
        rows, cols = LAYOUTS[name]
        count = rows * cols
        self._ensure(count)
        for frame in self.frames:
            self._grid.removeWidget(frame)
        for number, frame in enumerate(self.frames):
            if number < count:
                self._grid.addWidget(frame, number // cols, number % cols)
                frame.show()
            else:
                frame.hide()
                frame.viewport.close_series()  # stop loading what nobody sees
        for r in range(2):
            self._grid.setRowStretch(r, 1 if r < rows else 0)
        for c in range(2):
            self._grid.setColumnStretch(c, 1 if c < cols else 0)
        self.layout_name = name
        # Lay out now, not on the next event loop turn: viewports fit their images to the
        # sizes they will really have, and a screenshot taken at once shows the new grid.
        self._grid.invalidate()
        self._grid.activate()
        if self.active not in self.visible_viewports():
            self.activate(self.frames[0].viewport)
        self.layout_changed.emit(name)

    def activate(self, viewport: Viewport) -> None:
        if viewport is self._active:
            return
        if self._session is not None and viewport.slot is not None:
            self._session.slots.activate(viewport.slot)  # comes back as _slot_changed
        else:
            self._show_active(viewport)

    def _slot_changed(self, slot: int) -> None:
        if slot != ACTIVE_CHANGED or self._session is None:
            return
        wanted = self._session.slots.active
        viewport = next((v for v in self.viewports if v.slot == wanted), None)
        if viewport is not None and viewport is not self._active:
            self._show_active(viewport)

    def shutdown(self) -> None:
        self._unsubscribe()

    def _show_active(self, viewport: Viewport) -> None:
        self._active = viewport
        for frame in self.frames:
            frame.set_active(frame.viewport is viewport)
        self.activated.emit(viewport)

    def empty_viewports(self) -> list[Viewport]:
        return [v for v in self.visible_viewports() if v.series is None]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn):
            frame = next((f for f in self.frames if f.viewport is watched), None)
            if frame is not None and frame.isVisible():
                self.activate(frame.viewport)
        return False
