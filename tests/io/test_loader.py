"""SeriesLoader on real files: priorities, cache bounds, close(), errors per frame."""

from __future__ import annotations

import shutil
import threading

import numpy as np
import pytest

from viewer.errors import FileProblemError, UnreadableFileError
from viewer.io.cache import FrameCache
from viewer.io.loader import SeriesLoader
from viewer.io.scan import scan

from .conftest import ct_slice, sample

FRAME_BYTES = 8 * 8 * 2


class Recorder:
    """Collects callbacks from worker threads and lets a test wait for a count."""

    def __init__(self, expected: int) -> None:
        self.frames: list[int] = []
        self.errors: list[tuple[int, Exception]] = []
        self._expected = expected
        self._lock = threading.Lock()
        self.finished = threading.Event()

    def on_frame(self, i: int) -> None:
        with self._lock:
            self.frames.append(i)
            self._check()

    def on_error(self, i: int, exc: Exception) -> None:
        with self._lock:
            self.errors.append((i, exc))
            self._check()

    def _check(self) -> None:
        if len(self.frames) + len(self.errors) >= self._expected:
            self.finished.set()

    def wait(self) -> None:
        assert self.finished.wait(60), "loader did not finish"


@pytest.fixture
def stack(tmp_series):
    folder = tmp_series({f"s{z:02d}.dcm": ct_slice((0, 0, z)) for z in range(10)})
    (series,) = scan([folder]).all_series()
    return series


def test_load_returns_stored_values_and_caches(stack):
    cache = FrameCache(10**6)
    loader = SeriesLoader(stack, cache)
    assert loader.get(3) is None
    arr = loader.load(3)
    assert arr.shape == (8, 8) and (arr == 3).all()  # slice z=3 holds the value 3
    assert loader.get(3) is arr and loader.progress == (1, 10)
    loader.close()


def test_prefetch_goes_nearest_first_and_loads_everything(stack):
    rec = Recorder(10)
    loader = SeriesLoader(stack, FrameCache(10**6), rec.on_frame, rec.on_error, workers=1)
    loader.prefetch(center=6)
    rec.wait()
    assert rec.frames == [6, 5, 7, 4, 8, 3, 9, 2, 1, 0]
    assert loader.progress == (10, 10)
    for i in range(10):
        assert int(loader.get(i)[0, 0]) == i
    loader.close()


def test_request_jumps_ahead_of_prefetch(stack):
    rec = Recorder(10)
    gate, busy = threading.Event(), threading.Event()
    order: list[int] = []

    def on_frame(i: int) -> None:
        order.append(i)
        if len(order) == 1:
            busy.set()
            gate.wait(10)  # hold the only worker so the calls below are all queued first
        rec.on_frame(i)

    loader = SeriesLoader(stack, FrameCache(10**6), on_frame, rec.on_error, workers=1)
    loader.request(0)
    assert busy.wait(10)
    loader.prefetch(center=0)
    loader.request(8)
    loader.request(9)  # the newest request wins: the reader has scrolled on
    gate.set()
    rec.wait()
    assert order[:5] == [0, 9, 8, 1, 2]
    loader.close()


def test_prefetch_stops_at_what_the_cache_can_hold(stack):
    cache = FrameCache(4 * FRAME_BYTES)
    rec = Recorder(3)
    loader = SeriesLoader(stack, cache, rec.on_frame, workers=1)
    loader.prefetch(center=5)
    rec.wait()
    loader.close()
    # 80 % of four frames: the three nearest, and the cache never evicts its own prefetch.
    assert sorted(rec.frames) == [4, 5, 6]
    assert cache.nbytes <= cache.max_bytes


def test_close_drops_later_results_and_is_idempotent(stack):
    cache = FrameCache(10**6)
    seen: list[int] = []
    first = threading.Event()

    def on_frame(i: int) -> None:
        seen.append(i)
        loader.close()  # the reader closed the series while frames were still coming
        first.set()

    loader = SeriesLoader(stack, cache, on_frame, workers=1)
    loader.prefetch(center=0)
    assert first.wait(10)
    loader.close()
    loader.request(5)
    loader.prefetch(center=5)
    assert seen == [0]
    assert loader.progress[0] <= 2
    assert loader.closed


