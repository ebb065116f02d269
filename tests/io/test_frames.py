"""One frame source for every pixel read: the cache first, the file on a miss."""

from __future__ import annotations

import numpy as np

from viewer.io import frames as frames_module
from viewer.io.cache import FrameCache
from viewer.io.frames import CachedFrames, frame_source
from viewer.io.loader import SeriesLoader
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

from .conftest import sample


def _series():
    return scan([sample("CT_small.dcm")]).all_series()[0]


def test_without_a_cache_the_source_reads_the_file():
    assert frame_source(None) is read_frame
    ref = _series().frames[0]
    assert np.array_equal(frame_source()(ref), read_frame(ref))


def test_a_cached_source_reads_each_frame_once_and_shares_it(monkeypatch):
    reads = []

    def counting(ref):
        reads.append(ref.key)
        return read_frame(ref)

    monkeypatch.setattr(frames_module, "read_frame", counting)
    cache = FrameCache(1 << 20)
    source = frame_source(cache)
    assert isinstance(source, CachedFrames)
    ref = _series().frames[0]
    first, second = source(ref), source(ref)
    assert reads == [ref.key] and first is second and ref.key in cache
    assert not first.flags.writeable  # shared with every viewport: read-only


def test_the_loader_and_a_source_share_one_cache(monkeypatch):
    series = _series()
    cache = FrameCache(1 << 20)
    loader = SeriesLoader(series, cache)
    try:
        decoded = loader.load(0)
    finally:
        loader.close()
    monkeypatch.setattr(frames_module, "read_frame", lambda ref: (_ for _ in ()).throw(
        AssertionError("read again instead of taken from the cache")))
    assert frame_source(cache)(series.frames[0]) is decoded


def test_a_frame_too_large_for_the_cache_is_still_served():
    ref = _series().frames[0]
    array = frame_source(FrameCache(16))(ref)
    assert np.array_equal(array, read_frame(ref))
