"""Filling an MPR volume from the frame source: stored values, in place, inside the budget.

A 2,000-slice CT is 1 GiB of 16-bit stored values; as float32 modality values it was
2 GiB more beside the frame cache's own copy. So the volume keeps the *stored* integer
type whenever every slice shares one linear modality transform (Rescale Slope/Intercept,
as CT series do), and the transform is applied to each plane when it is shown
(:meth:`viewer.imaging.mpr.Volume.values`). A series whose slices rescale differently, or
use a Modality LUT, keeps the float32 modality values it always had.

Each slice is copied straight into its place in the volume by two threads (native reads
release the GIL), with no whole-series temporary and no header parsed again: the shared
rescale is found by comparing the raw header elements, not by decoding every header. The
volume is held in the frame cache's budget (:meth:`viewer.io.cache.FrameCache.hold`) and
its slices replace the cached frames they were copied from, so the series is in memory
once; a series larger than the budget is refused before anything is read, with the slab
of slices around the current one that would fit (:class:`VolumeTooLargeError`).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from viewer.errors import LightboxError
from viewer.host.memory import give_back_freed_memory
from viewer.imaging.lut import PixelTransform, pixel_transform
from viewer.io.cache import FrameCache, frame_bytes
from viewer.io.frames import CachedFrames, FrameSource
from viewer.io.model import FrameRef, Series
from viewer.io.pixels import read_frame, read_frame_into
from viewer.io.quick_header import QuickHeader
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from pydicom import Dataset

#: Header elements that decide a single-frame image's modality transform.
_RESCALE_TAGS = (0x00281052, 0x00281053)  # Rescale Intercept, Rescale Slope
_PER_FRAME = ("PerFrameFunctionalGroupsSequence", "SharedFunctionalGroupsSequence",
              "ModalityLUTSequence")
#: At most this many slices are read at once (two cores: one each).
_THREADS = 2


class VolumeError(LightboxError):
    """The series cannot be reconstructed in other planes; ``str()`` says why and what to do."""


class VolumeTooLargeError(VolumeError):
    """The series does not fit the memory budget; ``slab`` is the largest contiguous
    range of its frames around the current one that does (None when not even
    :data:`viewer.imaging.mpr.MIN_SLICES` fit)."""

    def __init__(self, message: str, slab: range | None) -> None:
        super().__init__(message)
        self.slab = slab


_serial = itertools.count(1)


def volume_key(series: Series) -> Hashable:
    """A new key under which one MPR volume of ``series`` is held in the frame cache: its
    own, so a cancelled build giving its budget back never releases a newer one's."""
    return ("mpr-volume", series.uid, next(_serial))


def shared_transform(series: Series) -> PixelTransform | None:
    """The linear modality transform every frame of ``series`` shares, or None when the
    slices rescale differently or through a Modality LUT (the volume is then float32)."""
    instances = list(dict.fromkeys(ref.instance for ref in series.frames))
    keys: set[tuple[str, ...]] = set()
    for instance in instances:
        # The quick scan's kept values when there are (no second read of 2,000 headers:
        # that read was most of the time to the first MPR plane), else the header.
        tags = instance.tags
        if tags is None or any(name in tags for name in _PER_FRAME):
            keys = set()
            break
        keys.add(_rescale_key(tags))
    if len(keys) == 1:  # one raw slope and intercept: the first frame's transform is all's
        first = series.frames[0]
        transforms = {_linear(pixel_transform(first.instance, first.frame))}
    else:  # the slow, exact way: every frame's own transform
        transforms = {_linear(pixel_transform(ref.instance, ref.frame)) for ref in series.frames}
    if len(transforms) != 1:
        return None
    return next(iter(transforms))


def _rescale_key(tags: QuickHeader | Dataset) -> tuple[str, ...]:
    """Rescale Intercept and Slope as the file writes them."""
    if isinstance(tags, QuickHeader):
        return tuple(tags.raw_text(tag) for tag in _RESCALE_TAGS)
    return tuple(_raw(tags.get_item(tag)) for tag in _RESCALE_TAGS)


def _raw(element: object) -> str:
    """The element's text as the file has it, raw or already converted (a decimal string
    keeps its original text), so a header read once compares equal to one never read."""
    value = getattr(element, "value", None)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("ascii", "replace").strip(" \0")
    return "" if value is None else str(value).strip()


def _linear(transform: PixelTransform) -> PixelTransform | None:
    if transform.modality_lut is not None:
        return None
    return PixelTransform(slope=transform.slope, intercept=transform.intercept)


def volume_bytes(series: Series, stored: bool) -> int:
    """Bytes the volume of ``series`` takes: stored values, or float32 modality values."""
    first = series.frames[0].instance.pixel
    assert first is not None
    per = frame_bytes(first) if stored else first.rows * first.columns * 4
    return per * len(series.frames)


