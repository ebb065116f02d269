"""A decoder process's short way to a compressed frame: one seek, one read, one decode.

Profiled on 128 x 128 JPEG 2000 CT slices (bench/profiles/j2k_128_before.txt), a frame cost
the worker 35 % more than the decoder alone: pydicom parsed the header again to find the
pixel data (0.3 ms), then its decoder machinery wrapped OpenJPEG (0.15 ms). The scan
already knows where the encapsulated items start (``Instance.items_offset``), so
:func:`read_items` reads the one frame's fragments from there, and :func:`decode_j2k`
calls OpenJPEG directly when the codestream agrees with the header on everything
pydicom would otherwise correct (size, one component, precision, sign).

Either returns None when it cannot be sure; the caller then takes pydicom's path, which
decodes the same bytes and names any damage in its own words.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from viewer.io.codestream import frame_header
from viewer.io.model import PixelInfo

_ITEM = b"\xfe\xff\x00\xe0"
_SEQUENCE_END = b"\xfe\xff\xdd\xe0"
_U32 = struct.Struct("<I")
#: Transfer syntaxes OpenJPEG decodes (JPEG 2000 and High-Throughput JPEG 2000).
_OPENJPEG = frozenset({
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
    "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203"})


def read_items(path: Path, offset: int) -> bytes | None:
    """The one frame of a single-frame file whose encapsulated items start at ``offset``
    (the basic offset table, then the fragments up to the sequence delimiter), or None
    when the items are not laid out that way."""
    try:
        with path.open("rb") as f:
            f.seek(offset)
            data = f.read()
    except OSError:
        return None
    if data[:4] != _ITEM or len(data) < 8:
        return None
    pos = 8 + _U32.unpack_from(data, 4)[0]  # after the basic offset table
    fragments: list[bytes] = []
    while pos + 8 <= len(data):
        tag = data[pos:pos + 4]
        if tag == _SEQUENCE_END:
            return b"".join(fragments) if fragments else None
        if tag != _ITEM:
            return None
        length = _U32.unpack_from(data, pos + 4)[0]
        if pos + 8 + length > len(data):
            return None  # cut short: pydicom's path names it
        fragments.append(data[pos + 8:pos + 8 + length])
        pos += 8 + length
    return None


def decode_j2k(encoded: bytes, pixel: PixelInfo) -> np.ndarray | None:
    """A grey JPEG 2000 frame decoded by OpenJPEG alone, as pydicom's ``pixel_array``
    gives it; None whenever pydicom would have adjusted something (colour, a precision or
    sign other than the header's, a JP2 wrapper) or OpenJPEG is not there."""
    if (pixel.transfer_syntax not in _OPENJPEG or pixel.samples_per_pixel != 1
            or pixel.bits_allocated not in (8, 16) or pixel.is_float
            or not pixel.photometric.startswith("MONOCHROME")):
        return None
    found = frame_header(encoded)
    if (found is None or encoded[:4] != b"\xff\x4f\xff\x51"  # a bare codestream only
            or (found.rows, found.columns, found.components) != (pixel.rows, pixel.columns, 1)
            or found.precision != pixel.bits_stored
            or found.signed != bool(pixel.pixel_representation)
            or (found.precision + 7) // 8 != pixel.bits_allocated // 8):
        return None
    try:
        from openjpeg.utils import decode_pixel_data
    except ImportError:
        return None
    try:
        decoded = decode_pixel_data(encoded, version=2)
    except Exception:  # noqa: BLE001 - pydicom's path decodes again and names the damage
        return None
    kind = "i" if pixel.pixel_representation else "u"
    array = np.frombuffer(decoded, dtype=f"<{kind}{pixel.bits_allocated // 8}")
    if array.size != pixel.rows * pixel.columns:
        return None
    return array.reshape(pixel.rows, pixel.columns)
