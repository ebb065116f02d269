"""Values of SR content items, read so that no malformed one can raise.

Every helper returns "" or None for a missing, empty or wrongly encoded value: an SR may
come from any system, and a reader is better served by "(no value)" than by no report.
Texts are cut at :data:`MAX_TEXT` characters and graphics at :data:`MAX_POINTS` points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 10_000
MAX_POINTS = 2_000

#: Observation context (TID 1002-1004) and algorithm identification (TID 4019) codes.
OBSERVER_TYPE, PERSON, DEVICE = "121005", "121006", "121007"
PERSON_NAME, PERSON_ORGANISATION = "121008", "121009"
DEVICE_UID, DEVICE_NAME, DEVICE_MANUFACTURER, DEVICE_MODEL = "121012", "121013", "121014", "121015"
ALGORITHM_NAME, ALGORITHM_VERSION = "111001", "111003"
CONTEXT_CODES = frozenset({OBSERVER_TYPE, PERSON_NAME, PERSON_ORGANISATION, DEVICE_UID,
                           DEVICE_NAME, DEVICE_MANUFACTURER, DEVICE_MODEL, ALGORITHM_NAME,
                           ALGORITHM_VERSION})
#: Control characters (but tab and line breaks) say nothing to a reader: dropped.
_CONTROL = {c: None for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F)}
#: UCUM "no units": a score or a count, shown without a unit.
_NO_UNIT = {"1", "{ratio}", ""}


@dataclass(frozen=True)
class ImageRef:
    """An image a report points at. ``frames``: 1-based DICOM frame numbers, empty when the
    reference is to a single-frame image or to every frame."""

    sop_instance_uid: str
    sop_class_uid: str = ""
    frames: tuple[int, ...] = ()

    @property
    def frame_index(self) -> int:
        """The first referenced frame as Lightbox numbers them (0-based)."""
        return self.frames[0] - 1 if self.frames else 0


@dataclass(frozen=True)
class Region:
    """A SCOORD (image pixels, column/row) or SCOORD3D (patient mm) graphic."""

    graphic_type: str
    points: tuple[tuple[float, ...], ...]
    image: ImageRef | None = None  # SCOORD: the image the points are on
    frame_of_reference_uid: str = ""  # SCOORD3D: the patient space of the points
    truncated: bool = False


@dataclass(frozen=True)
class Observer:
    """Who made the observations: ``kind`` "person" or "device"."""

    kind: str
    name: str = ""
    organisation: str = ""
    manufacturer: str = ""
    model_name: str = ""
    uid: str = ""


@dataclass(frozen=True)
class AIContribution:
    """An algorithm that produced content: from Contributing Equipment or TID 4019."""

    name: str
    version: str = ""
    manufacturer: str = ""
    description: str = ""


def first(ds: Any, keyword: str) -> Any:
    """The first item of a sequence attribute, or None."""
    items = sequence(ds, keyword)
    return items[0] if items else None


def sequence(ds: Any, keyword: str) -> list[Any]:
    try:
        value = ds.get(keyword) if ds is not None else None
        return list(value) if value is not None and not isinstance(value, str | bytes) else []
    except Exception:
        return []


def text(ds: Any, keyword: str) -> str:
    """An attribute as text ("" when absent or unreadable); multi-values joined by "\\"."""
    try:
        value = ds.get(keyword) if ds is not None else None
    except Exception:
        return ""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return ""  # a text attribute read as bytes: wrong VR, nothing sensible to show
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)[:MAX_TEXT].translate(_CONTROL)
    return str(value)[:MAX_TEXT].translate(_CONTROL)


def _code_meaning(code: Any) -> str:
    return text(code, "CodeMeaning") or text(code, "CodeValue")


def concept(ds: Any) -> str:
    """The Concept Name's meaning ("" when absent)."""
    return _code_meaning(first(ds, "ConceptNameCodeSequence"))


def concept_code(ds: Any) -> str:
    code = first(ds, "ConceptNameCodeSequence")
    return text(code, "CodeValue") or text(code, "LongCodeValue")


def reference_id(ds: Any) -> str:
    return " ".join(text(ds, "ReferencedContentItemIdentifier").split("\\"))


def item_value(ds: Any, value_type: str) -> str:
    """What a reader sees as the value of a content item of ``value_type``."""
    if value_type == "TEXT":
        return text(ds, "TextValue")
    if value_type == "CODE":
        return _code_meaning(first(ds, "ConceptCodeSequence"))
    if value_type == "NUM":
        return numeric(ds)
    keyword = {"DATE": "Date", "TIME": "Time", "DATETIME": "DateTime", "UIDREF": "UID",
               "PNAME": "PersonName"}.get(value_type)
    if keyword is not None:
        return text(ds, keyword)
    if value_type in ("TCOORD", "WAVEFORM"):
        return f"({value_type.lower()} not shown)"
    return f"(value type {value_type[:16]} not shown)"


