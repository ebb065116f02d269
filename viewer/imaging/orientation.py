"""Patient-direction letters for the four edges of a viewport (PS3.3 C.7.6.2.1.1).

DICOM patient coordinates are LPS: +x towards the patient's Left, +y Posterior, +z Head.
Image Orientation (Patient) gives the direction of increasing column index (towards the
screen's right) and of increasing row index (towards the screen's bottom); each edge is
labelled with the letters of the direction pointing at it, strongest component first.
"""

from __future__ import annotations

import math

from viewer.io.model import Orientation

#: Components smaller than this are ignored, so a slightly tilted axial still reads "A"
#: rather than "AF"; above it, obliques get combined letters such as "LP".
MIN_COMPONENT = 0.1
MAX_LETTERS = 3

_LETTERS = (("L", "R"), ("P", "A"), ("H", "F"))  # (positive, negative) along x, y, z


def direction_letters(vector: tuple[float, float, float]) -> str:
    """The patient directions ``vector`` points to, major first: "L", "AF", "RPH"..."""
    weighted = sorted(
        ((abs(component), axis, component) for axis, component in enumerate(vector)),
        reverse=True,
    )
    letters = [
        _LETTERS[axis][0 if component > 0 else 1]
        for weight, axis, component in weighted
        if weight >= MIN_COMPONENT
    ]
    return "".join(letters[:MAX_LETTERS])


def orientation_labels(
    orientation: Orientation | None,
    rotation: int = 0,
    flip_h: bool = False,
    flip_v: bool = False,
) -> dict[str, str] | None:
    """Labels for the "left", "right", "top" and "bottom" edges of the screen.

    ``rotation`` is the display rotation in degrees clockwise (a multiple of 90). The flips
    are in screen space, applied after the rotation: ``flip_h`` mirrors what is on screen
    left-to-right, ``flip_v`` top-to-bottom. None when the orientation is unknown or unusable.
    """
    if rotation % 90:
        raise ValueError(f"rotation must be a multiple of 90 degrees, got {rotation}")
    if orientation is None or len(orientation) != 6:
        return None
    row = _unit(orientation[:3])
    column = _unit(orientation[3:])
    if row is None or column is None:
        return None
    right, bottom = direction_letters(row), direction_letters(column)
    left, top = direction_letters(_neg(row)), direction_letters(_neg(column))
    if not all((right, bottom, left, top)):
        return None
    for _ in range((rotation // 90) % 4):  # a quarter turn clockwise: top goes to the right
        top, right, bottom, left = left, top, right, bottom
    if flip_h:
        left, right = right, left
    if flip_v:
        top, bottom = bottom, top
    return {"left": left, "right": right, "top": top, "bottom": bottom}


def _unit(vector: tuple[float, ...]) -> tuple[float, float, float] | None:
    try:
        x, y, z = (float(v) for v in vector)
    except (TypeError, ValueError):
        return None
    norm = math.sqrt(x * x + y * y + z * z)
    if not math.isfinite(norm) or norm < 1e-6:
        return None
    return (x / norm, y / norm, z / norm)


def _neg(vector: tuple[float, float, float]) -> tuple[float, float, float]:
    return (-vector[0], -vector[1], -vector[2])
