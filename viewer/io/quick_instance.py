"""An ordinary image file as an :class:`Instance` from its quick header (no pydicom).

The same checks as the thorough reader (:func:`viewer.io.dicom.read_instance`) on the
same values, so a file is refused with the same words whichever path read it; whatever
the quick walk does not cover goes to the thorough reader (None here).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from viewer.errors import LightboxError
from viewer.host.files import open_regular
from viewer.io.budget import check_encapsulated, check_frame, stored_frame_bytes
from viewer.io.consistency import check_pixel_header
from viewer.io.geometry import read_geometry
from viewer.io.model import Instance, PixelInfo
from viewer.io.pixel_info import BAD_FRAME_COUNT, pixel_info
from viewer.io.quick_header import QuickFile, read_quick
from viewer.io.values import safe_int, safe_value


def read_quick_instance(path: Path) -> Instance | None:
    """``path`` as an Instance, or None when the thorough reader must decide.

    One open, one ``fstat`` on the open descriptor (which also refuses a named pipe or a
    device swapped in), and only the bytes before the pixel data are read."""
    try:
        f = open_regular(path)
    except (OSError, LightboxError):
        return None  # the thorough reader names the reason
    with f:
        found = read_quick(path, f, os.fstat(f.fileno()).st_size)
    if found is None:
        return None
    header = found.header
    warnings: list[str] = []
    pixel = pixel_info(path, header, found.pixel_keyword, found.transfer_syntax, warnings)
    check_frame(path, pixel)
    frame_bytes = stored_frame_bytes(pixel)
    if found.encapsulated:
        # As the thorough reader does for compressed data: room for the frames claimed,
        # and the first frame's own codestream agreeing with the header.
        check_encapsulated(path, pixel, found.pixel_length)
        check_pixel_header(path, header, pixel, None, frame_bytes, found.pixel_offset)
        return _instance(path, found, pixel, warnings, items_offset=(
            found.pixel_offset if pixel.number_of_frames == 1 else None))
    if found.pixel_length < frame_bytes * pixel.number_of_frames:
        return None  # less pixel data than the header needs: the thorough reader words it
    if BAD_FRAME_COUNT in warnings:
        # Without this, multi-frame native data would show only its first frame.
        pixel = replace(pixel, number_of_frames=max(1, found.pixel_length // frame_bytes))
    check_pixel_header(path, header, pixel, found.pixel_length, frame_bytes)
    return _instance(path, found, pixel, warnings, found.pixel_offset, found.pixel_length)


def _instance(path: Path, found: QuickFile, pixel: PixelInfo, warnings: list[str],
              pixel_offset: int | None = None, pixel_length: int | None = None,
              items_offset: int | None = None) -> Instance:
    header = found.header
    return Instance(
        path=path,
        kind="dicom",
        sop_instance_uid=str(safe_value(header, "SOPInstanceUID", "")),
        sop_class_uid=str(safe_value(header, "SOPClassUID", "")
                          or safe_value(header, "MediaStorageSOPClassUID", "")),
        study_uid=str(safe_value(header, "StudyInstanceUID", "")),
        series_uid=str(safe_value(header, "SeriesInstanceUID", "")),
        modality=str(safe_value(header, "Modality", "OT")),
        instance_number=safe_int(header, "InstanceNumber"),
        pixel=pixel,
        geometry=read_geometry(header, pixel.number_of_frames),
        pixel_offset=pixel_offset,
        pixel_length=pixel_length,
        items_offset=items_offset,
        warnings=warnings,
        quick=header,
    )
