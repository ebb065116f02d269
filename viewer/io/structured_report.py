"""A DICOM Structured Report as a small document a reader can follow.

Any SR (Basic, Enhanced, Comprehensive, Comprehensive 3D, Key Object Selection, TID 1500
measurement reports such as Lightbox's own) becomes a :class:`Report`: a title, the
observers and AI algorithms that made it, and a tree of headings (CONTAINER), findings
(CODE, TEXT, NUM with value and unit, dates, ...) and references to images (IMAGE,
SCOORD, SCOORD3D). The UI renders it; nothing here knows about Qt.

SR files come from anywhere, so the walk is defensive: every content item is read on its
own, a malformed one becomes a note instead of an exception, and the depth, the number of
items, the points of a graphic and the length of a text are bounded, so a hostile file
cannot exhaust memory or the stack. Only reading the file itself can fail, with an
:class:`UnreadableReportError` that says what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.errors import FileProblemError, UnreadableFileError
from viewer.io import sr_values as values
from viewer.io.sr_values import AIContribution, ImageRef, Observer, Region

if TYPE_CHECKING:  # pydicom is imported when a report is read, not at start-up
    from pydicom.dataset import Dataset

#: Deeper nesting than this is not a report a reader can follow; real ones stay under 10.
MAX_DEPTH = 24
#: Content items read at most; the rest of a larger document is summarised in a note.
MAX_ITEMS = 5000

SR_SOP_CLASSES = {
    "1.2.840.10008.5.1.4.1.1.88.11": "Basic Text SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
    "1.2.840.10008.5.1.4.1.1.88.35": "Extensible SR",
    "1.2.840.10008.5.1.4.1.1.88.59": "Key Object Selection",
    "1.2.840.10008.5.1.4.1.1.88.40": "Procedure Log",
    "1.2.840.10008.5.1.4.1.1.88.50": "Mammography CAD SR",
    "1.2.840.10008.5.1.4.1.1.88.65": "Chest CAD SR",
    "1.2.840.10008.5.1.4.1.1.88.67": "X-Ray Radiation Dose SR",
    "1.2.840.10008.5.1.4.1.1.88.68": "Radiopharmaceutical Radiation Dose SR",
    "1.2.840.10008.5.1.4.1.1.88.69": "Colon CAD SR",
    "1.2.840.10008.5.1.4.1.1.88.70": "Implantation Plan SR",
    "1.2.840.10008.5.1.4.1.1.88.71": "Acquisition Context SR",
    "1.2.840.10008.5.1.4.1.1.88.72": "Simplified Adult Echo SR",
    "1.2.840.10008.5.1.4.1.1.88.73": "Patient Radiation Dose SR",
    "1.2.840.10008.5.1.4.1.1.88.74": "Planned Imaging Agent Administration SR",
    "1.2.840.10008.5.1.4.1.1.88.75": "Performed Imaging Agent Administration SR",
    "1.2.840.10008.5.1.4.1.1.88.76": "Enhanced X-Ray Radiation Dose SR",
}


class UnreadableReportError(FileProblemError):
    """The file is not a structured report, or is damaged; nothing of it is shown."""


def is_structured_report(sop_class_uid: str) -> bool:
    return sop_class_uid in SR_SOP_CLASSES


@dataclass(frozen=True)
class ReportItem:
    """One content item as a reader sees it.

    ``kind``: "heading" (a CONTAINER, its items below it), "finding" (a name and a value),
    "image" (an IMAGE reference), "region" (SCOORD/SCOORD3D), "note" (what could not be
    shown and why). ``relationship`` is the DICOM relationship to the parent ("CONTAINS",
    "HAS PROPERTIES", ...), kept so a renderer can set modifiers apart.
    """

    kind: str
    label: str = ""
    value: str = ""
    relationship: str = ""
    value_type: str = ""  # the DICOM value type (PNAME values are hidden with identity)
    image: ImageRef | None = None
    region: Region | None = None
    children: tuple[ReportItem, ...] = ()


@dataclass(frozen=True)
class Report:
    title: str
    document_type: str
    completion: str = ""  # CompletionFlag: COMPLETE / PARTIAL
    verification: str = ""  # VerificationFlag: VERIFIED / UNVERIFIED
    content_date: str = ""  # DICOM DA/TM as written, "" when absent
    content_time: str = ""
    patient_name: str = ""
    patient_id: str = ""
    study_uid: str = ""
    observers: tuple[Observer, ...] = ()
    ai: tuple[AIContribution, ...] = ()
    body: tuple[ReportItem, ...] = ()
    #: Why something is not shown (depth or size limits, unreadable items).
    notes: tuple[str, ...] = ()

    @property
    def is_ai(self) -> bool:
        return bool(self.ai)

    def image_refs(self) -> list[ImageRef]:
        """Every image the report points at, in document order (IMAGE and SCOORD items)."""
        found: list[ImageRef] = []

        def walk(items: tuple[ReportItem, ...]) -> None:
            for item in items:
                ref = item.image or (item.region.image if item.region else None)
                if ref is not None:
                    found.append(ref)
                walk(item.children)

        walk(self.body)
        return found


def read_report(path: str | Path) -> Report:
    """The report in ``path``; raises UnreadableReportError when the file cannot be used."""
    path = Path(path)
    try:
        from viewer.io.dicom import read_dataset  # pydicom: not needed at start-up

        ds = read_dataset(path, defer_size=None)
    except UnreadableFileError as exc:
        raise UnreadableReportError(
            path, f"{exc.reason}: this structured report cannot be shown; ask for it to be "
            "sent again") from None
    return report_from_dataset(ds, path)


def report_from_dataset(ds: Dataset, path: str | Path = "report") -> Report:
    """The report held by ``ds`` (a full SR dataset)."""
    sop_class = values.text(ds, "SOPClassUID")
    if "ContentSequence" not in ds and not is_structured_report(sop_class):
        raise UnreadableReportError(
            path, "this file is not a structured report; open it as an image or look at its "
            "tags in the tag browser")
    walker = _Walker()
    try:
        body = walker.items(ds, depth=0)
    except Exception as exc:  # a walker bug must not take down the reader's session
        walker.notes.append(f"the rest of the report could not be read ({type(exc).__name__})")
        body = []
    ai = values.contributions(ds) + walker.algorithms()
    return Report(
        title=values.concept(ds) or SR_SOP_CLASSES.get(sop_class, "Structured report"),
        document_type=SR_SOP_CLASSES.get(sop_class, "Structured report"),
        completion=values.text(ds, "CompletionFlag"),
        verification=values.text(ds, "VerificationFlag"),
        content_date=values.text(ds, "ContentDate"),
        content_time=values.text(ds, "ContentTime"),
        patient_name=values.text(ds, "PatientName"),
        patient_id=values.text(ds, "PatientID"),
        study_uid=values.text(ds, "StudyInstanceUID"),
        observers=tuple(walker.observers()),
        ai=tuple(values.merge(ai)),
        body=tuple(body),
        notes=tuple(walker.notes),
    )


@dataclass
class _Walker:
    """Walks the content tree once, counting items and collecting observer context."""

    count: int = 0
    notes: list[str] = field(default_factory=list)
    #: (concept code value, value text) of every observation-context item seen.
    context: list[tuple[str, str]] = field(default_factory=list)
    _limit_noted: bool = False

    def items(self, parent: Any, depth: int) -> list[ReportItem]:
        sequence = values.sequence(parent, "ContentSequence")
        if not sequence:
            return []
        if depth >= MAX_DEPTH:
            self.notes.append(f"content nested deeper than {MAX_DEPTH} levels is not shown")
            return [ReportItem("note", value=f"({len(sequence)} item(s) nested too deep)")]
        out: list[ReportItem] = []
        for ds in sequence:
            if self.count >= MAX_ITEMS:
                if not self._limit_noted:
                    self._limit_noted = True
                    self.notes.append(f"only the first {MAX_ITEMS} items of this report are "
                                      "shown")
                break
            self.count += 1
            try:
                out.append(self.item(ds, depth))
            except Exception as exc:  # one bad item, not the whole report
                out.append(ReportItem("note", value=f"(an item could not be read: "
                                                     f"{type(exc).__name__})"))
        return out

    def item(self, ds: Any, depth: int) -> ReportItem:
        value_type = values.text(ds, "ValueType").upper()
        relationship = values.text(ds, "RelationshipType").upper()
        label = values.concept(ds)
        code = values.concept_code(ds)
        if relationship == "HAS OBS CONTEXT" or code in values.CONTEXT_CODES:
            self.context.append((code, values.item_value(ds, value_type)))
        children = tuple(self.items(ds, depth + 1))
        if not value_type:
            # By-reference items point at another item of the tree instead of holding a value.
            reference = values.reference_id(ds)
            return ReportItem("note", relationship=relationship, children=children,
                              value=f"(see item {reference})" if reference
                              else "(an item without a value type)")
        if value_type == "CONTAINER":
            return ReportItem("heading", label, relationship=relationship, children=children)
        if value_type == "IMAGE" or value_type == "COMPOSITE":
            ref = values.image_ref(ds)
            return ReportItem("image" if value_type == "IMAGE" else "finding", label,
                              values.reference_text(ref) if value_type == "COMPOSITE" else "",
                              relationship, image=ref if value_type == "IMAGE" else None,
                              children=children)
        if value_type in ("SCOORD", "SCOORD3D"):
            region = values.region(ds, value_type, children)
            return ReportItem("region", label, relationship=relationship, region=region,
                              children=_without_source(children, region))
        return ReportItem("finding", label, values.item_value(ds, value_type), relationship,
                          value_type[:16], children=children)

    def observers(self) -> list[Observer]:
        return values.observers(self.context)

    def algorithms(self) -> list[AIContribution]:
        return values.algorithms(self.context)


def _without_source(children: tuple[ReportItem, ...],
                    region: Region | None) -> tuple[ReportItem, ...]:
    """A SCOORD's "selected from" image is shown with the region, not again below it."""
    if region is None or region.image is None:
        return children
    return tuple(c for c in children if c.image is not region.image)
