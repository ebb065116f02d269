"""Read one DICOM file's header into an :class:`~viewer.io.model.Instance`.

Only the header is parsed. Large values (pixel data, big LUTs) are left on disk by
pydicom's deferred reading, so scanning a study costs little memory. For native
(uncompressed) pixel data we remember where the pixels sit in the file, so
:mod:`viewer.io.pixels` can read a frame with one ``np.fromfile`` call.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import replace
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.tag import Tag
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

from viewer.errors import UnreadableFileError, UnsupportedImageError
from viewer.io.budget import check_deflated, check_encapsulated, check_frame, stored_frame_bytes
from viewer.io.consistency import check_pixel_header
from viewer.io.geometry import read_geometry
from viewer.io.model import Instance, PixelInfo
from viewer.io.pixel_info import BAD_FRAME_COUNT, pixel_info
from viewer.io.quick_header import SEG_SOP_CLASS
from viewer.io.values import safe_int, safe_value

log = logging.getLogger(__name__)

#: Values larger than this stay on disk until asked for (pydicom re-reads them by path).
DEFER_SIZE = 4096
_UNDEFINED_LENGTH = 0xFFFFFFFF
_PIXEL_KEYWORDS = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")
_PIXEL_TAGS = {kw: Tag(kw) for kw in _PIXEL_KEYWORDS}
#: Attributes that only a DICOM object would have; used to tell a DICOM file without a
#: preamble from arbitrary bytes that pydicom's forced reading turned into nonsense.
_IDENTIFYING = ("SOPClassUID", "SOPInstanceUID", "StudyInstanceUID", "SeriesInstanceUID")


def transfer_syntax_of(ds: Dataset) -> UID:
    """The transfer syntax from the file meta, or as pydicom found it for files without one."""
    meta = getattr(ds, "file_meta", None)
    uid = safe_value(meta, "TransferSyntaxUID") if meta is not None else None
    if uid:
        return UID(str(uid))
    implicit, little = getattr(ds, "original_encoding", (True, True))
    if implicit:
        return ImplicitVRLittleEndian
    return ExplicitVRLittleEndian if little else ExplicitVRBigEndian


def _looks_like_dicom(ds: Dataset) -> bool:
    if getattr(ds, "preamble", None) is not None:
        return True  # had the 128-byte preamble and the "DICM" marker
    if len(getattr(ds, "file_meta", ()) or ()) > 0:
        return True
    return any(safe_value(ds, kw) for kw in _IDENTIFYING) or (
        any(kw in ds for kw in _PIXEL_KEYWORDS) and safe_int(ds, "Rows") is not None
    )


def read_dataset(path: Path, *, defer_size: int | None = DEFER_SIZE) -> Dataset:
    """``dcmread`` with every failure turned into a user-facing ``UnreadableFileError``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    if size == 0:
        raise UnreadableFileError(path, "file is empty")
    check_deflated(path)  # before pydicom inflates the whole data set in one call
    try:
        ds = dcmread(path, force=True, defer_size=defer_size)
    except InvalidDicomError as exc:
        raise UnreadableFileError(path, "not a DICOM file") from exc
    except (EOFError, struct.error) as exc:
        raise UnreadableFileError(path, "file is truncated (header incomplete)") from exc
    except OSError as exc:
        raise UnreadableFileError(path, f"cannot be read ({exc.strerror or exc})") from exc
    except Exception as exc:  # pydicom raises many types on garbage; all mean the same here
        raise UnreadableFileError(path, "not a DICOM file (or badly damaged)") from exc
    if not _looks_like_dicom(ds):
        raise UnreadableFileError(path, "not a DICOM file")
    if not len(ds):
        # pydicom stops quietly inside a cut-off file meta header and returns no elements;
        # listing that as an empty "no image" object would hide the damage.
        if _meta_cut_short(ds, size):
            raise UnreadableFileError(path, "file is truncated (header incomplete)")
        raise UnreadableFileError(path, "file holds no DICOM data (only a file meta header)")
    cut = _cut_short(ds, size)
    if cut:
        part = "pixel data" if cut in _PIXEL_TAGS.values() else "header"
        raise UnreadableFileError(path, f"file is truncated ({part} incomplete)")
    return ds


def _meta_cut_short(ds: Dataset, size: int) -> bool:
    """True when the file ends inside its file meta header (called for empty data sets)."""
    meta = getattr(ds, "file_meta", None)
    group_length = safe_int(meta, "FileMetaInformationGroupLength") if meta is not None else None
    if group_length is None:
        return True  # cut before even the group length could be read
    # 128-byte preamble + "DICM" + the group length element itself (12 bytes) + the group.
    start = 132 if getattr(ds, "preamble", None) is not None else 0
    return start + 12 + group_length > size


def _cut_short(ds: Dataset, size: int) -> int | None:
    """The tag of the element where the file was cut off, or None.

    pydicom stops quietly at the end of a file; an element that runs past the end, or a
    few bytes left over that cannot hold an element, means the file was cut off.
    """
    if not len(ds) or transfer_syntax_of(ds) == DeflatedExplicitVRLittleEndian:
        return None  # offsets in a deflated file are positions in the inflated stream
    tag = next(reversed(list(ds.keys())))
    last = ds.get_item(tag, keep_deferred=True)
    offset, length = getattr(last, "value_tell", None), getattr(last, "length", None)
    if offset is None or length is None or length == _UNDEFINED_LENGTH:
        return None
    left = size - (offset + length)
    return tag if left < 0 or 0 < left < 8 else None


