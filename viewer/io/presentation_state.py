"""The reader's annotations as a Grayscale Softcopy Presentation State (GSPS), both ways.

Why GSPS and not a TID 1500 measurement report: a presentation state is what PACS and
other viewers *show* over the image (lines, ellipses, text in place, the window the
reader used); an SR is a report they list, and many viewers never draw it. So one GSPS
per series holds the reader's measurements: distance and angle as POLYLINE, an ellipse
ROI as ELLIPSE (major then minor axis), a rectangle ROI as a closed POLYLINE, each with a
text object carrying the value and its unit ("23.4 mm", "Mean 54.0 SD 3.2 HU").

Lightbox's own files also carry each measurement's exact record (kind, points in double
precision, result) in a private element of its annotation item: DICOM graphic data is
32-bit float and must stay inside the image, so the standard part alone would not give
back exactly what was drawn. Files from other viewers are read from the standard part.

Plain records in, plain records out: this module knows DICOM, not measurements (that is
:mod:`viewer.state.annotation_files`, one layer up). Nothing here marks the object as AI
output: these are the reader's annotations.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import viewer
from viewer.errors import LightboxError
from viewer.io.atomic import write_bytes_atomic

if TYPE_CHECKING:  # highdicom loads when a GSPS is written: start-up never needs it
    import highdicom as hd  # nor pydicom (imported where a file is read or written)
    from pydicom import Dataset

GSPS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.11.1"
MANUFACTURER = "Lightbox"
LAYER = "MEASUREMENTS"
CONTENT_LABEL = "MEASUREMENTS"
#: Private block holding Lightbox's exact record of one measurement.
PRIVATE_GROUP = 0x0071
PRIVATE_CREATOR = "LIGHTBOX ANNOTATIONS 1"
PRIVATE_RECORD = 0x01
KINDS = ("distance", "angle", "ellipse", "rectangle")
#: Header attributes the GSPS copies that may be absent from an image (type 2 there).
_TYPE2 = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
          "StudyID", "StudyDate", "StudyTime", "ReferringPhysicianName")

Point = tuple[float, float]
#: What reading a damaged file raises, here or lazily when a value is first used.
PARSE_ERRORS = (AttributeError, KeyError, ValueError, TypeError, IndexError, OSError, EOFError,
                struct.error)


class AnnotationFileError(LightboxError):
    """An annotation file that cannot be read or written; the session keeps its own."""


class ForeignAnnotationsError(AnnotationFileError):
    """A valid annotation file about images that are not open."""


@dataclass(frozen=True, slots=True)
class Graphic:
    """One annotation on one frame: what a GSPS item holds."""

    kind: str  # one of KINDS
    points: tuple[Point, ...]  # (column, row), pixel (c, r) covering [c, c+1) × [r, r+1)
    sop_instance_uid: str
    frame: int = 0  # 0-based (DICOM numbers frames from 1)
    text: str = ""  # the value with its unit, as shown
    record: Mapping[str, Any] | None = None  # Lightbox's exact record; None from others


@dataclass(frozen=True)
class PresentationState:
    """What a GSPS file holds that Lightbox uses."""

    path: Path
    sop_instance_uid: str
    study_uid: str
    series_uids: tuple[str, ...]  # the image series it references
    image_uids: frozenset[str]
    graphics: list[Graphic] = field(default_factory=list)
    skipped: int = 0  # graphics Lightbox does not measure with (points, curves, text only)
    window: tuple[float, float] | None = None  # (center, width)


def is_presentation_state(sop_class_uid: str) -> bool:
    return sop_class_uid == GSPS_SOP_CLASS


def short_hash(uid: str) -> str:
    return hashlib.sha256(uid.encode()).hexdigest()[:8]


def default_name(series_uid: str, series_number: int | None = None) -> str:
    """A file name from the series alone (never the patient): the same series gets the
    same name, so saving again replaces the file instead of adding one."""
    number = f"s{series_number}-" if series_number is not None else ""
    return f"lightbox-annotations-{number}{short_hash(series_uid)}.dcm"


# --- writing --------------------------------------------------------------------------------


def image_header(path: Path) -> Dataset:
    """The image's header, with the type 2 attributes a derived object copies present."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True)
    except (OSError, InvalidDicomError, ValueError, EOFError) as exc:
        raise AnnotationFileError(
            f"Cannot save annotations: the image {path.name} can no longer be read "
            f"({type(exc).__name__}). Check that the study is still where it was opened "
            "from.") from exc
    for keyword in _TYPE2:
        if keyword not in ds:
            setattr(ds, keyword, "")
    return ds


