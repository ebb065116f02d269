"""A scale bar of a round physical length (1, 2 or 5 × 10ⁿ mm) that fits the space."""

from __future__ import annotations

import math

_MANTISSAS = (5, 2, 1)
_SMALLEST_EXPONENT = -3  # 1 µm: nothing a viewer shows is smaller
_LARGEST_EXPONENT = 4  # 50 m: nothing a viewer shows is larger


def scale_bar(mm_per_screen_px: float, max_px: float) -> tuple[float, str] | None:
    """The longest round length not longer than ``max_px`` screen pixels.

    Returns (its length in screen pixels, its label: "5 mm", "0.5 mm", "2 cm", "1 m"),
    or None when the scale is unknown or even the smallest length does not fit.
    """
    if not (math.isfinite(mm_per_screen_px) and mm_per_screen_px > 0):
        return None
    if not (math.isfinite(max_px) and max_px > 0):
        return None
    longest_mm = max_px * mm_per_screen_px
    exponent = min(_LARGEST_EXPONENT, math.floor(math.log10(longest_mm)))
    while exponent >= _SMALLEST_EXPONENT:
        for mantissa in _MANTISSAS:
            length_mm = float(f"{mantissa}e{exponent}")  # exact decimal, no 10**-n float drift
            pixels = length_mm / mm_per_screen_px
            if pixels <= max_px * (1 + 1e-9):
                return (pixels, _label(mantissa, exponent))
        exponent -= 1
    return None


def _label(mantissa: int, exponent: int) -> str:
    if exponent >= 3:
        return f"{mantissa * 10 ** (exponent - 3)} m"
    if exponent >= 1:
        return f"{mantissa * 10 ** (exponent - 1)} cm"
    if exponent == 0:
        return f"{mantissa} mm"
    return f"{float(f'{mantissa}e{exponent}'):g} mm"
