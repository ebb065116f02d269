"""RT structure set contours drawn over the image of a viewport.

The layer is a view of the session's :class:`viewer.state.structure_sets.StructureSets`:
when its viewport opens a series it asks the session for the study's structure sets (read
once per session, off the GUI thread) and draws those on the series' frame of reference;
when a read finishes for its study it takes them and repaints. Problems with a file are
the window's to report, once. Painting maps the contours of the shown frame
(:func:`viewer.imaging.contours.contours_on_frame`, cached per frame) through the
viewport's image→screen transform. Contours are display only: the image is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF, QTransform

from viewer.imaging.contours import FrameContour, contours_on_frame, slice_tolerance

if TYPE_CHECKING:
    from viewer.io.model import FrameRef, Series, Study
    from viewer.io.rtstruct import StructureSet
    from viewer.state.structure_sets import StructureSets, StructureSetsRead
    from viewer.ui.viewport.viewport import Viewport

LINE_WIDTH = 2.0
POINT_MARK = 5.0  # half the size of the cross drawn for a POINT contour, screen pixels


class ContourLayer:
    def __init__(self, viewport: Viewport, store: StructureSets) -> None:
        self.visible = True
        self.structure_sets: list[StructureSet] = []
        self._viewport, self._store = viewport, store
        self._frames: dict[tuple[str, int], list[FrameContour]] = {}
        self._tolerance = 0.5
        self._series_images: frozenset[str] = frozenset()
        viewport.series_opened.connect(self._series_opened)
        self._unsubscribe = store.subscribe(self._read)

    def shutdown(self) -> None:
        self._unsubscribe()

    def _series_opened(self, series: Series) -> None:
        self.load_for(series, self._viewport.study)

    def load_for(self, series: Series, study: Study | None) -> None:
        """Draw what the session has read of ``study``'s structure sets that fit
        ``series`` and ask for the rest (drawn when their read is done)."""
        self.set_structure_sets(series, self._store.for_series(series, study))
        self._store.request(study)

    def _read(self, event: StructureSetsRead) -> None:
        series, study = self._viewport.series, self._viewport.study
        if series is None or study is None or study.uid != event.study_uid:
            return
        self.set_structure_sets(series, self._store.for_series(series, study))
        self._viewport.update()

    def set_structure_sets(self, series: Series | None, sets: Sequence[StructureSet]) -> None:
        self.structure_sets = list(sets)
        self._frames.clear()
        frames = series.frames if series is not None and self.structure_sets else []
        # The thickness is in the full header (read by pydicom): only when there is
        # something to draw, not for every series opened (start-up, bench_startup.py).
        thickness = _thickness(series) if frames else None
        self._tolerance = slice_tolerance([f.geometry for f in frames], thickness)
        self._series_images = frozenset(f.instance.sop_instance_uid for f in frames)

    def contours(self, ref: FrameRef) -> list[FrameContour]:
        key = (ref.instance.sop_instance_uid, ref.frame)
        if key not in self._frames:
            self._frames[key] = contours_on_frame(
                self.structure_sets, ref.instance.sop_instance_uid, ref.geometry,
                self._tolerance, self._series_images)
        return self._frames[key]

    def paint(self, painter: QPainter, transform: QTransform | None,
              ref: FrameRef | None) -> None:
        """Draw the shown frame's contours; nothing without an image on screen."""
        if not self.visible or transform is None or ref is None or not self.structure_sets:
            return
        drawn = self.contours(ref)
        if not drawn:
            return
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setBrush(Qt.BrushStyle.NoBrush)  # outlines only: the image stays readable
        for contour in drawn:
            pen = QPen(QColor(*contour.colour), LINE_WIDTH)
            pen.setCosmetic(True)
            painter.setPen(pen)
            # Pixel indices name pixel centres; the image is painted with pixel (0, 0)
            # covering [0, 1), so its centre is at 0.5.
            screen = [transform.map(QPointF(c + 0.5, r + 0.5)) for c, r in contour.points]
            if len(screen) == 1:
                p = screen[0]
                painter.drawLine(p + QPointF(-POINT_MARK, 0), p + QPointF(POINT_MARK, 0))
                painter.drawLine(p + QPointF(0, -POINT_MARK), p + QPointF(0, POINT_MARK))
            elif contour.closed:
                painter.drawPolygon(QPolygonF(screen))
            else:
                painter.drawPolyline(QPolygonF(screen))
        painter.restore()


def _thickness(series: Series | None) -> float | None:
    header = series.instances[0].header if series is not None and series.instances else None
    try:
        return float(header.get("SliceThickness")) if header is not None else None
    except (TypeError, ValueError):
        return None
