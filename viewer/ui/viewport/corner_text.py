"""What the four corners of the viewport say (plain strings; drawing is elsewhere).

Top-left: who (or "Identity hidden"); top-right: which study and series; bottom-left:
where in the stack; bottom-right: how it is displayed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from viewer.host.site_keys import CORNER_GROUPS
from viewer.imaging.lossy import lossy
from viewer.io.model import FrameRef, Series, Study
from viewer.io.person_names import person_name
from viewer.state.view import ViewState


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - lupdate's marker
    return text


def _same(text: str) -> str:
    return text


# Qt-free: the texts are templates marked for lupdate; the viewport passes ``tr`` (the
# "CornerText" context of the translation catalogue) to show them in the UI language.
IDENTITY_HIDDEN = QT_TRANSLATE_NOOP("CornerText", "Identity hidden")
_ID = QT_TRANSLATE_NOOP("CornerText", "ID: {}")
_BORN = QT_TRANSLATE_NOOP("CornerText", "Born: {}")
_SE = QT_TRANSLATE_NOOP("CornerText", "Se: {}")
_SE_NONE = QT_TRANSLATE_NOOP("CornerText", "Se:")
_IM = QT_TRANSLATE_NOOP("CornerText", "Im: {} / {}")
_LOC = QT_TRANSLATE_NOOP("CornerText", "Loc: {:.1f} mm")
_THICK = QT_TRANSLATE_NOOP("CornerText", "Thick: {:g} mm")
_WL = QT_TRANSLATE_NOOP("CornerText", "W: {:.0f} L: {:.0f}")
_ZOOM = QT_TRANSLATE_NOOP("CornerText", "Zoom: {:.0f}%")
_INVERTED = QT_TRANSLATE_NOOP("CornerText", "Inverted")
#: The window's name before its values, so the reader knows a preset is on ("Lung  W...").
_NAMED_WL = QT_TRANSLATE_NOOP("CornerText", "{}  W: {:.0f} L: {:.0f}")
_CINE = QT_TRANSLATE_NOOP("CornerText", "Cine {:g} fps")
_LOSSY = QT_TRANSLATE_NOOP("CornerText", "LOSSY")
#: The names file windows get in viewer.imaging.presets.file_presets (shown translated).
_FILE_WINDOW_NAMES = (QT_TRANSLATE_NOOP("CornerText", "File window"),
                      QT_TRANSLATE_NOOP("CornerText", "File VOI LUT"),
                      QT_TRANSLATE_NOOP("CornerText", "Image range"))


@dataclass(frozen=True)
class CornerText:
    top_left: list[str] = field(default_factory=list)
    top_right: list[str] = field(default_factory=list)
    bottom_left: list[str] = field(default_factory=list)
    bottom_right: list[str] = field(default_factory=list)

    def all_lines(self) -> list[str]:
        return self.top_left + self.top_right + self.bottom_left + self.bottom_right


def format_date(value: str) -> str:
    """DICOM DA (YYYYMMDD) -> YYYY-MM-DD; anything else is shown as it is."""
    value = (value or "").strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


def _header(ref: FrameRef | None, keyword: str) -> Any:
    # The scan's values where it kept them: the first image is painted without pydicom.
    header = ref.instance.tags if ref else None
    return header.get(keyword) if header is not None else None


def identity_lines(study: Study | None, ref: FrameRef | None, hide: bool,
                   tr: Callable[[str], str] = _same) -> list[str]:
    if hide:
        return [tr(IDENTITY_HIDDEN)]
    lines = []
    name = person_name(study.patient_name if study else _header(ref, "PatientName"))
    if name:
        lines.append(name)
    if study and study.patient_id:
        lines.append(tr(_ID).format(study.patient_id))
    birth = format_date(str(_header(ref, "PatientBirthDate") or ""))
    if birth:
        lines.append(tr(_BORN).format(birth))
    return lines


def slice_position(ref: FrameRef) -> float | None:
    """Position along the slice normal in mm (the usual "Loc"), or SliceLocation."""
    geometry = ref.geometry
    if geometry.position and geometry.orientation:
        r, c = geometry.orientation[:3], geometry.orientation[3:]
        normal = (r[1] * c[2] - r[2] * c[1], r[2] * c[0] - r[0] * c[2], r[0] * c[1] - r[1] * c[0])
        return sum(p * n for p, n in zip(geometry.position, normal, strict=True))
    location = _header(ref, "SliceLocation")
    try:
        return float(location) if location is not None else None
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def lossy_line(ref: FrameRef, tr: Callable[[str], str] = _same) -> str | None:
    """"LOSSY 10:1 ISO_10918_1" when the image was compressed with loss, else None."""
    found = lossy(ref.instance.tags,
                  ref.instance.pixel.transfer_syntax if ref.instance.pixel else "")
    if found is None:
        return None
    return f"{tr(_LOSSY)} {found.detail()}".strip()


def corner_text(study: Study | None, series: Series | None, state: ViewState,
                zoom: float | None = None, tr: Callable[[str], str] = _same,
                show: Collection[str] = CORNER_GROUPS, *, window_name: str | None = None,
                cine_fps: float | None = None) -> CornerText:
    """The four corners for the current slice of ``series``. ``zoom`` overrides state.zoom
    (in fit mode the widget knows the effective zoom); ``tr`` translates the labels;
    ``show`` names the groups of :data:`CORNER_GROUPS` the reader wants (a preference);
    ``window_name`` is the preset the window is (None after a drag); ``cine_fps`` the rate
    while cine plays."""
    if series is None or not series.frames:
        return CornerText()
    ref = series.frames[min(state.index, len(series.frames) - 1)]
    top_right = []
    if "study" in show and study and study.description:
        top_right.append(study.description)
    if "study" in show and study and study.date:
        top_right.append(format_date(study.date))
    number = tr(_SE).format(series.number) if series.number is not None else tr(_SE_NONE)
    if "series" in show:
        top_right.append(f"{number} {series.description}".strip())

    bottom_left = [tr(_IM).format(state.index + 1, len(series.frames))]
    position = slice_position(ref)
    if position is not None:
        bottom_left.append(tr(_LOC).format(position))
    thickness = _number(_header(ref, "SliceThickness"))
    if thickness is not None:
        bottom_left.append(tr(_THICK).format(thickness))

    bottom_right = []
    if state.window is not None and window_name:
        bottom_right.append(tr(_NAMED_WL).format(tr(window_name), state.window.width,
                                                 state.window.center))
    elif state.window is not None:
        bottom_right.append(tr(_WL).format(state.window.width, state.window.center))
    bottom_right.append(tr(_ZOOM).format((state.zoom if zoom is None else zoom) * 100))
    if state.invert:
        bottom_right.append(tr(_INVERTED))
    if cine_fps is not None:
        bottom_right.append(tr(_CINE).format(round(cine_fps, 1)))
    top_left = identity_lines(study, ref, state.hide_identity, tr) if "identity" in show else []
    bottom_right = bottom_right if "display" in show else []
    # Shown whatever the preferences hide: compressed pixels are not what was acquired.
    lossy_text = lossy_line(ref, tr)
    if lossy_text:
        bottom_right.insert(0, lossy_text)
    return CornerText(top_left, top_right,
                      bottom_left if "position" in show else [], bottom_right)
