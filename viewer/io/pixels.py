"""Decode one frame: stored values for grey images, 8-bit RGB for colour.

Two paths. Native (uncompressed) pixel data is read straight from its byte offset in the
file, one frame at a time, with no DICOM parsing at all. Everything else goes through
pydicom's per-frame decoding. :func:`decode_stored` is the slow, picklable half that the
loader can run in another process; :func:`finish_frame` is the cheap numpy half.

What comes back:
  * grey: a 2-D array of stored values (int/uint per Pixel Representation, float for float
    pixel data), in native byte order. Rescale/VOI LUTs and MONOCHROME1 inversion are left
    to :mod:`viewer.imaging`.
  * colour: (rows, columns, 3) uint8 RGB, whatever the photometric interpretation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.errors import (
    FileProblemError,
    NotAnImageError,
    UnreadableFileError,
    UnsupportedImageError,
)
from viewer.io.budget import (
    DeflatedExplicitVRLittleEndian,
    RLELossless,
    check_codestream,
    check_deflated,
    check_frame,
)
from viewer.io.encapsulated import decode_j2k, read_items
from viewer.io.frame_buffer import Placed, Target, place
from viewer.io.model import FrameRef, Instance, PixelInfo
from viewer.io.objects import object_note
from viewer.io.quick_header import ENCAPSULATED

if TYPE_CHECKING:
    from pydicom.uid import UID

# pydicom is imported where a frame needs it (decoders, colour conversion, palettes):
# native frames are read with NumPy alone, so the first image of an ordinary series does
# not wait for pydicom's import (longer than the whole scan of 300 files).

log = logging.getLogger(__name__)

#: What a file problem says when a decoder failed in a way no decoder should (a Rust
#: panic, an assertion in C): the image is refused, the app goes on.
DECODER_CRASHED = "the decoder crashed on this image (the image data is damaged)"
_INT_BITS = (8, 16, 32, 64)
#: Native transfer syntaxes by byte order, known without pydicom.
_LITTLE = frozenset({"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99"})
_BIG = "1.2.840.10008.1.2.2"


def _little_endian(transfer_syntax: str) -> bool:
    if transfer_syntax in _LITTLE:
        return True
    if transfer_syntax == _BIG:
        return False
    from pydicom.uid import UID

    return bool(UID(transfer_syntax).is_little_endian)


def read_frame(ref: FrameRef) -> np.ndarray:
    """The pixels of one frame. Raises a ``FileProblemError`` naming the file on failure."""
    inst = ref.instance
    if inst.kind == "image":
        from viewer.io.images import read_image_frame

        return read_image_frame(inst.path, ref.frame)
    pixel = _checked(inst, ref.frame)
    if has_fast_path(inst):
        return finish_frame(inst, _read_native(inst, pixel, ref.frame))
    return finish_frame(inst, decode_stored(
        inst.path, ref.frame, pixel.transfer_syntax, pixel, inst.items_offset))


def _checked(inst: Instance, frame: int) -> PixelInfo:
    if inst.pixel is None:
        raise NotAnImageError(
            inst.path, object_note(inst) or "no image to display (this object holds no pixels)")
    if not 0 <= frame < inst.pixel.number_of_frames:
        raise IndexError(f"frame {frame} outside 0..{inst.pixel.number_of_frames - 1}")
    check_frame(inst.path, inst.pixel)
    return inst.pixel


def has_fast_path(inst: Instance) -> bool:
    """True when a frame can be read straight from disk without a decoder."""
    pixel = inst.pixel
    if pixel is None or inst.pixel_offset is None:
        return False
    if pixel.bits_allocated not in _INT_BITS or pixel.photometric == "YBR_FULL_422":
        return False
    # Big-endian 8-bit data stored as OW has its bytes swapped in pairs; let pydicom untangle it.
    return _little_endian(pixel.transfer_syntax) or pixel.bits_allocated > 8


def needs_decoder(inst: Instance) -> bool:
    """True for frames whose decoding is CPU-heavy (compressed transfer syntaxes)."""
    return inst.kind == "dicom" and inst.pixel is not None and not has_fast_path(inst)


def _dtype(pixel: PixelInfo) -> np.dtype:
    order = "<" if _little_endian(pixel.transfer_syntax) else ">"
    size = pixel.bits_allocated // 8
    if pixel.is_float:
        kind = "f"
    else:
        kind = "i" if pixel.pixel_representation == 1 and pixel.samples_per_pixel == 1 else "u"
    return np.dtype(f"{order}{kind}{size}")


def _read_native(inst: Instance, pixel: PixelInfo, frame: int) -> np.ndarray:
    dtype = _dtype(pixel)
    count = pixel.rows * pixel.columns * pixel.samples_per_pixel
    offset = int(inst.pixel_offset or 0) + frame * count * dtype.itemsize
    try:
        flat = np.fromfile(inst.path, dtype=dtype, count=count, offset=offset)
    except OSError as exc:
        raise UnreadableFileError(inst.path, f"cannot be read ({exc.strerror or exc})") from exc
    if flat.size < count:
        raise UnreadableFileError(inst.path, "file is truncated (pixel data incomplete)")
    if pixel.samples_per_pixel == 1:
        return flat.reshape(pixel.rows, pixel.columns)
    if pixel.planar_configuration == 1:
        planes = flat.reshape(pixel.samples_per_pixel, pixel.rows, pixel.columns)
        return np.ascontiguousarray(planes.transpose(1, 2, 0))
    return flat.reshape(pixel.rows, pixel.columns, pixel.samples_per_pixel)


def decode_stored(
    path: Path, frame: int, transfer_syntax: str, pixel: PixelInfo | None = None,
    items_offset: int | None = None,
) -> np.ndarray:
    """Decode one frame with pydicom; colour comes back as RGB (pydicom converts YBR).

    A plain function of picklable arguments, so it can run in a worker process. Every
    failure comes back as a ``FileProblemError``, a decoder's panic included (pyo3's
    ``PanicException`` derives from ``BaseException``, so ``except Exception`` misses it).
    With ``pixel`` (the header's description), a compressed frame whose own codestream
    claims a larger image is refused before the decoder allocates for it; with
    ``items_offset`` too (``Instance.items_offset``), a one-frame file's bytes are read
    from there without parsing its header again (:mod:`viewer.io.encapsulated`).
    """
    try:
        if pixel is not None and _is_encapsulated(transfer_syntax):
            encoded = None
            if items_offset is not None and frame == 0 and pixel.number_of_frames == 1:
                encoded = read_items(path, items_offset)
            if encoded is None:
                encoded = _encoded_frame(path, frame, pixel.number_of_frames)
            if encoded is not None:
                if pixel.transfer_syntax != RLELossless:
                    check_codestream(path, pixel, encoded)
                decoded = decode_j2k(encoded, pixel)
                if decoded is None:
                    decoded = _decode_encoded(encoded, pixel, transfer_syntax)
                if decoded is not None:
                    return decoded
        return _decode_stored(path, frame, transfer_syntax)
    except (KeyboardInterrupt, SystemExit, FileProblemError):
        raise
    except BaseException as exc:  # noqa: BLE001 - a decoder panic is a damaged file
        log.info("frame %d of %s: the decoder crashed (%s)", frame, path.name, type(exc).__name__)
        raise UnreadableFileError(path, DECODER_CRASHED) from None


def _is_encapsulated(transfer_syntax: str) -> bool:
    """Compressed frame by frame. The usual syntaxes are known without pydicom: a JPEG
    2000 frame decoded the short way never imports it (a third of a second, which the
    first image of a compressed series would otherwise wait for)."""
    if transfer_syntax in ENCAPSULATED:
        return True
    if transfer_syntax in _LITTLE or transfer_syntax == _BIG:
        return False
    from pydicom.uid import UID

    return bool(UID(transfer_syntax).is_compressed)


#: One frame for a decoder process: ``decode_stored``'s arguments.
FrameJob = tuple[Path, int, str, PixelInfo, "int | None"]


def decode_batch(jobs: Sequence[FrameJob], target: Target | None = None,
                 ) -> list[np.ndarray | FileProblemError | Placed]:
    """Decode several frames in one task of a decoder process, results in one message.

    A 128 x 128 JPEG 2000 frame decodes in about 2 ms, as long as handing one task to a
    process and its result back; a batch pays that once. Each frame's failure is its own:
    a damaged frame comes back as its ``FileProblemError`` in its place, the others
    decoded. With ``target`` (a loader thread's shared buffer), decoded frames are copied
    there and only their places come back (:mod:`viewer.io.frame_buffer`)."""
    results: list[np.ndarray | FileProblemError] = []
    for job in jobs:
        try:
            results.append(decode_stored(*job))
        except FileProblemError as exc:
            results.append(exc)
    return place(results, target)


def _encoded_frame(path: Path, frame: int, frames: int) -> bytes | None:
    """The compressed bytes of one frame, read without decoding; None if they cannot be
    found (the decoder then reports the damage in its own words)."""
    from pydicom import dcmread
    from pydicom.encaps import get_frame

    try:
        with path.open("rb") as f:
            dcmread(f, force=True, stop_before_pixels=True, defer_size=4096)
            tag = f.read(4)
            if tag != b"\xe0\x7f\x10\x00":
                return None
            f.read(4)  # VR and two reserved bytes
            if f.read(4) != b"\xff\xff\xff\xff":
                return None  # not encapsulated after all
            return get_frame(f, frame, number_of_frames=frames)
    except Exception:  # noqa: BLE001 - damage is for the decoder to name
        return None


def _decode_encoded(encoded: bytes, pixel: PixelInfo, transfer_syntax: str) -> np.ndarray | None:
    """Decode one frame's compressed bytes, already read, as ``pixel_array`` would.

    The bytes were read once to check the codestream; decoding them here saves reading and
    parsing the file a second time (a third of the work on a 128 x 128 JPEG 2000 frame).
    None when this fails: the full path then decodes again and names the damage."""
    from pydicom.encaps import encapsulate
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.uid import UID

    try:
        decoder = get_decoder(UID(transfer_syntax))
        if not decoder.is_available:
            return None
        # Any: pydicom annotates **kwargs as if each value were the whole options dict.
        options: dict[str, Any] = {
            "rows": pixel.rows, "columns": pixel.columns,
            "samples_per_pixel": pixel.samples_per_pixel,
            "bits_allocated": pixel.bits_allocated, "bits_stored": pixel.bits_stored,
            "pixel_representation": pixel.pixel_representation,
            "photometric_interpretation": pixel.photometric, "number_of_frames": 1,
            "planar_configuration": pixel.planar_configuration}
        array, _ = decoder.as_array(encapsulate([encoded]), index=0, **options)
    except Exception:  # noqa: BLE001 - the full path decodes again and names the damage
        return None
    return array


def _decode_stored(path: Path, frame: int, transfer_syntax: str) -> np.ndarray:
    from pydicom import dcmread
    from pydicom.pixels.decoders.base import get_decoder
    from pydicom.pixels.utils import pixel_array
    from pydicom.uid import UID

    ts = UID(transfer_syntax)
    if ts.is_compressed:
        try:
            decoder = get_decoder(ts)
        except NotImplementedError:
            decoder = None
        if decoder is None or not decoder.is_available:
            raise UnsupportedImageError(
                path, f"images compressed as {ts.name} cannot be decoded (no decoder installed)"
            )
    try:
        if ts != DeflatedExplicitVRLittleEndian:
            try:
                # Reads the header up to the pixel data, then only this frame's bytes.
                return pixel_array(path, index=frame, transfer_syntax_uid=ts)
            except MemoryError:
                raise
            except Exception as exc:
                log.info("frame %d of %s: direct decoding failed (%s)", frame, path.name, exc)
        # Deflated datasets have no frame to seek to, and files whose encoding differs from
        # what their meta header claims need pydicom's more forgiving full read.
        check_deflated(path)
        return pixel_array(dcmread(path, force=True), index=frame)
    except FileProblemError:
        raise
    except MemoryError as exc:
        raise UnsupportedImageError(path, "image is too large for the available memory") from exc
    except Exception as exc:
        log.info("frame %d of %s cannot be decoded: %s", frame, path.name, exc)
        raise _decode_problem(path, ts, exc) from exc


def _decode_problem(path: Path, ts: UID, exc: Exception) -> FileProblemError:
    text = str(exc)
    if "less than expected" in text or isinstance(exc, EOFError):
        return UnreadableFileError(path, "file is truncated (pixel data incomplete)")
    name = ts.name if ts.is_transfer_syntax else str(ts)
    if ts.is_compressed:
        return UnreadableFileError(path, f"the {name} image data is damaged and cannot be decoded")
    return UnreadableFileError(path, f"the image data cannot be read ({name})")


def finish_frame(inst: Instance, arr: np.ndarray) -> np.ndarray:
    """Native byte order, unused high bits cleared, colour as (rows, columns, 3) uint8 RGB."""
    pixel = inst.pixel
    assert pixel is not None
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    if pixel.photometric == "PALETTE COLOR":
        return _apply_palette(inst, _mask_unused_bits(arr, pixel))
    if arr.ndim == 3:
        if pixel.photometric == "YBR_FULL" and has_fast_path(inst):
            # Only the native path sees raw YCbCr; pydicom's decoders already return RGB.
            from pydicom.pixels.processing import convert_color_space

            arr = convert_color_space(arr, "YBR_FULL", "RGB")
        return _to_uint8(_mask_unused_bits(arr, pixel), pixel.bits_stored)
    if arr.ndim != 2:
        raise UnsupportedImageError(inst.path, f"unexpected pixel layout {arr.shape}")
    return _mask_unused_bits(arr, pixel)


def _mask_unused_bits(arr: np.ndarray, pixel: PixelInfo) -> np.ndarray:
    """Clear bits above Bits Stored (some scanners keep overlays there), sign-extending."""
    if arr.dtype.kind not in "iu" or not 0 < pixel.bits_stored < arr.dtype.itemsize * 8:
        return arr
    if pixel.bits_allocated == 1:
        return arr
    unused = arr.dtype.itemsize * 8 - pixel.bits_stored
    # In place when we own the buffer: a fresh 512² frame allocation costs more than the
    # masking itself (page faults), and a series is 300 of them.
    out = arr if arr.flags.writeable else None
    masked: np.ndarray
    if arr.dtype.kind == "u":
        masked = np.bitwise_and(arr, arr.dtype.type((1 << pixel.bits_stored) - 1), out=out)
        return masked
    shifted = np.left_shift(arr, unused, out=out)
    masked = np.right_shift(shifted, unused, out=shifted)
    return masked


def _to_uint8(arr: np.ndarray, bits_stored: int) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr
    out: np.ndarray
    if arr.dtype.kind == "f":
        out = np.clip(arr, 0, 255).astype(np.uint8)
        return out
    shift = max(min(bits_stored, arr.dtype.itemsize * 8) - 8, 0)
    out = np.clip(arr >> shift, 0, 255).astype(np.uint8)
    return out


def _apply_palette(inst: Instance, arr: np.ndarray) -> np.ndarray:
    from viewer.io.palette import palette_rgb

    try:
        if inst.header is None:
            raise ValueError("no header to take the palette from")
        signed = bool(inst.pixel and inst.pixel.pixel_representation)
        return palette_rgb(arr, inst.header, signed)
    except Exception as exc:
        raise UnreadableFileError(inst.path, "the palette colour lookup table is damaged") from exc


def read_frame_into(ref: FrameRef, out: np.ndarray) -> bool:
    """Read a native grey frame straight into ``out`` (C-contiguous, its shape and native
    type), with no temporary: how the MPR volume is filled. Returns False, reading
    nothing, when the frame needs a decoder or a conversion (then use :func:`read_frame`).
    Raises what ``read_frame`` raises for a damaged file."""
    inst = ref.instance
    pixel = inst.pixel
    if inst.kind != "dicom" or pixel is None or not has_fast_path(inst):
        return False
    pixel = _checked(inst, ref.frame)
    dtype = _dtype(pixel)
    if (pixel.samples_per_pixel != 1 or pixel.photometric == "PALETTE COLOR"
            or not dtype.isnative or dtype != out.dtype or not out.flags.c_contiguous
            or not out.flags.writeable or out.shape != (pixel.rows, pixel.columns)):
        return False
    offset = int(inst.pixel_offset or 0) + ref.frame * out.nbytes
    try:
        with inst.path.open("rb") as f:
            f.seek(offset)
            got = f.readinto(out.data.cast("B"))
    except OSError as exc:
        raise UnreadableFileError(inst.path, f"cannot be read ({exc.strerror or exc})") from exc
    if got < out.nbytes:
        raise UnreadableFileError(inst.path, "file is truncated (pixel data incomplete)")
    _mask_unused_bits(out, pixel)  # in place: ``out`` is writeable
    return True
