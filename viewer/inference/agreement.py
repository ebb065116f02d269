"""When an ONNX Runtime output agrees with PyTorch's: the one rule the build and the viewer use.

``modelkit`` proves an artifact with it before writing anything (PyTorch against ONNX
Runtime on the golden inputs); the viewer's golden replay at every start checks with it
that the installed runtime still gives the stored outputs. One rule in one place, so a
model the build accepts is a model the viewer accepts, and no looser.

An element agrees when ``|a − b| ≤ atol + rtol·|b| + scale_rtol·scale`` (a = what ran,
b = the reference), where ``scale`` = max |b| over that output in the compared batch.
The scale term is there because float32 rounding in a deep network grows with the size of
the values it carries, not with each element: a logit map whose values reach 9 carries
rounding of about 1e-5 at every pixel, including the pixels near zero where ``rtol·|b|``
allows nothing. The absolute and per-element terms alone either refuse such a model
(a false refusal) or must be loosened for every element (which would let a changed model
pass). Each term has a ceiling for the same reason: a loose tolerance is tampering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: The loosest ``atol`` and ``rtol`` accepted: looser would let a changed model pass its
#: replay (float32 ONNX Runtime vs PyTorch differs by ~1e-5).
MAX_TOLERANCE = 1e-2
#: The loosest ``scale_rtol``: a thousandth of the output's own scale. Rounding in the
#: deep networks tried (MONAI BasicUNet, SegResNet, DynUNet) stays below 1e-5 of it; a
#: changed weight moves outputs by far more than 1e-3 of their scale.
MAX_SCALE_RTOL = 1e-3
#: What a new recipe gets unless its spec says otherwise (docs/modelkit.md).
DEFAULT_SCALE_RTOL = 1e-5


@dataclass(frozen=True)
class Tolerance:
    """``tolerance`` of the manifest; ``scale_rtol`` is 0 in artifacts built before it."""

    atol: float
    rtol: float
    scale_rtol: float = 0.0

    def describe(self) -> str:
        text = f"atol {self.atol:g} + rtol {self.rtol:g}·|x|"
        if self.scale_rtol:
            text += f" + scale_rtol {self.scale_rtol:g}·scale"
        return text


def tolerance_problem(tol: Tolerance) -> tuple[str, str] | None:
    """``(field, reason)`` when a tolerance is not one the viewer accepts, else None."""
    for name in ("atol", "rtol", "scale_rtol"):
        value = getattr(tol, name)
        if not math.isfinite(value) or value < 0:
            return f"tolerance.{name}", f"{value:g} must be a finite number, not negative"
        limit = MAX_SCALE_RTOL if name == "scale_rtol" else MAX_TOLERANCE
        if value > limit:
            return (f"tolerance.{name}", f"{value:g} is looser than the limit of {limit:g} "
                    "(it would let a changed model pass its golden replay)")
    return None


@dataclass(frozen=True)
class Agreement:
    """How far ``actual`` is from ``expected``, and where it is furthest beyond its bound.

    ``max_rel`` is over the elements with |b| > atol (near zero the absolute terms are
    what applies). ``worst`` indexes the element with the largest difference / allowed
    ratio; ``worst[0]`` is its position along the batch axis.
    """

    agrees: bool
    max_abs: float
    max_rel: float
    scale: float
    worst: tuple[int, ...]
    worst_diff: float
    worst_allowed: float


def agreement(actual: np.ndarray, expected: np.ndarray, tol: Tolerance) -> Agreement:
    """Compare two arrays of one shape under the rule above; NaN agrees only with NaN."""
    if actual.shape != expected.shape:
        raise ValueError(f"shapes differ: {actual.shape} against {expected.shape}")
    a = actual.astype(np.float64)
    b = expected.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    diff = np.where(both_nan, 0.0, np.abs(a - b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    magnitude = np.abs(np.where(np.isfinite(b), b, 0.0))
    scale = float(magnitude.max()) if magnitude.size else 0.0
    allowed = tol.atol + tol.rtol * magnitude + tol.scale_rtol * scale
    if not diff.size:
        return Agreement(True, 0.0, 0.0, scale, (), 0.0, tol.atol)
    big = magnitude > tol.atol
    max_rel = float((diff[big] / magnitude[big]).max()) if big.any() else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(diff > 0, diff / np.maximum(allowed, np.finfo(np.float64).tiny), 0.0)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(ratio)), diff.shape))
    return Agreement(
        agrees=bool(np.all(diff <= allowed)),
        max_abs=float(diff.max()),
        max_rel=max_rel,
        scale=scale,
        worst=worst,
        worst_diff=float(diff[worst]),
        worst_allowed=float(allowed[worst]),
    )
