"""Plain images (PNG, JPEG, TIFF, BMP, GIF) read through Pillow.

Every image in one folder joins one study and one series, named after the folder: a
folder of exported slices or photos then scrolls like a stack, and single files still
get a series of their own. UIDs are derived from the folder path, so opening the same
folder twice gives the same UIDs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from pydicom.uid import generate_uid

from viewer.errors import UnreadableFileError, UnsupportedImageError
from viewer.host.files import open_regular, special_file_reason
from viewer.io.model import Instance, PixelInfo

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"})
#: File signatures, so images without a usual extension are still recognised.
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8")
#: EXIF orientations that swap width and height (rotated by 90 degrees).
_TRANSPOSED = {5, 6, 7, 8}

_GREY16 = {"I;16", "I;16L", "I;16B", "I;16N"}


def looks_like_image(path: Path) -> bool:
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return True
    try:
        with open_regular(path) as f:  # never waits on a named pipe
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(_MAGIC)


def _open(path: Path) -> Image.Image:
    reason = special_file_reason(path)  # Pillow's own open() would wait on a named pipe
    if reason is not None:
        raise UnreadableFileError(path, reason)
    try:
        return Image.open(path)
    except (UnidentifiedImageError, ValueError) as exc:
        raise UnreadableFileError(path, "not a DICOM file or supported image") from exc
    except Image.DecompressionBombError as exc:
        raise UnsupportedImageError(path, "image is too large to open safely") from exc
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be read ({exc.strerror or exc})") from exc


def _layout(mode: str) -> tuple[int, str, int]:
    """(samples per pixel, photometric, bits) of what :func:`read_image_frame` returns."""
    if mode in _GREY16:
        return 1, "MONOCHROME2", 16
    if mode == "I":
        return 1, "MONOCHROME2", 32
    if mode == "F":
        return 1, "MONOCHROME2", 32
    if mode in {"1", "L", "LA"}:
        return 1, "MONOCHROME2", 8
    return 3, "RGB", 8


def folder_uids(folder: Path) -> tuple[str, str]:
    key = str(folder.resolve())
    study = generate_uid(entropy_srcs=["lightbox-image-study", key])
    series = generate_uid(entropy_srcs=["lightbox-image-series", key])
    return study, series


def read_image(path: str | Path) -> Instance:
    """Read an image's size and layout without decoding it."""
    path = Path(path)
    with _open(path) as img:
        samples, photometric, bits = _layout(img.mode)
        width, height = img.size
        try:
            if img.getexif().get(0x0112) in _TRANSPOSED:
                width, height = height, width
        except Exception:  # broken EXIF only loses the rotation hint
            pass
        frames = int(getattr(img, "n_frames", 1) or 1)
    study, series = folder_uids(path.parent)
    return Instance(
        path=path,
        kind="image",
        sop_instance_uid=generate_uid(entropy_srcs=["lightbox-image", str(path.resolve())]),
        study_uid=study,
        series_uid=series,
        modality="OT",
        pixel=PixelInfo(
            rows=height,
            columns=width,
            samples_per_pixel=samples,
            photometric=photometric,
            bits_allocated=bits,
            bits_stored=bits,
            pixel_representation=1 if bits == 32 else 0,
            number_of_frames=frames,
            pixel_keyword="FloatPixelData" if img.mode == "F" else "PixelData",
        ),
    )


def read_image_frame(path: Path, frame: int = 0) -> np.ndarray:
    """Grey as 2-D (uint8, uint16, int32 or float32), colour as (H, W, 3) uint8 RGB."""
    with _open(path) as img:
        try:
            if frame:
                img.seek(frame)
            img.load()
            oriented = ImageOps.exif_transpose(img)
        except Image.DecompressionBombError as exc:
            raise UnsupportedImageError(path, "image is too large to open safely") from exc
        except (OSError, EOFError, ValueError, SyntaxError) as exc:
            raise UnreadableFileError(path, "image data is truncated or damaged") from exc
        mode = oriented.mode
        if mode in _GREY16:
            return np.asarray(oriented, dtype=np.uint16)
        if mode in {"I", "F"}:
            return np.asarray(oriented)
        if mode in {"1", "LA"}:
            return np.asarray(oriented.convert("L"))
        if mode == "L":
            return np.asarray(oriented)
        return np.asarray(oriented.convert("RGB"))
