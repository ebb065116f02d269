"""Header values that contradict each other or the pixel data: refused, never shown.

A file whose Bits Allocated, Rows or Columns do not describe its pixel data decodes into
a plausible-looking picture of the wrong numbers (stripes, noise, a sheared copy). The
viewer cannot tell such a picture from a real one, so neither can the reader: the file is
refused with the contradiction named. Every check lives in :func:`check_pixel_header`,
called once from the header read (:func:`viewer.io.dicom.read_instance`), before any
pixel is decoded. Less pixel data than the header needs is reported there as truncation.

Compressed data is checked against the header of its first frame's codestream (JPEG,
JPEG-LS: the SOF segment; JPEG 2000: the SIZ segment), read from a few bytes of the file:
a JPEG 2000 frame of 16-bit samples under a header that says 8 bits decoded to noise.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from viewer.errors import InconsistentImageError
from viewer.io.codestream import frame_header
from viewer.io.model import PixelInfo
from viewer.io.quick_header import ENCAPSULATED
from viewer.io.values import safe_int

BITS_ALLOCATED = (1, 8, 16, 32, 64)
#: Samples per pixel each photometric interpretation needs (PS3.3 C.7.6.3.1.2).
SAMPLES = {"MONOCHROME1": 1, "MONOCHROME2": 1, "PALETTE COLOR": 1, "RGB": 3, "YBR_FULL": 3,
           "YBR_FULL_422": 3, "YBR_ICT": 3, "YBR_RCT": 3, "YBR_PARTIAL_420": 3}
SUFFIX = "the header contradicts the image data, so it is not shown"


def check_pixel_header(path: Path, ds: Any, pixel: PixelInfo,
                       native_length: int | None, frame_bytes: int,
                       items_offset: int | None = None) -> None:
    """Raise :class:`InconsistentImageError` when the header cannot describe the pixels.

    ``native_length`` is the length of uncompressed pixel data (None for encapsulated
    data, whose decoded size the decoders check against the header); ``frame_bytes`` is
    what one frame takes in that encoding. ``items_offset``: where encapsulated data's
    items start in the file, when the caller knows (a quick header has no elements to
    ask); else the pixel element of ``ds`` says.
    """
    reason = _contradiction(ds, pixel, native_length, frame_bytes)
    if reason is None and _is_compressed(pixel.transfer_syntax):
        reason = _codestream_contradiction(path, ds, pixel, items_offset)
    if reason is not None:
        raise InconsistentImageError(path, f"{reason}: {SUFFIX}")


#: Uncompressed transfer syntaxes (implicit / explicit little, explicit big endian,
#: deflated): known without importing pydicom, which a quick scan avoids.
_NATIVE = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2",
                     "1.2.840.10008.1.2.1.99"})


def _is_compressed(transfer_syntax: str) -> bool:
    if transfer_syntax in _NATIVE:
        return False
    if transfer_syntax in ENCAPSULATED:
        return True
    from pydicom.uid import UID

    return bool(UID(transfer_syntax).is_compressed)


def _contradiction(ds: Any, pixel: PixelInfo, native_length: int | None,
                   frame_bytes: int) -> str | None:
    bits, stored = pixel.bits_allocated, pixel.bits_stored
    if bits not in BITS_ALLOCATED:
        return f"Bits Allocated is {bits} (1, 8, 16, 32 or 64 are possible)"
    if not 0 < stored <= bits:
        return f"Bits Stored ({stored}) does not fit in Bits Allocated ({bits})"
    high = safe_int(ds, "HighBit")
    if high is not None and not pixel.is_float and high != stored - 1:
        return f"High Bit is {high} where Bits Stored ({stored}) needs {stored - 1}"
    if pixel.pixel_representation not in (0, 1):
        return f"Pixel Representation is {pixel.pixel_representation} (0 or 1 are possible)"
    needed = SAMPLES.get(pixel.photometric)
    if needed is not None and pixel.samples_per_pixel != needed:
        return (f"{pixel.samples_per_pixel} samples per pixel do not fit "
                f"{pixel.photometric} (it has {needed})")
    if native_length is not None:
        expected = frame_bytes * pixel.number_of_frames
        # Longer by a pad byte (or a little trailing padding) is harmless; twice as long or
        # more means the header describes another image: another bit depth or size.
        if expected and native_length >= 2 * expected and native_length - expected > 1:
            return (f"the pixel data holds {native_length} bytes where the header "
                    f"describes {expected}")
    return None


#: Enough of the first fragment to hold its SOF / SIZ segment behind ordinary APP segments.
HEAD_BYTES = 16384
_ITEM = b"\xfe\xff\x00\xe0"  # (FFFE,E000) in little endian: encapsulated data always is


def _codestream_contradiction(path: Path, ds: Any, pixel: PixelInfo,
                              items_offset: int | None) -> str | None:
    head = _first_fragment(path, ds, pixel.pixel_keyword, items_offset)
    found = frame_header(head) if head else None
    if found is None:
        return None  # RLE, or a codestream this check does not know: the decoder decides
    precision, rows, columns, components = (found.precision, found.rows, found.columns,
                                            found.components)
    if not (0 < rows <= 65535 and 0 < columns <= 65535 and 0 < components <= 4):
        return None  # not a frame header that makes sense: the decoder names the damage
    if (rows, columns) != (pixel.rows, pixel.columns):
        return (f"the compressed image is {columns}×{rows} where the header says "
                f"{pixel.columns}×{pixel.rows}")
    if components != pixel.samples_per_pixel:
        return (f"the compressed image has {components} samples per pixel where the header "
                f"says {pixel.samples_per_pixel}")
    if precision > pixel.bits_allocated:
        return (f"the compressed image has {precision}-bit samples where Bits Allocated is "
                f"{pixel.bits_allocated}")
    return None


def _first_fragment(path: Path, ds: Any, keyword: str,
                    start: int | None = None) -> bytes | None:
    """The first bytes of the first frame's codestream, or None when not found."""
    try:
        if start is None:
            element = ds.get_item(keyword, keep_deferred=True)
            start = getattr(element, "value_tell", None)
        if start is None:
            return None
        with open(path, "rb") as f:
            f.seek(int(start))
            table = f.read(8)  # the Basic Offset Table item
            if len(table) < 8 or table[:4] != _ITEM:
                return None
            f.seek(struct.unpack("<I", table[4:])[0], 1)
            item = f.read(8)
            if len(item) < 8 or item[:4] != _ITEM:
                return None
            return f.read(min(HEAD_BYTES, struct.unpack("<I", item[4:])[0]))
    except (OSError, ValueError, KeyError, struct.error):
        return None