def _inside(points: np.ndarray, header: Dataset) -> np.ndarray:
    """Graphic data must lie on the image; a point dragged past the edge is moved onto it
    (the private record keeps the point as drawn)."""
    limit = np.array([float(header.Columns), float(header.Rows)])
    clipped: np.ndarray = np.clip(points, 0.0, limit)
    return clipped


def _graphic_object(g: Graphic, header: Dataset) -> hd.pr.GraphicObject:
    import highdicom as hd
    pts = _inside(np.array(g.points, dtype=np.float64), header)
    if g.kind in ("distance", "angle"):
        return hd.pr.GraphicObject("POLYLINE", pts, "PIXEL")
    (x0, y0), (x1, y1) = pts[0], pts[1]
    if g.kind == "rectangle":
        corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
        return hd.pr.GraphicObject("POLYLINE", corners, "PIXEL")
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    horizontal = np.array([[x0, cy], [x1, cy]])
    vertical = np.array([[cx, y0], [cx, y1]])
    # Major axis first, as PS3.3 C.10.5.2 asks; the order of each pair keeps the drag's.
    axes = (horizontal, vertical) if abs(x1 - x0) >= abs(y1 - y0) else (vertical, horizontal)
    return hd.pr.GraphicObject("ELLIPSE", np.vstack(axes), "PIXEL")


def _text_object(g: Graphic, header: Dataset) -> hd.pr.TextObject | None:
    import highdicom as hd
    if not g.text:
        return None
    anchor = _inside(np.array([max(g.points, key=lambda p: p[0])]), header)[0]
    return hd.pr.TextObject(g.text[:1024], "PIXEL", anchor_point=(float(anchor[0]),
                            float(anchor[1])), anchor_point_visible=False)


def _annotation(g: Graphic, header: Dataset, layer: hd.pr.GraphicLayer) -> hd.pr.GraphicAnnotation:
    import highdicom as hd
    frames = int(header.get("NumberOfFrames", 1) or 1)
    text = _text_object(g, header)
    item = hd.pr.GraphicAnnotation(
        referenced_images=[header], graphic_layer=layer,
        graphic_objects=[_graphic_object(g, header)],
        text_objects=[text] if text is not None else None,
    )
    if frames > 1:
        # Set here, not through highdicom, which takes frame numbers only for IODs that
        # are multi-frame by definition; a multi-frame image of a classic IOD has frames too.
        item.ReferencedImageSequence[0].ReferencedFrameNumber = g.frame + 1
    if g.record is not None:
        block = item.private_block(PRIVATE_GROUP, PRIVATE_CREATOR, create=True)
        block.add_new(PRIVATE_RECORD, "UT", json.dumps(g.record, sort_keys=True))
    return item


