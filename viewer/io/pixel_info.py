"""The pixel layout a header declares (size, samples, bits, frames), before decoding.

Shared by the thorough reader (:mod:`viewer.io.dicom`, pydicom data sets) and the quick
scan (:mod:`viewer.io.quick_header`): both read values through :func:`safe_int`, so a
header gives the same :class:`PixelInfo` whichever path read it. No pydicom import here:
the quick scan must not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from viewer.errors import UnreadableFileError
from viewer.io.model import PixelInfo
from viewer.io.values import safe_int, safe_value

BAD_FRAME_COUNT = "Number of Frames is invalid; the frame count was taken from the pixel data size"


def pixel_info(path: Path, ds: Any, keyword: str, transfer_syntax: str,
               warnings: list[str]) -> PixelInfo:
    """The pixel layout ``ds`` declares for its ``keyword`` element; ``ds`` is a pydicom
    data set or a :class:`~viewer.io.quick_header.QuickHeader` (anything with ``get``)."""
    rows, cols = safe_int(ds, "Rows"), safe_int(ds, "Columns")
    bits = safe_int(ds, "BitsAllocated")
    if keyword == "FloatPixelData":
        bits = 32
    elif keyword == "DoubleFloatPixelData":
        bits = 64
    if not rows or not cols or not bits:
        raise UnreadableFileError(
            path, "damaged: pixel data without image size (Rows, Columns or Bits Allocated missing)"
        )
    samples = safe_int(ds, "SamplesPerPixel", 1) or 1
    photometric = str(safe_value(ds, "PhotometricInterpretation", "")).strip().upper()
    if not photometric:
        photometric = "RGB" if samples == 3 else "MONOCHROME2"
    frames_value = safe_value(ds, "NumberOfFrames")
    frames = safe_int(ds, "NumberOfFrames")
    if frames_value is not None and (frames is None or frames < 1):
        warnings.append(BAD_FRAME_COUNT)
    if frames is None or frames < 1:
        frames = 1
    return PixelInfo(
        rows=rows,
        columns=cols,
        samples_per_pixel=samples,
        photometric=photometric,
        bits_allocated=bits,
        bits_stored=safe_int(ds, "BitsStored", bits) or bits,
        pixel_representation=safe_int(ds, "PixelRepresentation", 0) or 0,
        transfer_syntax=transfer_syntax,
        number_of_frames=frames,
        planar_configuration=safe_int(ds, "PlanarConfiguration", 0) or 0,
        pixel_keyword=keyword,
    )
