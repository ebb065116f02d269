"""Decoded frames handed back through a loader thread's shared buffer: what the decoder
process places there comes back equal; what does not fit, or cannot be placed, comes back
in the message as before. (Through the real decoder processes: tests/io/test_loader_pool.)"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from viewer.errors import UnreadableFileError
from viewer.io.frame_buffer import FrameBuffer, place

pytestmark = pytest.mark.skipif(not hasattr(os, "memfd_create"), reason="Linux memfd only")


def test_frames_placed_in_the_buffer_come_back_equal_and_the_rest_as_they_were():
    rng = np.random.default_rng(0)
    grey = rng.integers(0, 4096, (128, 128), dtype=np.uint16)
    signed = rng.integers(-1024, 3000, (7, 9), dtype=np.int16)  # odd size: alignment
    colour = rng.integers(0, 255, (5, 6, 3), dtype=np.uint8)
    error = UnreadableFileError(Path("x.dcm"), "damaged")
    buffer = FrameBuffer()
    try:
        target = buffer.target(grey.nbytes + signed.nbytes + colour.nbytes + 3 * 64)
        assert target is not None
        placed = place([grey, error, signed, colour], target)
        assert placed[1] is error
        assert all(isinstance(p, tuple) for p in (placed[0], placed[2], placed[3]))
        for original, where in ((grey, placed[0]), (signed, placed[2]), (colour, placed[3])):
            assert isinstance(where, tuple)
            got = buffer.take(where)
            assert got.dtype == original.dtype
            np.testing.assert_array_equal(got, original)
            got[...] = 0  # a copy: the buffer is reused for the next task
        np.testing.assert_array_equal(buffer.take(placed[0]), grey)  # type: ignore[arg-type]
    finally:
        buffer.close()


def test_what_does_not_fit_or_cannot_be_placed_travels_in_the_message():
    small = np.arange(16, dtype=np.uint16).reshape(4, 4)
    large = np.zeros((1024, 1024), dtype=np.uint16)  # 2 MB: past the 1 MB buffer
    buffer = FrameBuffer()
    try:
        target = buffer.target(small.nbytes)
        assert target is not None and target[2] < large.nbytes
        placed = place([large, small], target)
        assert placed[0] is large and isinstance(placed[1], tuple)
        # No buffer named, or one that cannot be opened: everything as it was.
        assert place([small], None) == [small]
        pid, _fd, size = target
        assert place([small], (pid, 999_999, size)) == [small]
    finally:
        buffer.close()
