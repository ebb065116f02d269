"""The MPR volume in memory: stored integers, planes in HU as before, inside the budget."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest

from tests.imaging.volumes import write_series
from viewer.errors import Cancelled
from viewer.imaging.mpr import (
    Plane,
    Reformat,
    Slab,
    VolumeTooLargeError,
    build_volume,
    check_budget,
    load_volume,
    release_volume,
    slab_series,
)
from viewer.io.cache import FrameCache
from viewer.io.frames import frame_source
from viewer.io.pixels import read_frame
from viewer.io.scan import scan
from viewer.tasks.cancel import CancelToken

SLICES, ROWS, COLS = 12, 16, 20
SLICE_BYTES = ROWS * COLS * 2


def ct_series(folder, slope: str = "1", intercept: str = "-1024", odd_one: str | None = None):
    """A real CT series with noise (signed 16-bit); ``odd_one``: slice 5's own intercept."""
    rng = np.random.default_rng(7)
    cube = rng.integers(-1000, 2000, (SLICES, ROWS, COLS)).astype(np.int16)
    paths = write_series(folder, list(cube), [(-10.0, -8.0, -2.0 * k) for k in range(SLICES)])
    for k, path in enumerate(paths):
        ds = pydicom.dcmread(path)
        ds.RescaleSlope = slope
        ds.RescaleIntercept = odd_one if odd_one is not None and k == 5 else intercept
        ds.save_as(path)
    return scan([folder]).all_series()[0]


def reference(series):
    """The float32 path the planes used to come from: every slice rescaled on reading."""
    return build_volume(series, [read_frame(ref) for ref in series.frames])


SLABS = [(Slab.OFF, 0.0), (Slab.MIP, 1.5), (Slab.MINIP, 1.5), (Slab.AVERAGE, 1.5),
         (Slab.MIP, 6.0), (Slab.AVERAGE, 6.0)]


def assert_same_planes(volume, expected) -> None:
    for plane in Plane:
        new, old = Reformat.of(volume, plane), Reformat.of(expected, plane)
        for index in range(new.count):
            for slab, mm in SLABS:
                got = new.image(index, slab, mm)
                assert got.dtype == np.float32
                assert np.array_equal(got, old.image(index, slab, mm)), (plane, index, slab)


@pytest.mark.parametrize(("slope", "intercept"), [("1", "-1024"), ("0.5", "-1000"),
                                                  ("-2", "100")])
def test_a_ct_volume_keeps_its_stored_type_and_its_planes_show_the_same_hu(
        tmp_path, slope, intercept) -> None:
    series = ct_series(tmp_path, slope, intercept)
    volume = load_volume(series)
    assert volume.data.dtype == np.int16  # the stored type, half the bytes of float32
    assert volume.modality is not None and volume.modality.slope == float(slope)
    assert_same_planes(volume, reference(series))


def test_slices_that_rescale_differently_make_a_float_volume_with_the_same_planes(
        tmp_path) -> None:
    series = ct_series(tmp_path, odd_one="-1000")
    volume = load_volume(series)
    assert volume.data.dtype == np.float32 and volume.modality is None
    assert_same_planes(volume, reference(series))


def test_the_same_rescale_written_two_ways_still_makes_a_stored_volume(tmp_path) -> None:
    series = ct_series(tmp_path, slope="1", intercept="-1024", odd_one="-1024.0")
    volume = load_volume(series)
    assert volume.data.dtype == np.int16
    assert_same_planes(volume, reference(series))


def test_opening_mpr_on_a_scanned_series_reads_no_header_again(tmp_path) -> None:
    # Rescale, frame of reference and geometry come from the values the scan kept: a
    # second read of every header was most of the wait for the first plane of 2,000 slices.
    series = ct_series(tmp_path)
    assert all(inst.quick is not None for inst in series.instances)
    volume = load_volume(series)
    assert volume.data.dtype == np.int16 and volume.frame_of_reference
    assert all(inst.quick is not None and inst.quick._full is None
               for inst in series.instances)


