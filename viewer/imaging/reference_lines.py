"""Reference (scout) lines: where the image shown in one viewport cuts another's image.

Two images of the same Frame of Reference share one patient coordinate system, so the
plane of one crosses the other along a line. What a reader wants drawn is the part of that
line that lies on *both* images: the target image's rectangle cut by the source plane,
intersected with the source image's rectangle cut by the target plane. Both cuts are
segments of the same 3-D line, so the answer is the overlap of two intervals along it.
Parallel planes never cross (linked scrolling covers them); images of different frames of
reference cannot be related without a registration, so no line is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

from viewer.io.geometry import dot, norm, normal
from viewer.io.model import FrameGeometry, FrameRef, Vec3

#: |cos| of the angle between two normals above which the planes count as parallel (~5°),
#: the same bound as linked scrolling uses.
PARALLEL_COS = 0.996


@dataclass(frozen=True, slots=True)
class ImagePlane:
    """One displayed image in the patient: its geometry and size (rows, columns)."""

    geometry: FrameGeometry
    rows: int
    columns: int
    frame_of_reference: str

    @property
    def placed(self) -> bool:
        g = self.geometry
        return (bool(self.frame_of_reference) and g.position is not None
                and g.orientation is not None and g.spacing is not None
                and self.rows > 0 and self.columns > 0)

    def point(self, col: float, row: float) -> Vec3:
        """Patient position (mm) of pixel coordinates (col, row); pixel centres are integers."""
        g = self.geometry
        assert g.position is not None and g.orientation is not None and g.spacing is not None
        r, c = g.orientation[:3], g.orientation[3:]
        dx, dy = col * g.spacing[1], row * g.spacing[0]
        return (g.position[0] + dx * r[0] + dy * c[0], g.position[1] + dx * r[1] + dy * c[1],
                g.position[2] + dx * r[2] + dy * c[2])

    def pixel(self, point: Vec3) -> tuple[float, float]:
        """Pixel coordinates (col, row) of a patient position that lies in this plane."""
        g = self.geometry
        assert g.position is not None and g.orientation is not None and g.spacing is not None
        d = (point[0] - g.position[0], point[1] - g.position[1], point[2] - g.position[2])
        return dot(d, g.orientation[:3]) / g.spacing[1], dot(d, g.orientation[3:]) / g.spacing[0]

    def corners(self) -> list[Vec3]:
        """The image's outer edges (half a pixel beyond the corner pixel centres), in order."""
        c0, r0, c1, r1 = -0.5, -0.5, self.columns - 0.5, self.rows - 0.5
        return [self.point(c0, r0), self.point(c1, r0), self.point(c1, r1), self.point(c0, r1)]

    def normal(self) -> Vec3:
        assert self.geometry.orientation is not None
        return normal(self.geometry.orientation)

    def signed_distance(self, point: Vec3) -> float:
        assert self.geometry.position is not None
        p = self.geometry.position
        return dot((point[0] - p[0], point[1] - p[1], point[2] - p[2]), self.normal())


@dataclass(frozen=True, slots=True)
class Segment:
    """A reference line in the target image's pixel coordinates (centres at integers)."""

    start: tuple[float, float]
    end: tuple[float, float]


def _cut(image: ImagePlane, plane: ImagePlane) -> list[Vec3]:
    """Where ``plane`` crosses the edges of ``image``'s rectangle (0 or 2 points)."""
    corners = image.corners()
    distances = [plane.signed_distance(c) for c in corners]
    points: list[Vec3] = []
    for n in range(4):
        a, b = corners[n], corners[(n + 1) % 4]
        da, db = distances[n], distances[(n + 1) % 4]
        if (da < 0) == (db < 0) or da == db:
            if da == 0:
                points.append(a)
            continue
        t = da / (da - db)
        points.append((a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]),
                       a[2] + t * (b[2] - a[2])))
    if len(points) < 2:
        return []
    # A corner on the plane appears twice; keep the two points farthest apart.
    best = max(((p, q) for p in points for q in points),
               key=lambda pq: norm(tuple(x - y for x, y in zip(pq[0], pq[1], strict=True))))
    return list(best)


def reference_line(source: ImagePlane, target: ImagePlane) -> Segment | None:
    """Where ``source``'s image cuts ``target``'s image, in ``target`` pixel coordinates;
    None when they do not share a known frame of reference, are parallel, or miss."""
    if not (source.placed and target.placed) \
            or source.frame_of_reference != target.frame_of_reference:
        return None
    ns, nt = source.normal(), target.normal()
    if abs(dot(ns, nt)) >= PARALLEL_COS:
        return None
    on_target, on_source = _cut(target, source), _cut(source, target)
    if not on_target or not on_source:
        return None
    direction = (ns[1] * nt[2] - ns[2] * nt[1], ns[2] * nt[0] - ns[0] * nt[2],
                 ns[0] * nt[1] - ns[1] * nt[0])
    ta = sorted(dot(p, direction) for p in on_target)
    sa = sorted(dot(p, direction) for p in on_source)
    lo, hi = max(ta[0], sa[0]), min(ta[1], sa[1])
    if hi - lo <= 1e-9:
        return None
    # Both end points lie on target's cut, which runs straight between its two points.
    a, b = on_target
    da, db = dot(a, direction), dot(b, direction)

    def at(t: float) -> Vec3:
        f = (t - da) / (db - da)
        return (a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2]))

    return Segment(target.pixel(at(lo)), target.pixel(at(hi)))


def plane_of(ref: FrameRef) -> ImagePlane:
    """The image plane of one displayed frame (unplaced when its header lacks a part)."""
    header, pixel = ref.instance.tags, ref.instance.pixel  # the scan's values, if kept
    try:
        uid = str(header.get("FrameOfReferenceUID", "") or "") if header is not None else ""
    except Exception:  # noqa: BLE001 - a malformed UID means "unknown"
        uid = ""
    rows, columns = (pixel.rows, pixel.columns) if pixel is not None else (0, 0)
    return ImagePlane(ref.geometry, rows, columns, uid)


def lines_on(target: FrameRef, sources: list[tuple[FrameRef, str]]
             ) -> list[tuple[Segment, str]]:
    """The labelled reference lines that ``sources`` (other viewports' shown frames) draw
    on ``target``; sources that cannot be related to it draw none."""
    if not sources:
        return []
    plane = plane_of(target)
    found = []
    for ref, label in sources:
        segment = reference_line(plane_of(ref), plane)
        if segment is not None:
            found.append((segment, label))
    return found
