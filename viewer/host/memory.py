"""Giving freed memory back to the operating system.

When the MPR volume takes the place of a series' cached frames, a thousand 512 KiB
frames are freed at once; glibc keeps such blocks in its heaps for reuse, so the process
would still hold the series twice as far as the OS (and the reader's task manager) can
tell. ``malloc_trim`` hands the free pages back. Elsewhere (macOS, Windows, musl) the
allocators return large blocks themselves and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache


@cache
def _trim() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc.malloc_trim  # absent outside glibc: AttributeError
    except (OSError, AttributeError):
        return None


def give_back_freed_memory() -> None:
    """Return the free pages of the C heap to the OS, where the C library can."""
    trim = _trim()
    if trim is not None:
        trim(0)