@dataclass(frozen=True)
class Allocation:
    """A volume's array before (or while) it is filled: zeros until each slice arrives,
    so planes can be shown while slices are read (an unread slice is blank)."""

    data: np.ndarray
    #: The modality transform still to apply per plane; None: ``data`` holds modality
    #: values (float32) already.
    transform: PixelTransform | None
    #: Where ``data`` is counted in the source's cache budget (None: no cache).
    key: Hashable | None


def allocate(series: Series, source: FrameSource) -> Allocation:
    """Room for ``series``' volume: its stored type when every slice shares one linear
    rescale, else float32; held in ``source``'s cache budget when it reads from one (the
    caller checked :func:`viewer.imaging.mpr.check_budget`). ``np.zeros`` takes its pages
    from the OS as they are written, so nothing is paid for until the slices arrive."""
    frames = series.frames
    first = frames[0].instance.pixel
    assert first is not None
    transform = shared_transform(series)
    dtype = _stored_dtype(series) if transform is not None else None
    if dtype is None:
        dtype, transform = np.dtype(np.float32), None
    data = np.zeros((len(frames), first.rows, first.columns), dtype)
    cache = source.cache if isinstance(source, CachedFrames) else None
    key = volume_key(series) if cache is not None else None
    if cache is not None and not cache.hold(key, data):  # checked before; another came first
        raise VolumeTooLargeError("MPR no longer fits the image memory budget: close the "
                                  "other MPR view or series and try again.", None)
    return Allocation(data, transform, key)


def fill_into(allocation: Allocation, series: Series, source: FrameSource,
              progress: Callable[[int, int], None] | None = None,
              cancel: CancelToken | None = None) -> None:
    """Read every slice of ``series`` into ``allocation`` (two threads); on failure or
    cancel the budget is given back, so nothing half-built stays counted."""
    cache = source.cache if isinstance(source, CachedFrames) else None
    try:
        _fill(allocation.data, series.frames, source, cache, allocation.transform, progress,
              cancel)
    except BaseException:
        if cache is not None and allocation.key is not None:
            cache.release(allocation.key)
        raise
    if cache is not None:
        give_back_freed_memory()  # the frames the volume's slices replaced


def _stored_dtype(series: Series) -> np.dtype | None:
    """The type :func:`viewer.io.pixels.read_frame` gives every frame (native order), or
    None when the frames differ or are not plain grey integers / floats."""
    pixels = {ref.instance.pixel for ref in series.frames}
    kinds = {(p.bits_allocated, p.pixel_representation, p.is_float) for p in pixels
             if p is not None and not p.is_colour}
    if len(kinds) != 1 or None in pixels:
        return None
    bits, signed, floating = next(iter(kinds))
    if bits not in (8, 16, 32, 64):
        return None
    kind = "f" if floating else ("i" if signed else "u")
    return np.dtype(f"{kind}{bits // 8}")


def _fill(data: np.ndarray, frames: list[FrameRef], source: FrameSource,
          cache: FrameCache | None, transform: PixelTransform | None,
          progress: Callable[[int, int], None] | None, cancel: CancelToken | None) -> None:
    stored = transform is not None

    def one(k: int) -> None:
        if cancel is not None and cancel.cancelled:
            return
        ref = frames[k]
        # From a cache, a miss is read here and cached once, as the volume's slice (the
        # source would cache the read frame first, evicting another for a moment).
        array = cache.get(ref.key) if cache is not None else None
        in_place = (array is None and stored and (cache is not None or source is read_frame)
                    and read_frame_into(ref, data[k]))  # no temporary, no copy
        if in_place:
            array = data[k]
        elif array is None:
            array = read_frame(ref) if cache is not None else source(ref)
        if array.ndim != 2:
            raise _not_grey(ref)
        if stored:
            if not in_place:
                data[k] = array
            if array.dtype != data.dtype and not np.array_equal(data[k], array):
                raise VolumeError(f"{ref.instance.path.name}: its pixel values do not fit "
                                  "the type of the other slices; MPR cannot stack them.")
            if cache is not None:  # the volume's slice now stands for the cached frame
                cache.put(ref.key, data[k])
        else:
            data[k] = pixel_transform(ref.instance, ref.frame).modality(array)

    workers = min(_THREADS, os.cpu_count() or 1)
    with ThreadPoolExecutor(workers, thread_name_prefix="mpr-volume") as pool:
        try:
            for done, future in enumerate([pool.submit(one, k) for k in range(len(frames))]):
                if cancel is not None:
                    cancel.check()
                future.result()
                if progress is not None:
                    progress(done + 1, len(frames))
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _not_grey(ref: FrameRef) -> Exception:
    return VolumeError(f"{ref.instance.path.name}: MPR needs grey-scale images.")
