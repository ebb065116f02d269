"""RT Structure Sets: named, coloured regions drawn as planar contours in patient space.

A structure set is read once into plain data (ROI names, display colours, each contour's
points in patient millimetres and the images it was drawn on); mapping them onto a frame
is :mod:`viewer.imaging.contours`. Nothing here knows about Qt.

Structure sets are overlays that point at their images through a Frame of Reference UID:
one whose frame of reference differs from a series' cannot be drawn on it, and saying so
is better than drawing it in the wrong place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from viewer.errors import FileProblemError, LightboxError, UnreadableFileError
from viewer.io import sr_values as values
from viewer.io.model import Series, Study

RTSTRUCT_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.481.3"
#: Points kept per contour and in the whole set; beyond them a structure set is not a
#: drawing but an attack on memory.
MAX_POINTS_PER_CONTOUR = 20_000
MAX_POINTS = 2_000_000
DEFAULT_COLOUR = (255, 255, 0)


class UnreadableStructureSetError(FileProblemError):
    """The file is not an RT Structure Set or is damaged."""


class ForeignStructureSetError(LightboxError):
    """The structure set was drawn on another frame of reference than the shown series."""


@dataclass(frozen=True, eq=False)
class Contour:
    """One planar contour. ``points``: (N, 3) patient mm; ``images``: SOP Instance UIDs it
    was drawn on (may be empty). Points are an array, not tuples: a structure set holds
    up to millions of them and each frame shown tests them against its plane."""

    geometric_type: str  # CLOSED_PLANAR, OPEN_PLANAR, OPEN_NONPLANAR, POINT
    points: np.ndarray
    images: tuple[str, ...] = ()

    @property
    def closed(self) -> bool:
        return self.geometric_type == "CLOSED_PLANAR"


@dataclass(frozen=True)
class Roi:
    number: int
    name: str
    colour: tuple[int, int, int]
    contours: tuple[Contour, ...]
    interpreted_type: str = ""  # EXTERNAL, PTV, ORGAN... ("" when not given)


@dataclass(frozen=True)
class StructureSet:
    path: Path
    sop_instance_uid: str
    label: str
    study_uid: str
    frame_of_reference_uids: tuple[str, ...]
    rois: tuple[Roi, ...]
    notes: tuple[str, ...] = ()

    def fits(self, frame_of_reference_uid: str) -> bool:
        return bool(frame_of_reference_uid) and frame_of_reference_uid in \
            self.frame_of_reference_uids


def is_structure_set(sop_class_uid: str) -> bool:
    return sop_class_uid == RTSTRUCT_SOP_CLASS


def read_structure_set(path: str | Path) -> StructureSet:
    """The structure set in ``path``; raises UnreadableStructureSetError if it cannot be used."""
    path = Path(path)
    try:
        from viewer.io.dicom import read_dataset  # pydicom: not needed at start-up

        ds = read_dataset(path, defer_size=None)
        sop_class = values.text(ds, "SOPClassUID")
        roi_items = values.sequence(ds, "StructureSetROISequence")
        contour_items = values.sequence(ds, "ROIContourSequence")
    except UnreadableFileError as exc:
        raise UnreadableStructureSetError(
            path, f"{exc.reason}: this RT structure set cannot be drawn; ask for it to be "
            "exported again") from None
    except Exception:  # a sequence that pydicom cannot parse: damaged as well
        raise UnreadableStructureSetError(
            path, "this RT structure set is damaged; ask for it to be exported again") from None
    if sop_class != RTSTRUCT_SOP_CLASS:
        raise UnreadableStructureSetError(
            path, "this file is not an RT structure set; open it as an image or look at its "
            "tags in the tag browser")
    return _parse(path, ds, roi_items, contour_items)


def _parse(path: Path, ds: Any, roi_items: list[Any], contour_items: list[Any]) -> StructureSet:
    notes: list[str] = []
    names: dict[int, tuple[str, str]] = {}
    frames = {values.text(item, "FrameOfReferenceUID")
              for item in values.sequence(ds, "ReferencedFrameOfReferenceSequence")}
    for item in roi_items:
        number = _int(values.text(item, "ROINumber"))
        if number is not None:
            names[number] = (values.text(item, "ROIName") or f"ROI {number}", "")
            frames.add(values.text(item, "ReferencedFrameOfReferenceUID"))
    kinds = {_int(values.text(o, "ReferencedROINumber")): values.text(o, "RTROIInterpretedType")
             for o in values.sequence(ds, "RTROIObservationsSequence")}
    budget = [MAX_POINTS]
    rois = []
    for item in contour_items:
        number = _int(values.text(item, "ReferencedROINumber"))
        name = names.get(number, (f"ROI {number}", ""))[0] if number is not None else "ROI"
        contours = tuple(c for c in (_contour(c, budget) for c in
                                     values.sequence(item, "ContourSequence")) if c)
        rois.append(Roi(number if number is not None else 0, name, _colour(item), contours,
                        kinds.get(number, "")))
    if budget[0] <= 0:
        notes.append(f"only the first {MAX_POINTS} contour points are drawn")
    frames.discard("")
    return StructureSet(path, values.text(ds, "SOPInstanceUID"),
                        values.text(ds, "StructureSetLabel") or path.name,
                        values.text(ds, "StudyInstanceUID"), tuple(sorted(frames)),
                        tuple(rois), tuple(notes))


def _int(text: str) -> int | None:
    try:
        return int(float(text))
    except ValueError:
        return None


def _colour(item: Any) -> tuple[int, int, int]:
    parts = values.text(item, "ROIDisplayColor").split("\\")
    try:
        rgb = tuple(min(max(int(float(p)), 0), 255) for p in parts)
    except ValueError:
        return DEFAULT_COLOUR
    return rgb if len(rgb) == 3 else DEFAULT_COLOUR


def _contour(item: Any, budget: list[int]) -> Contour | None:
    """One contour, or None when it has no usable points (or the point budget is spent)."""
    if budget[0] <= 0:
        return None
    try:
        raw = np.asarray(item.get("ContourData") or [], dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    count = min(raw.size // 3, MAX_POINTS_PER_CONTOUR, budget[0])
    points = raw[:count * 3].reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return None
    budget[0] -= len(points)
    images = tuple(uid for uid in (values.text(ref, "ReferencedSOPInstanceUID") for ref in
                                   values.sequence(item, "ContourImageSequence")) if uid)
    return Contour(values.text(item, "ContourGeometricType").upper() or "CLOSED_PLANAR",
                   points, images)


# -- which structure sets belong to a series ------------------------------------------------


def frame_of_reference(series: Series) -> str:
    """The series' Frame of Reference UID from its first header ("" when unknown): the
    value the scan kept where it kept one, so no header is read again for it."""
    for instance in series.instances:
        uid = values.text(instance.tags, "FrameOfReferenceUID")
        if uid:
            return uid
    return ""


def structure_set_files(study: Study | None) -> list[Path]:
    if study is None:
        return []
    return [inst.path for s in study.series for inst in s.instances
            if inst.kind == "dicom" and is_structure_set(inst.sop_class_uid)]


def check_fits(structure_set: StructureSet, series: Series) -> None:
    """Raise ForeignStructureSetError when ``structure_set`` cannot be drawn on ``series``."""
    if not structure_set.fits(frame_of_reference(series)):
        raise ForeignStructureSetError(
            f"{structure_set.path.name}: these contours were drawn on another frame of "
            "reference than the series shown; open the images they were drawn on (same "
            "study, same frame of reference) to see them")
