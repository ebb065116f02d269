"""Which slice of another series lies where this one is: linked scrolling by position.

Two stacks are linked when they share a Frame of Reference (the same patient coordinate
system, e.g. two reconstructions of one CT acquisition) and their slices are parallel.
The linked slice is the one whose plane is nearest to the source slice's plane, measured
along the common normal in millimetres; slice numbers play no part, so a 1 mm and a 5 mm
reconstruction stay at the same anatomy.
"""

from __future__ import annotations

from dataclasses import dataclass

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


# -- manual link with an offset (a prior against a current) -------------------------------

#: |cos| below which two stacks are too far from parallel to follow each other by position
#: (about 45°): a sagittal cannot follow an axial, whatever the reader says.
MANUAL_COS = 0.7


@dataclass(frozen=True, slots=True)
class OffsetLink:
    """Two stacks the reader declared to match at their current slices.

    Studies in different frames of reference (a prior and a current, two scanners) share no
    coordinate system, so the reader says "these two slices show the same anatomy" and the
    link keeps that offset: ``offset_mm`` along the source normal when both stacks are
    placed and roughly parallel, else the difference in slice numbers.
    """

    source: Series
    target: Series
    direction: Vec3 | None
    offset_mm: float
    offset_index: int

    @classmethod
    def between(cls, source: Series, source_index: int, target: Series,
                target_index: int) -> OffsetLink:
        a, b = source.frames[source_index], target.frames[target_index]
        na, nb = _normal(a), _normal(b)
        pa, pb = a.geometry.position, b.geometry.position
        if na is None or nb is None or pa is None or pb is None \
                or abs(dot(na, nb)) < MANUAL_COS:
            return cls(source, target, None, 0.0, target_index - source_index)
        return cls(source, target, na, dot(pb, na) - dot(pa, na), target_index - source_index)

    def _index(self, series: Series, index: int, other: Series, sign: int) -> int | None:
        if not 0 <= index < len(series.frames) or not other.frames:
            return None
        position = series.frames[index].geometry.position
        if self.direction is None or position is None:
            return min(max(index + sign * self.offset_index, 0), len(other.frames) - 1)
        shift = sign * self.offset_mm
        d = self.direction
        wanted = (position[0] + shift * d[0], position[1] + shift * d[1],
                  position[2] + shift * d[2])
        return nearest_index(other, wanted, d)

    def target_index(self, source_index: int) -> int | None:
        """The target slice that keeps the offset from source slice ``source_index``."""
        return self._index(self.source, source_index, self.target, 1)

    def source_index(self, target_index: int) -> int | None:
        """The other way: the source slice for target slice ``target_index``."""
        return self._index(self.target, target_index, self.source, -1)
