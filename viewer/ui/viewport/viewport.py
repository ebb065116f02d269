"""The image viewport: shows one series, turns mouse and keys into view-state changes.

The widget holds no display logic of its own: the ``ViewState`` says what to show, the
imaging layer turns stored pixels into grey levels, and this class only paints. The grey
image is rebuilt when something that changes it (slice, window, invert, a frame arriving)
has changed, and only on paint; zoom, pan, rotation and flips just change the transform.
Decoding never happens here: frames come from the loader's worker threads.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QKeyCombination, QPointF, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QFontMetrics,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from viewer.host.site_keys import CORNER_GROUPS
from viewer.imaging.lut import default_window, file_windows, modality_values
from viewer.imaging.orientation import orientation_labels
from viewer.imaging.presets import Preset, file_presets, preset_named, presets_for
from viewer.imaging.reference_lines import Segment
from viewer.imaging.render import render_frame
from viewer.imaging.scalebar import scale_bar
from viewer.io.objects import object_note
from viewer.io.person_names import person_name
from viewer.state.cine import DEFAULT_FPS, clamp_fps, file_fps, step_fps
from viewer.state.session import ObjectShown, Session
from viewer.state.view import Tool, ViewState
from viewer.ui.bindings import MouseGesture, Scope, key_map
from viewer.ui.i18n import QT_TRANSLATE_NOOP, corner_tr, translate
from viewer.ui.problem_text import problem_text
from viewer.ui.viewport import painting
from viewer.ui.viewport.ai_layer import BANNER_TOP, AILayer
from viewer.ui.viewport.contour_layer import ContourLayer
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN, CornerText, corner_text
from viewer.ui.viewport.key_marker import KeyImageMarker
from viewer.ui.viewport.loading import LoadedSeries
from viewer.ui.viewport.measure_tools import MeasureController
from viewer.ui.viewport.transform import fit_zoom, image_transform, pixel_aspect, to_image

if TYPE_CHECKING:
    from viewer.imaging.window import Window
    from viewer.io.cache import FrameCache
    from viewer.io.model import FrameRef, Instance, Series, Study
    from viewer.ui.boundary import ErrorBoundary
    from viewer.ui.bridge import Bridge

#: Marked for lupdate; translated where shown (``_message``).
LOADING = QT_TRANSLATE_NOOP("Viewport", "loading…")
#: Which gesture each mouse button makes; "tool" means the active left-button tool.
BUTTON_GESTURES = {
    Qt.MouseButton.LeftButton: MouseGesture.LEFT_DRAG,
    Qt.MouseButton.MiddleButton: MouseGesture.MIDDLE_DRAG,
    Qt.MouseButton.RightButton: MouseGesture.RIGHT_DRAG,
}
ZOOM_PER_PX = 0.01  # right-drag: about 1 % per pixel, 70 px doubles (e^(70*0.01) ~ 2)
#: Ctrl+wheel: one notch zooms 10 % about the cursor, as Weasis and most image viewers do.
ZOOM_PER_NOTCH = 1.1
SCROLL_PX = 8  # left-drag in scroll mode: one slice per 8 px


class Viewport(QWidget):
    #: The shown series has every frame decoded (or failed) and the current one is ready.
    loaded = Signal()
    #: (done, total) frames of the shown series.
    load_progress = Signal(int, int)
    #: Position and value under the mouse, for the status bar ("" when off the image).
    probe_changed = Signal(str)
    #: Display state changed (frozenset of field names), for the window title and menus.
    state_changed = Signal(object)
    series_opened = Signal(object)

    #: Set on views of derived images (MPR planes), which are never fed to a model.
    derived = False

    def __init__(self, cache: FrameCache, bridge: Bridge, boundary: ErrorBoundary,
                 parent: QWidget | None = None, *, session: Session | None = None,
                 slot: int | None = None) -> None:
        """``session``: the reading session this viewport is a view of (a private one when
        none is given, for a viewport used alone); ``slot``: its place in the layout, or
        None for a viewport outside the grid (MPR planes)."""
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.state = ViewState()
        self.session = session if session is not None else Session()
        self.slot = slot
        #: The object without pixels shown instead of an image (SR, RTSTRUCT, ECG…).
        self.shown_object: tuple[Instance, Study | None] | None = None
        self._cache, self._bridge, self._boundary = cache, bridge, boundary
        self.series: Series | None = None
        self.study: Study | None = None
        #: What an empty viewport says (the layout tells its other viewports to say more).
        self.empty_message = translate("Viewport", "Open a study: File > Open, or drop files or folders here")
        self._loading: LoadedSeries | None = None
        self._presets: list[Preset] = []
        # Reader preferences (viewer.host.settings): the preset a modality opens with, by name,
        # and which corner text groups are drawn.
        self.default_presets: Mapping[str, str] = {}
        self.corner_groups: tuple[str, ...] = CORNER_GROUPS
        #: "Receiving 5 / 64" under the image number while the series still arrives
        #: (ui/window/arriving.py): a partial stack is never shown as the whole series.
        self.arriving_note = ""
        # The image as last rendered: the numpy buffer must outlive the QImage built on it.
        self._array: np.ndarray | None = None
        self._buffer: np.ndarray | None = None  # rendered into again by the next frame
        self._stored: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._dirty = True
        self._loaded_sent = False
        self._prefetch_pending = False
        self._drag: tuple[MouseGesture, QPointF] | None = None
        self._scroll_rest = 0.0
        self._wheel_rest = 0
        self._sensitivity = 1.0
        self._cine = QTimer(self)
        self._cine.timeout.connect(self._cine_step)
        #: The reader's cine rate ([ and ]); None: the file's own (or the default).
        self.cine_rate: float | None = None
        #: The preset the reader chose last, to name the window on the image.
        self._chosen: Preset | None = None
        #: Reference lines from the other viewports: (segment in this image's pixels,
        #: label); the reading layout supplies them, a lone viewport has none.
        self.reference_lines: Callable[[], list[tuple[Segment, str]]] = list
        self.show_reference_lines = True
        self._unsubscribe = self.state.subscribe(self._on_state)
        # AI results and their display state: the session's one store, so every viewport
        # showing a series shows the same overlays; drawn on top, never mixed into the image.
        self.overlays = self.session.results
        self.ai_layer = AILayer(self.overlays)
        self._unsubscribes = [self.overlays.subscribe(self._on_overlays),
                              self.session.objects.subscribe(self._on_object)]
        # RT structure set contours of the shown series' study: the session reads them
        # once for every viewport; the layer draws those that fit the series.
        self.contours = ContourLayer(self, self.session.structure_sets)
        # The reader's measurements: the session's store, shared by every viewport.
        self.measure = MeasureController(self, self.session.measurements)
        # Key images (K): the session's, like the measurements; a "KEY" marker on screen.
        self.key_images = KeyImageMarker(self, self.session.key_images)

    # -- opening ----------------------------------------------------------------------------

    def open_series(self, series: Series, study: Study | None = None, *,
                    index: int | None = None) -> None:
        """Show ``series`` as Basic Image Review asks: middle image (or ``index``), fit,
        the file's window."""
        self.close_series()
        self.series, self.study = series, study
        self._show_in_slot(series.uid)
        self._presets = presets_for(series.modality)
        self._loaded_sent = False
        self._prefetch_pending = False
        if series.frames:
            loading = self._make_loading(series)
            loading.frame_ready.connect(self._frame_ready)
            loading.frame_failed.connect(self._frame_failed)
            loading.progress.connect(self.load_progress)
            loading.finished.connect(self._check_loaded)
            self._loading = loading
        self.state.set_stack(len(series.frames), index)
        self.state.reset_view(self._opening_window())
        if self._loading is not None:
            # Only the image the reader sees at first; the rest is prefetched once it is
            # on screen, so 300 other decodes don't compete with the first one.
            self._loading.request(self.state.index)
            self._prefetch_pending = True
        self._sync_fit()
        self.series_opened.emit(series)
        self.update()

    def _make_loading(self, series: Series) -> LoadedSeries:
        """Where the frames come from: the io loader here; a derived view (MPR planes)
        supplies its own source with the same signals and ``get``/``request`` calls."""
        return LoadedSeries(series, self._cache, self._bridge, self)

    def close_series(self) -> None:
        closing = self.series
        self.arriving_note = ""  # said again for the next series if it too is arriving
        self.shown_object = None
        self._cine.stop()
        self.cine_rate = None
        if self._loading is not None:
            self._loading.close()
            self._loading.deleteLater()
            self._loading = None
        self.series = self.study = None
        self._array = self._stored = self._qimage = None
        self._dirty = True
        self.ai_layer.invalidate()
        self.state.set_stack(0)
        if closing is not None and self.slot is not None:
            # A close that lost a race (the slot shows something else) changes nothing.
            self.session.close_series(self.slot, closing.uid)
        self.update()

    def _show_in_slot(self, series_uid: str | None) -> None:
        if self.slot is not None:
            self.session.slots.show(self.slot, series_uid)

    def show_object(self, instance: Instance, study: Study | None = None) -> None:
        """An object without pixels: the image and its corner text go at once (before
        anything about the new object is drawn), a neutral panel says what it is."""
        self.close_series()
        self.shown_object = (instance, study)
        self.repaint()

    def _on_object(self, event: ObjectShown) -> None:
        if event.slot == self.slot:
            self.show_object(event.instance, event.study)

    def object_text(self) -> str:
        """"<patient> · <modality> · no image to display" (identity hidden when asked)."""
        if self.shown_object is None:
            return ""
        instance, study = self.shown_object
        if self.state.hide_identity:
            who = corner_tr(IDENTITY_HIDDEN)
        else:
            name = study.patient_name if study is not None else _header_name(instance)
            who = person_name(name) or translate("Viewport", "Unnamed")
        note = object_note(instance)
        return " · ".join((who, instance.modality, problem_text(note) if note
                           else translate("Viewport", "no image to display")))

    def shutdown(self) -> None:
        """Stop loading and timers; the widget is about to go."""
        self.close_series()
        self._unsubscribe()
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self.measure.shutdown()
        self.key_images.shutdown()
        self.contours.shutdown()

    # -- what is shown ---------------------------------------------------------------------

    @property
    def presets(self) -> list[Preset]:
        return list(self._presets)

    def current_ref(self) -> FrameRef | None:
        if self.series is None or not self.series.frames:
            return None
        return self.series.frames[self.state.index]

    @property
    def is_loaded(self) -> bool:
        """Every frame finished and the current one can be drawn (or has failed)."""
        if self._loading is None:
            return self.series is not None  # a series without images is "loaded" at once
        index = self.state.index
        current = index in self._loading.failures or self._loading.get(index) is not None
        return current and (self._loading.is_finished or not self._loading.fits_in_cache)

    def current_stored(self) -> np.ndarray | None:
        """The shown frame's stored values, if decoded (for measurements)."""
        if self._loading is None or self.current_ref() is None:
            return None
        return self._loading.get(self.state.index)

    def displayed_image(self) -> np.ndarray | None:
        """The grey (or RGB) image as it is painted, before zoom/rotation (the next
        rendering may reuse its memory: copy it to keep it)."""
        self._ensure_rendered()
        return self._array

    def corner_text(self) -> CornerText:
        text = corner_text(self.study, self.series, self.state, tr=corner_tr,
                           show=self.corner_groups, window_name=self.window_name(),
                           cine_fps=self._cine_fps() if self.cine_running else None)
        if self.arriving_note and self.series is not None:  # whatever the preferences hide
            text.bottom_left.insert(1 if text.bottom_left else 0, self.arriving_note)
        return text

    def set_arriving_note(self, note: str) -> None:
        if note != self.arriving_note:
            self.arriving_note = note
            self.update()

    def window_name(self) -> str | None:
        """The preset the window is, or None (a dragged window): the one the reader chose
        last while it holds, else the file's own windows first, then the bundled ones
        (a file window of 400/40 is the file's even if "Abdomen" has the same values)."""
        preset = preset_named(self.state.window,
                              [self._chosen] if self._chosen is not None else [],
                              self.file_presets(), self._presets)
        return preset.name if preset is not None else None

    def set_display_preferences(self, default_presets: Mapping[str, str],
                                corner_groups: Sequence[str]) -> None:
        """The reader's preferences; the corner text follows at once, the preset from the
        next series opened (changing the window of what is being read would surprise)."""
        self.default_presets = dict(default_presets)
        self.corner_groups = tuple(corner_groups)
        self.update()

    def default_preset(self) -> Preset | None:
        """The named preset this series' modality opens with, if the reader chose one."""
        name = self.default_presets.get((self.series.modality if self.series else "").upper())
        return next((p for p in self._presets if p.name == name), None) if name else None

    def image_to_screen(self) -> QTransform | None:
        size = self._image_size()
        if size is None:
            return None
        t = image_transform(self.state, size[0], size[1], self._aspect(), self.width(),
                            self.height())
        # Whole-pixel offsets: at 1:1 each image pixel lands on exactly one screen pixel.
        return QTransform(t.m11(), t.m12(), t.m21(), t.m22(), round(t.dx()), round(t.dy()))

    # -- actions (the binding table's names) --------------------------------------------

    def trigger(self, action: str, position: int = 0) -> bool:
        """Do what binding ``action`` means; False if it does not apply here."""
        s = self.state
        step = max(1, round(s.count * 0.1))
        simple = {
            "previous": lambda: s.step(-1),
            "next": lambda: s.step(1),
            "page_back": lambda: s.step(-step),
            "page_forward": lambda: s.step(step),
            "first": lambda: s.update(index=0),
            "last": lambda: s.update(index=s.count - 1),
            "fit": lambda: s.update(fit=True, pan=(0.0, 0.0)),
            "actual_size": lambda: s.update(zoom=1.0, pan=(0.0, 0.0)),
            "invert": lambda: s.update(invert=not s.invert),
            "rotate": s.rotate_clockwise,
            "flip_h": lambda: s.update(flip_h=not s.flip_h),
            "flip_v": lambda: s.update(flip_v=not s.flip_v),
            "annotations": lambda: s.update(annotations=not s.annotations),
            "reset": lambda: s.reset_view(self._opening_window()),
            "tool_window": lambda: s.update(tool=Tool.WINDOW),
            "tool_pan": lambda: s.update(tool=Tool.PAN),
            "tool_zoom": lambda: s.update(tool=Tool.ZOOM),
            "tool_scroll": lambda: s.update(tool=Tool.SCROLL),
            "tool_distance": lambda: s.update(tool=Tool.DISTANCE),
            "tool_angle": lambda: s.update(tool=Tool.ANGLE),
            "tool_ellipse": lambda: s.update(tool=Tool.ELLIPSE),
            "tool_rectangle": lambda: s.update(tool=Tool.RECTANGLE),
            "delete_measurement": self.measure.delete_selected,
            "key_image": self.key_images.toggle,
            "cine": self.toggle_cine,
            "cine_slower": lambda: self.set_cine_rate(step_fps(self._cine_fps(), -1)),
            "cine_faster": lambda: self.set_cine_rate(step_fps(self._cine_fps(), 1)),
            "file_window": self.next_file_window,
            "ai_overlays": self.overlays.toggle_visible,
        }
        if action == "preset":
            return self.apply_preset(position + 1)
        if action not in simple:
            return False
        simple[action]()
        if action in ("fit", "reset"):
            self._sync_fit()
        return True

    def apply_preset(self, key: int) -> bool:
        """Window preset number ``key`` (1..9): its own key if it has one, else its place."""
        chosen = next((p for p in self._presets if p.key == key), None)
        if chosen is None and all(p.key is None for p in self._presets) \
                and 0 < key <= len(self._presets):
            chosen = self._presets[key - 1]
        if chosen is None:
            return False
        self._chosen = chosen
        self.state.window = chosen.window
        return True

    def apply_preset_named(self, name: str) -> bool:
        """The bundled preset called ``name`` (a saved hanging's), if this modality has it."""
        chosen = next((p for p in self._presets if p.name == name), None)
        if chosen is None:
            return False
        self._chosen = chosen
        self.state.window = chosen.window
        return True

    def file_presets(self) -> list[Preset]:
        """The current image's own windows (see :func:`file_presets`), for the menu."""
        ref = self.current_ref()
        if ref is None:
            return []
        stored = self._loading.get(self.state.index) if self._loading else None
        return file_presets(ref.instance, ref.frame, stored)

    def apply_file_window(self, number: int = 0) -> bool:
        """Show the file's own window ``number`` (0 = the first, what the image opened with)."""
        choices = self.file_presets()
        if not 0 <= number < len(choices):
            return False
        self._chosen = choices[number]
        self.state.window = choices[number].window
        return True

    def next_file_window(self) -> None:
        """Back to the file's window; if already there, on to the file's next one."""
        choices = [p.window for p in self.file_presets()]
        current = choices.index(self.state.window) if self.state.window in choices else -1
        self.apply_file_window((current + 1) % len(choices) if choices else 0)

    def toggle_cine(self) -> None:
        if self._cine.isActive():
            self._cine.stop()
        elif self.state.count > 1:
            self._cine.start(round(1000 / self._cine_fps()))
        self.update()  # the "Cine n fps" readout

    @property
    def cine_running(self) -> bool:
        return self._cine.isActive()

    def set_cine_rate(self, fps: float) -> None:
        """The reader's cine rate (1–60 fps); a running cine changes speed at once."""
        self.cine_rate = clamp_fps(fps)
        if self._cine.isActive():
            self._cine.start(round(1000 / self.cine_rate))
        self.update()

    # -- state and data events -----------------------------------------------------------

    def _on_state(self, changed: frozenset[str]) -> None:
        if changed & {"index", "window", "invert", "count"}:
            self._dirty = True
        if changed & {"index", "count"}:
            self.ai_layer.invalidate()
            self.measure.cancel()  # a half-drawn measurement belongs to the old image
        if "index" in changed and self._loading is not None:
            index = self.state.index
            if self._loading.get(index) is None:
                self._loading.request(index)
                self._loading.prefetch(index)
            else:
                # Moved to a frame already decoded before the first one arrived: it is on
                # screen now, so the prefetch waiting for the first image starts here.
                self._start_prefetch()
        if changed & {"rotation", "fit"}:
            self._sync_fit()
        self.state_changed.emit(changed)
        self.update()

    def _on_overlays(self, changed: frozenset[str]) -> None:
        self.ai_layer.invalidate()
        self.update()

    def ai_layer_image(self) -> np.ndarray | None:
        """The AI mask/heatmap layer of the shown image (RGBA, the image's size), or None."""
        size = self._image_size()
        if self.series is None or size is None:
            return None
        return self.ai_layer.layer(self.series.uid, self.state.index, (size[1], size[0]))

    def _frame_ready(self, index: int) -> None:
        if index != self.state.index:
            return
        if self.state.window is None:
            ref = self.current_ref()
            stored = self._loading.get(index) if self._loading else None
            if ref is not None and stored is not None:
                self.state.window = default_window(ref.instance, ref.frame, stored)
        self._dirty = True
        self._check_loaded()
        if self._prefetch_pending:
            self.repaint()  # the first image goes on screen before prefetching starts
            self._start_prefetch()
        else:
            self.update()

    def _frame_failed(self, index: int, error: BaseException) -> None:
        self._boundary.report(error, "decoding an image")
        if index == self.state.index:
            self._dirty = True
            self.update()
        self._start_prefetch()
        self._check_loaded()

    def _start_prefetch(self) -> None:
        if self._prefetch_pending and self._loading is not None:
            self._prefetch_pending = False
            self._loading.prefetch(self.state.index)

    def _check_loaded(self) -> None:
        if not self._loaded_sent and self.is_loaded:
            self._loaded_sent = True
            self.loaded.emit()

    def _opening_window(self) -> Window | None:
        preset = self.default_preset()
        return preset.window if preset is not None else self._file_window()

    def _file_window(self) -> Window | None:
        ref = self.current_ref()
        if ref is None:
            return None
        windows = file_windows(ref.instance, ref.frame)
        if windows:
            return windows[0]
        stored = self._loading.get(self.state.index) if self._loading else None
        if stored is not None or (ref.instance.pixel and ref.instance.pixel.is_colour):
            return default_window(ref.instance, ref.frame, stored)
        return None  # decided when the frame arrives

    def _cine_fps(self) -> float:
        if self.cine_rate is not None:
            return self.cine_rate
        ref = self.current_ref()
        return file_fps(ref.instance.header if ref else None) or DEFAULT_FPS

    def _cine_step(self) -> None:
        s = self.state
        s.update(index=(s.index + 1) % s.count if s.count else 0)

    # -- rendering -----------------------------------------------------------------------

    def _ensure_rendered(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        self._array = self._stored = self._qimage = None
        ref = self.current_ref()
        if ref is None or self._loading is None:
            return
        stored = self._loading.get(self.state.index)
        if stored is None:
            self._loading.request(self.state.index)
            return
        try:
            # Rendered into the buffer of the frame before when it fits (a window drag
            # renders the same frame over and over): no new 7.5 MB image per mouse move.
            image = render_frame(stored, ref.instance, ref.frame, self.state.window,
                                 self.state.invert, out=self._buffer)
        except Exception as exc:  # noqa: BLE001 - shown in the viewport and reported
            self._loading.failures[self.state.index] = exc
            self._boundary.report(exc, "rendering an image")
            return
        self._stored = stored
        self._array = np.ascontiguousarray(image)
        self._buffer = self._array if self._array.ndim == 2 and self._array.flags.writeable \
            else None
        height, width = self._array.shape[:2]
        fmt = QImage.Format.Format_RGB888 if self._array.ndim == 3 \
            else QImage.Format.Format_Grayscale8
        self._qimage = QImage(self._array.data, width, height, self._array.strides[0], fmt)
        self._sensitivity = self._window_sensitivity(stored, ref)
        self._sync_fit()

    @staticmethod
    def _window_sensitivity(stored: np.ndarray, ref: FrameRef) -> float:
        """Modality units per dragged pixel: a 1024-px drag spans the data's whole range."""
        if stored.ndim != 2 or stored.size == 0:
            return 1.0
        ends = modality_values(np.array([stored.min(), stored.max()]), ref.instance, ref.frame)
        span = float(np.nanmax(ends) - np.nanmin(ends))
        if not math.isfinite(span) or span <= 0:
            return 1.0
        return span / 1024 if stored.dtype.kind == "f" else max(span / 1024, 1.0)

    def _image_size(self) -> tuple[int, int] | None:
        if self._array is not None:
            return self._array.shape[1], self._array.shape[0]
        ref = self.current_ref()
        if ref is not None and ref.instance.pixel is not None:
            return ref.instance.pixel.columns, ref.instance.pixel.rows
        return None

    def _aspect(self) -> float:
        ref = self.current_ref()
        return pixel_aspect(ref.geometry.spacing) if ref else 1.0

    def _sync_fit(self) -> None:
        """In fit mode the zoom follows the widget size (so the corner text shows it)."""
        size = self._image_size()
        if not self.state.fit or size is None:
            return
        zoom = fit_zoom(size[0], size[1], self._aspect(), self.state.rotation,
                        self.width(), self.height())
        self.state.update(zoom=zoom, fit=True)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._sync_fit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        self._ensure_rendered()
        painter = QPainter(self)
        try:
            rect = self.rect()
            painter.fillRect(rect, Qt.GlobalColor.black)
            message = self._message()
            transform = self.image_to_screen()
            if self._qimage is not None and transform is not None:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform,
                                      abs(self.state.zoom - 1.0) > 1e-6)
                painter.setTransform(transform)
                painter.drawImage(0, 0, self._qimage)
                painter.resetTransform()
            if message:
                painting.draw_message(painter, rect, message)
            if self._qimage is not None and transform is not None \
                    and self.show_reference_lines:
                painting.draw_reference_lines(painter, transform, self.reference_lines())
            if self._qimage is not None:
                self.contours.paint(painter, transform, self.current_ref())
                self.measure.paint(painter)
                if self.measure.visible:  # a screenshot without overlays leaves it out too
                    self.key_images.paint(painter, rect)
            if self.state.annotations and self.series is not None:
                self._paint_annotations(painter, rect)
            # After the annotations and whatever their toggle says: AI output is always
            # marked as such while it is on screen.
            size = self._image_size()
            self.ai_layer.paint(painter, rect, transform if self._qimage is not None else None,
                                self.series.uid if self.series else None, self.state.index,
                                (size[1], size[0]) if size else None, self._ai_banner_top())
        finally:
            painter.end()

    def _message(self) -> str:
        if self.shown_object is not None:
            return self.object_text()
        if self.series is None:
            return self.empty_message
        if not self.series.frames:
            return translate("Viewport", "No image to display")
        if self._qimage is not None:
            return ""
        error = self._loading.failures.get(self.state.index) if self._loading else None
        if error is not None:
            return translate("Viewport", "Cannot display this image.") + f"\n{error}"
        return translate("Viewport", LOADING)

    def _ai_banner_top(self) -> int:
        """Below the top corner text when it is shown, else below the orientation letter."""
        if not self.state.annotations or self.series is None:
            return BANNER_TOP
        text = self.corner_text()
        lines = max(len(text.top_left), len(text.top_right))
        spacing = QFontMetrics(painting.overlay_font()).lineSpacing()
        return max(BANNER_TOP, painting.MARGIN + lines * spacing + 6)

    def _paint_annotations(self, painter: QPainter, rect: QRect) -> None:
        painting.draw_corner_text(painter, rect, self.corner_text())
        ref = self.current_ref()
        if ref is None:
            return
        s = self.state
        geometry = ref.geometry
        painting.draw_orientation(painter, rect, orientation_labels(
            geometry.orientation, s.rotation, s.flip_h, s.flip_v))
        if geometry.spacing and geometry.spacing[1] > 0 and self._qimage is not None:
            bar = scale_bar(geometry.spacing[1] / s.zoom, rect.width() / 4)
            if bar is not None:
                painting.draw_scale_bar(painter, rect, *bar)

    # -- mouse ---------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        gesture = BUTTON_GESTURES.get(event.button())
        if gesture is None or self.series is None:
            return super().mousePressEvent(event)
        if gesture is MouseGesture.LEFT_DRAG and self._qimage is not None \
                and self.measure.press(event.position(), self.state.tool):
            self._drag = None
            event.accept()
            return
        self._drag = (gesture, event.position())
        self._scroll_rest = 0.0
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton and self._drag is None \
                and self.measure.release(event.position()):
            event.accept()
            return
        if self._drag is not None and BUTTON_GESTURES.get(event.button()) == self._drag[0]:
            self._drag = None
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._drag is None and event.buttons() & Qt.MouseButton.LeftButton \
                and self.measure.move(event.position()):
            event.accept()
            return
        if self._drag is None:
            self.measure.hover(event.position())
            self.probe_changed.emit(self.probe_text(event.position().x(), event.position().y()))
            return
        gesture, last = self._drag
        pos = event.position()
        dx, dy = pos.x() - last.x(), pos.y() - last.y()
        self._drag = (gesture, pos)
        tool = {MouseGesture.MIDDLE_DRAG: Tool.PAN,
                MouseGesture.RIGHT_DRAG: Tool.ZOOM}.get(gesture, self.state.tool)
        self.drag(tool, dx, dy)
        event.accept()

    def drag(self, tool: Tool, dx: float, dy: float) -> None:
        """Apply a drag of (dx, dy) screen pixels with ``tool``."""
        s = self.state
        if tool is Tool.WINDOW:
            window = s.window or self._file_window()
            if window is not None:
                s.window = window.with_drag(dx, dy, self._sensitivity)
        elif tool is Tool.PAN:
            s.pan_by(dx, dy)
        elif tool is Tool.ZOOM:
            s.zoom_by(math.exp(-dy * ZOOM_PER_PX))  # drag up: zoom in
        elif tool is Tool.SCROLL:
            self._scroll_rest += dy
            steps = int(self._scroll_rest / SCROLL_PX)
            if steps:
                self._scroll_rest -= steps * SCROLL_PX
                s.step(steps)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        # Touchpads send small deltas: add them up to whole notches (120 = one notch).
        self._wheel_rest += event.angleDelta().y()
        notches = int(self._wheel_rest / 120)
        if notches:
            self._wheel_rest -= notches * 120
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.zoom_at(ZOOM_PER_NOTCH ** notches, event.position())  # up: zoom in
            else:
                self.state.step(-notches)  # wheel down (negative delta): next slice
        event.accept()

    def zoom_at(self, factor: float, point: QPointF) -> None:
        """Zoom by ``factor`` keeping the image point under widget ``point`` in place."""
        self.state.zoom_by(factor, (point.x() - self.width() / 2,
                                    point.y() - self.height() / 2))

    def probe_text(self, x: float, y: float) -> str:
        """"x, y: stored value (HU)" for the image pixel under widget point (x, y)."""
        transform = self.image_to_screen()
        ref = self.current_ref()
        if transform is None or self._stored is None or ref is None:
            return ""
        point = to_image(transform, x, y)
        if point is None:
            return ""
        col, row = math.floor(point[0]), math.floor(point[1])
        rows, cols = self._stored.shape[:2]
        if not (0 <= row < rows and 0 <= col < cols):
            return ""
        value = self._stored[row, col]
        if self._stored.ndim == 3:
            return f"x {col}  y {row}   RGB {tuple(int(v) for v in value)}"
        text = (f"x {col}  y {row}   " + translate("Viewport", "value {:g}").format(value)
                if np.isscalar(value) else "")
        units = modality_values(self._stored[row:row + 1, col:col + 1], ref.instance, ref.frame)
        modality_value = float(units[0, 0])
        if ref.instance.modality == "CT":
            text += f"   {modality_value:.0f} HU"
        elif modality_value != float(value):
            text += f"   ({modality_value:g})"
        return text

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 - Qt override
        menu = self.measure.context_menu(QPointF(event.pos()), self)
        if menu is None:
            return super().contextMenuEvent(event)
        self._drag = None  # the right press that opened the menu is not a zoom
        menu.popup(event.globalPos())
        event.accept()

    def leaveEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self.probe_changed.emit("")

    # -- keys ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = Qt.Key(event.key())
        text = QKeySequence(QKeyCombination(modifiers, key)).toString(
            QKeySequence.SequenceFormat.PortableText)
        action = key_map(Scope.VIEWPORT).get(text)
        if action is not None and self.trigger(*action):
            event.accept()
            return
        super().keyPressEvent(event)


def _header_name(instance: Instance) -> str:
    header = instance.header
    return str(header.get("PatientName", "")) if header is not None else ""
