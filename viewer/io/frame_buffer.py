"""Decoded frames handed back from a decoder process through shared memory, not the pipe.

Returning a 512 x 512 frame through the process pool's pipe (pickled, written through a
64 KB pipe, read back chunk by chunk, unpickled) cost this process about 0.5 ms of CPU a
frame more than a small result, and the decoder process 0.2 ms (bench/README.md, "JPEG
2000 loading"): together 2-3 % of the frame's decode, in a budget where the whole load
must stay within 10 % of the decoder's own work. Here each loader thread owns one buffer (a Linux memfd, no
name anywhere, freed with its last descriptor); a task names it (this process's id and
the descriptor), the decoder process opens it through ``/proc`` and copies each decoded
frame in, and only each frame's place, type and shape travel back. Where that cannot
work (no memfd, ``/proc`` not readable, a frame that does not fit) the frames travel in
the message, as before: nothing depends on it but speed.
"""

from __future__ import annotations

import logging
import math
import mmap
import os
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

from viewer.io.model import PixelInfo

log = logging.getLogger(__name__)

#: A frame placed in the buffer: (byte offset, NumPy type string, shape).
Placed = tuple[int, str, tuple[int, ...]]
#: What a task names: (process id, descriptor, size in bytes).
Target = tuple[int, int, int]
_ALIGN = 64
#: Larger batches travel in the message (the buffer is kept per loader thread).
MAX_BYTES = 64 << 20
T = TypeVar("T")


def stored_bytes(pixel: PixelInfo) -> int:
    """Room for one decoded frame as the decoders return it, aligned."""
    size = pixel.rows * pixel.columns * pixel.samples_per_pixel * max(
        1, (pixel.bits_allocated + 7) // 8)
    return -(-size // _ALIGN) * _ALIGN


class FrameBuffer:
    """One loader thread's buffer, grown to fit the largest batch it has sent."""

    def __init__(self) -> None:
        self._fd = -1
        self._map: mmap.mmap | None = None
        self.size = 0

    def target(self, nbytes: int) -> Target | None:
        """What a task returning ``nbytes`` names, or None: its frames travel in the
        message."""
        if not hasattr(os, "memfd_create") or nbytes > MAX_BYTES:
            return None
        if nbytes > self.size:
            try:
                if self._fd < 0:
                    self._fd = os.memfd_create("lightbox-frames", os.MFD_CLOEXEC)
                size = max(nbytes, 2 * self.size, 1 << 20)
                os.ftruncate(self._fd, size)
                if self._map is not None:
                    self._map.close()
                self._map = mmap.mmap(self._fd, size)
                self.size = size
            except (OSError, ValueError) as exc:
                log.info("no shared buffer for decoded frames (%s)", exc)
                self.close()
                return None
        return os.getpid(), self._fd, self.size

    def take(self, placed: Placed) -> np.ndarray:
        """A copy of a frame the decoder process placed here (the buffer is reused)."""
        assert self._map is not None
        offset, dtype, shape = placed
        view = np.frombuffer(self._map, dtype=dtype, count=math.prod(shape), offset=offset)
        array = view.reshape(shape).copy()
        del view  # the buffer can be resized or closed only when no view is left
        return array

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self.size = 0


def place(results: Sequence[T], target: Target | None) -> list[T | Placed]:
    """In the decoder process: copy each decoded frame of ``results`` into the buffer
    ``target`` names and put its place instead; anything else, a frame that does not fit,
    or everything when the buffer cannot be opened, is returned as it is."""
    out: list[T | Placed] = list(results)
    if target is None:
        return out
    pid, fd, size = target
    try:
        descriptor = os.open(f"/proc/{pid}/fd/{fd}", os.O_RDWR)
    except OSError:
        return out
    try:
        with mmap.mmap(descriptor, size) as shared:
            offset = 0
            for k, array in enumerate(results):
                if not isinstance(array, np.ndarray) or offset + array.nbytes > size:
                    continue
                view = np.frombuffer(shared, dtype=array.dtype, count=array.size,
                                     offset=offset)
                view[:] = array.reshape(-1)
                del view
                out[k] = (offset, array.dtype.str, tuple(array.shape))
                offset += -(-array.nbytes // _ALIGN) * _ALIGN
    except (OSError, ValueError):
        return list(results)
    finally:
        os.close(descriptor)
    return out
