"""Group instances into studies and series, order their frames, and examine the stack.

This is the *examine* step: before any pixel is read, each series learns its reading
order and what a reader should be warned about (missing slices, uneven spacing, gantry
tilt, mixed orientations or sizes, duplicate positions).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from pathlib import Path

from viewer.io.geometry import dot, norm, normal
from viewer.io.model import FrameRef, Instance, Orientation, Series, Study

#: Orientations whose cosines differ by less than this are the same plane.
_ORIENTATION_TOL = 1e-3
#: Positions closer than this along the normal (mm) are the same slice.
_DUPLICATE_MM = 1e-3
#: Relative deviation from the typical spacing tolerated before warning.
_SPACING_TOL = 0.1
#: Angle between stacking direction and slice normal above which we call it tilt.
_TILT_DEGREES = 0.5


def _text(inst: Instance, keyword: str) -> str:
    tags = inst.tags  # the quick values when the scan kept them: no file is read again
    if tags is None:
        return ""
    try:
        value = tags.get(keyword)
    except Exception:
        return ""
    return "" if value is None else str(value).strip()


def _synthetic_uid(kind: str, inst: Instance) -> str:
    # Objects without UIDs are grouped per folder: files exported together belong together.
    from pydicom.uid import generate_uid

    return generate_uid(entropy_srcs=[f"lightbox-missing-{kind}", str(inst.path.parent.resolve())])


def build_studies(instances: Iterable[Instance]) -> list[Study]:
    """Studies in order of first appearance; series by Series Number, then appearance."""
    studies: dict[str, Study] = {}
    series_of: dict[tuple[str, str], Series] = {}
    for inst in instances:
        study_uid = inst.study_uid or _synthetic_uid("study", inst)
        series_uid = inst.series_uid or _synthetic_uid("series", inst)
        study = studies.get(study_uid)
        if study is None:
            study = studies[study_uid] = _new_study(study_uid, inst)
        series = series_of.get((study_uid, series_uid))
        if series is None:
            series = series_of[(study_uid, series_uid)] = _new_series(series_uid, study_uid, inst)
            study.series.append(series)
        series.instances.append(inst)
    for study in studies.values():
        for series in study.series:
            order_series(series)
        study.series.sort(key=lambda s: s.number if s.number is not None else math.inf)
    return list(studies.values())


def _new_study(uid: str, inst: Instance) -> Study:
    if inst.kind == "image":
        return Study(uid=uid, description=inst.path.parent.name)
    return Study(
        uid=uid,
        patient_name=_text(inst, "PatientName"),
        patient_id=_text(inst, "PatientID"),
        date=_text(inst, "StudyDate"),
        description=_text(inst, "StudyDescription"),
    )


def _new_series(uid: str, study_uid: str, inst: Instance) -> Series:
    number: int | None
    try:
        number = int(_text(inst, "SeriesNumber"))
    except ValueError:
        number = None
    description = (
        inst.path.parent.name if inst.kind == "image" else _text(inst, "SeriesDescription")
    )
    return Series(
        uid=uid, study_uid=study_uid, modality=inst.modality, number=number, description=description
    )


def order_series(series: Series) -> None:
    """Fill ``series.frames`` in reading order, set ``sorted_by`` and ``warnings``."""
    frames = [
        FrameRef(inst, i)
        for inst in series.instances
        if inst.pixel
        for i in range(inst.number_of_frames)
    ]
    warnings: list[str] = []
    sizes = {(f.instance.pixel.rows, f.instance.pixel.columns) for f in frames if f.instance.pixel}
    if len(sizes) > 1:
        warnings.append(f"images have {len(sizes)} different sizes")
    orientations = _distinct_orientations(frames)
    if len(orientations) > 1:
        warnings.append(f"mixed orientations ({len(orientations)} different image planes)")

    if (
        frames
        and len(orientations) == 1
        and all(f.geometry.position and f.geometry.orientation for f in frames)
    ):
        n = normal(orientations[0])
        keyed = sorted(((dot(f.geometry.position, n), i), f)
                       for i, f in enumerate(frames) if f.geometry.position is not None)
        frames = [f for _, f in keyed]
        series.sorted_by = "position"
        warnings += _examine_stack([d for (d, _), _ in keyed], frames, n)
        if _numbers_run_backwards(frames):
            # Sorted in space either way; keep the direction the modality numbered the
            # slices in, so "Im: 1" is instance 1 as in other viewers (head first for a
            # CT numbered from the head).
            frames.reverse()
    elif frames and all(f.instance.instance_number is not None for f in frames):
        frames.sort(key=lambda f: (f.instance.instance_number, f.frame))
        series.sorted_by = "instance number"
    else:
        series.sorted_by = "file order"
    series.frames = frames
    series.warnings = warnings


def _numbers_run_backwards(frames: list[FrameRef]) -> bool:
    numbers = [f.instance.instance_number for f in frames]
    known = [n for n in numbers if n is not None]
    if len(frames) < 2 or len(known) < len(numbers):
        return False
    pairs = list(zip(known, known[1:], strict=False))
    down = sum(1 for a, b in pairs if b < a)
    up = sum(1 for a, b in pairs if b > a)
    return down > up


def _distinct_orientations(frames: list[FrameRef]) -> list[Orientation]:
    found: list[Orientation] = []
    for f in frames:
        o = f.geometry.orientation
        if o is None:
            continue
        if not any(
            max(abs(a - b) for a, b in zip(o, k, strict=True)) < _ORIENTATION_TOL for k in found
        ):
            found.append(o)
    return found


def _examine_stack(
    distances: list[float], frames: list[FrameRef], n: tuple[float, float, float]
) -> list[str]:
    if len(distances) < 2:
        return []
    warnings: list[str] = []
    steps = [b - a for a, b in zip(distances, distances[1:], strict=False)]
    duplicates = sum(1 for s in steps if s < _DUPLICATE_MM)
    if duplicates:
        warnings.append(
            f"{duplicates} slice position(s) occur more than once (duplicates, or several "
            "acquisitions in one series)"
        )
    real = [s for s in steps if s >= _DUPLICATE_MM]
    if len(real) >= 2:
        typical = statistics.median(real)
        gaps = [s for s in real if s > typical * 1.5]
        if gaps:
            missing = sum(round(s / typical) - 1 for s in gaps)
            warnings.append(
                f"missing slices? {len(gaps)} gap(s) up to {max(gaps):.2f} mm where "
                f"{typical:.2f} mm is typical (about {missing} slice(s) missing)"
            )
        elif max(real) - min(real) > _SPACING_TOL * typical:
            warnings.append(f"uneven slice spacing ({min(real):.2f} to {max(real):.2f} mm)")
    first, last = frames[0].geometry.position, frames[-1].geometry.position
    if first and last:
        along = tuple(b - a for a, b in zip(first, last, strict=True))
        length = norm(along)
        if length > _DUPLICATE_MM:
            cos = min(1.0, abs(dot(along, n)) / length)
            angle = math.degrees(math.acos(cos))
            if angle > _TILT_DEGREES:
                warnings.append(
                    f"gantry tilt or sheared stack: slices are offset {angle:.1f}° from their "
                    "normal (3-D views and measurements across slices may be distorted)"
                )
    return warnings


def file_order_key(path: Path) -> tuple[tuple[int, int, str], ...]:
    """Natural order (IM2 before IM10), so "file order" matches what a file browser shows."""
    import re

    parts = re.split(r"(\d+)", str(path))
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts)
