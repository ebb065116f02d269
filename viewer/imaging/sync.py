"""Which slice of another series lies where this one is: linked scrolling by position.

Two stacks are linked when they share a Frame of Reference (the same patient coordinate
system, e.g. two reconstructions of one CT acquisition) and their slices are parallel.
The linked slice is the one whose plane is nearest to the source slice's plane, measured
along the common normal in millimetres; slice numbers play no part, so a 1 mm and a 5 mm
reconstruction stay at the same anatomy.
"""

from __future__ import annotations

from viewer.io.geometry import dot, normal
from viewer.io.model import FrameRef, Series, Vec3

#: |cos| of the angle between two normals above which the stacks are parallel (about 5°).
PARALLEL_COS = 0.996


def frame_of_reference(series: Series) -> str:
    header = series.frames[0].instance.header if series.frames else None
    try:
        return str(header.get("FrameOfReferenceUID", "") or "") if header is not None else ""
    except Exception:  # noqa: BLE001 - a malformed UID means "unknown"
        return ""


def _normal(ref: FrameRef) -> Vec3 | None:
    orientation = ref.geometry.orientation
    return normal(orientation) if orientation is not None else None


def can_link(a: Series, b: Series) -> bool:
    """Same frame of reference (known) and parallel slices."""
    if not a.frames or not b.frames:
        return False
    for_a = frame_of_reference(a)
    if not for_a or for_a != frame_of_reference(b):
        return False
    na, nb = _normal(a.frames[0]), _normal(b.frames[0])
    return na is not None and nb is not None and abs(dot(na, nb)) >= PARALLEL_COS


def nearest_index(series: Series, position: Vec3, direction: Vec3) -> int | None:
    """The frame of ``series`` nearest ``position`` along ``direction``; None if unplaced."""
    target = dot(position, direction)
    best: tuple[float, int] | None = None
    for index, ref in enumerate(series.frames):
        where = ref.geometry.position
        if where is None:
            continue
        distance = abs(dot(where, direction) - target)
        if best is None or distance < best[0]:
            best = (distance, index)
    return best[1] if best is not None else None


def linked_index(source: Series, index: int, target: Series) -> int | None:
    """The frame of ``target`` at the position of ``source``'s frame ``index``, or None
    when the two cannot be linked."""
    if not can_link(source, target) or not 0 <= index < len(source.frames):
        return None
    ref = source.frames[index]
    direction = _normal(ref)
    if ref.geometry.position is None or direction is None:
        return None
    return nearest_index(target, ref.geometry.position, direction)
