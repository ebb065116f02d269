"""The findings list as a reader wants it: one row per finding, not per slice (no Qt).

A model reports per image; a reader thinks in findings. So the per-slice findings of
:meth:`viewer.state.ai_results.OverlayState.findings` are grouped: a mask label of one
model is one finding over the slices it appears on (its area on the shown slice in mm²,
its volume over the series in mL when the spacing is known); boxes of one class that
overlap on neighbouring slices are one finding (a lesion seen on five slices is one
lesion); a classification is one finding per label it named. Every group keeps its
per-slice members, so the per-finding visibility toggles still act on what is drawn.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from viewer.io.geometry import dot, normal
from viewer.state.ai_results import Finding, RunKey

if TYPE_CHECKING:
    from viewer.inference import Box
    from viewer.io.model import Series

#: Boxes on neighbouring slices belong to one finding when they overlap at least this much
#: (intersection over the smaller box: a lesion narrows towards its ends).
BOX_OVERLAP = 0.3
#: ...and lie at most this many slices apart (one slice without a box does not split it).
BOX_GAP = 2


@dataclass(frozen=True)
class FindingGroup:
    """One finding over the slices it appears on."""

    key: str
    run_key: RunKey
    kind: str  # "mask" | "box" | "labels" | "values"
    name: str
    members: tuple[Finding, ...]
    color: str | None = None
    label_value: int | None = None
    #: Per frame: mask pixels of the label, or box area in pixels (what "largest" means).
    sizes: dict[int, float] = field(default_factory=dict)

    @property
    def frames(self) -> list[int]:
        return sorted({m.frame_index for m in self.members})

    @property
    def first(self) -> int:
        return self.frames[0]

    @property
    def last(self) -> int:
        return self.frames[-1]

    @property
    def score(self) -> float | None:
        scores = [m.score for m in self.members if m.score is not None]
        return max(scores) if scores else None

    @property
    def best_frame(self) -> int:
        """Where to jump: the slice with the largest area, else the highest score."""
        if self.sizes:
            return max(sorted(self.sizes), key=lambda f: self.sizes[f])
        best = max(self.members, key=lambda m: (m.score or 0.0, -m.frame_index))
        return best.frame_index

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(m.key for m in self.members)


def group_findings(findings: list[Finding]) -> list[FindingGroup]:
    """Group per-slice findings (as OverlayState.findings lists them) into findings, in
    the order of their model, then kind, then first slice."""
    masks: dict[tuple[RunKey, int], list[Finding]] = {}
    labels: dict[tuple[RunKey, str, str], list[Finding]] = {}  # labels and values
    boxes: dict[tuple[RunKey, str], list[Finding]] = {}
    for f in findings:
        if f.kind == "mask":
            masks.setdefault((f.run_key, f.label_value or 0), []).append(f)
        elif f.kind in ("labels", "values"):
            labels.setdefault((f.run_key, f.kind, f.name), []).append(f)
        elif f.kind == "box":
            boxes.setdefault((f.run_key, f.name), []).append(f)
    groups: list[FindingGroup] = []
    for (run_key, value), members in masks.items():
        first = members[0]
        sizes = {m.frame_index: float(m.pixels) for m in members}
        groups.append(FindingGroup(f"{_run(run_key)}|mask|{value}", run_key, "mask",
                                   first.name, tuple(members), first.color, value, sizes))
    for (run_key, kind, name), members in labels.items():
        groups.append(FindingGroup(f"{_run(run_key)}|{kind}|{name}", run_key, kind, name,
                                   tuple(members)))
    for (run_key, name), members in boxes.items():
        for n, cluster in enumerate(_clusters(members)):
            first = cluster[0]
            sizes = {}
            for m in cluster:
                sizes[m.frame_index] = max(sizes.get(m.frame_index, 0.0), _area(m.box))
            groups.append(FindingGroup(
                f"{_run(run_key)}|box|{name}|{first.frame_index}|{n}", run_key, "box", name,
                tuple(cluster), first.color, None, sizes))
    order = {"labels": 0, "values": 1, "mask": 2, "box": 3}
    groups.sort(key=lambda g: (g.run_key, order[g.kind], g.first, g.label_value or 0, g.name))
    return groups


def _run(run_key: RunKey) -> str:
    return f"{run_key[1]}|{run_key[0]}"


def _area(box: Box | None) -> float:
    return 0.0 if box is None else max(box.x1 - box.x0, 0.0) * max(box.y1 - box.y0, 0.0)


def _overlap(a: Box | None, b: Box | None) -> float:
    """Intersection over the smaller of the two boxes."""
    if a is None or b is None:
        return 0.0
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    smaller = min(_area(a), _area(b))
    return w * h / smaller if w > 0 and h > 0 and smaller > 0 else 0.0


def _clusters(members: list[Finding]) -> list[list[Finding]]:
    """Boxes linked slice to slice by overlap (single linkage, in slice order)."""
    clusters: list[list[Finding]] = []
    for finding in sorted(members, key=lambda m: m.frame_index):
        home = next((c for c in clusters if any(
            0 < finding.frame_index - m.frame_index <= BOX_GAP
            and _overlap(m.box, finding.box) >= BOX_OVERLAP for m in c)), None)
        if home is None:
            clusters.append([finding])
        else:
            home.append(finding)
    return clusters


# -- sizes in millimetres -------------------------------------------------------------------


def pixel_area_mm2(series: Series, frame: int) -> float | None:
    """The area of one pixel of ``frame`` in mm², None without a pixel spacing."""
    if not 0 <= frame < len(series.frames):
        return None
    spacing = series.frames[frame].geometry.spacing
    return spacing[0] * spacing[1] if spacing else None


def slice_spacing_mm(series: Series) -> float | None:
    """The typical distance between neighbouring slices along their normal (the median,
    so one gap does not change it); None when positions are unknown or the stack is one
    image."""
    positions = []
    for ref in series.frames:
        g = ref.geometry
        if g.position is None or g.orientation is None:
            return None
        positions.append(dot(g.position, normal(g.orientation)))
    steps = [abs(b - a) for a, b in zip(positions, positions[1:], strict=False)]
    spacing = statistics.median(steps) if steps else 0.0
    return spacing if spacing > 0 else None


def area_mm2(group: FindingGroup, series: Series, frame: int) -> float | None:
    """A mask finding's area on ``frame`` (0 where it is absent); None if not a mask or
    no pixel spacing."""
    pixel = pixel_area_mm2(series, frame)
    if group.kind != "mask" or pixel is None:
        return None
    return group.sizes.get(frame, 0.0) * pixel


def volume_ml(group: FindingGroup, series: Series) -> float | None:
    """A mask finding's volume over the series: its area on each slice times the slice
    spacing (1 mL = 1000 mm³); None if not a mask or any spacing is unknown."""
    step = slice_spacing_mm(series)
    if group.kind != "mask" or step is None:
        return None
    total = 0.0
    for frame, pixels in group.sizes.items():
        pixel = pixel_area_mm2(series, frame)
        if pixel is None:
            return None
        total += pixels * pixel
    return total * step / 1000.0
