"""SeriesLoader on a JPEG 2000 series through the decoder processes: several frames per
process in flight, the reader's frame ahead of prefetch, close() taking work back, one
damaged frame reported while the rest load. Order is asserted by events, never by time."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from pydicom import dcmread
from pydicom.uid import JPEG2000Lossless

from viewer.errors import FileProblemError
from viewer.io import decode_pool
from viewer.io.cache import FrameCache
from viewer.io.demo import write_phantom_series
from viewer.io.loader import IN_FLIGHT_PER_PROCESS, SeriesLoader
from viewer.io.model import Series
from viewer.io.scan import scan

SLICES = 30
WORKERS = 2


class Events:
    """Frames and errors in the order the loader announced them (worker threads)."""

    def __init__(self, expected: int) -> None:
        self.order: list[int] = []
        self.errors: dict[int, Exception] = {}
        self._expected = expected
        self.lock = threading.Lock()
        self.done = threading.Event()

    def on_frame(self, i: int) -> None:
        with self.lock:
            self.order.append(i)
            self._check()

    def on_error(self, i: int, exc: Exception) -> None:
        with self.lock:
            self.errors[i] = exc
            self._check()

    def _check(self) -> None:
        if len(self.order) + len(self.errors) >= self._expected:
            self.done.set()

    def wait(self) -> None:
        assert self.done.wait(120), f"only {len(self.order)} frames arrived"


def _series(folder: Path) -> Series:
    (series,) = scan([folder]).all_series()
    return series


@pytest.fixture(scope="module")
def j2k_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("j2k")
    write_phantom_series(folder, slices=SLICES, size=128, transfer_syntax=JPEG2000Lossless)
    return folder


def _pool_idle() -> None:
    """Wait until every frame handed to the pool before now has finished: the pool is
    first-in first-out, so a no-op per process queued now runs after all of them."""
    pool = decode_pool.get_pool()
    if pool is not None:
        for future in [pool.submit(abs, 0) for _ in range(2 * decode_pool.worker_count())]:
            future.result()


def test_every_frame_decodes_as_pydicom_does(j2k_folder):
    series = _series(j2k_folder)
    events = Events(len(series.frames))
    loader = SeriesLoader(series, FrameCache(10**8), events.on_frame, events.on_error,
                          workers=WORKERS)
    loader.prefetch(len(series.frames) // 2)
    events.wait()
    loader.close()
    assert events.errors == {} and sorted(events.order) == list(range(SLICES))
    for i, ref in enumerate(series.frames):
        expected = dcmread(ref.instance.path).pixel_array
        got = loader.get(i)
        assert got is not None and got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)


def test_the_readers_frame_overtakes_queued_prefetch(j2k_folder):
    """Prefetch around frame 0 puts frame 29 last; asked for, it comes within the frames
    already in the decoders' hands (plus what the other process finishes meanwhile)."""
    if decode_pool.worker_count() < 2:
        pytest.skip("one core: no decoder processes")
    series = _series(j2k_folder)
    events = Events(len(series.frames))
    loader = SeriesLoader(series, FrameCache(10**8), events.on_frame, events.on_error,
                          workers=WORKERS)
    wanted = len(series.frames) - 1
    loader.prefetch(0)
    with events.lock:
        before = len(events.order)
    loader.request(wanted)
    events.wait()
    loader.close()
    assert events.errors == {}
    after = events.order[before:]
    assert wanted in after
    in_flight = WORKERS * IN_FLIGHT_PER_PROCESS
    assert after.index(wanted) <= in_flight + 2 * WORKERS, events.order
    # Without the request it would have been the very last frame.
    assert events.order[-1] != wanted


def test_close_takes_queued_work_back_and_drops_late_results(j2k_folder):
    series = _series(j2k_folder)
    cache = FrameCache(10**8)
    events = Events(len(series.frames))
    loader = SeriesLoader(series, cache, events.on_frame, events.on_error, workers=WORKERS)
    loader.prefetch(0)
    loader.close()
    with events.lock:
        announced = list(events.order)
    _pool_idle()  # whatever was still in the decoders has come back by now
    assert events.order == announced and events.errors == {}
    cached = [i for i, ref in enumerate(series.frames) if ref.key in cache]
    assert sorted(cached) == sorted(announced)
    assert len(cached) < len(series.frames)
    for thread in loader._threads:  # every loader thread ends once close() is seen
        thread.join(60)
        assert not thread.is_alive()


def test_a_damaged_frame_is_reported_and_the_others_load(j2k_folder, tmp_path):
    for path in sorted(j2k_folder.iterdir()):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    victim = sorted(tmp_path.iterdir())[7]
    data = bytearray(victim.read_bytes())
    start = data.index(b"\xff\x4f\xff\x51")  # the codestream's start and size markers
    data[start:start + 64] = bytes(64)
    victim.write_bytes(bytes(data))
    series = _series(tmp_path)
    events = Events(len(series.frames))
    loader = SeriesLoader(series, FrameCache(10**8), events.on_frame, events.on_error,
                          workers=WORKERS)
    loader.prefetch(0)
    events.wait()
    loader.close()
    bad = [i for i, ref in enumerate(series.frames) if ref.instance.path == victim]
    assert list(events.errors) == bad
    [error] = events.errors.values()
    assert isinstance(error, FileProblemError) and victim.name in str(error)
    assert sorted(events.order) == [i for i in range(len(series.frames)) if i not in bad]
    for i in events.order:
        expected = dcmread(series.frames[i].instance.path).pixel_array
        np.testing.assert_array_equal(loader.get(i), expected)