def test_one_bad_frame_is_reported_and_the_rest_load(tmp_series):
    folder = tmp_series({f"s{z}.dcm": ct_slice((0, 0, z)) for z in range(4)})
    (series,) = scan([folder]).all_series()
    victim = series.frames[2].instance.path
    victim.write_bytes(victim.read_bytes()[:-50])  # damaged after the scan
    rec = Recorder(4)
    loader = SeriesLoader(series, FrameCache(10**6), rec.on_frame, rec.on_error, workers=2)
    loader.prefetch(center=0)
    rec.wait()
    loader.close()
    assert sorted(rec.frames) == [0, 1, 3]
    [(index, exc)] = rec.errors
    assert index == 2 and isinstance(exc, UnreadableFileError)
    assert str(exc) == "s2.dcm: file is truncated (pixel data incomplete)"
    assert loader.progress == (4, 4)  # failed frames count as finished
    with pytest.raises(FileProblemError):
        loader.load(2)


def test_compressed_frames_decode_in_worker_processes(tmp_path):
    # Multi-frame RLE and JPEG: decoded by the shared process pool, errors come back typed.
    shutil.copy(sample("rtdose_rle.dcm"), tmp_path / "dose_rle.dcm")
    shutil.copy(sample("rtdose.dcm"), tmp_path / "dose.dcm")
    series = {len(s.instances): s for s in scan([tmp_path]).all_series()}
    (both,) = series.values()
    rec = Recorder(len(both.frames))
    loader = SeriesLoader(both, FrameCache(10**7), rec.on_frame, rec.on_error, workers=2)
    loader.prefetch(center=0)
    rec.wait()
    loader.close()
    assert rec.errors == []
    by_file: dict[str, list[np.ndarray]] = {}
    for i, ref in enumerate(both.frames):
        by_file.setdefault(ref.instance.path.name, []).append(loader.get(i))
    for a, b in zip(by_file["dose_rle.dcm"], by_file["dose.dcm"], strict=True):
        np.testing.assert_array_equal(a, b)


def test_damaged_compressed_frame_error_crosses_the_process_boundary(tmp_path):
    shutil.copy(sample("JPEG2000-embedded-sequence-delimiter.dcm"), tmp_path / "bad.dcm")
    (series,) = scan([tmp_path]).all_series()
    rec = Recorder(1)
    loader = SeriesLoader(series, FrameCache(10**7), rec.on_frame, rec.on_error, workers=2)
    loader.request(0)
    rec.wait()
    loader.close()
    [(index, exc)] = rec.errors
    assert isinstance(exc, UnreadableFileError) and "bad.dcm" in str(exc)


def test_warm_up_starts_every_decoder_process_before_the_first_frame():
    from viewer.io import decode_pool

    decode_pool.warm_up()
    pool = decode_pool.get_pool()
    if decode_pool.worker_count() < 2:
        assert pool is None
        return
    assert pool is not None
    processes = list(pool._processes.values())  # the executor's own live workers
    assert len(processes) == decode_pool.worker_count()
    assert all(p.is_alive() for p in processes)


def test_a_queued_frame_cached_by_another_reader_is_still_announced(stack):
    """A thumbnail or an AI run reading through the same cache can put a frame there after
    the viewport queued it: nothing is decoded again, and the viewport still hears of it
    (before, the frame was skipped silently and the viewport waited for ever)."""
    cache = FrameCache(10**6)
    rec = Recorder(1)
    loader = SeriesLoader(stack, cache, rec.on_frame, rec.on_error, workers=1)
    decoded: list[int] = []
    real = loader._decode
    loader._decode = lambda ref: decoded.append(1) or real(ref)
    with loader._cond:  # re-entrant: the worker started by request() waits for us
        loader.request(4)
        cache.put(stack.frames[4].key, np.full((8, 8), 4, dtype=np.int16))
    rec.wait()
    assert rec.frames == [4] and rec.errors == [] and decoded == []
    loader.close()
