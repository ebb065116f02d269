"""A bounded, thread-safe store of decoded frames, and memory estimates for the UI.

Frames are evicted least-recently-used first, by bytes rather than by count, so a cache
sized for 300 CT slices also holds the right number of large colour frames.

One budget covers every large pixel array the viewer keeps: a block such as the MPR volume
is *held* in the cache (:meth:`FrameCache.hold`): its bytes count against the same limit,
it is never evicted, and frames that are views into it (the MPR volume's slices stand in
for the acquired frames they were copied from) cost nothing more, so a series open in MPR
is in memory once.
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
        self._sizes: dict[Hashable, int] = {}  # bytes each frame counts (0: a held view)
        self._nbytes = 0
        self._held: dict[Hashable, np.ndarray] = {}
        self._held_bytes = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def nbytes(self) -> int:
        """Bytes counted against the budget: the frames plus the held blocks."""
        return self._nbytes + self._held_bytes

    @property
    def held_bytes(self) -> int:
        """Bytes of the held blocks (the MPR volume), part of :attr:`nbytes`."""
        return self._held_bytes

    def room_to_hold(self) -> int:
        """Bytes a new held block may take: the budget less the held blocks (frames are
        evicted to make room; held blocks are not)."""
        return max(0, self._max_bytes - self._held_bytes)

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
        """Store ``array``; returns False when it alone is larger than the whole cache.
        A view into a held block is stored at no cost."""
        with self._lock:
            size = 0 if self._held_owner(array) is not None else int(array.nbytes)
            if size > self._max_bytes:
                return False
            array.flags.writeable = False
            self._pop(key)
            self._items[key] = array
            self._sizes[key] = size
            self._nbytes += size
            self._evict()
        return True

    def discard(self, key: Hashable) -> None:
        with self._lock:
            self._pop(key)

    def clear(self) -> None:
        """Forget every frame and every held block."""
        with self._lock:
            self._items.clear()
            self._sizes.clear()
            self._held.clear()
            self._nbytes = self._held_bytes = 0

    def hold(self, key: Hashable, array: np.ndarray) -> bool:
        """Count ``array`` (a large block, e.g. the MPR volume) against the budget until
        :meth:`release`; frames are evicted to make room. Returns False, holding nothing,
        when it does not fit beside the other held blocks (:meth:`room_to_hold`)."""
        with self._lock:
            self._release(key)
            other = self._held_bytes
            if int(array.nbytes) + other > self._max_bytes:
                return False
            self._held[key] = array
            self._held_bytes += int(array.nbytes)
            self._evict()
        return True

    def release(self, key: Hashable) -> None:
        """Stop holding ``key``'s block; frames that are views into it leave the cache
        (each would keep the whole block alive)."""
        with self._lock:
            self._release(key)

    # -- internals (lock held) ---------------------------------------------------------

    def _held_owner(self, array: np.ndarray) -> Hashable | None:
        base = array.base
        while base is not None:
            for key, held in self._held.items():
                if base is held:
                    return key
            base = getattr(base, "base", None)
        return None

    def _pop(self, key: Hashable) -> None:
        if self._items.pop(key, None) is not None:
            self._nbytes -= self._sizes.pop(key)

    def _evict(self) -> None:
        while self._nbytes + self._held_bytes > self._max_bytes and self._items:
            key, _ = self._items.popitem(last=False)
            self._nbytes -= self._sizes.pop(key)

    def _release(self, key: Hashable) -> None:
        block = self._held.get(key)
        if block is None:
            return
        views = [k for k, a in self._items.items() if self._held_owner(a) == key]
        for k in views:
            self._pop(k)
        del self._held[key]
        self._held_bytes -= int(block.nbytes)
