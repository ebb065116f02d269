"""The frame the reader looks at stays drawable when a small cache evicts it."""

from __future__ import annotations

import numpy as np

from viewer.io.cache import FrameCache
from viewer.io.scan import scan
from viewer.ui.viewport.loading import LoadedSeries


def test_the_wanted_frame_is_held_when_the_cache_evicts_it(main_window, qtbot, phantom_dir):
    series = scan([phantom_dir]).all_series()[0]
    one_frame = series.frames[0]
    frame_bytes = one_frame.instance.pixel.rows * one_frame.instance.pixel.columns * 2
    cache = FrameCache(frame_bytes * 3)  # three slices of a twenty-slice series
    loading = LoadedSeries(series, cache, main_window.bridge)
    try:
        arrived: list[int] = []
        loading.frame_ready.connect(arrived.append)
        loading.request(7)
        qtbot.waitUntil(lambda: 7 in arrived, timeout=10_000)
        shown = loading.get(7)
        assert shown is not None
        # Other slices (prefetch, a thumbnail, another viewport) push it out of the cache.
        for ref in series.frames[10:14]:
            cache.put(ref.key, np.ones_like(shown))
        assert cache.get(series.frames[7].key) is None
        held = loading.get(7)
        assert held is not None and np.array_equal(held, shown)
        # Moving on releases it: only the frame being looked at is held.
        loading.request(8)
        assert loading.get(7) is None
    finally:
        loading.close()
        loading.deleteLater()
