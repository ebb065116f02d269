"""Key images on a viewport: K marks or unmarks the frame on screen, and a key image shows
a small "KEY" marker.

The record is :mod:`viewer.state.key_images` (session-wide, undoable); this class turns the
key into a store change and paints what the store says about the frame on screen, so every
viewport showing that frame shows the marker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from viewer.state.key_images import KeyImage, KeyImageStore
from viewer.ui.i18n import translate
from viewer.ui.viewport import painting

if TYPE_CHECKING:
    from viewer.ui.viewport.viewport import Viewport

COLOUR = QColor(255, 196, 0)
#: Above the bottom orientation letter, centred: the corners hold the corner text.
BOTTOM_OFFSET = 30


class KeyImageMarker(QObject):
    def __init__(self, viewport: Viewport, store: KeyImageStore) -> None:
        super().__init__(viewport)
        self._vp = viewport
        self.store = store
        self._unsubscribe = store.subscribe(self._on_store)

    def shutdown(self) -> None:
        self._unsubscribe()

    def frame_key(self) -> tuple[str, int] | None:
        ref = self._vp.current_ref()
        return (ref.instance.sop_instance_uid, ref.frame) if ref is not None else None

    @property
    def is_key(self) -> bool:
        key = self.frame_key()
        return key is not None and self.store.is_key(*key)

    def toggle(self) -> bool:
        """Mark or unmark the frame on screen; False when there is none."""
        ref, series = self._vp.current_ref(), self._vp.series
        if ref is None or series is None:
            return False
        self.store.toggle(KeyImage(ref.instance.sop_instance_uid, ref.frame, series.uid,
                                   series.study_uid))
        return True

    def _on_store(self, key: tuple[str, int]) -> None:
        if key == self.frame_key():
            self._vp.update()

    def paint(self, painter: QPainter, rect: QRect) -> None:
        if not self.is_key:
            return
        painter.save()
        font = painting.overlay_font(12, bold=True)
        painter.setFont(font)
        text = translate("Viewport", "KEY")
        width = painter.fontMetrics().horizontalAdvance(text) + 10
        box = QRectF(rect.center().x() - width / 2, rect.bottom() - BOTTOM_OFFSET - 18, width, 18)
        painter.setPen(QPen(COLOUR, 1.5))
        painter.setBrush(QColor(0, 0, 0, 160))
        painter.drawRect(box)
        painting.shadow_text(painter, box, int(Qt.AlignmentFlag.AlignCenter), text, COLOUR)
        painter.restore()
