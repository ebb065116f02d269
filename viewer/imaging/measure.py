"""Measurement maths on one 2-D frame: distance, angle, ellipse and rectangle ROIs.

Points are image coordinates (column, row) as floats, with pixel (c, r) covering the
square [c, c+1) × [r, r+1): the same convention as the viewport's transform, so a point
the reader clicks maps here without any half-pixel shift.

Physical sizes come from the frame's spacing. Without any spacing the answer is in
pixels and says "px": a wrong millimetre is worse than none. ImagerPixelSpacing (CR/DX)
is measured at the detector, not in the patient (geometric magnification is not
corrected), and every result made from it says so.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.io.model import FrameGeometry

Point = tuple[float, float]  # (column, row) in image coordinates


class Kind(StrEnum):
    DISTANCE = "distance"
    ANGLE = "angle"
    ELLIPSE = "ellipse"
    RECTANGLE = "rectangle"


#: How many points each kind is made of.
POINTS = {Kind.DISTANCE: 2, Kind.ANGLE: 3, Kind.ELLIPSE: 2, Kind.RECTANGLE: 2}
AT_DETECTOR = "at detector"
# Templates of Result.text (the UI's translation catalogue holds them too).
AREA = "Area {:.1f} {}"
MEAN_SD = "Mean {:.1f} SD {:.1f}"
MIN_MAX = "Min {:g} Max {:g}"


@dataclass(frozen=True, slots=True)
class Calibration:
    """Millimetres per pixel along rows and columns, or pixels when unknown."""

    row_mm: float | None = None  # height of one pixel (spacing between rows)
    col_mm: float | None = None  # width of one pixel (spacing between columns)
    source: str = ""  # "PixelSpacing", "ImagerPixelSpacing", ... ("" = none)

    @property
    def calibrated(self) -> bool:
        return self.row_mm is not None and self.col_mm is not None

    @property
    def unit(self) -> str:
        return "mm" if self.calibrated else "px"

    @property
    def area_unit(self) -> str:
        return "mm²" if self.calibrated else "px²"

    @property
    def note(self) -> str:
        """What the reader must know about these millimetres ("" when nothing)."""
        if self.calibrated and self.source != "PixelSpacing":
            return AT_DETECTOR
        return ""

    def scale(self) -> tuple[float, float]:
        """(x, y) size of one pixel in the result's unit."""
        if self.row_mm is None or self.col_mm is None:
            return 1.0, 1.0
        return self.col_mm, self.row_mm


def calibration_of(geometry: FrameGeometry) -> Calibration:
    spacing = geometry.spacing
    if not spacing or spacing[0] <= 0 or spacing[1] <= 0:
        return Calibration()
    return Calibration(float(spacing[0]), float(spacing[1]), geometry.spacing_source)


@dataclass(frozen=True, slots=True)
class Result:
    """What a measurement shows. ``value`` is the length or angle; ROIs add statistics."""

    value: float | None = None  # distance (unit) or angle (degrees)
    unit: str = ""
    area: float | None = None
    area_unit: str = ""
    mean: float | None = None
    sd: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    pixels: int = 0  # pixels inside the ROI
    value_unit: str = ""  # "HU" for CT, "" for stored/modality values without a name
    note: str = ""  # e.g. "at detector"

    def text(self, tr: Callable[[str], str] = str) -> str:
        """One or two lines for the image and the list. ``tr`` translates the templates
        (the UI passes Qt's translation; exports keep the English)."""
        note = f" ({tr(self.note)})" if self.note else ""
        if self.area is None:
            if self.value is None:
                return ""
            if self.unit == "°":
                return f"{self.value:.1f}°"
            return f"{self.value:.1f} {self.unit}{note}"
        lines = [tr(AREA).format(self.area, self.area_unit) + note]
        if self.mean is not None and self.sd is not None:
            unit = f" {self.value_unit}" if self.value_unit else ""
            lines.append(tr(MEAN_SD).format(self.mean, self.sd) + unit)
            lines.append(tr(MIN_MAX).format(self.minimum, self.maximum))
        return "\n".join(lines)


def distance(p0: Point, p1: Point, cal: Calibration) -> float:
    sx, sy = cal.scale()
    return math.hypot((p1[0] - p0[0]) * sx, (p1[1] - p0[1]) * sy)


def angle(a: Point, vertex: Point, b: Point, cal: Calibration) -> float:
    """The angle at ``vertex`` in degrees (0–180), in the patient: pixels may be oblong."""
    sx, sy = cal.scale()
    ux, uy = (a[0] - vertex[0]) * sx, (a[1] - vertex[1]) * sy
    vx, vy = (b[0] - vertex[0]) * sx, (b[1] - vertex[1]) * sy
    if math.hypot(ux, uy) == 0 or math.hypot(vx, vy) == 0:
        return 0.0
    return math.degrees(abs(math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)))


def roi_mask(kind: Kind, p0: Point, p1: Point, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre lies inside the rectangle or the ellipse inscribed in it."""
    rows, cols = shape
    x0, x1 = sorted((p0[0], p1[0]))
    y0, y1 = sorted((p0[1], p1[1]))
    cx = np.arange(cols, dtype=np.float64) + 0.5
    cy = np.arange(rows, dtype=np.float64) + 0.5
    if kind is Kind.RECTANGLE:
        inside_x = (cx >= x0) & (cx <= x1)
        inside_y = (cy >= y0) & (cy <= y1)
        return inside_y[:, None] & inside_x[None, :]
    ax, ay = (x1 - x0) / 2, (y1 - y0) / 2
    if ax <= 0 or ay <= 0:
        return np.zeros(shape, dtype=bool)
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    dx = ((cx - mx) / ax) ** 2
    dy = ((cy - my) / ay) ** 2
    return dy[:, None] + dx[None, :] <= 1.0


def roi_area(kind: Kind, p0: Point, p1: Point, cal: Calibration) -> float:
    """The drawn shape's own area (not the pixel count): exact for a known object."""
    sx, sy = cal.scale()
    w, h = abs(p1[0] - p0[0]) * sx, abs(p1[1] - p0[1]) * sy
    return w * h if kind is Kind.RECTANGLE else math.pi * w * h / 4


def measure(kind: Kind, points: tuple[Point, ...], cal: Calibration,
            values: np.ndarray | None = None, value_unit: str = "") -> Result:
    """The result of one measurement; ``values`` (modality units) are needed for ROIs' stats.

    Raises ValueError for a wrong number of points.
    """
    kind = Kind(kind)
    if len(points) != POINTS[kind]:
        raise ValueError(f"a {kind.value} needs {POINTS[kind]} points, not {len(points)}")
    note = cal.note
    if kind is Kind.DISTANCE:
        return Result(distance(points[0], points[1], cal), cal.unit, note=note)
    if kind is Kind.ANGLE:
        return Result(angle(points[0], points[1], points[2], cal), "°")
    area = roi_area(kind, points[0], points[1], cal)
    base = Result(area=area, area_unit=cal.area_unit, note=note, value_unit=value_unit)
    if values is None or values.ndim != 2:
        return base  # colour images and frames not decoded yet: the area alone
    inside = values[roi_mask(kind, points[0], points[1], values.shape)]
    inside = inside[np.isfinite(inside)]
    if inside.size == 0:
        return base
    return Result(
        area=area, area_unit=cal.area_unit, note=note, value_unit=value_unit,
        mean=float(inside.mean()), sd=float(inside.std(ddof=1)) if inside.size > 1 else 0.0,
        minimum=float(inside.min()), maximum=float(inside.max()), pixels=int(inside.size),
    )
