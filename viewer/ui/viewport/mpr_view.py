"""MPR: axial, coronal and sagittal planes of one series, linked by a crosshair.

Each plane is an ordinary ``Viewport`` (same rendering, corner text, orientation letters,
scale bar, window presets, keys) showing the plane stack as a derived series
(:mod:`viewer.imaging.mpr_series`); only its frame source differs: ``PlaneFrames`` asks
the ``Reformat`` for each plane (a numpy view of the volume, or a slab projection) instead
of the io loader. The crosshair is one point in the volume: clicking or dragging in a
plane (crosshair tool, key X) moves it, which scrolls the two other planes to it; scrolling
a plane moves it along that plane's normal. The volume is read on a worker, with progress
and cancel; its planes are shown from the start and fill in as the slices arrive. It is
counted in the frame cache's budget while the planes are open (a series that does not fit
is refused up front, with the slab of it that does).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from viewer.imaging.mpr import (
    Plane,
    Reformat,
    Slab,
    Volume,
    VolumeTooLargeError,
    check_budget,
    check_series,
    empty_volume,
    fill_volume,
    opening_point,
    release_volume,
    slab_series,
)
from viewer.imaging.mpr_series import plane_series
from viewer.io.frames import frame_source
from viewer.state.plane_results import plane_results
from viewer.state.session import Session
from viewer.tasks.jobs import Job, Jobs
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.problem_text import problem_text
from viewer.ui.viewport.corner_text import CornerText
from viewer.ui.viewport.grid import ViewportFrame
from viewer.ui.viewport.transform import to_image
from viewer.ui.viewport.viewport import Viewport

if TYPE_CHECKING:
    from viewer.imaging.window import Window
    from viewer.io.cache import FrameCache
    from viewer.io.model import Series, Study
    from viewer.ui.boundary import ErrorBoundary
    from viewer.ui.bridge import Background, Bridge, Outcome

#: 3D Slicer's plane colours, which many radiologists know: axial red, sagittal yellow,
#: coronal green. A crosshair line has the colour of the plane it stands for.
PLANE_COLOURS = {Plane.AXIAL: QColor(230, 80, 70), Plane.CORONAL: QColor(110, 200, 90),
                 Plane.SAGITTAL: QColor(235, 205, 70)}
SLAB_TITLES = {Slab.OFF: QT_TRANSLATE_NOOP("MprView", "Off"), Slab.MIP: "MIP",
               Slab.MINIP: "MinIP", Slab.AVERAGE: QT_TRANSLATE_NOOP("MprView", "Average")}
DEFAULT_SLAB_MM = 10.0
#: Seconds between redrawing the planes while slices arrive.
REFRESH_INTERVAL_S = 0.25
#: Gap left around the crosshair centre so the anatomy under it stays visible.
CROSSHAIR_GAP = 12


class PlaneFrames(QObject):
    """A plane stack as a viewport frame source (the calls and signals of LoadedSeries)."""

    frame_ready = Signal(int)
    frame_failed = Signal(int, object)
    progress = Signal(int, int)
    finished = Signal()

    def __init__(self, reformat: Reformat, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.reformat = reformat
        self.failures: dict[int, BaseException] = {}
        self.fits_in_cache = True
        self.slab = Slab.OFF
        self.thickness = DEFAULT_SLAB_MM
        self._last: tuple[tuple[int, Slab, float], np.ndarray] | None = None
        self._closed = False

    @property
    def total(self) -> int:
        return self.reformat.count

    @property
    def is_finished(self) -> bool:
        return True  # every plane is computed on demand from the volume in memory

    def get(self, index: int) -> np.ndarray | None:
        if self._closed:
            return None
        key = (index, self.slab, self.thickness)
        if self._last is None or self._last[0] != key:
            self._last = (key, self.reformat.image(index, self.slab, self.thickness))
        return self._last[1]

    def request(self, index: int) -> None:
        # Asynchronously, as the loader does: the viewport is still opening the series.
        QTimer.singleShot(0, self, lambda: None if self._closed else self.frame_ready.emit(index))

    def prefetch(self, center: int) -> None:
        pass

    def set_slab(self, slab: Slab, thickness: float) -> None:
        self.slab, self.thickness = slab, float(thickness)

    def refresh(self) -> None:
        """The volume changed (slices arrived): cut the plane again when next asked."""
        self._last = None

    def close(self) -> None:
        self._closed = True


class PlaneViewport(Viewport):
    """A viewport showing one MPR plane, with the crosshair drawn and set by the mouse."""

    #: The reader put the crosshair at (row, column) of the shown plane (image pixels).
    crosshair_moved = Signal(float, float)

    derived = True

    def __init__(self, plane: Plane, cache: FrameCache, bridge: Bridge,
                 boundary: ErrorBoundary, parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        super().__init__(cache, bridge, boundary, parent, session=session)
        self.plane = plane
        self.reformat: Reformat | None = None
        self.frames: PlaneFrames | None = None
        #: (row, column) of the crosshair in this plane, and the colours of its vertical
        #: and horizontal lines (the planes they stand for).
        self.crosshair: tuple[float, float] | None = None
        self.crosshair_colours = (QColor("white"), QColor("white"))
        self.crosshair_visible = True
        self.crosshair_tool = True
        self._crosshair_drag = False

    def open_plane(self, reformat: Reformat, series: Series, study: Study | None) -> None:
        self.reformat = reformat
        self.open_series(series, study)

    def _make_loading(self, series: Series) -> PlaneFrames:  # type: ignore[override]
        assert self.reformat is not None
        self.frames = PlaneFrames(self.reformat, self)
        return self.frames

    def set_slab(self, slab: Slab, thickness: float) -> None:
        if self.frames is None or self.reformat is None:
            return
        self.frames.set_slab(slab, thickness)
        ref = self.current_ref()
        if ref is not None and ref.instance.header is not None:
            shown = (self.reformat.slice_spacing if slab is Slab.OFF
                     else self.reformat.slab_count(thickness) * self.reformat.slice_spacing)
            ref.instance.header.SliceThickness = f"{shown:.2f}"
        self._dirty = True
        self.update()

    def refresh_plane(self) -> None:
        """Draw the plane again from the volume (slices arrived while it was shown)."""
        self._dirty = True
        self.update()

    def _message(self) -> str:
        if self.series is None:
            return translate("MprView", "Reading the series for MPR…")
        return super()._message()

    def corner_text(self) -> CornerText:
        text = super().corner_text()
        if self.frames is not None and self.frames.slab is not Slab.OFF:
            text.bottom_left.append(translate("MprView", "Slab: {}").format(
                translate("MprView", SLAB_TITLES[self.frames.slab])))
        return text

    def trigger(self, action: str, position: int = 0) -> bool:
        if action.startswith("tool_") and self.crosshair_tool:
            self.crosshair_tool = False
            # The tool shown changes even when the state's own tool stays the same.
            self.state_changed.emit(frozenset({"tool"}))
        return super().trigger(action, position)

    # -- crosshair ---------------------------------------------------------------------------

    def _image_point(self, x: float, y: float) -> tuple[float, float] | None:
        transform = self.image_to_screen()
        if transform is None or self.reformat is None:
            return None
        point = to_image(transform, x, y)
        if point is None:
            return None
        rows, cols = self.reformat.size
        # Image coordinates put pixel (c, r) on [c, c+1): its centre is at c + 0.5.
        col = min(max(point[0] - 0.5, 0.0), cols - 1.0)
        row = min(max(point[1] - 0.5, 0.0), rows - 1.0)
        return row, col

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if (event.button() == Qt.MouseButton.LeftButton and self.crosshair_tool
                and self.reformat is not None):
            point = self._image_point(event.position().x(), event.position().y())
            if point is not None:
                self._crosshair_drag = True
                self.crosshair_moved.emit(*point)
                event.accept()
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._crosshair_drag:
            point = self._image_point(event.position().x(), event.position().y())
            if point is not None:
                self.crosshair_moved.emit(*point)
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._crosshair_drag and event.button() == Qt.MouseButton.LeftButton:
            self._crosshair_drag = False
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def crosshair_screen(self) -> QPointF | None:
        """Where the crosshair centre is on screen, or None when not drawn."""
        transform = self.image_to_screen()
        if self.crosshair is None or transform is None:
            return None
        row, col = self.crosshair
        return transform.map(QPointF(col + 0.5, row + 0.5))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        super().paintEvent(event)
        centre = self.crosshair_screen()
        if not self.crosshair_visible or centre is None or self._qimage is None:
            return
        painter = QPainter(self)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            self._paint_crosshair(painter, centre)
        finally:
            painter.end()

    def _paint_crosshair(self, painter: QPainter, centre: QPointF) -> None:
        transform = self.image_to_screen()
        assert transform is not None and self.reformat is not None and self.crosshair
        rows, cols = self.reformat.size
        row, col = self.crosshair
        vertical, horizontal = self.crosshair_colours
        # The lines follow the image through rotation and flips: map their ends.
        lines = (
            (vertical, QPointF(col + 0.5, 0), QPointF(col + 0.5, rows)),
            (horizontal, QPointF(0, row + 0.5), QPointF(cols, row + 0.5)),
        )
        for colour, start, end in lines:
            a, b = transform.map(start), transform.map(end)
            painter.setPen(QPen(colour, 1))
            for near, far in ((a, centre), (b, centre)):
                dx, dy = far.x() - near.x(), far.y() - near.y()
                length = math.hypot(dx, dy)
                if length > CROSSHAIR_GAP:
                    scale = (length - CROSSHAIR_GAP) / length
                    painter.drawLine(near, QPointF(near.x() + dx * scale, near.y() + dy * scale))


class MprView(QWidget):
    """Three linked planes with a slab control; built from one series on a worker."""

    #: The volume is built and the planes shown.
    ready = Signal()
    #: The build ended without planes (cancelled or failed): the window goes back.
    abandoned = Signal()
    #: A plane viewport became the active one.
    activated = Signal(object)
    #: The reader took the slab offered for a series too large for memory: it is building.
    slab_started = Signal()

    def __init__(self, cache: FrameCache, bridge: Bridge, boundary: ErrorBoundary,
                 background: Background, parent: QWidget | None = None, *,
                 session: Session | None = None) -> None:
        super().__init__(parent)
        self._cache, self._bridge, self._boundary = cache, bridge, boundary
        self._jobs: Jobs[Series, Volume] = Jobs(background.submit, bridge.post)
        #: The open offer of a slab for a series over the memory budget (non-modal).
        self.slab_offer: QMessageBox | None = None
        self.volume: Volume | None = None
        self.source: Series | None = None
        self.point: tuple[float, float, float] | None = None  # crosshair, voxel (k, i, j)
        self._syncing = False
        # One session for the three planes, so they share results like grid viewports do.
        session = session if session is not None else Session()
        self.planes = {plane: PlaneViewport(plane, cache, bridge, boundary, session=session)
                       for plane in Plane}
        self.frames = {plane: ViewportFrame(v) for plane, v in self.planes.items()}
        self._active = self.planes[Plane.AXIAL]
        self._build()
        for plane, viewport in self.planes.items():
            viewport.installEventFilter(self)
            viewport.crosshair_moved.connect(
                lambda row, col, p=plane: self._boundary.guard(self._clicked)(p, row, col))
            viewport.state_changed.connect(
                lambda changed, p=plane: self._plane_changed(p, changed))
        self.frames[Plane.AXIAL].set_active(True)
        # The planes' own results: the source's masks cut into them, again whenever the
        # source's runs change (a new run, a cleared one).
        self._results = session.results
        self._deriving = False
        self._unsubscribe_results = self._results.subscribe(self._source_results_changed)

    def _build(self) -> None:
        self.title = QLabel(translate("MprView", "MPR"))
        self.title.setStyleSheet("font-weight: bold;")
        self.slab_box = QComboBox()
        for slab in Slab:
            self.slab_box.addItem(SLAB_TITLES[slab], slab)
        self.slab_box.setToolTip(translate("MprView", "Thick slab: combine the planes within the slab thickness"))
        self.thickness_box = QDoubleSpinBox()
        self.thickness_box.setRange(1.0, 200.0)
        self.thickness_box.setDecimals(1)
        self.thickness_box.setSuffix(" mm")
        self.thickness_box.setValue(DEFAULT_SLAB_MM)
        self.crosshair_box = QCheckBox(translate("MprView", "Crosshair"))
        self.crosshair_box.setChecked(True)
        self.slab_box.currentIndexChanged.connect(lambda *_: self._apply_slab())
        self.thickness_box.valueChanged.connect(lambda *_: self._apply_slab())
        self.crosshair_box.toggled.connect(self.set_crosshair_visible)
        self.progress = QProgressBar()
        self.progress.setFormat(translate("MprView", "Reading slices %v / %m"))
        self.progress.setMaximumWidth(220)
        self.cancel_button = QPushButton(translate("MprView", "Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton(translate("MprView", "Close MPR"))

        bar = QHBoxLayout()
        bar.setContentsMargins(6, 3, 6, 3)
        bar.addWidget(self.title)
        bar.addSpacing(16)
        bar.addWidget(QLabel(translate("MprView", "Slab")))
        bar.addWidget(self.slab_box)
        bar.addWidget(self.thickness_box)
        bar.addSpacing(16)
        bar.addWidget(self.crosshair_box)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.close_button)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(0)
        grid.addWidget(self.frames[Plane.AXIAL], 0, 0, 2, 1)
        grid.addWidget(self.frames[Plane.CORONAL], 0, 1)
        grid.addWidget(self.frames[Plane.SAGITTAL], 1, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        outer.addLayout(grid, 1)
        self._show_progress(False)

    # -- building ---------------------------------------------------------------------------

    @property
    def building(self) -> bool:
        return self._jobs.busy

    @property
    def active(self) -> PlaneViewport:
        return self._active

    def start(self, series: Series, study: Study | None, window: Window | None = None,
              hide_identity: bool = False, index: int | None = None) -> None:
        """Check ``series`` now (raises VolumeError with the reason; VolumeTooLargeError
        with the slab that fits when the memory budget is too small), then read it; the
        planes open at frame ``index`` (the slice being read), else the middle."""
        check_series(series)
        self.cancel()
        self.clear()
        check_budget(series, self._cache, index)
        self.source = series
        self.progress.setRange(0, len(series.frames))
        self.progress.setValue(0)
        self._show_progress(True)
        self.title.setText(translate("Mpr", "MPR · {}").format(
            series.description or translate("Mpr", "series")))
        cache = self._cache
        source = frame_source(cache)
        # The planes open at once on the blank volume and fill in as slices arrive.
        volume = empty_volume(series, source=source)
        self.show_volume(volume, series, study, window, hide_identity, index, announce=False)

        def job(job: Job[Series]) -> Volume:
            fill_volume(volume, job.request, source=source, progress=job.progress,
                        cancel=job.token)
            return volume

        def built(_job: Job[Series], outcome: Outcome[Volume]) -> None:
            self._built(outcome)

        shown_at = [time.monotonic()]

        def arrived(_job: Job[Series], done: int, _total: int) -> None:
            self.progress.setValue(done)
            # Cut the planes again a few times a second: each cut converts whole planes,
            # and the GUI thread must not take the interpreter from the reading threads.
            if time.monotonic() - shown_at[0] >= REFRESH_INTERVAL_S:
                shown_at[0] = time.monotonic()
                self._refresh_planes()

        self._jobs.start(series, job, built, arrived)

    def offer_slab(self, error: VolumeTooLargeError, series: Series, study: Study | None,
                   window: Window | None = None, hide_identity: bool = False,
                   index: int | None = None) -> None:
        """Say why ``series`` does not fit, and offer MPR on the slab of it that does
        (non-modal; :attr:`slab_started` when the reader takes it)."""
        slab = error.slab
        if slab is None:
            raise error
        if self.slab_offer is not None:
            self.slab_offer.close()
        box = QMessageBox(QMessageBox.Icon.Question,
                          translate("MprView", "MPR does not fit in memory"),
                          problem_text(str(error)), QMessageBox.StandardButton.Cancel, self)
        take = box.addButton(translate("MprView", "Open the slab (images {} to {})").format(
            slab.start + 1, slab.stop), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(take)
        box.setObjectName("mpr_slab_offer")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(_result: int) -> None:
            self.slab_offer = None
            if box.clickedButton() is not take:
                return
            part = slab_series(series, slab)
            at = None if index is None else min(max(index - slab.start, 0), len(slab) - 1)
            self._boundary.guard(self.start)(part, study, window, hide_identity, at)
            if self.building:
                self.slab_started.emit()

        box.finished.connect(answered)
        self.slab_offer = box
        box.open()

    def _built(self, outcome: Outcome[Volume]) -> None:
        self._show_progress(False)
        if outcome.error is not None or outcome.value is None:
            if not outcome.cancelled and outcome.error is not None:
                self._boundary.report(outcome.error, "building the MPR volume")
            self.abandoned.emit()
            return
        self._refresh_planes()
        self.ready.emit()

    def _refresh_planes(self) -> None:
        """Show the slices read so far: every plane is cut again from the volume."""
        for viewport in self.planes.values():
            if viewport.frames is not None:
                viewport.frames.refresh()
            viewport.refresh_plane()

    def show_volume(self, volume: Volume, series: Series, study: Study | None,
                    window: Window | None = None, hide_identity: bool = False,
                    index: int | None = None, *, announce: bool = True) -> None:
        """Show the three planes of ``volume`` (built from ``series``), the crosshair on
        frame ``index`` of the series (the slice being read), else at the centre;
        ``announce``: the volume is complete (:attr:`ready`), else it is being filled."""
        if self.volume is not None and self.volume is not volume:
            release_volume(self.volume, self._cache)
        self.volume, self.source = volume, series
        reformats = {plane: Reformat.of(volume, plane) for plane in Plane}
        for plane, viewport in self.planes.items():
            reformat = reformats[plane]
            viewport.state.hide_identity = hide_identity
            viewport.open_plane(reformat, plane_series(reformat, series, window), study)
            # Vertical line: the plane behind the columns axis; horizontal: the rows axis.
            by_axis = {reformats[p].axes[0]: PLANE_COLOURS[p] for p in Plane}
            viewport.crosshair_colours = (by_axis[reformat.axes[2]], by_axis[reformat.axes[1]])
        self._apply_slab()
        self._derive_results()
        self.set_point(opening_point(volume, index))
        if announce:
            self.ready.emit()

    def cancel(self) -> None:
        if self._jobs.busy:
            self._jobs.drop()  # its volume, should it still come, is stale
            self._show_progress(False)
            self.abandoned.emit()

    def _source_results_changed(self, changed: frozenset[str]) -> None:
        if "runs" in changed and self.volume is not None:
            self._derive_results()

    def _derive_results(self) -> None:
        """Replace the planes' results with the source's masks cut into each plane."""
        if self._deriving or self.source is None:
            return
        self._deriving = True
        try:
            self._drop_derived()
            source = self.source
            derived = [result for viewport in self.planes.values()
                       if viewport.reformat is not None and viewport.series is not None
                       for result in plane_results(self._results, source.uid,
                                                   len(source.frames), viewport.reformat,
                                                   viewport.series.uid)]
            self._results.add_results(derived)
        finally:
            self._deriving = False

    def _drop_derived(self) -> None:
        for viewport in self.planes.values():
            if viewport.series is not None:
                for run in self._results.runs(viewport.series.uid):
                    self._results.remove_run(run.key)

    def clear(self) -> None:
        was_deriving, self._deriving = self._deriving, True
        try:
            self._drop_derived()  # derived results leave with the planes they were cut for
        finally:
            self._deriving = was_deriving
        for viewport in self.planes.values():
            viewport.close_series()
            viewport.reformat = viewport.frames = None
            viewport.crosshair = None
        if self.volume is not None:
            release_volume(self.volume, self._cache)  # the budget goes back to the frames
        self.volume = self.source = self.point = None

    def shutdown(self) -> None:
        self._unsubscribe_results()
        self.cancel()
        for viewport in self.planes.values():
            viewport.shutdown()

    def _show_progress(self, on: bool) -> None:
        self.progress.setVisible(on)
        self.cancel_button.setVisible(on)

    # -- crosshair and slab -----------------------------------------------------------------

    def set_point(self, voxel: tuple[float, float, float]) -> None:
        """Put the crosshair at voxel (k, i, j): every plane scrolls to it."""
        if self.volume is None:
            return
        k, i, j = (min(max(float(v), 0.0), n - 1.0)
                   for v, n in zip(voxel, self.volume.shape, strict=True))
        point = self.point = (k, i, j)
        self._syncing = True
        try:
            for viewport in self.planes.values():
                if viewport.reformat is None:
                    continue
                index, row, col = viewport.reformat.from_volume(point)
                viewport.crosshair = (row, col)
                viewport.state.update(index=round(index))
                viewport.update()
        finally:
            self._syncing = False

    def _clicked(self, plane: Plane, row: float, col: float) -> None:
        viewport = self.planes[plane]
        if viewport.reformat is not None:
            self.set_point(viewport.reformat.to_volume(viewport.state.index, row, col))

    def _plane_changed(self, plane: Plane, changed: frozenset[str]) -> None:
        viewport = self.planes[plane]
        if self._syncing or "index" not in changed or viewport.reformat is None \
                or viewport.crosshair is None:
            return
        row, col = viewport.crosshair
        self.set_point(viewport.reformat.to_volume(viewport.state.index, row, col))

    def toggle_crosshair_tool(self) -> None:
        """The left button moves the crosshair in every plane, or goes back to its tool."""
        on = not self.active.crosshair_tool
        for viewport in self.planes.values():
            viewport.crosshair_tool = on

    def set_crosshair_visible(self, on: bool) -> None:
        for viewport in self.planes.values():
            viewport.crosshair_visible = on
            viewport.update()
        if self.crosshair_box.isChecked() != on:
            self.crosshair_box.setChecked(on)

    @property
    def slab(self) -> Slab:
        return Slab(self.slab_box.currentData())

    def set_slab(self, slab: Slab, thickness: float | None = None) -> None:
        if thickness is not None:
            self.thickness_box.setValue(thickness)
        self.slab_box.setCurrentIndex(list(Slab).index(slab))
        self._apply_slab()

    def next_slab(self) -> None:
        """Off → MIP → MinIP → Average → Off (one key cycles through them)."""
        order = list(Slab)
        self.set_slab(order[(order.index(self.slab) + 1) % len(order)])

    def _apply_slab(self) -> None:
        self.thickness_box.setEnabled(self.slab is not Slab.OFF)
        for viewport in self.planes.values():
            viewport.set_slab(self.slab, self.thickness_box.value())

    # -- activation --------------------------------------------------------------------------

    def activate(self, viewport: PlaneViewport) -> None:
        if viewport is self._active:
            return
        self._active = viewport
        for plane, frame in self.frames.items():
            frame.set_active(self.planes[plane] is viewport)
        self.activated.emit(viewport)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.FocusIn) \
                and isinstance(watched, PlaneViewport):
            self.activate(watched)
        return False
