"""The first image of a folder, painted while the scan reads the rest.

A scan groups and sorts series only once every header is read: seconds for a big folder,
minutes on a slow network share. So the scan hands over the first image it reads (the
middle file first: see :func:`viewer.io.scan.scan`) and the window paints it at once, on
its own, as the file it is: one image, no scrolling, the status bar naming the file. When
the scan is done, the sorted series that holds it opens at that same image, with the view
as the reader left it (window, zoom, pan), so nothing jumps. A scan that is cancelled or
fails takes the early image away with it: nothing from an unfinished scan stays on screen
as if it were opened. The early image is offered only to an empty viewport: a series the
reader is looking at is never replaced by a later scan's file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from viewer.io.series import build_studies
from viewer.state.view import FIELDS
from viewer.ui.i18n import translate

if TYPE_CHECKING:
    from viewer.io.model import Instance, Series, Study
    from viewer.ui.window.main_window import MainWindow

#: View settings carried from the early image to the sorted series (not the index: it is
#: found again; not identity, annotations or the tool: those are the window's, unchanged).
KEPT_VIEW = tuple(f for f in FIELDS if f in ("window", "zoom", "fit", "pan", "rotation",
                                         "flip_h", "flip_v", "invert"))


class EarlyImage:
    """The window's early image: offered by the scan, replaced by its sorted series."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self._series: Series | None = None

    @property
    def shown(self) -> bool:
        """The early image is on screen (the reader has not opened anything else)."""
        return self._series is not None and self._window.viewport.series is self._series

    def offer(self, instance: Instance) -> None:
        """The scan read ``instance`` (a file with an image): paint it if nothing is shown."""
        window = self._window
        viewport = window.viewport
        if (viewport.series is not None or viewport.shown_object is not None
                or window.reports.shown or window.mpr_shown):
            return
        study = build_studies([instance])[0]
        series = study.series[0]
        if not series.has_images:
            return
        self._series = series
        viewport.open_series(series, study)
        window._update_title()
        window.statusBar().showMessage(translate(
            "MainWindow", "Showing {} while the rest is scanned; the series opens sorted "
            "when the scan is done").format(instance.path.name))

    def settle(self) -> bool:
        """After the scan's studies joined the session: open the sorted series that holds
        the early image, at that image, with the same view. False when there was no early
        image on screen (or no series holds it: it is taken away)."""
        if not self.shown:
            self._series = None
            return False
        window = self._window
        viewport = window.viewport
        ref = viewport.current_ref()
        found = self._holding(ref.key) if ref is not None else None
        self._series = None
        if found is None:
            viewport.close_series()
            window._update_title()
            return False
        series, study, index = found
        kept = {name: getattr(viewport.state, name) for name in KEPT_VIEW}
        window.open_series(series, study, index=index)
        viewport.state.update(**kept)
        return True

    def drop(self) -> None:
        """The scan was cancelled or failed: the early image goes."""
        if self.shown:
            self._window.viewport.close_series()
            self._window._update_title()
        self._series = None

    def _holding(self, key: tuple[str, int]) -> tuple[Series, Study, int] | None:
        for study in self._window.session.studies:
            for series in study.series:
                for index, ref in enumerate(series.frames):
                    if ref.key == key:
                        return series, study, index
        return None
