"""Where an image named by a report lives among the open studies.

A structured report or a structure set names images by SOP Instance UID (and frame);
going to one means finding the series that shows it and its place in that series' reading
order. Images that are not open get an :class:`ImageNotOpenError` that says what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from viewer.errors import LightboxError
from viewer.io.model import Series, Study


class ImageNotOpenError(LightboxError):
    """A report points at an image the session does not have open."""


@dataclass(frozen=True)
class Located:
    study: Study
    series: Series
    index: int  # position in ``series.frames`` (the viewport's slice index)


def open_images(studies: Iterable[Study]) -> set[str]:
    """SOP Instance UIDs of every displayable image of ``studies``."""
    return {f.instance.sop_instance_uid for st in studies for s in st.series for f in s.frames}


def locate(studies: Iterable[Study], sop_instance_uid: str, frame: int = 0) -> Located:
    """The series and slice index showing frame ``frame`` (0-based) of the image; the
    image's first frame when that frame is not among the displayed ones."""
    fallback: Located | None = None
    for study in studies:
        for series in study.series:
            for index, ref in enumerate(series.frames):
                if ref.instance.sop_instance_uid != sop_instance_uid:
                    continue
                if ref.frame == frame:
                    return Located(study, series, index)
                fallback = fallback or Located(study, series, index)
    if fallback is not None:
        return fallback
    raise ImageNotOpenError(
        "the image this report refers to is not open; open the study it belongs to "
        "(File > Open), then follow the reference again")
