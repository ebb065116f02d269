"""Drawing and editing measurements on a viewport: distance, angle, ellipse, rectangle.

The maths is :mod:`viewer.imaging.measure`, the record is :mod:`viewer.state.measurements`;
this class turns mouse input into store changes and paints what the store holds for the
frame on screen. Points live in image coordinates, so zoom, pan, rotation and flips move
a measurement with its image.

Interaction: with a measurement tool (D, G, E, B), left-drag draws; an angle is a drag
along its first arm, ending at the vertex, then a click for the second arm. In any tool,
a handle (small square) can be dragged to edit; a click on a measurement selects it;
Delete removes the selected one, as does the right-click menu.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF, QTransform
from PySide6.QtWidgets import QMenu, QWidget

from viewer.imaging.measure import POINTS, Kind, Point, Result
from viewer.state.measurements import Measurement, MeasurementStore, evaluate, moved
from viewer.state.view import Tool
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.viewport import painting
from viewer.ui.viewport.transform import to_image

if TYPE_CHECKING:
    from viewer.ui.viewport.viewport import Viewport

TOOL_KINDS = {Tool.DISTANCE: Kind.DISTANCE, Tool.ANGLE: Kind.ANGLE,
              Tool.ELLIPSE: Kind.ELLIPSE, Tool.RECTANGLE: Kind.RECTANGLE}
LINE = QColor(120, 230, 120)
SELECTED = QColor(90, 200, 255)
HANDLE_PX = 6  # how near (screen pixels) a press must be to grab a handle
LINE_PX = 5  # how near to a line a press selects its measurement
MIN_DRAG_PX = 3  # shorter drags are clicks, not measurements



# The core's note, marked here so lupdate collects it.
_AT_DETECTOR = QT_TRANSLATE_NOOP("Measure", "at detector")
KIND_NAMES = {Kind.DISTANCE: QT_TRANSLATE_NOOP("Measure", "distance"),
              Kind.ANGLE: QT_TRANSLATE_NOOP("Measure", "angle"),
              Kind.ELLIPSE: QT_TRANSLATE_NOOP("Measure", "ellipse"),
              Kind.RECTANGLE: QT_TRANSLATE_NOOP("Measure", "rectangle")}


def kind_name(kind: Kind) -> str:
    return translate("Measure", KIND_NAMES[kind]) if kind in KIND_NAMES else str(kind)


# Result.text's templates, marked here so the translation tools collect them.
_TEMPLATES = (QT_TRANSLATE_NOOP("Measure", "Area {:.1f} {}"),
              QT_TRANSLATE_NOOP("Measure", "Mean {:.1f} SD {:.1f}"),
              QT_TRANSLATE_NOOP("Measure", "Min {:g} Max {:g}"))


def result_label(result: Result) -> str:
    """The label drawn next to a measurement, in the UI language (exports keep the
    English of ``Result.text()``); units stay as they are."""
    return result.text(tr=lambda text: translate("Measure", text))


class MeasureController(QObject):
    def __init__(self, viewport: Viewport, store: MeasurementStore) -> None:
        super().__init__(viewport)
        self._vp = viewport
        self.store = store
        self.selected: int | None = None
        self.visible = True
        self._draft: tuple[Kind, list[Point]] | None = None
        self._angle_open = False  # an angle's first arm is drawn; the next click ends it
        self._edit: tuple[int, int] | None = None  # (measurement id, point index)
        self._edit_moved = False  # the drag has changed it: further moves are the same step
        self._unsubscribe = store.subscribe(self._on_store)

    def shutdown(self) -> None:
        self._unsubscribe()

    # -- what is on this frame ---------------------------------------------------------------

    def frame_key(self) -> tuple[str, int] | None:
        ref = self._vp.current_ref()
        return (ref.instance.sop_instance_uid, ref.frame) if ref is not None else None

    def on_frame(self) -> list[Measurement]:
        key = self.frame_key()
        return self.store.on_frame(*key) if key is not None else []

    def _on_store(self, key: tuple[str, int]) -> None:
        if key == self.frame_key():
            self._vp.update()

    @property
    def drawing(self) -> bool:
        return self._draft is not None

    def cancel(self) -> None:
        self._draft, self._angle_open, self._edit = None, False, None
        self._vp.update()

    # -- coordinates ---------------------------------------------------------------------

    def _transform(self) -> QTransform | None:
        return self._vp.image_to_screen()

    def _image_point(self, pos: QPointF) -> Point | None:
        t = self._transform()
        return to_image(t, pos.x(), pos.y()) if t is not None else None

    def _screen(self, point: Point) -> QPointF:
        t = self._transform()
        return t.map(QPointF(*point)) if t is not None else QPointF(*point)

    def hit(self, pos: QPointF) -> tuple[Measurement, int] | None:
        """The measurement under ``pos`` and the handle grabbed (-1: the body)."""
        items = self.on_frame()
        for m in reversed(items):  # the newest is drawn on top
            for i, p in enumerate(m.points):
                s = self._screen(p)
                if math.hypot(s.x() - pos.x(), s.y() - pos.y()) <= HANDLE_PX:
                    return m, i
        for m in reversed(items):
            if self._near_body(m, pos):
                return m, -1
        return None

    def _near_body(self, m: Measurement, pos: QPointF) -> bool:
        screen = [self._screen(p) for p in m.points]
        if m.kind in (Kind.DISTANCE, Kind.ANGLE):
            return any(_segment_distance(pos, a, b) <= LINE_PX
                       for a, b in zip(screen, screen[1:], strict=False))
        return self._roi_polygon(m.kind, m.points).containsPoint(pos, Qt.FillRule.OddEvenFill)

    # -- input (the viewport forwards its mouse events; True = consumed) ----------------------

    def press(self, pos: QPointF, tool: Tool) -> bool:
        point = self._image_point(pos)
        if point is None or self._vp.series is None:
            return False
        if self._draft is not None and self._angle_open:
            kind, points = self._draft
            self._commit(kind, (points[0], points[1], point))
            return True
        found = self.hit(pos)
        # Handles are grabbed in any tool; a body click selects only with a measuring tool,
        # so window/level can still start on top of a large ROI.
        if found is not None and (found[1] >= 0 or tool in TOOL_KINDS):
            m, handle = found
            self.select(m.id)
            self._edit = (m.id, handle) if handle >= 0 else None
            self._edit_moved = False
            return True
        if tool in TOOL_KINDS:
            self.select(None)
            self._draft = (TOOL_KINDS[tool], [point, point])
            return True
        if self.selected is not None:
            self.select(None)
        return False

    def move(self, pos: QPointF) -> bool:
        point = self._image_point(pos)
        if point is None:
            return False
        if self._edit is not None:
            m = self.store.get(self._edit[0])
            if m is None:
                self._edit = None
                return False
            points = list(m.points)
            points[self._edit[1]] = point
            # One drag is one undo step.
            self.store.replace(moved(m, tuple(points), self._evaluate(m.kind, tuple(points))),
                               merge=self._edit_moved)
            self._edit_moved = True
            return True
        if self._draft is not None:
            self._draft[1][-1] = point
            self._vp.update()
            return True
        return False

    def hover(self, pos: QPointF) -> None:
        """Mouse moves with no button: an open angle follows the pointer."""
        if self._draft is not None and self._angle_open:
            self.move(pos)

    def release(self, pos: QPointF) -> bool:
        if self._edit is not None:
            self._edit = None
            return True
        if self._draft is None or self._angle_open:
            return self._draft is not None
        kind, points = self._draft
        self.move(pos)
        a, b = self._screen(points[0]), self._screen(points[-1])
        if math.hypot(a.x() - b.x(), a.y() - b.y()) < MIN_DRAG_PX:
            self.cancel()  # a click, not a measurement
            return True
        if kind is Kind.ANGLE:
            points.append(points[-1])
            self._angle_open = True
            self._vp.update()
            return True
        self._commit(kind, tuple(points))
        return True

    # -- changes -------------------------------------------------------------------------

    def _evaluate(self, kind: Kind, points: tuple[Point, ...]) -> Result:
        ref = self._vp.current_ref()
        assert ref is not None
        return evaluate(kind, points, ref.instance, ref.frame, self._vp.current_stored())

    def _commit(self, kind: Kind, points: tuple[Point, ...]) -> Measurement | None:
        self._draft, self._angle_open = None, False
        ref = self._vp.current_ref()
        series = self._vp.series
        if ref is None or series is None or len(points) != POINTS[kind]:
            return None
        m = Measurement(kind, points, ref.instance.sop_instance_uid, ref.frame, series.uid,
                        series.study_uid, self._evaluate(kind, points))
        self.store.add(m)
        self.select(m.id)
        return m

    def add(self, kind: Kind, points: tuple[Point, ...]) -> Measurement | None:
        """Create a measurement on the shown frame (what a script or test would call)."""
        return self._commit(Kind(kind), tuple(points))

    def select(self, measurement_id: int | None) -> None:
        if self.selected != measurement_id:
            self.selected = measurement_id
            self._vp.update()

    def delete_selected(self) -> bool:
        if self.selected is None:
            return False
        removed = self.store.remove(self.selected)
        self.selected = None
        return removed

    def context_menu(self, pos: QPointF, parent: QWidget) -> QMenu | None:
        """The right-click menu of the measurement under ``pos``, or None."""
        found = self.hit(pos)
        if found is None:
            return None
        m = found[0]
        self.select(m.id)
        menu = QMenu(parent)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        action = menu.addAction(translate("Measure", "Delete {}").format(kind_name(m.kind)))
        action.triggered.connect(lambda *_: self.store.remove(m.id))
        return menu

    # -- painting ------------------------------------------------------------------------

    def paint(self, painter: QPainter) -> None:
        if not self.visible or self._transform() is None:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(painting.overlay_font(12))
        for m in self.on_frame():
            self._paint_one(painter, m.kind, m.points, result_label(m.result),
                            m.id == self.selected)
        if self._draft is not None:
            kind, points = self._draft
            self._paint_one(painter, kind, tuple(points), "", True)
        painter.restore()

    def _paint_one(self, painter: QPainter, kind: Kind, points: tuple[Point, ...], label: str,
                   selected: bool) -> None:
        colour = SELECTED if selected else LINE
        painter.setPen(QPen(colour, 1.5))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        screen = [self._screen(p) for p in points]
        if kind in (Kind.DISTANCE, Kind.ANGLE):
            for a, b in zip(screen, screen[1:], strict=False):
                painter.drawLine(a, b)
        else:
            painter.drawPolygon(self._roi_polygon(kind, points))
        painter.setBrush(colour)
        for s in screen:
            painter.drawRect(QRectF(s.x() - 3, s.y() - 3, 6, 6))
        if label:
            anchor = max(screen, key=lambda s: s.x())
            lines = label.count("\n") + 1
            box = QRectF(anchor.x() + 8, anchor.y() - 8, 260, 16 * lines + 4)
            painting.shadow_text(painter, box, int(Qt.AlignmentFlag.AlignLeft), label, colour)

    def _roi_polygon(self, kind: Kind, points: tuple[Point, ...]) -> QPolygonF:
        """The ROI outline in screen space (an ellipse is sampled: rotation keeps it true)."""
        (x0, y0), (x1, y1) = points[0], points[1]
        if kind is Kind.RECTANGLE:
            corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
        else:
            cx, cy, ax, ay = (x0 + x1) / 2, (y0 + y1) / 2, abs(x1 - x0) / 2, abs(y1 - y0) / 2
            corners = [(cx + ax * math.cos(t), cy + ay * math.sin(t))
                       for t in (2 * math.pi * i / 64 for i in range(64))]
        return QPolygonF([self._screen(p) for p in corners])


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx
                                                    + (p.y() - a.y()) * dy) / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))
