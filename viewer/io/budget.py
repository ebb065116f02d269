"""Budgets that a file must fit before anything is allocated for it.

A header is a claim; the file's real size is a fact. Every decode is checked here first,
with the numbers the header gives and the bytes actually present, so a hostile or damaged
file is refused by name instead of exhausting memory:

* one frame may hold at most :data:`MAX_FRAME_PIXELS` pixels and decode to at most
  :data:`MAX_FRAME_BYTES` bytes (a 16384 × 16384 image; whole-slide images are tiled far
  below that);
* native (uncompressed) pixel data must be present in full (checked in ``dicom.py``);
* encapsulated (compressed) data can shrink an image only so far: frames × frame bytes
  may not exceed the bytes present times the transfer syntax's
  :func:`max_compression_ratio`, and each frame needs at least one 8-byte item, so a
  scan never builds a record per claimed frame of a file that cannot hold them;
* a compressed frame's own codestream (JPEG SOF, JPEG-LS SOF55, JPEG 2000 SIZ) states
  the size the decoder will allocate; it may not exceed the frame the header describes
  (:func:`check_codestream`), since the decoder believes the codestream, not the header;
* a deflated data set is inflated through a bounded stream: at most
  :data:`MAX_INFLATED_BYTES` and :data:`MAX_INFLATION_RATIO` times its compressed size.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from viewer.errors import UnreadableFileError, UnsupportedImageError
from viewer.io.codestream import frame_header
from viewer.io.model import PixelInfo

#: Transfer syntax UIDs, spelled out: importing pydicom costs more than a quick scan of
#: 300 files (see :mod:`viewer.io.quick_header`), so it is imported only where a file is
#: read through it.
RLELossless = "1.2.840.10008.1.2.5"
DeflatedExplicitVRLittleEndian = "1.2.840.10008.1.2.1.99"
#: Pixels in one frame: 2**28, a 16384 × 16384 image.
MAX_FRAME_PIXELS = 1 << 28
#: Bytes one frame may take decoded (as stored, before display conversion): 1 GiB.
MAX_FRAME_BYTES = 1 << 30
#: A deflated data set may inflate to at most this many bytes (1 GiB) ...
MAX_INFLATED_BYTES = 1 << 30
#: ... and at most this many times its compressed size (deflate itself tops out near 1032).
MAX_INFLATION_RATIO = 1100
#: Bytes of one encapsulated item header: each frame needs at least one.
_ITEM_HEADER = 8
#: RLE stores a run of up to 128 bytes in 2 (per row, segment and frame: 64:1 at most).
_RLE_RATIO = 128
#: JPEG baseline/extended/lossless need at least about 2 bits per 8×8 block (256:1).
_JPEG_RATIO = 1024
_JPEG_FAMILY = frozenset(
    {
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.51",
        "1.2.840.10008.1.2.4.57",
        "1.2.840.10008.1.2.4.70",
    }
)
#: JPEG-LS run mode, JPEG 2000, HTJ2K and JPEG XL can code a blank image in a few bytes;
#: the frame cap and the item count bound these, so the ratio only stops absurd claims.
_OTHER_RATIO = 1 << 20
_INFLATE_CHUNK = 1 << 16


def max_compression_ratio(transfer_syntax: str) -> int:
    """How many decoded bytes one stored byte may stand for, at most."""
    if transfer_syntax == RLELossless:
        return _RLE_RATIO
    if transfer_syntax == DeflatedExplicitVRLittleEndian:
        return MAX_INFLATION_RATIO
    if transfer_syntax in _JPEG_FAMILY:
        return _JPEG_RATIO
    return _OTHER_RATIO


def _frames(count: int) -> str:
    return "1 frame" if count == 1 else f"{count:,} frames"


def stored_frame_bytes(pixel: PixelInfo) -> int:
    """Bytes one frame takes decoded, as stored (YBR_FULL_422 keeps 2 values a pixel)."""
    values = pixel.rows * pixel.columns * pixel.samples_per_pixel
    if pixel.photometric == "YBR_FULL_422":
        values = pixel.rows * pixel.columns * 2
    if pixel.bits_allocated == 1:
        return (values + 7) // 8
    return values * max(1, (pixel.bits_allocated + 7) // 8)


def check_frame(path: Path, pixel: PixelInfo) -> None:
    """Refuse a frame too large to decode, whatever the file holds."""
    if pixel.rows * pixel.columns > MAX_FRAME_PIXELS or stored_frame_bytes(pixel) > MAX_FRAME_BYTES:
        raise UnsupportedImageError(
            path,
            f"the image is too large to display ({pixel.columns} × {pixel.rows} pixels, "
            f"{pixel.samples_per_pixel} sample(s) of {pixel.bits_allocated} bits; "
            f"Lightbox shows images up to {MAX_FRAME_PIXELS:,} pixels a frame)",
        )


def check_encapsulated(path: Path, pixel: PixelInfo, bytes_present: int) -> None:
    """Refuse compressed pixel data whose claimed size the bytes present cannot hold."""
    frames = pixel.number_of_frames
    if frames * _ITEM_HEADER > bytes_present:
        raise UnreadableFileError(
            path,
            f"damaged: the header claims {_frames(frames)} but the file has room for "
            f"at most {max(1, bytes_present // _ITEM_HEADER):,}",
        )
    ratio = max_compression_ratio(pixel.transfer_syntax)
    if frames * stored_frame_bytes(pixel) > bytes_present * ratio:
        raise UnreadableFileError(
            path,
            f"damaged: the header claims {_frames(frames)} of {pixel.columns} × {pixel.rows} "
            f"pixels ({pixel.samples_per_pixel} sample(s) of {pixel.bits_allocated} bits), "
            f"more than the {bytes_present:,} bytes of compressed data can hold",
        )


def deflate_start(path: Path) -> int | None:
    """Where the deflated data set begins, or None when the file is not deflated."""
    try:
        from pydicom.filereader import _read_file_meta_info, read_preamble

        with path.open("rb") as f:
            read_preamble(f, force=True)
            meta = _read_file_meta_info(f)
            start = f.tell()
        uid = meta.get("TransferSyntaxUID")
    except Exception:  # no readable meta header: pydicom will not inflate this file either
        return None
    return start if uid is not None and str(uid) == DeflatedExplicitVRLittleEndian else None


def check_deflated(path: Path) -> None:
    """Inflate a deflated data set through a bounded stream, keeping nothing.

    pydicom inflates the whole data set in one ``zlib.decompress``; this walk, chunk by
    chunk with a capped output, refuses a compression bomb before that call is made.
    """
    start = deflate_start(path)
    if start is None:
        return
    compressed = max(1, path.stat().st_size - start)
    limit = min(MAX_INFLATED_BYTES, compressed * MAX_INFLATION_RATIO)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        with path.open("rb") as f:
            f.seek(start)
            while not inflater.eof:
                chunk = inflater.unconsumed_tail or f.read(_INFLATE_CHUNK)
                if not chunk:
                    break
                total += len(inflater.decompress(chunk, _INFLATE_CHUNK))
                if total > limit:
                    raise UnreadableFileError(
                        path,
                        f"refused: the compressed (deflated) data would inflate past "
                        f"{limit:,} bytes (a compression bomb or a damaged file)",
                    )
    except zlib.error as exc:
        raise UnreadableFileError(path, "the deflated data is damaged") from exc


def check_codestream(path: Path, pixel: PixelInfo, frame: bytes) -> None:
    """Refuse a compressed frame whose codestream claims more than its header's frame."""
    found = frame_header(frame)
    if found is None:
        return  # RLE (its size is the header's), or a damaged start the decoder will name
    columns, rows, components = found.columns, found.rows, found.components
    if columns * rows * max(1, components) > pixel.columns * pixel.rows * pixel.samples_per_pixel:
        from pydicom.uid import UID

        raise UnreadableFileError(
            path,
            f"the {UID(pixel.transfer_syntax).name} image data is damaged and cannot be decoded: "
            f"it claims "
            f"{columns} × {rows} pixels with {components} component(s), larger than the "
            f"{pixel.columns} × {pixel.rows} × {pixel.samples_per_pixel} its header describes",
        )
