"""Window (level/width): which modality values map to the grey ramp on screen."""

from __future__ import annotations

from dataclasses import dataclass

#: The narrowest window DICOM allows (PS3.3 C.11.2.1.2: Window Width >= 1).
MIN_WIDTH = 1.0


@dataclass(frozen=True)
class Window:
    """A linear window in modality units (HU for CT): ``center`` and ``width``."""

    center: float
    width: float

    def __post_init__(self) -> None:
        if not self.width >= MIN_WIDTH:  # also rejects NaN
            raise ValueError(f"window width must be at least {MIN_WIDTH:g}, got {self.width!r}")

    @property
    def low(self) -> float:
        return self.center - self.width / 2

    @property
    def high(self) -> float:
        return self.center + self.width / 2

    def with_drag(self, dx: float, dy: float, sensitivity: float = 1.0) -> Window:
        """The window after a mouse drag of (dx, dy) screen pixels.

        The usual viewer convention (Cornerstone, most PACS): dragging right widens the
        window (less contrast), dragging down raises the level (darker image).
        """
        width = max(MIN_WIDTH, self.width + dx * sensitivity)
        return Window(self.center + dy * sensitivity, width)

    def __str__(self) -> str:
        return f"W {self.width:g} L {self.center:g}"