def _pixel_keyword(ds: Dataset) -> str | None:
    return next((kw for kw in _PIXEL_KEYWORDS if kw in ds), None)


def _is_native(ts: UID) -> bool:
    return not ts.is_compressed and ts != DeflatedExplicitVRLittleEndian


def _native_location(
    path: Path, ds: Dataset, pixel: PixelInfo, ts: UID
) -> tuple[int | None, int | None]:
    """(offset, length) of native pixel data in the file; truncation is reported here."""
    element = ds.get_item(_PIXEL_TAGS[pixel.pixel_keyword], keep_deferred=True)
    offset = getattr(element, "value_tell", None)
    length = getattr(element, "length", None)
    if offset is None or length is None or length == _UNDEFINED_LENGTH:
        return None, None
    needed = stored_frame_bytes(pixel) * pixel.number_of_frames
    if offset + min(length, needed) > path.stat().st_size:
        raise UnreadableFileError(path, "file is truncated (pixel data incomplete)")
    if length < needed:
        raise UnreadableFileError(
            path, "file is truncated or damaged (less pixel data than the image size needs)"
        )
    return offset, length


def _bytes_after_pixel_tag(path: Path, ds: Dataset, pixel: PixelInfo) -> int:
    """Bytes of the file from the pixel data's value on (all of it when unknown)."""
    size = path.stat().st_size
    element = ds.get_item(_PIXEL_TAGS[pixel.pixel_keyword], keep_deferred=True)
    offset = getattr(element, "value_tell", None)
    if transfer_syntax_of(ds) == DeflatedExplicitVRLittleEndian or not isinstance(offset, int):
        return size
    return max(0, size - offset)


def _items_offset(ds: Dataset, pixel: PixelInfo, ts: UID) -> int | None:
    """Where a one-frame file's encapsulated items start (see ``Instance.items_offset``)."""
    if pixel.number_of_frames != 1 or ts == DeflatedExplicitVRLittleEndian:
        return None
    element = ds.get_item(_PIXEL_TAGS[pixel.pixel_keyword], keep_deferred=True)
    offset = getattr(element, "value_tell", None)
    return offset if isinstance(offset, int) and offset > 0 else None


def read_header(path: Path) -> Dataset:
    """The whole header of ``path`` without its pixel data: what a quick-scanned instance
    reads on first use (see :class:`~viewer.io.quick_header.QuickHeader`)."""
    ds = read_dataset(path)
    for kw in _PIXEL_KEYWORDS:
        if kw in ds:
            del ds[kw]
    return ds


def read_instance(path: str | Path) -> Instance:
    """Read one DICOM file's header. Raises ``UnreadableFileError`` for unusable files.

    Objects without pixel data (structured reports, RT plans, waveforms) are returned with
    ``pixel=None``: they are listed and their tags shown, not treated as errors.
    """
    path = Path(path)
    ds = read_dataset(path)
    ts = transfer_syntax_of(ds)
    warnings: list[str] = []
    keyword = _pixel_keyword(ds)
    if keyword is not None and str(safe_value(ds, "SOPClassUID", "")) == SEG_SOP_CLASS:
        del ds[keyword]
        keyword = None
    pixel: PixelInfo | None = None
    offset = length = items = None
    if keyword is not None:
        if not ts.is_transfer_syntax:
            raise UnsupportedImageError(
                path, "the image data is in an unknown encoding (transfer syntax) and cannot be read"
            )
        pixel = pixel_info(path, ds, keyword, str(ts), warnings)
        check_frame(path, pixel)
        if _is_native(ts):
            offset, length = _native_location(path, ds, pixel, ts)
        else:
            check_encapsulated(path, pixel, _bytes_after_pixel_tag(path, ds, pixel))
            items = _items_offset(ds, pixel, ts)
        if BAD_FRAME_COUNT in warnings and offset is not None and length is not None:
            # Without this, multi-frame native data would show only its first frame.
            pixel = replace(pixel, number_of_frames=max(1, length // stored_frame_bytes(pixel)))
        check_pixel_header(path, ds, pixel, length, stored_frame_bytes(pixel))
        for kw in _PIXEL_KEYWORDS:
            if kw in ds:
                del ds[kw]  # the header is kept for the tag browser; pixels are read on demand

    sop_uid = str(safe_value(ds, "SOPInstanceUID", "")) or generate_uid(
        entropy_srcs=["lightbox-sop", str(path.resolve())]
    )
    return Instance(
        path=path,
        kind="dicom",
        sop_instance_uid=sop_uid,
        sop_class_uid=str(
            safe_value(ds, "SOPClassUID", "")
            or safe_value(getattr(ds, "file_meta", None), "MediaStorageSOPClassUID", "")
        ),
        study_uid=str(safe_value(ds, "StudyInstanceUID", "")),
        series_uid=str(safe_value(ds, "SeriesInstanceUID", "")),
        modality=str(safe_value(ds, "Modality", "OT")),
        instance_number=safe_int(ds, "InstanceNumber"),
        pixel=pixel,
        geometry=read_geometry(ds, pixel.number_of_frames) if pixel else [],
        header=ds,
        pixel_offset=offset,
        pixel_length=length,
        items_offset=items,
        warnings=warnings,
    )