def test_the_volume_is_counted_in_the_frame_cache_budget_and_stands_for_its_frames(
        tmp_path) -> None:
    series = ct_series(tmp_path)
    cache = FrameCache(SLICE_BYTES * SLICES * 2)
    cached = frame_source(cache)
    cached(series.frames[0])  # the reader looked at one slice: a frame of its own
    volume = load_volume(series, source=cached)
    assert cache.held_bytes == volume.data.nbytes == SLICE_BYTES * SLICES
    # Every frame is now a slice of the volume: the series is in memory once.
    assert len(cache) == SLICES and cache.nbytes == volume.data.nbytes
    for k, ref in enumerate(series.frames):
        frame = cache.get(ref.key)
        assert frame is not None and np.shares_memory(frame, volume.data[k])
        assert not frame.flags.writeable
    release_volume(volume, cache)
    assert cache.held_bytes == 0 and cache.nbytes == 0 and len(cache) == 0


def test_a_held_volume_evicts_other_frames_to_stay_in_the_budget(tmp_path) -> None:
    series = ct_series(tmp_path)
    cache = FrameCache(SLICE_BYTES * (SLICES + 2))
    for n in range(10):  # ten frames of another series fill most of the budget
        cache.put(("other", n), np.zeros((ROWS, COLS), np.int16))
    load_volume(series, source=frame_source(cache))
    assert cache.nbytes <= cache.max_bytes
    assert sum(("other", n) in cache for n in range(10)) == 2


def test_a_series_over_the_budget_is_refused_with_a_slab_that_fits(tmp_path) -> None:
    series = ct_series(tmp_path)
    cache = FrameCache(SLICE_BYTES * 5 + 100)
    with pytest.raises(VolumeTooLargeError) as caught:
        load_volume(series, source=frame_source(cache))
    message = str(caught.value)
    assert "MPR needs 0 MiB for the 12 slices of Synthetic" in message
    assert "Open MPR on a slab of 5 slices around the current one instead." in message
    assert cache.held_bytes == 0 and len(cache) == 0  # nothing read, nothing held
    with pytest.raises(VolumeTooLargeError) as caught:
        check_budget(series, cache, index=10)
    slab = caught.value.slab
    assert slab == range(7, 12)  # around slice 10, inside the stack
    part = slab_series(series, slab)
    assert part.uid != series.uid and len(part.frames) == 5
    volume = load_volume(part, source=frame_source(cache))
    assert cache.held_bytes == volume.data.nbytes <= cache.max_bytes
    whole = reference(series)
    assert np.array_equal(volume.values(volume.data), whole.data[7:12])
    # Not even three slices fit: refused without a slab.
    with pytest.raises(VolumeTooLargeError) as caught:
        check_budget(series, FrameCache(SLICE_BYTES * 2))
    assert caught.value.slab is None and "Close other series" in str(caught.value)


def test_a_cancelled_build_gives_its_budget_back(tmp_path) -> None:
    series = ct_series(tmp_path)
    cache = FrameCache(1 << 20)
    token = CancelToken()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done == 3:
            token.cancel()

    with pytest.raises(Cancelled):
        load_volume(series, source=frame_source(cache), progress=progress, cancel=token)
    assert seen[-1] == 3 and cache.held_bytes == 0
    assert all(cache.get(ref.key) is None or cache.get(ref.key).base is None
               for ref in series.frames)  # no frame left pointing into a dropped volume


def test_slices_read_straight_into_the_volume_clear_unused_high_bits(tmp_path) -> None:
    series = ct_series(tmp_path)
    for ref in series.frames:  # 12 bits stored; the file keeps an overlay in bit 14
        ds = pydicom.dcmread(ref.instance.path)
        ds.BitsStored, ds.HighBit = 12, 11
        values = ds.pixel_array.astype(np.int16) & 0x0FFF
        ds.PixelData = (values | 0x4000).astype("<i2").tobytes()
        ds.save_as(ref.instance.path)
    series = scan([tmp_path]).all_series()[0]
    volume = load_volume(series)
    assert volume.data.dtype == np.int16
    assert np.array_equal(volume.data, np.stack([read_frame(ref) for ref in series.frames]))
    assert_same_planes(volume, reference(series))