def build_gsps(graphics: Sequence[Graphic], headers: Mapping[str, Dataset], *,
               window: tuple[float, float] | None = None,
               series_description: str = "Measurements") -> hd.pr.GrayscaleSoftcopyPresentationState:
    """One GSPS for ``graphics`` on images of one series (``headers`` by SOP Instance UID)."""
    import highdicom as hd
    from pydicom.uid import generate_uid

    if not graphics:
        raise AnnotationFileError("Nothing to save: no measurements on this series.")
    missing = {g.sop_instance_uid for g in graphics} - set(headers)
    if missing:
        raise AnnotationFileError("Cannot save annotations: some images they are on are "
                                  "not open any more. Open the series again and save.")
    used = [headers[uid] for uid in dict.fromkeys(g.sop_instance_uid for g in graphics)]
    if any(int(h.get("SamplesPerPixel", 1)) != 1 for h in used):
        raise AnnotationFileError(
            "Annotations on colour images cannot be saved as a presentation state yet; "
            "export them with File > Export measurements (CSV or JSON) instead.")
    layer = hd.pr.GraphicLayer(LAYER, 1, description="Reader's measurements")
    voi = None
    if window is not None and window[1] > 0:
        voi = [hd.pr.SoftcopyVOILUTTransformation(window_center=float(window[0]),
                                                  window_width=float(window[1]))]
    try:
        gsps = hd.pr.GrayscaleSoftcopyPresentationState(
            referenced_images=used,
            series_instance_uid=generate_uid(),
            series_number=9100,
            sop_instance_uid=generate_uid(),
            instance_number=1,
            manufacturer=MANUFACTURER,
            manufacturer_model_name=MANUFACTURER,
            software_versions=f"Lightbox {viewer.__version__}",
            device_serial_number="none",
            content_label=CONTENT_LABEL,
            content_description="Reader's measurements",
            graphic_annotations=[_annotation(g, headers[g.sop_instance_uid], layer)
                                 for g in graphics],
            graphic_layers=[layer],
            voi_lut_transformations=voi,
            specific_character_set="ISO_IR 192",  # UTF-8: "mm²", "°"
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise AnnotationFileError(
            f"Cannot save these annotations as DICOM: {exc}. Export them as CSV or JSON "
            "instead (File > Export measurements).") from exc
    gsps.SeriesDescription = series_description[:64]
    return gsps


def encode(ds: Dataset) -> bytes:
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def write_gsps(graphics: Sequence[Graphic], image_paths: Mapping[str, Path], path: str | Path,
               *, window: tuple[float, float] | None = None) -> Path:
    """Build and write atomically: the old file (if any) stays until the new one is whole."""
    headers = {uid: image_header(p) for uid, p in image_paths.items()
               if any(g.sop_instance_uid == uid for g in graphics)}
    return write_bytes_atomic(path, encode(build_gsps(graphics, headers, window=window)))


# --- reading --------------------------------------------------------------------------------


def damaged(path: Path, what: str) -> AnnotationFileError:
    return AnnotationFileError(
        f"{path.name} is damaged or incomplete and was not read ({what}). The annotations "
        "in this session are unchanged; save them again or ask for an intact copy of the "
        "file.")


def read_dataset(path: str | Path, what: str) -> Dataset:
    """The whole file, or an AnnotationFileError that says what to do."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    path = Path(path)
    try:
        with warnings.catch_warnings():
            # A cut file warns about half a character set; the error below says it all.
            warnings.simplefilter("ignore")
            return pydicom.dcmread(path)
    except (OSError, InvalidDicomError, *PARSE_ERRORS) as exc:
        raise damaged(path, what) from exc


def check_class(ds: Dataset, path: Path, sop_class: str, what: str, other: str) -> None:
    """Raise unless ``ds`` is of ``sop_class``: "damaged" when the file was cut in or
    before its SOP Class UID (a whole file meta says what it was meant to be), else
    ``other`` (what the file is not and what to do)."""
    found = str(ds.get("SOPClassUID", ""))
    if found == sop_class:
        return
    file_meta = getattr(ds, "file_meta", None)
    meant = str(file_meta.get("MediaStorageSOPClassUID", "")) if file_meta is not None else ""
    if not found or sop_class.startswith(found) or meant == sop_class:
        raise damaged(path, f"{what}: the file is cut short")
    raise AnnotationFileError(f"{path.name} {other}")


def _check_complete(ds: Dataset, path: Path) -> None:
    """pydicom reads a truncated file without a word, up to where it ends: the GSPS's
    last group (the Presentation LUT, mandatory in this IOD) proves the end was reached,
    and each graphic must hold as many points as it says."""
    shape = str(ds.get("PresentationLUTShape", ""))
    if "PresentationLUTSequence" not in ds and shape not in ("IDENTITY", "INVERSE"):
        raise damaged(path, "annotations: the end of the file is missing")
    for item in ds.get("GraphicAnnotationSequence", []):
        for graphic in item.get("GraphicObjectSequence", []):
            if len(graphic.GraphicData) != 2 * int(graphic.NumberOfGraphicPoints):
                raise damaged(path, "annotations: a graphic is cut short")


def _points(graphic: Dataset) -> np.ndarray:
    return np.asarray([float(v) for v in graphic.GraphicData], dtype=np.float64).reshape(-1, 2)


def _kind_and_points(graphic: Dataset) -> tuple[str, tuple[Point, ...]] | None:
    """A standard graphic as one of Lightbox's measurements, or None if it is not one."""
    if graphic.get("GraphicAnnotationUnits", "PIXEL") != "PIXEL":
        return None  # DISPLAY units: a position on the screen, not on the image
    pts = _points(graphic)
    kind = graphic.get("GraphicType", "")
    as_tuple = tuple((float(x), float(y)) for x, y in pts)
    if kind == "POLYLINE" and len(pts) == 2:
        return "distance", as_tuple
    if kind == "POLYLINE" and len(pts) == 3:
        return "angle", as_tuple
    if kind == "POLYLINE" and len(pts) == 5 and np.allclose(pts[0], pts[4]):
        xs, ys = pts[:4, 0], pts[:4, 1]
        if len(set(np.round(xs, 4))) == 2 and len(set(np.round(ys, 4))) == 2:
            return "rectangle", (as_tuple[0], as_tuple[2])
    if kind == "ELLIPSE" and len(pts) == 4:
        a, b = pts[0:2], pts[2:4]
        horizontal, vertical = (a, b) if math.isclose(a[0, 1], a[1, 1]) else (b, a)
        if math.isclose(horizontal[0, 1], horizontal[1, 1]) and \
                math.isclose(vertical[0, 0], vertical[1, 0]):
            return "ellipse", ((float(horizontal[0, 0]), float(vertical[0, 1])),
                               (float(horizontal[1, 0]), float(vertical[1, 1])))
    return None  # a rotated ellipse, a curve, a point, a circle...


def _record(item: Dataset) -> Mapping[str, Any] | None:
    try:
        block = item.private_block(PRIVATE_GROUP, PRIVATE_CREATOR)
        value = block[PRIVATE_RECORD].value
        record = json.loads(value.decode("utf-8") if isinstance(value, bytes) else str(value))
    except (KeyError, ValueError, TypeError):
        return None
    ok = isinstance(record, dict) and record.get("kind") in KINDS \
        and isinstance(record.get("points"), list)
    return record if ok else None


def _references(item: Dataset) -> list[tuple[str, int]]:
    refs: list[tuple[str, int]] = []
    for ref in item.get("ReferencedImageSequence", []):
        numbers = ref.get("ReferencedFrameNumber")
        frames = [0] if numbers in (None, "") else \
            [int(n) - 1 for n in (numbers if isinstance(numbers, Sequence)
                                  and not isinstance(numbers, str) else [numbers])]
        refs.extend((str(ref.ReferencedSOPInstanceUID), f) for f in frames)
    return refs


def _item_graphics(item: Dataset) -> tuple[list[Graphic], int]:
    refs = _references(item)
    texts = [str(t.get("UnformattedTextValue", "")) for t in item.get("TextObjectSequence", [])]
    text = texts[0] if texts else ""
    record = _record(item)
    found: list[Graphic] = []
    skipped = 0
    if record is not None:
        points = tuple((float(x), float(y)) for x, y in record["points"])
        found = [Graphic(str(record["kind"]), points, uid, frame, text, record)
                 for uid, frame in refs]
        return found, 0
    for graphic in item.get("GraphicObjectSequence", []):
        shape = _kind_and_points(graphic)
        if shape is None:
            skipped += 1
            continue
        found.extend(Graphic(shape[0], shape[1], uid, frame, text) for uid, frame in refs)
    return found, skipped


def _first(value: Any) -> float:
    """A multi-valued window (several windows) gives its first, as the image would."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return float(value[0])
    return float(value)


def _window(ds: Dataset) -> tuple[float, float] | None:
    for item in ds.get("SoftcopyVOILUTSequence", []):
        center, width = item.get("WindowCenter"), item.get("WindowWidth")
        if center is not None and width is not None:
            return _first(center), _first(width)
    return None


def read_gsps(path: str | Path) -> PresentationState:
    """Read a GSPS file; AnnotationFileError when it is not one or is damaged."""
    path = Path(path)
    ds = read_dataset(path, "annotations")
    check_class(ds, path, GSPS_SOP_CLASS, "annotations",
                "is not a presentation state (annotations); open it as a study instead.")
    try:
        _check_complete(ds, path)
        series_uids = tuple(str(s.SeriesInstanceUID) for s in ds.ReferencedSeriesSequence)
        images = frozenset(str(i.ReferencedSOPInstanceUID) for s in ds.ReferencedSeriesSequence
                           for i in s.ReferencedImageSequence)
        graphics: list[Graphic] = []
        skipped = 0
        for item in ds.get("GraphicAnnotationSequence", []):
            found, n = _item_graphics(item)
            graphics.extend(found)
            skipped += n
        return PresentationState(path, str(ds.SOPInstanceUID), str(ds.StudyInstanceUID),
                                 series_uids, images, graphics, skipped, _window(ds))
    except PARSE_ERRORS as exc:
        raise damaged(path, f"annotations: {type(exc).__name__}") from exc
