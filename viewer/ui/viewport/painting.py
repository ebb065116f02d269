"""Drawing the annotations on top of the image: corner text, orientation, scale, messages.

Everything is drawn with a one-pixel dark shadow so it stays readable on white bone and on
black air alike.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from viewer.ui.viewport.corner_text import CornerText

TEXT = QColor(235, 235, 235)
SHADOW = QColor(0, 0, 0, 220)
ORIENTATION = QColor(255, 214, 90)
MESSAGE = QColor(170, 170, 170)
MARGIN = 6

_ALIGN = Qt.AlignmentFlag


def overlay_font(size: int = 11, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(size)
    font.setBold(bold)
    return font


def shadow_text(painter: QPainter, rect: QRect | QRectF, flags: int, text: str,
                colour: QColor = TEXT) -> None:
    shifted = QRectF(rect).translated(1, 1)
    painter.setPen(SHADOW)
    painter.drawText(shifted, flags, text)
    painter.setPen(colour)
    painter.drawText(QRectF(rect), flags, text)


def draw_corner_text(painter: QPainter, rect: QRect, text: CornerText) -> None:
    painter.setFont(overlay_font())
    inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    corners = (
        (text.top_left, _ALIGN.AlignLeft | _ALIGN.AlignTop),
        (text.top_right, _ALIGN.AlignRight | _ALIGN.AlignTop),
        (text.bottom_left, _ALIGN.AlignLeft | _ALIGN.AlignBottom),
        (text.bottom_right, _ALIGN.AlignRight | _ALIGN.AlignBottom),
    )
    for lines, align in corners:
        if lines:
            shadow_text(painter, inner, int(align), "\n".join(lines))


def draw_orientation(painter: QPainter, rect: QRect, labels: dict[str, str] | None) -> None:
    """Patient-direction letters at the midpoints of the four edges."""
    if not labels:
        return
    painter.setFont(overlay_font(14, bold=True))
    inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    places = {
        "left": _ALIGN.AlignLeft | _ALIGN.AlignVCenter,
        "right": _ALIGN.AlignRight | _ALIGN.AlignVCenter,
        "top": _ALIGN.AlignTop | _ALIGN.AlignHCenter,
        "bottom": _ALIGN.AlignBottom | _ALIGN.AlignHCenter,
    }
    for side, align in places.items():
        letter = labels.get(side)
        if letter:
            shadow_text(painter, inner, int(align), letter, ORIENTATION)


def draw_scale_bar(painter: QPainter, rect: QRect, length_px: float, label: str) -> None:
    """A horizontal bar with end ticks, centred above the bottom edge letter."""
    y = rect.bottom() - MARGIN - 26
    x0 = rect.center().x() - length_px / 2
    x1 = x0 + length_px
    for colour, offset in ((SHADOW, 1), (TEXT, 0)):
        painter.setPen(QPen(colour, 1.5))
        painter.drawLine(QPointF(x0 + offset, y + offset), QPointF(x1 + offset, y + offset))
        for x in (x0, x1):
            painter.drawLine(QPointF(x + offset, y - 4 + offset), QPointF(x + offset, y + offset))
    painter.setFont(overlay_font(10))
    metrics = QFontMetrics(painter.font())
    box = QRectF(x0, y - 4 - metrics.height(), length_px, metrics.height())
    shadow_text(painter, box, int(_ALIGN.AlignHCenter | _ALIGN.AlignBottom), label)


def draw_message(painter: QPainter, rect: QRect, text: str) -> None:
    painter.setFont(overlay_font(15))
    shadow_text(painter, rect, int(_ALIGN.AlignCenter | Qt.TextFlag.TextWordWrap), text, MESSAGE)
