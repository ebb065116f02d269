"""A series being loaded for display: the io loader, seen from the GUI thread.

``SeriesLoader`` decodes frames on its own worker threads and calls back from there; this
wrapper sends those callbacks through the bridge, so its Qt signals always fire on the GUI
thread. Callbacks from a loader that has since been closed (the reader opened another
series) are dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from viewer.io.cache import estimate_series_bytes
from viewer.io.loader import SeriesLoader

if TYPE_CHECKING:
    import numpy as np

    from viewer.io.cache import FrameCache
    from viewer.io.model import Series
    from viewer.ui.bridge import Bridge


class LoadedSeries(QObject):
    frame_ready = Signal(int)
    frame_failed = Signal(int, object)  # index, exception
    progress = Signal(int, int)  # frames finished (decoded or failed), total
    finished = Signal()  # every frame decoded or failed once

    def __init__(self, series: Series, cache: FrameCache, bridge: Bridge,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self._bridge = bridge
        # Frames already decoded (the series is shown elsewhere, or was before) count as
        # done: the loader never decodes them again, so no callback would mark them.
        self._done: set[int] = {i for i, ref in enumerate(series.frames) if ref.key in cache}
        self.failures: dict[int, BaseException] = {}
        self._closed = False
        # The frame the reader looks at, held here as well as in the cache: with a cache
        # smaller than the series, prefetching (or a thumbnail, or another viewport) can
        # evict it between its arrival and the paint, and the viewport would say
        # "loading…" for an image that was decoded.
        self._wanted: int | None = None
        self._held: tuple[int, np.ndarray] | None = None
        # Prefetch stops when the cache is nearly full, so a huge series never finishes.
        self.fits_in_cache = estimate_series_bytes(series) <= cache.max_bytes * 0.8
        self._loader = SeriesLoader(series, cache, on_frame=self._worker_frame,
                                    on_error=self._worker_error)

    @property
    def total(self) -> int:
        return len(self.series.frames)

    @property
    def is_finished(self) -> bool:
        return len(self._done) >= self.total

    # -- called on decode threads: hand over, touch nothing ------------------------------

    def _worker_frame(self, index: int) -> None:
        # Taken from the cache now, on the thread that just put it there: by the time the
        # GUI thread hears of it, it may have been evicted.
        self._bridge.post(self._frame_arrived, index, self._loader.get(index))

    def _worker_error(self, index: int, error: BaseException) -> None:
        self._bridge.post(self._frame_error, index, error)

    # -- GUI thread -----------------------------------------------------------------------

    def _frame_arrived(self, index: int, array: np.ndarray | None = None) -> None:
        if self._closed:
            return
        if array is not None and index == self._wanted:
            self._held = (index, array)
        self.failures.pop(index, None)
        self._mark(index)
        self.frame_ready.emit(index)

    def _frame_error(self, index: int, error: BaseException) -> None:
        if self._closed:
            return
        self.failures[index] = error
        self._mark(index)
        self.frame_failed.emit(index, error)

    def _mark(self, index: int) -> None:
        was_finished = self.is_finished
        self._done.add(index)
        self.progress.emit(len(self._done), self.total)
        if self.is_finished and not was_finished:
            self.finished.emit()

    def get(self, index: int) -> np.ndarray | None:
        """The decoded frame if it is in the cache (or is the one held for the reader),
        else None (never blocks)."""
        if self._closed:
            return None
        array = self._loader.get(index)
        if array is None and self._held is not None and self._held[0] == index:
            return self._held[1]
        if array is not None and index == self._wanted:
            self._held = (index, array)
        return array

    def request(self, index: int) -> None:
        """The reader is looking at ``index``: decode it before anything else."""
        if self._closed:
            return
        self._wanted = index
        if self._held is not None and self._held[0] != index:
            self._held = None
        if self.get(index) is not None:
            # Already in the cache: the loader has nothing to do, so announce it ourselves
            # (later, like a decoded frame, never inside the caller's own call).
            self._bridge.post(self._frame_arrived, index)
            return
        self._loader.request(index)

    def prefetch(self, center: int) -> None:
        if not self._closed:
            self._loader.prefetch(center)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._held = None
            self._loader.close()
