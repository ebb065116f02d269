"""AI results drawn over the image: mask and heatmap layer, boxes, the AI banner, a legend.

The layer is an RGBA image of the source's size, drawn with the image's own transform, so
zoom, pan, rotation and flips move it with the pixels; the source image is never touched.
Boxes and text are drawn in screen space so they stay sharp at any zoom. The banner says
"AI output" with every model's name and version, and stays on screen whatever the
annotation toggle says while a demonstration model's result is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QPainter, QPen, QTransform

from viewer.imaging.ai_layers import parse_color
from viewer.state.ai_results import OverlayState, percent, score_caption
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text
from viewer.ui.viewport.painting import MARGIN, overlay_font, shadow_text

if TYPE_CHECKING:
    from viewer.inference import Box

DEMO_BANNER = QColor(120, 72, 0, 225)  # amber: a demonstration model's output
AI_BANNER = QColor(24, 58, 110, 225)  # blue: AI output of a clinical model
BANNER_TEXT = QColor(255, 255, 255)
WARNING_TEXT = QColor(255, 214, 120)
HIDDEN_TEXT = QColor(190, 190, 190)
CAPTION_BACK = QColor(0, 0, 0, 170)
#: Below the top orientation letter, so both stay readable.
BANNER_TOP = 26


@dataclass
class Drawn:
    """What the last paint showed (for tests and the status of the panel)."""

    banner: list[str] = field(default_factory=list)
    legend: list[str] = field(default_factory=list)
    boxes: list[tuple[Box, str]] = field(default_factory=list)
    demo: bool = False


class AILayer:
    """Paints one viewport's AI results; the RGBA layer is rebuilt only when dirty."""

    def __init__(self, overlays: OverlayState) -> None:
        self.overlays = overlays
        self._key: tuple[object, ...] | None = None
        self._array: np.ndarray | None = None
        self._image: QImage | None = None
        self.drawn = Drawn()

    def invalidate(self) -> None:
        self._key = None

    def layer(self, series_uid: str | None, index: int,
              shape: tuple[int, int]) -> np.ndarray | None:
        """The mask and heatmap layer of one frame (RGBA, the image's size) or None."""
        key = (series_uid, index, shape)
        if key != self._key:
            self._key = key
            self._array = self.overlays.overlay_rgba(series_uid, index, shape)
            self._image = None
            if self._array is not None:
                rows, cols = self._array.shape[:2]
                # The QImage borrows the numpy buffer; both live until the next rebuild.
                self._image = QImage(self._array.data, cols, rows, self._array.strides[0],
                                     QImage.Format.Format_RGBA8888)
        return self._array

    # -- painting ---------------------------------------------------------------------------

    def paint(self, painter: QPainter, rect: QRect, transform: QTransform | None,
              series_uid: str | None, index: int, shape: tuple[int, int] | None,
              top: int = BANNER_TOP) -> None:
        """``top``: where the banner may start (below the corner text, when shown)."""
        self.drawn = Drawn()
        shown = self.overlays.at(series_uid, index)
        if not shown:
            return
        if not self.overlays.visible:
            demo = any(run.provenance.not_for_clinical_use for run, _ in shown)
            self._hidden_hint(painter, rect, top, demo)
            return
        if transform is not None and shape is not None:
            self.layer(series_uid, index, shape)
            if self._image is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
                painter.setTransform(transform)
                painter.drawImage(0, 0, self._image)
                painter.resetTransform()
            for run, result in shown:
                for box in self.overlays.boxes(run, result):
                    caption = score_caption(result.provenance, box.class_name, box.score)
                    self._box(painter, rect, transform, box, caption)
                    self.drawn.boxes.append((box, caption))
        self._banner(painter, rect, shown, top)

    def _box(self, painter: QPainter, rect: QRect, transform: QTransform, box: Box,
             caption: str) -> None:
        colour = QColor(*parse_color(box.color, box.class_index))
        screen = transform.mapRect(QRectF(box.x0, box.y0, box.x1 - box.x0, box.y1 - box.y0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(0, 0, 0, 200), 4))
        painter.drawRect(screen)
        painter.setPen(QPen(colour, 2))
        painter.drawRect(screen)
        painter.setFont(overlay_font(11))
        metrics = QFontMetrics(painter.font())
        width = metrics.horizontalAdvance(caption) + 10
        height = metrics.height() + 4
        top = screen.top() - height - 2
        if top < rect.top():
            top = screen.bottom() + 2
        left = min(max(screen.left(), rect.left()), rect.right() - width)
        back = QRectF(left, top, width, height)
        painter.fillRect(back, CAPTION_BACK)
        painter.fillRect(QRectF(left, top, 3, height), colour)
        painter.setPen(BANNER_TEXT)
        painter.drawText(back.adjusted(6, 0, 0, 0), int(Qt.AlignmentFlag.AlignVCenter), caption)

    def _banner(self, painter: QPainter, rect: QRect, shown: list, top: int) -> None:
        demo = any(run.provenance.not_for_clinical_use for run, _ in shown)
        lines = [translate("AiOverlay", "AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE")
                 if demo else translate("AiOverlay", "AI OUTPUT")]
        warnings: list[str] = []
        unlike: list[str] = []  # why the image is unlike a model's training data
        legend: list[tuple[str, QColor]] = []
        for run, result in shown:
            line = f"AI · {run.title}"
            for output in result.labels:
                name, score = output.top
                line = score_caption(result.provenance, name, score)
            for values in result.values:
                line += "".join(f" · {name} {shown}" for name, shown in values.items())
            boxes = self.overlays.boxes(run, result)
            if result.boxes:
                line += (translate("AiOverlay", " · 1 finding") if len(boxes) == 1 else
                         translate("AiOverlay", " · {} findings").format(len(boxes)))
                if boxes:
                    line += translate("AiOverlay", " (best {})").format(
                        percent(max(b.score for b in boxes)))
            lines.append(line)
            warnings += [w for w in result.warnings if w not in warnings]
            unlike += [f for f in result.ood if f not in unlike]
            for output in result.masks:
                for label in output.labels:
                    if label.value and output.counts.get(label.value, 0) \
                            and self.overlays.label_visible(run.model_id, label.value):
                        legend.append((label.name,
                                       QColor(*parse_color(label.color, label.value - 1))))
        if warnings:
            lines.append(translate("AiOverlay", "⚠ Outside intended use (accepted): ")
                         + "; ".join(map(problem_text, warnings)))
        if unlike:
            lines.append(translate("AiOverlay", "⚠ Unlike the model's training data: ")
                         + "; ".join(unlike))
        self.drawn = Drawn(lines, [name for name, _ in legend], self.drawn.boxes, demo)

        painter.setFont(overlay_font(12, bold=True))
        metrics = QFontMetrics(painter.font())
        line_h = metrics.height() + 2
        width = min(max(metrics.horizontalAdvance(t) for t in lines) + 24,
                    rect.width() - 2 * MARGIN)
        legend_h = line_h if legend else 0
        box = QRectF(rect.center().x() - width / 2, rect.top() + top, width,
                     line_h * len(lines) + 8 + legend_h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(DEMO_BANNER if demo else AI_BANNER)
        painter.drawRoundedRect(box, 4, 4)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        y = box.top() + 4
        for n, text in enumerate(lines):
            colour = WARNING_TEXT if text.startswith("⚠") else BANNER_TEXT
            painter.setFont(overlay_font(12, bold=n == 0))
            painter.setPen(colour)
            elided = QFontMetrics(painter.font()).elidedText(
                text, Qt.TextElideMode.ElideRight, int(width) - 16)
            painter.drawText(QRectF(box.left() + 8, y, width - 16, line_h),
                             int(Qt.AlignmentFlag.AlignCenter), elided)
            y += line_h
        if legend:
            self._legend(painter, QRectF(box.left() + 8, y, width - 16, line_h), legend)

    @staticmethod
    def _legend(painter: QPainter, area: QRectF, items: list[tuple[str, QColor]]) -> None:
        painter.setFont(overlay_font(11))
        metrics = QFontMetrics(painter.font())
        swatch = 10
        total = sum(swatch + 4 + metrics.horizontalAdvance(name) + 12 for name, _ in items) - 12
        x = area.center().x() - total / 2
        for name, colour in items:
            painter.fillRect(QRectF(x, area.center().y() - swatch / 2, swatch, swatch), colour)
            x += swatch + 4
            painter.setPen(BANNER_TEXT)
            painter.drawText(QRectF(x, area.top(), metrics.horizontalAdvance(name) + 2,
                                    area.height()), int(Qt.AlignmentFlag.AlignVCenter), name)
            x += metrics.horizontalAdvance(name) + 12

    def _hidden_hint(self, painter: QPainter, rect: QRect, top: int, demo: bool = False) -> None:
        text = translate("AiOverlay", "AI results hidden · press A to show")
        if demo:  # the mark goes wherever the result goes, hidden or not
            text += translate("AiOverlay", " · demonstration, not for clinical use")
        self.drawn = Drawn([text], demo=demo)
        painter.setFont(overlay_font(11))
        area = QRect(rect.left(), rect.top() + top, rect.width(), 20)
        shadow_text(painter, area, int(Qt.AlignmentFlag.AlignHCenter), text, HIDDEN_TEXT)
