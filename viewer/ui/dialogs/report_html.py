"""A structured report as HTML for a QTextBrowser: every value escaped, no resource loaded.

Everything taken from the file goes through :func:`html.escape`, so a report cannot inject
markup, scripts, images or links. The only links are the ones written here, ``ref:<n>``,
an index into the list of image references returned beside the HTML, so no text of the
file ever becomes a URL. AI content is announced at the top with the model's name and
version, before anything the model said.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from html import escape

from viewer.io.sr_values import ImageRef, Region
from viewer.io.structured_report import Report, ReportItem
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.problem_text import problem_text

LINK_SCHEME = "ref"
#: Relationships that qualify their parent rather than state a finding: shown muted.
_CONTEXT = {"HAS OBS CONTEXT", "HAS ACQ CONTEXT", "HAS CONCEPT MOD"}
_MUTED = "color:#808080"
_AI_STYLE = "background-color:#5c3b00;color:#ffffff;padding:4px"


#: Every string shown through _tr, marked for lupdate (which does not see through _tr).
_STRINGS = (
    QT_TRANSLATE_NOOP("ReportView", "(hidden)"),
    QT_TRANSLATE_NOOP("ReportView", "Patient"),
    QT_TRANSLATE_NOOP("ReportView", "AI-generated content"),
    QT_TRANSLATE_NOOP("ReportView", "model"),
    QT_TRANSLATE_NOOP("ReportView", "Device"),
    QT_TRANSLATE_NOOP("ReportView", "Person"),
    QT_TRANSLATE_NOOP("ReportView", "Observer"),
    QT_TRANSLATE_NOOP("ReportView", "(untitled section)"),
    QT_TRANSLATE_NOOP("ReportView", "(no image given)"),
    QT_TRANSLATE_NOOP("ReportView", "image"),
    QT_TRANSLATE_NOOP("ReportView", "frame {}"),
    QT_TRANSLATE_NOOP("ReportView", "(not open)"),
    QT_TRANSLATE_NOOP("ReportView", "{} with {} point(s)"),
    QT_TRANSLATE_NOOP("ReportView", "{} with {} point(s) on {}"),
    QT_TRANSLATE_NOOP("ReportView", "{} with {} point(s) in patient space"),
    QT_TRANSLATE_NOOP("ReportView", "Not everything is shown"),
    QT_TRANSLATE_NOOP("ReportView", "This report cannot be shown"),
)


#: Completion and Verification Flag values, as the header says them (marked for lupdate).
_FLAGS = {"COMPLETE": QT_TRANSLATE_NOOP("ReportView", "Complete"),
          "PARTIAL": QT_TRANSLATE_NOOP("ReportView", "Partial"),
          "VERIFIED": QT_TRANSLATE_NOOP("ReportView", "Verified"),
          "UNVERIFIED": QT_TRANSLATE_NOOP("ReportView", "Unverified")}


def _tr(text: str) -> str:
    return translate("ReportView", text)


class _Builder:
    def __init__(self, open_images: Collection[str] | Mapping[str, str],
                 hide_identity: bool) -> None:
        self.open_images = open_images
        self.hide_identity = hide_identity
        self.links: list[ImageRef] = []
        self.parts: list[str] = []

    def header(self, report: Report) -> None:
        self.parts.append(f"<h2>{escape(report.title)}</h2>")
        facts = [report.document_type, _flag(report.completion), _flag(report.verification),
                 _date(report.content_date, report.content_time)]
        self.parts.append(f"<p style='{_MUTED}'>{escape(' · '.join(f for f in facts if f))}</p>")
        patient = (_tr("(hidden)") if self.hide_identity
                   else " · ".join(p for p in (_person(report.patient_name), report.patient_id)
                                   if p))
        if patient:
            self.parts.append(f"<p><b>{escape(_tr('Patient'))}:</b> {escape(patient)}</p>")
        for ai in report.ai:
            model = " ".join(p for p in (ai.name, ai.version) if p)
            maker = f" · {ai.manufacturer}" if ai.manufacturer else ""
            self.parts.append(
                f"<p style='{_AI_STYLE}'><b>{escape(_tr('AI-generated content'))}</b> · "
                f"{escape(_tr('model'))} {escape(model)}{escape(maker)}</p>")
        for observer in report.observers:
            kind = _tr("Device") if observer.kind == "device" else _tr("Person")
            name = observer.name if observer.kind == "device" or not self.hide_identity \
                else _tr("(hidden)")
            extra = " · ".join(p for p in (observer.model_name if observer.model_name != name
                                           else "", observer.manufacturer,
                                           observer.organisation) if p)
            self.parts.append(f"<p><b>{escape(_tr('Observer'))}:</b> {escape(kind)} · "
                              f"{escape(name)}{escape(' · ' + extra if extra else '')}</p>")

    def body(self, items: tuple[ReportItem, ...], depth: int) -> None:
        if not items:
            return
        self.parts.append("<ul>")
        for item in items:
            styles = [_MUTED] if item.relationship in _CONTEXT else []
            if item.kind == "heading":
                styles.append("list-style-type:none")  # the heading is its own marker
            style = f" style='{';'.join(styles)}'" if styles else ""
            self.parts.append(f"<li{style}>")
            self.item(item, depth)
            self.body(item.children, depth + 1)
            self.parts.append("</li>")
        self.parts.append("</ul>")

    def item(self, item: ReportItem, depth: int) -> None:
        label = escape(item.label)
        if item.kind == "heading":
            level = min(3 + depth, 6)
            self.parts.append(f"<h{level}>{label or escape(_tr('(untitled section)'))}</h{level}>")
        elif item.kind == "image":
            self.parts.append(f"{_bold(label)}{self.link(item.image)}")
        elif item.kind == "region":
            self.parts.append(f"{_bold(label)}{self.region(item.region)}")
        elif item.kind == "note":
            self.parts.append(f"<i>{escape(problem_text(item.value))}</i>")
        else:
            # The core's placeholders ("(no value)") read in the UI language; text written
            # in the report is shown as written.
            value = escape(item.value if item.value_type == "TEXT" or
                           not item.value.startswith("(") else problem_text(item.value))
            if item.value_type == "PNAME":
                value = escape(_tr("(hidden)") if self.hide_identity else _person(item.value))
            self.parts.append(f"{_bold(label)}{_lines(value)}")

    def link(self, ref: ImageRef | None) -> str:
        if ref is None:
            return f"<i>{escape(_tr('(no image given)'))}</i>"
        self.links.append(ref)
        known = self.open_images.get(ref.sop_instance_uid) \
            if isinstance(self.open_images, Mapping) else None
        text = known or _tr("image")
        if ref.frames:
            text += " " + _tr("frame {}").format(", ".join(str(f) for f in ref.frames[:8]))
        shown = f"<a href='{LINK_SCHEME}:{len(self.links) - 1}'>{escape(text)}</a>"
        if ref.sop_instance_uid not in self.open_images:
            shown += f" <span style='{_MUTED}'>{escape(_tr('(not open)'))}</span>"
        return shown

    def region(self, region: Region | None) -> str:
        if region is None:
            return ""
        # One template per sentence, so a language can put the image before the shape.
        shape, count = escape(region.graphic_type), len(region.points)
        if region.image:
            return escape(_tr("{} with {} point(s) on {}")).format(
                shape, count, self.link(region.image))
        if region.frame_of_reference_uid:
            return escape(_tr("{} with {} point(s) in patient space")).format(shape, count)
        return escape(_tr("{} with {} point(s)")).format(shape, count)


def _flag(value: str) -> str:
    return _tr(_FLAGS[value]) if value in _FLAGS else value.title()


def _bold(label: str) -> str:
    """An escaped label as the lead of a line ("" when the item has none)."""
    return f"<b>{label}</b>: " if label else ""


def _lines(escaped: str) -> str:
    """Line breaks of a text value kept (it was written as paragraphs)."""
    return escaped.replace("\r\n", "\n").replace("\r", "\n").strip("\n").replace("\n", "<br>")


def _person(name: str) -> str:
    """A DICOM person name as people write it: "Family, Given Middle"."""
    parts = [p.strip() for p in name.split("=")[0].split("^")]
    family, rest = (parts[0], " ".join(p for p in parts[1:3] if p)) if parts else ("", "")
    return ", ".join(p for p in (family, rest) if p)


def _date(date: str, time: str) -> str:
    if len(date) != 8 or not date.isdigit():
        return ""
    shown = f"{date[:4]}-{date[4:6]}-{date[6:]}"
    return f"{shown} {time[:2]}:{time[2:4]}" if len(time) >= 4 and time[:4].isdigit() else shown


def report_html(report: Report, open_images: Collection[str] | Mapping[str, str] = (),
                hide_identity: bool = False) -> tuple[str, list[ImageRef]]:
    """The report as HTML, and the image references its ``ref:<n>`` links stand for.

    ``open_images``: the SOP Instance UIDs the session has open; a mapping gives each a
    label for its link (e.g. "Se 1 · Im 14"), otherwise links read "image".
    """
    builder = _Builder(open_images, hide_identity)
    builder.header(report)
    builder.body(report.body, 0)
    if report.notes:
        notes = "; ".join(problem_text(note) for note in report.notes)
        builder.parts.append(f"<p><i>{escape(_tr('Not everything is shown'))}: "
                             f"{escape(notes)}</i></p>")
    return "<html><body>" + "".join(builder.parts) + "</body></html>", builder.links


def error_html(message: str) -> str:
    return (f"<html><body><h3>{escape(_tr('This report cannot be shown'))}</h3>"
            f"<p>{escape(message)}</p></body></html>")
