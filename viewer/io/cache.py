"""A bounded, thread-safe store of decoded frames, and memory estimates for the UI.

Frames are evicted least-recently-used first, by bytes rather than by count, so a cache
sized for 300 CT slices also holds the right number of large colour frames.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Hashable

import numpy as np

from viewer.io.model import PixelInfo, Series

#: Used where the amount of physical memory cannot be asked for (non-POSIX systems).
_FALLBACK_MEMORY = 8 * 1024**3
_CACHE_SHARE = 0.25


def physical_memory_bytes() -> int:
    """Installed memory, or a safe guess where the OS will not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return _FALLBACK_MEMORY


def default_cache_bytes() -> int:
    """A quarter of physical memory: room for a few large series, and for everything else."""
    return int(physical_memory_bytes() * _CACHE_SHARE)


def frame_bytes(pixel: PixelInfo) -> int:
    """Bytes one frame takes once decoded (as :func:`viewer.io.pixels.read_frame` returns it)."""
    if pixel.is_colour:
        return pixel.rows * pixel.columns * 3  # colour always comes back as 8-bit RGB
    bytes_per_value = 1 if pixel.bits_allocated <= 8 else (pixel.bits_allocated + 7) // 8
    return pixel.rows * pixel.columns * bytes_per_value


def estimate_series_bytes(series: Series) -> int:
    """Memory the whole series takes decoded, so the UI can warn before it will not fit."""
    return sum(frame_bytes(f.instance.pixel) for f in series.frames if f.instance.pixel)


class FrameCache:
    """LRU cache of frames keyed by ``FrameRef.key``, bounded by total bytes.

    Cached arrays are made read-only: many viewports may share one, and a consumer that
    wrote into it would silently change what every other viewport shows.
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must be >= 0")
        self._max_bytes = int(max_bytes)
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._nbytes = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        return self._nbytes

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: Hashable) -> np.ndarray | None:
        with self._lock:
            array = self._items.get(key)
            if array is not None:
                self._items.move_to_end(key)
            return array

    def put(self, key: Hashable, array: np.ndarray) -> bool:
        """Store ``array``; returns False when it alone is larger than the whole cache."""
        size = int(array.nbytes)
        if size > self._max_bytes:
            return False
        array.flags.writeable = False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._nbytes -= int(old.nbytes)
            self._items[key] = array
            self._nbytes += size
            while self._nbytes > self._max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._nbytes -= int(evicted.nbytes)
        return True

    def discard(self, key: Hashable) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._nbytes -= int(old.nbytes)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._nbytes = 0
