"""Cine playback speed: where it starts and how the reader changes it (no Qt).

The file's own rate comes first (RecommendedDisplayFrameRate, then CineRate, then
FrameTime in ms), as an ultrasound or angiography loop was recorded to be seen; the reader
then steps it with [ and ] through rates that are easy to read back on the image.
"""

from __future__ import annotations

from typing import Any

MIN_FPS, MAX_FPS = 1.0, 60.0
DEFAULT_FPS = 10.0
#: The rates [ and ] step through: fine steps where a change is felt, coarse ones above.
LADDER = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 24.0, 25.0, 30.0,
          40.0, 50.0, 60.0)


def clamp_fps(value: float) -> float:
    return min(max(float(value), MIN_FPS), MAX_FPS)


def file_fps(header: Any) -> float | None:
    """The rate the file asks for, clamped to 1–60; None when it names none (or nonsense)."""
    if header is None:
        return None
    for keyword in ("RecommendedDisplayFrameRate", "CineRate"):
        value = _positive(header, keyword)
        if value is not None:
            return clamp_fps(value)
    frame_time = _positive(header, "FrameTime")
    return clamp_fps(1000.0 / frame_time) if frame_time is not None else None


def _positive(header: Any, keyword: str) -> float | None:
    try:
        value = float(header.get(keyword) or 0)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


def step_fps(current: float, direction: int) -> float:
    """The next rate of :data:`LADDER` above (direction > 0) or below ``current``."""
    if direction > 0:
        return next((r for r in LADDER if r > current + 1e-6), MAX_FPS)
    return next((r for r in reversed(LADDER) if r < current - 1e-6), MIN_FPS)
