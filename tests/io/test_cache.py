import numpy as np
import pytest

from viewer.io.cache import FrameCache, default_cache_bytes, estimate_series_bytes, frame_bytes
from viewer.io.model import FrameRef, Instance, PixelInfo, Series


def frame(n: int, fill: int = 0) -> np.ndarray:
    return np.full(n, fill, dtype=np.uint8)


def test_lru_evicts_least_recently_used_by_bytes():
    cache = FrameCache(max_bytes=200)
    cache.put("a", frame(100, 1))
    cache.put("b", frame(100, 2))
    assert cache.get("a") is not None  # "a" is now the most recently used
    cache.put("c", frame(100, 3))
    assert "b" not in cache
    assert "a" in cache and "c" in cache
    assert cache.nbytes == 200 <= cache.max_bytes


def test_one_large_frame_evicts_several_small_ones():
    cache = FrameCache(max_bytes=300)
    for key in "abc":
        cache.put(key, frame(100))
    cache.put("big", frame(250))
    assert list(k for k in "abc" if k in cache) == []
    assert "big" in cache and cache.nbytes == 250


def test_frame_larger_than_cache_is_not_stored():
    cache = FrameCache(max_bytes=10)
    assert cache.put("x", frame(11)) is False
    assert "x" not in cache and cache.nbytes == 0


def test_replacing_a_key_keeps_byte_count_right():
    cache = FrameCache(max_bytes=1000)
    cache.put("a", frame(100))
    cache.put("a", frame(300))
    assert cache.nbytes == 300 and len(cache) == 1


def test_cached_arrays_are_read_only():
    cache = FrameCache(max_bytes=1000)
    cache.put("a", frame(10))
    with pytest.raises(ValueError):
        cache.get("a")[0] = 5


def test_default_cache_is_a_share_of_memory():
    size = default_cache_bytes()
    assert 256 * 1024**2 <= size < 1024**4


def test_series_estimate_counts_every_frame_decoded():
    grey = Instance(
        path="a",
        kind="dicom",
        sop_instance_uid="1",
        pixel=PixelInfo(rows=512, columns=512, bits_allocated=16, number_of_frames=3),
    )
    rgb = Instance(
        path="b",
        kind="dicom",
        sop_instance_uid="2",
        pixel=PixelInfo(rows=10, columns=10, samples_per_pixel=3, bits_allocated=16),
    )
    series = Series(
        uid="s", study_uid="t", frames=[FrameRef(grey, i) for i in range(3)] + [FrameRef(rgb)]
    )
    assert frame_bytes(rgb.pixel) == 300  # colour is delivered as 8-bit RGB
    assert estimate_series_bytes(series) == 3 * 512 * 512 * 2 + 300
