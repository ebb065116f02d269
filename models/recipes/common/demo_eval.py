"""Run the bundled models on every slice of the demo phantom, the way the viewer does.

    python models/recipes/common/demo_eval.py [--models-dir models] [--slices 64 --size 256]

Writes the phantom series (``viewer.io.demo.write_phantom_series``), runs each model through
``viewer.inference`` (ModelRegistry + run_model: verification, the manifest's
pre-processing, post-processing back to the image) on every slice, and prints per slice:
the truth (lesion in-plane radius in mm, liver and lung area), the classifier's
P(lesion), the detector's boxes at its threshold and whether they hit the lesion, and the
segmentation's Dice per label against ``viewer.io.demo.phantom_labels``. Rows that a
radiologist would call wrong are flagged (see :func:`findings`).

Truth for the lesion follows :data:`phantom2d.LESION_MIN_RADIUS_MM`: a slice shows the
lesion when the sphere's in-plane radius there is at least that; slices cutting only its
very edge are "partial" and neither answer is flagged.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phantom2d import LESION_MIN_RADIUS_MM  # noqa: E402

# Demo structure labels (viewer.io.demo) → the seg model's label names.
_SEG_OF_DEMO = {3: "lung", 4: "liver", 5: "lesion", 6: "bone", 7: "bone"}


@dataclass
class SliceRow:
    index: int
    t: float
    lesion_r_mm: float  # the lesion sphere's in-plane radius on this slice (0: none)
    areas: dict[str, int]  # truth pixels per seg label
    p_lesion: float | None = None
    boxes: list = field(default_factory=list)  # (x0, y0, x1, y1, score, hits_lesion)
    dice: dict[str, float | None] = field(default_factory=dict)

    @property
    def truth(self) -> str:
        if self.lesion_r_mm >= LESION_MIN_RADIUS_MM:
            return "lesion"
        return "partial" if self.lesion_r_mm > 0 else "none"


def lesion_radius_mm(index: int, slices: int, size: int, thickness: float = 2.5,
                     spacing: float = 0.8) -> float:
    """In-plane radius of the demo lesion on slice ``index`` (the demo's own formula)."""
    from viewer.io.demo import _LESION

    _, _, lt, radius = _LESION
    t = index / max(slices - 1, 1)
    length_mm = max(slices - 1, 1) * thickness
    half_fov = size * spacing / 2
    dz = (t - lt) * length_mm / half_fov
    if abs(dz) >= radius or not 0.50 < t <= 0.95:
        return 0.0
    return math.sqrt(radius**2 - dz**2) * half_fov


def evaluate(slices: int = 64, size: int = 256, models_dir: Path | None = None,
             thickness: float = 2.5, spacing: float = 0.8) -> list[SliceRow]:
    from viewer.io.demo import _Layout, phantom_labels, write_phantom_series
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference import ModelRegistry, bundled_models_dir, run_model
    from viewer.io.scan import scan

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "phantom"
        write_phantom_series(folder, slices, size, thickness=thickness,
                             spacing=(spacing, spacing))
        series = scan([folder]).all_series()[0]
        settings = load_settings()
        registry = ModelRegistry([models_dir or bundled_models_dir()], settings=settings)
        # An evaluation is not a reading: its runs go to a throw-away audit log.
        audit = AuditLog(Path(tmp) / "audit" / "ai-runs.jsonl")
        layout = _Layout(slices, size, (spacing, spacing), thickness)
        rows = []
        truths = []
        for i in range(slices):
            labels = phantom_labels(i, layout)
            seg = np.zeros_like(labels)
            for demo, name in _SEG_OF_DEMO.items():
                seg[labels == demo] = ("background", "lung", "liver", "bone", "lesion").index(name)
            truths.append(seg)
            areas = {n: int((seg == v).sum()) for v, n in enumerate(
                ("background", "lung", "liver", "bone", "lesion")) if v}
            rows.append(SliceRow(i, layout.t(i),
                                 lesion_radius_mm(i, slices, size, thickness, spacing), areas))
        cls = run_model(registry.get("ct-lesion-cls"), series, batch_size=16,
                        audit_log=audit)
        det = run_model(registry.get("ct-lesion-det"), series, batch_size=16,
                        audit_log=audit)
        segr = run_model(registry.get("ct-body-seg"), series, batch_size=16,
                        audit_log=audit)
    for row, c, d, s, truth in zip(rows, cls, det, segr, truths, strict=True):
        row.p_lesion = c.labels[0].probability("lesion")
        lesion = truth == 4
        for b in d.boxes[0].boxes:
            r0, r1 = int(max(b.y0, 0)), int(math.ceil(b.y1))
            c0, c1 = int(max(b.x0, 0)), int(math.ceil(b.x1))
            hit = bool(lesion[r0:r1, c0:c1].any())
            row.boxes.append((b.x0, b.y0, b.x1, b.y1, b.score, hit))
        mask = s.masks[0]
        for label in mask.labels:
            if label.value == 0:
                continue
            p, t = mask.mask == label.value, truth == label.value
            denom = int(p.sum() + t.sum())
            row.dice[label.name] = round(2 * int((p & t).sum()) / denom, 3) if denom else None
    return rows


def findings(row: SliceRow, min_organ_px: int) -> list[str]:
    """What a radiologist would call wrong on this slice."""
    out = []
    if row.truth == "lesion":
        if row.p_lesion < 0.5:
            out.append("cls FN")
        if not any(hit for *_, hit in row.boxes):
            out.append("det FN")
    if row.truth == "none" and row.p_lesion >= 0.5:
        out.append("cls FP")
    if any(not hit for *_, hit in row.boxes) and row.truth != "partial":
        out.append("det FP")
    for name in ("lung", "liver"):
        d = row.dice.get(name)
        if row.areas[name] >= min_organ_px and (d is None or d < 0.9):
            out.append(f"{name} dice {d}")
    if row.truth == "lesion" and (row.dice.get("lesion") or 0) < 0.5:
        out.append(f"lesion dice {row.dice.get('lesion')}")
    if row.areas["lesion"] == 0 and row.dice.get("lesion") is not None:
        out.append("seg lesion FP")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--slices", type=int, default=64)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--thickness", type=float, default=None,
                        help="default: the demo's 157.5 mm scanned length over the slices")
    parser.add_argument("--spacing", type=float, default=None,
                        help="default: the demo's 204.8 mm field of view over the size")
    parser.add_argument("--all", action="store_true", help="print every slice, not only flagged")
    args = parser.parse_args()
    thickness = args.thickness or 63 * 2.5 / max(args.slices - 1, 1)
    spacing = args.spacing or 256 * 0.8 / args.size
    rows = evaluate(args.slices, args.size, args.models_dir, thickness, spacing)
    min_px = int(0.02 * args.size**2)  # "large": 2 % of the slice
    flagged = 0
    print(" idx    t  les_mm truth   P(les) boxes(score,hit)      dice lung/liver/bone/lesion  !")
    for row in rows:
        problems = findings(row, min_px)
        flagged += bool(problems)
        if not (problems or args.all):
            continue
        boxes = " ".join(f"{b[4]:.2f}{'+' if b[5] else '-'}" for b in row.boxes) or "-"
        dice = "/".join("--" if row.dice.get(n) is None else f"{row.dice[n]:.2f}"
                        for n in ("lung", "liver", "bone", "lesion"))
        print(f"{row.index:4d} {row.t:.3f} {row.lesion_r_mm:6.1f} {row.truth:7s} "
              f"{row.p_lesion:6.3f} {boxes:20s} {dice:28s} {', '.join(problems)}")
    print(f"{flagged} of {len(rows)} slices flagged")


if __name__ == "__main__":
    main()
