"""What an object without an image to display holds, in a line for the reader.

A DICOM SEG holds masks, not an image: opened on its own it has nothing to draw on, and
"no pixel data" read as a broken file. It is named for what it is instead, and the
reader is told how to see it (its images open with it: the SEG then shows as an overlay,
:mod:`viewer.inference.dicom_import`). Other objects (SR, RT) have their own views.
"""

from __future__ import annotations

from viewer.io.model import Instance
from viewer.io.quick_header import SEG_SOP_CLASS

ONE_SEGMENT = "Segmentation (1 segment): open its images to see it"
SEGMENTS = "Segmentation ({} segments): open its images to see it"


def object_note(instance: Instance | None) -> str | None:
    """A line that says what ``instance`` holds when it has no image of its own, else None."""
    if instance is None or instance.pixel is not None:
        return None
    if instance.sop_class_uid == SEG_SOP_CLASS:
        count = _segment_count(instance)
        return ONE_SEGMENT if count == 1 else SEGMENTS.format(count)
    return None


def _segment_count(instance: Instance) -> int:
    try:
        return len(instance.header.get("SegmentSequence") or ()) if instance.header else 0
    except Exception:  # noqa: BLE001 - a malformed sequence still leaves a segmentation
        return 0
