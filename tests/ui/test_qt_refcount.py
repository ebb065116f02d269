"""PySide6 6.12.0 on CPython 3.11 loses a reference to None on every void Qt call.

After a few thousand paints None's refcount reaches zero and Python aborts with "Fatal
Python error: none_dealloc". This guards the pin in pyproject.toml and the refusal in
``viewer.ui.app``: whatever PySide6 is installed, void calls must not move None's count.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

from viewer.ui.app import qt_runtime_problem

CALLS = 3000

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12), reason="None is immortal from Python 3.12 on")


def test_void_qt_calls_keep_none_refcount(qapp) -> None:
    widget = QWidget()
    image = QImage(16, 16, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    try:
        before = sys.getrefcount(None)
        for _ in range(CALLS):
            painter.setOpacity(0.5)
            painter.fillRect(QRect(0, 0, 4, 4), QColor(10, 20, 30))
            painter.resetTransform()
            widget.update()
            widget.setMinimumWidth(10)
        after = sys.getrefcount(None)
    finally:
        painter.end()
        widget.deleteLater()
    # Other threads may hold or drop a few references meanwhile; the bug loses thousands.
    assert abs(after - before) < CALLS // 10, (before, after)


def test_the_broken_release_is_refused_with_a_clear_message() -> None:
    message = qt_runtime_problem("6.12.0", (3, 11))
    assert message and "6.12.0" in message and "6.11" in message
    assert qt_runtime_problem("6.11.3", (3, 11)) is None
    assert qt_runtime_problem("6.12.0", (3, 12)) is None
