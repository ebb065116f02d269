"""SeriesLoader on a JPEG 2000 series through the decoder processes: prefetched frames in
batches, several tasks per process in flight, the reader's frame ahead of prefetch, close()
and requests taking work back, one damaged frame (alone or inside a batch) reported while
the rest load, the reader's frame decoded in its thread while the processes start. Order
is asserted by events, never by time."""

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
from viewer.io.loader import BATCH_PIXELS, MAX_BATCH, SeriesLoader
from viewer.io.model import Series
from viewer.io.pixels import decode_batch, finish_frame
from viewer.io.scan import scan

SLICES = 30
WORKERS = 2
#: Frames in one prefetch batch of 128 x 128 slices, at most.
PER_BATCH = min(MAX_BATCH, BATCH_PIXELS // (128 * 128) + 1)


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


def _load_all(series: Series) -> tuple[SeriesLoader, Events]:
    events = Events(len(series.frames))
    loader = SeriesLoader(series, FrameCache(10**9), events.on_frame, events.on_error,
                          workers=WORKERS)
    loader.prefetch(len(series.frames) // 2)
    events.wait()
    loader.close()
    return loader, events


def _assert_as_pydicom(loader: SeriesLoader, series: Series, frames: list[int]) -> None:
    for i in frames:
        expected = dcmread(series.frames[i].instance.path).pixel_array
        got = loader.get(i)
        assert got is not None and got.dtype == expected.dtype, i
        np.testing.assert_array_equal(got, expected)


def test_every_frame_decodes_as_pydicom_does(j2k_folder):
    series = _series(j2k_folder)
    assert series.frames[0].instance.items_offset is not None  # the short way is taken
    loader, events = _load_all(series)
    assert events.errors == {} and sorted(events.order) == list(range(SLICES))
    _assert_as_pydicom(loader, series, list(range(SLICES)))


def test_large_frames_decode_as_pydicom_does(tmp_path):
    """512 x 512: one frame per task (a batch's worth of pixels on its own)."""
    write_phantom_series(tmp_path, slices=4, size=512, transfer_syntax=JPEG2000Lossless)
    series = _series(tmp_path)
    loader, events = _load_all(series)
    assert events.errors == {} and sorted(events.order) == [0, 1, 2, 3]
    _assert_as_pydicom(loader, series, [0, 1, 2, 3])


def test_a_batch_decodes_each_frame_and_a_damaged_one_fails_alone(j2k_folder, tmp_path):
    """In one task, the damaged frame's place holds its error; the others are decoded."""
    series = _series(j2k_folder)
    refs = series.frames[:5]
    victim = tmp_path / "damaged.dcm"
    data = bytearray(refs[2].instance.path.read_bytes())
    start = data.index(b"\xff\x4f\xff\x51")
    data[start:start + 64] = bytes(64)  # the codestream's start and size markers
    victim.write_bytes(bytes(data))
    jobs = [(r.instance.path, r.frame, r.instance.pixel.transfer_syntax, r.instance.pixel,
             r.instance.items_offset) for r in refs]
    jobs[2] = (victim, *jobs[2][1:])
    results = decode_batch(jobs)
    assert len(results) == 5
    bad = results.pop(2)
    assert isinstance(bad, FileProblemError) and "damaged.dcm" in str(bad), bad
    for ref, got in zip(refs[:2] + refs[3:], results, strict=True):
        assert isinstance(got, np.ndarray)
        np.testing.assert_array_equal(finish_frame(ref.instance, got),
                                      dcmread(ref.instance.path).pixel_array)


def test_the_readers_frame_overtakes_queued_prefetch(tmp_path):
    """Prefetch around frame 0 puts the last frame last; asked for, it comes within the
    batches already in the decoders' hands (those the pool cannot take back: one running
    and one queued per process, plus one more) and what another process finishes
    meanwhile."""
    if decode_pool.worker_count() < 2:
        pytest.skip("one core: no decoder processes")
    write_phantom_series(tmp_path, slices=120, size=128, transfer_syntax=JPEG2000Lossless)
    series = _series(tmp_path)
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
    batches = decode_pool.worker_count() + 1 + decode_pool.worker_count()
    assert after.index(wanted) <= batches * PER_BATCH, events.order
    # Without the request it would have been the very last frame.
    assert events.order[-1] != wanted


def test_requests_amid_batches_load_every_frame_once(j2k_folder):
    """Requests take queued batches back; their frames are queued again, none lost or
    decoded twice."""
    series = _series(j2k_folder)
    events = Events(len(series.frames))
    loader = SeriesLoader(series, FrameCache(10**8), events.on_frame, events.on_error,
                          workers=WORKERS)
    loader.prefetch(0)
    for wanted in (SLICES - 1, SLICES // 2, 3, SLICES - 2):
        loader.request(wanted)
    events.wait()
    loader.close()
    assert events.errors == {}
    assert sorted(events.order) == list(range(SLICES)), events.order


def test_the_first_frame_does_not_wait_for_the_processes(j2k_folder):
    """With no decoder process running, the reader's frame is decoded in the loader's
    thread while the processes start in the background; prefetch then uses them."""
    if decode_pool.worker_count() < 2:
        pytest.skip("one core: no decoder processes")
    decode_pool.shutdown_pool()
    assert decode_pool.ready_pool() is None  # not running: started in the background
    series = _series(j2k_folder)
    events = Events(1)
    loader = SeriesLoader(series, FrameCache(10**8), events.on_frame, events.on_error,
                          workers=WORKERS)
    loader.request(SLICES // 2)
    events.wait()
    loader.close()
    assert events.order == [SLICES // 2] and events.errors == {}
    _assert_as_pydicom(loader, series, [SLICES // 2])
    decode_pool.warm_up()  # the background start finishes; the pool answers
    assert decode_pool.ready_pool() is not None


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
