"""Drawing the annotations on top of the image: corner text, orientation, scale, messages.

Everything is drawn with a one-pixel dark shadow so it stays readable on white bone and on
black air alike.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen, QTransform

from viewer.imaging.reference_lines import Segment
from viewer.ui.viewport.corner_text import CornerText

TEXT = QColor(235, 235, 235)
SHADOW = QColor(0, 0, 0, 220)
ORIENTATION = QColor(255, 214, 90)
MESSAGE = QColor(170, 170, 170)
#: Reference lines: a cyan that no window level, mask colour or crosshair uses.
REFERENCE = QColor(80, 200, 255)
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


def draw_reference_lines(painter: QPainter, transform: QTransform,
                         lines: list[tuple[Segment, str]]) -> None:
    """Thin lines where other viewports' images cut this one, labelled at their start."""
    if not lines:
        return
    painter.setFont(overlay_font(10))
    for segment, label in lines:
        # Pixel (c, r) covers [c, c+1) in image coordinates: its centre is at c + 0.5.
        a = transform.map(QPointF(segment.start[0] + 0.5, segment.start[1] + 0.5))
        b = transform.map(QPointF(segment.end[0] + 0.5, segment.end[1] + 0.5))
        for colour, offset in ((SHADOW, 1), (REFERENCE, 0)):
            painter.setPen(QPen(colour, 1))
            painter.drawLine(a + QPointF(offset, offset), b + QPointF(offset, offset))
        top = a if a.y() <= b.y() else b
        box = QRectF(top.x() + 4, top.y() + 2, 160, 16)
        shadow_text(painter, box, int(_ALIGN.AlignLeft | _ALIGN.AlignTop), label, REFERENCE)