def numeric(ds: Any) -> str:
    """ "12.3 mL": the value as written and its unit; a qualifier when there is no value."""
    measured = first(ds, "MeasuredValueSequence")
    if measured is None:
        qualifier = _code_meaning(first(ds, "NumericValueQualifierCodeSequence"))
        return f"({qualifier})" if qualifier else "(no value)"
    number = text(measured, "NumericValue").strip()
    if not number:  # only the binary form was written
        number = text(measured, "FloatingPointValue").strip()
    if not number:
        return "(no value)"
    try:
        if not math.isfinite(float(number)):
            return f"({number} is not a number)"
    except ValueError:
        return f"({number[:40]} is not a number)"
    return f"{number} {unit(first(measured, 'MeasurementUnitsCodeSequence'))}".strip()


def unit(code: Any) -> str:
    """A unit as a reader writes it: the UCUM symbol (mm, mL, [hnsf'U]→HU), else its name."""
    value, scheme = text(code, "CodeValue"), text(code, "CodingSchemeDesignator")
    if scheme == "UCUM":
        if value in _NO_UNIT:
            return ""
        if value.startswith("{") and value.endswith("}"):
            # A UCUM annotation ({pixels}, {-1:1}) names what was counted, not a unit.
            return "px" if value == "{pixels}" else ""
        return {"[hnsf'U]": "HU", "ml": "mL", "cm3": "cm³", "mm2": "mm²", "cm2": "cm²",
                "mm3": "mm³", "Cel": "°C", "%": "%"}.get(value, value)
    return _code_meaning(code)


def image_ref(ds: Any) -> ImageRef | None:
    ref = first(ds, "ReferencedSOPSequence")
    uid = text(ref, "ReferencedSOPInstanceUID")
    if not uid:
        return None
    frames: list[int] = []
    for number in text(ref, "ReferencedFrameNumber").split("\\"):
        try:
            frames.append(int(float(number)))
        except ValueError:
            continue
    return ImageRef(uid, text(ref, "ReferencedSOPClassUID"),
                    tuple(f for f in frames if f >= 1)[:MAX_POINTS])


def reference_text(ref: ImageRef | None) -> str:
    return f"(object {ref.sop_instance_uid})" if ref else "(no reference)"


def region(ds: Any, value_type: str, children: tuple[Any, ...]) -> Region | None:
    """The graphic of a SCOORD/SCOORD3D; its image is the IMAGE item it was selected from."""
    width = 3 if value_type == "SCOORD3D" else 2
    try:
        raw = [float(v) for v in ds.get("GraphicData") or []]
    except (TypeError, ValueError):
        raw = []
    points = tuple(tuple(raw[i:i + width]) for i in range(0, len(raw) - width + 1, width)
                   if all(math.isfinite(v) for v in raw[i:i + width]))
    image = next((c.image for c in children if getattr(c, "image", None) is not None), None)
    return Region(text(ds, "GraphicType")[:16] or "?", points[:MAX_POINTS], image,
                  text(ds, "ReferencedFrameOfReferenceUID"), len(points) > MAX_POINTS)


def contributions(ds: Any) -> list[AIContribution]:
    """AI among the Contributing Equipment (as the IHE AIR profile and Lightbox write it)."""
    found = []
    for item in sequence(ds, "ContributingEquipmentSequence"):
        description = text(item, "ContributionDescription")
        model = text(item, "ManufacturerModelName")
        if not model or not _is_ai(description, item):
            continue
        versions = text(item, "SoftwareVersions").split("\\")
        found.append(AIContribution(model, versions[0] if versions else "",
                                    text(item, "Manufacturer"), description))
    return found


def _is_ai(description: str, item: Any) -> bool:
    lowered = description.lower()
    return ("ai model" in lowered or "algorithm" in lowered or "artificial intelligence"
            in lowered or text(item, "Manufacturer") == "Lightbox")


def merge(found: list[AIContribution]) -> list[AIContribution]:
    """One entry per (name, version): the first seen, which carries the most detail when
    Contributing Equipment comes before the content's algorithm identification."""
    kept: dict[tuple[str, str], AIContribution] = {}
    for item in found:
        kept.setdefault((item.name.strip().lower(), item.version.strip()), item)
    return list(kept.values())


def algorithms(context: list[tuple[str, str]]) -> list[AIContribution]:
    """TID 4019 pairs (Algorithm Name, then Algorithm Version) in document order."""
    found: list[AIContribution] = []
    for code, value in context:
        if code == ALGORITHM_NAME and value:
            found.append(AIContribution(value))
        elif code == ALGORITHM_VERSION and found and not found[-1].version:
            found[-1] = AIContribution(found[-1].name, value)
    return found


def observers(context: list[tuple[str, str]]) -> list[Observer]:
    """TID 1002 observers: an Observer Type item starts one, the items after it describe it."""
    found: list[dict[str, str]] = []
    fields = {PERSON_NAME: "name", DEVICE_NAME: "name", PERSON_ORGANISATION: "organisation",
              DEVICE_MANUFACTURER: "manufacturer", DEVICE_MODEL: "model_name",
              DEVICE_UID: "uid"}
    for code, value in context:
        if code == OBSERVER_TYPE:
            found.append({"kind": "device" if value.lower() == "device" else "person"})
        elif code in fields:
            kind = "person" if code in (PERSON_NAME, PERSON_ORGANISATION) else "device"
            if not found or found[-1]["kind"] != kind or fields[code] in found[-1]:
                found.append({"kind": kind})
            found[-1][fields[code]] = value
    return list(dict.fromkeys(Observer(**f) for f in found))
