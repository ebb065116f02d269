"""What a compressed frame's own codestream says about its size, read from its first bytes.

The decoders believe the codestream, not the DICOM header, so both the header read (does
the header describe the image it carries? :mod:`viewer.io.consistency`) and the decode
budget (may this frame be decoded at all? :mod:`viewer.io.budget`) read it, through this
one parser: JPEG and JPEG-LS from their SOF segment, JPEG 2000 from its SIZ segment (bare
or inside a JP2 box). RLE has no size of its own: its size is the header's.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

#: Start-of-frame markers of JPEG (baseline, extended, progressive, lossless) and JPEG-LS
#: (0xF7); 0xC4 (DHT), 0xC8 (JPG) and 0xCC (DAC) share the range but are not frames.
_SOF = {bytes([0xFF, m]) for m in (*range(0xC0, 0xD0), 0xF7)} - {b"\xff\xc4", b"\xff\xc8",
                                                                 b"\xff\xcc"}
#: JPEG 2000: SOC then SIZ.
_J2K_SIZ = b"\xff\x4f\xff\x51"


@dataclass(frozen=True, slots=True)
class FrameHeader:
    precision: int  # bits per sample
    rows: int
    columns: int
    components: int
    #: JPEG 2000 only (its SIZ segment says so per component; the first one's here).
    signed: bool = False


def frame_header(src: bytes) -> FrameHeader | None:
    """The size ``src`` (a frame's first bytes) declares, or None when it is not a JPEG,
    JPEG-LS or JPEG 2000 codestream this can read (the decoder then names the damage)."""
    return _jpeg(src) or _j2k(src)


def _jpeg(src: bytes) -> FrameHeader | None:
    if src[:2] != b"\xff\xd8":
        return None
    offset = 2
    while offset + 10 <= len(src):
        marker = src[offset:offset + 2]
        if marker in _SOF:
            precision, rows, columns, components = struct.unpack(
                ">BHHB", src[offset + 4:offset + 10])
            return FrameHeader(precision, rows, columns, components)
        if marker[:1] != b"\xff":
            return None
        offset += 2 + struct.unpack(">H", src[offset + 2:offset + 4])[0]
    return None


def _j2k(src: bytes) -> FrameHeader | None:
    start = src.find(_J2K_SIZ, 0, 4096)  # a bare codestream, or behind a JP2 wrapper
    if start < 0 or len(src) < start + 43:
        return None
    siz = src[start + 4:]
    x, y, x0, y0 = struct.unpack(">IIII", siz[4:20])
    (components,) = struct.unpack(">H", siz[36:38])
    precision = (siz[38] & 0x7F) + 1
    return FrameHeader(precision, max(0, y - y0), max(0, x - x0), components,
                       bool(siz[38] & 0x80))
