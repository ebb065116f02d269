"""Input and pixel helpers for the Qt tests (real events into real widgets)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget


def grab_array(widget: QWidget) -> np.ndarray:
    """The widget as drawn, (H, W, 3) uint8."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return data.reshape(height, image.bytesPerLine())[:, : width * 3].reshape(
        height, width, 3).copy()


def drag(widget: QWidget, button: Qt.MouseButton, start: QPoint, end: QPoint,
         steps: int = 4) -> None:
    """Press, move in ``steps`` with the button held, release."""
    QTest.mousePress(widget, button, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, steps + 1):
        pos = QPointF(start + (end - start) * (i / steps))
        event = QMouseEvent(QEvent.Type.MouseMove, pos, widget.mapToGlobal(pos),
                            Qt.MouseButton.NoButton, button, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
    QTest.mouseRelease(widget, button, Qt.KeyboardModifier.NoModifier, end)


def hover(widget: QWidget, pos: QPoint) -> None:
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), widget.mapToGlobal(QPointF(pos)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def wheel(widget: QWidget, notches: int) -> None:
    """Positive: away from the user (up); negative: towards (down)."""
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(centre, widget.mapToGlobal(centre), QPoint(0, 0),
                        QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def click_item(tree, item) -> None:
    """A real left click on a row of a tree widget (press and release on it)."""
    tree.scrollToItem(item)
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     tree.visualItemRect(item).center())
