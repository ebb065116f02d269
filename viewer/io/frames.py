"""Where the core gets a frame's stored pixels: one API for every pixel read.

A :class:`FrameSource` turns a :class:`FrameRef` into its stored pixels (as
:func:`viewer.io.pixels.read_frame` returns them). Code that reads pixels (the series
loader, an AI run, the MPR volume, a burned-in secondary capture) takes a source instead of
calling ``read_frame`` itself, so the GUI can hand it the session's :class:`FrameCache` and
a frame decoded once for the screen is not decoded again for a model:

    run_model(entry, series, frames, audit_log=log, source=frame_source(cache))
    load_volume(series, source=frame_source(cache))

Without a cache (the command line, scripts) the source reads the file every time.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from viewer.io.cache import FrameCache
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame


class FrameSource(Protocol):
    """A frame's stored pixels. May raise what ``read_frame`` raises
    (``FileProblemError`` and its kind) when the file cannot be read."""

    def __call__(self, ref: FrameRef, /) -> np.ndarray: ...


class CachedFrames:
    """Stored pixels from ``cache``, read and put there on a miss. Thread-safe as the
    cache is; arrays that come from the cache are read-only (shared with every viewport)."""

    def __init__(self, cache: FrameCache) -> None:
        self.cache = cache

    def __call__(self, ref: FrameRef, /) -> np.ndarray:
        array = self.cache.get(ref.key)
        if array is None:
            array = read_frame(ref)
            self.cache.put(ref.key, array)
        return array


def frame_source(cache: FrameCache | None = None) -> FrameSource:
    """The cache's frames (reading what is missing into it), or the files themselves."""
    return CachedFrames(cache) if cache is not None else read_frame
