"""Where frames lie in the patient, read from DICOM headers.

Handles the three places DICOM keeps plane geometry: the top-level Image Plane module,
the functional groups of enhanced multi-frame objects (per-frame first, then shared), and
the frame offsets of RT Dose grids.
"""

from __future__ import annotations

import math
from typing import Any

from viewer.io.model import FrameGeometry, Orientation, Vec3
from viewer.io.values import fast_get

#: Pixel spacing attributes in order of preference. PixelSpacing is in the patient;
#: the others are measured at the detector or scanner and may need calibration.
_SPACING_KEYWORDS = ("PixelSpacing", "ImagerPixelSpacing", "NominalScannedPixelSpacing")


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    """``count`` finite floats from a DICOM multi-value, or None if absent or malformed."""
    if value is None:
        return None
    try:
        items = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    if len(items) != count or not all(math.isfinite(v) for v in items):
        return None
    return items


def _item(ds: Any, keyword: str) -> Any:
    """First item of a sequence attribute, or None."""
    try:
        seq = ds.get(keyword)
        return seq[0] if seq else None
    except Exception:  # malformed sequences are treated as absent
        return None


def _get(ds: Any, keyword: str) -> Any:
    try:
        return fast_get(ds, keyword) if ds is not None else None
    except Exception:
        return None


def _position(ds: Any) -> Vec3 | None:
    xyz = _floats(_get(ds, "ImagePositionPatient"), 3)
    return (xyz[0], xyz[1], xyz[2]) if xyz is not None else None


def _orientation(ds: Any) -> Orientation | None:
    cosines = _floats(_get(ds, "ImageOrientationPatient"), 6)
    if cosines is None:
        return None
    row, col = cosines[:3], cosines[3:]
    # A zero or non-unit vector cannot define a plane; treat it as unknown.
    if not (0.5 < norm(row) < 1.5 and 0.5 < norm(col) < 1.5):
        return None
    return (row[0], row[1], row[2], col[0], col[1], col[2])


def _spacing(ds: Any) -> tuple[tuple[float, float] | None, str]:
    for keyword in _SPACING_KEYWORDS:
        values = _floats(_get(ds, keyword), 2)
        if values is not None and values[0] > 0 and values[1] > 0:
            return (values[0], values[1]), keyword
    return None, ""


def _from_groups(per_frame: Any, shared: Any) -> FrameGeometry:
    """Geometry of one frame of an enhanced multi-frame object."""

    def pick(macro: str, fn: Any) -> Any:
        for group in (per_frame, shared):
            value = fn(_item(group, macro)) if group is not None else None
            if value is not None and value != (None, ""):
                return value
        return None

    position = pick("PlanePositionSequence", _position)
    orientation = pick("PlaneOrientationSequence", _orientation)
    spacing = pick("PixelMeasuresSequence", _spacing) or (None, "")
    return FrameGeometry(position, orientation, spacing[0], spacing[1])


def read_geometry(ds: Any, frames: int) -> list[FrameGeometry]:
    """One FrameGeometry per frame, or a single one shared by every frame."""
    per_frame = _get(ds, "PerFrameFunctionalGroupsSequence")
    shared = _item(ds, "SharedFunctionalGroupsSequence")
    if per_frame is not None or shared is not None:
        try:
            groups = list(per_frame) if per_frame is not None else []
        except Exception:
            groups = []
        if len(groups) == frames:
            return [_from_groups(g, shared) for g in groups]
        if shared is not None:
            return [_from_groups(None, shared)]

    position, orientation = _position(ds), _orientation(ds)
    spacing, source = _spacing(ds)
    offsets = _floats(_get(ds, "GridFrameOffsetVector"), frames) if frames > 1 else None
    if offsets is not None and position is not None and orientation is not None:
        # RT Dose: frames are parallel planes offset along the normal from the first one.
        n = normal(orientation)
        return [
            FrameGeometry(
                (position[0] + d * n[0], position[1] + d * n[1], position[2] + d * n[2]),
                orientation,
                spacing,
                source,
            )
            for d in offsets
        ]
    return [FrameGeometry(position, orientation, spacing, source)]


# -- small vector helpers, used by series sorting too (numpy is overkill for 3-vectors) --


def norm(v: tuple[float, ...]) -> float:
    return math.sqrt(sum(x * x for x in v))


def dot(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def normal(orientation: Orientation) -> Vec3:
    """Unit slice normal: row cosines × column cosines."""
    r, c = orientation[:3], orientation[3:]
    n = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
    length = norm(n) or 1.0
    return (n[0] / length, n[1] / length, n[2] / length)
