"""The few header values a scan needs, read from the bytes before the pixel data.

A folder scan needs about thirty values per file (identity of the study, series and
object; image size and layout; where the slice lies). pydicom parses and keeps every
element of every header, and importing it costs more than scanning 300 files: profiled in
``bench/profiles/``, a ``lightbox info`` of 300 CT slices spent most of its time importing
pydicom and NumPy and building full data sets nobody looked at. This module walks the
elements of an ordinary file (preamble, explicit or implicit VR little endian, native or
compressed pixel data) in pure Python, keeps the raw bytes of the held keywords only, and
stops at the pixel data; the full header is read by pydicom later, once, for the objects a reader
actually opens (:meth:`QuickHeader.full`).

Anything unusual returns None from :func:`read_quick`, and the caller reads the file the
thorough way (:func:`viewer.io.dicom.read_instance`), which names what is wrong: big
endian or deflated data, enhanced multi-frame objects, segmentations, objects without
pixels, files cut short or followed by trailing elements, damaged elements.
"""

from __future__ import annotations

import logging
import math
import struct
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    from pydicom import Dataset

log = logging.getLogger(__name__)

#: Keyword → (tag, VR) of every value held. A keyword held but absent from the file is
#: known to be absent; any other keyword is answered by the full header.
HELD: dict[str, tuple[int, str]] = {
    "MediaStorageSOPClassUID": (0x00020002, "UI"),
    "TransferSyntaxUID": (0x00020010, "UI"),
    "SpecificCharacterSet": (0x00080005, "CS"),
    "SOPClassUID": (0x00080016, "UI"),
    "SOPInstanceUID": (0x00080018, "UI"),
    "StudyDate": (0x00080020, "DA"),
    "Modality": (0x00080060, "CS"),
    "Manufacturer": (0x00080070, "LO"),  # the drift statistics (inference.run_stats)
    "StudyDescription": (0x00081030, "LO"),
    "SeriesDescription": (0x0008103E, "LO"),
    "ManufacturerModelName": (0x00081090, "LO"),
    "PatientName": (0x00100010, "PN"),
    "PatientID": (0x00100020, "LO"),
    "PatientBirthDate": (0x00100030, "DA"),  # corner text (viewer.ui.viewport.corner_text)
    "BodyPartExamined": (0x00180015, "CS"),  # the drift statistics, as Manufacturer…
    "SliceThickness": (0x00180050, "DS"),  # corner text
    "KVP": (0x00180060, "DS"),  # the domain check and the drift statistics
    "MagneticFieldStrength": (0x00180087, "DS"),
    "SoftwareVersions": (0x00181020, "LO"),
    "ImagerPixelSpacing": (0x00181164, "DS"),
    "NominalScannedPixelSpacing": (0x00182010, "DS"),
    "StudyInstanceUID": (0x0020000D, "UI"),
    "SeriesInstanceUID": (0x0020000E, "UI"),
    "SeriesNumber": (0x00200011, "IS"),
    "InstanceNumber": (0x00200013, "IS"),
    "ImagePositionPatient": (0x00200032, "DS"),
    "ImageOrientationPatient": (0x00200037, "DS"),
    "FrameOfReferenceUID": (0x00200052, "UI"),
    "SliceLocation": (0x00201041, "DS"),  # corner text, where the geometry has no position
    "SamplesPerPixel": (0x00280002, "US"),
    "PhotometricInterpretation": (0x00280004, "CS"),
    "PlanarConfiguration": (0x00280006, "US"),
    "NumberOfFrames": (0x00280008, "IS"),
    "Rows": (0x00280010, "US"),
    "Columns": (0x00280011, "US"),
    "PixelSpacing": (0x00280030, "DS"),
    "BitsAllocated": (0x00280100, "US"),
    "BitsStored": (0x00280101, "US"),
    "HighBit": (0x00280102, "US"),
    "PixelRepresentation": (0x00280103, "US"),
    "LossyImageCompression": (0x00282110, "CS"),
    "LossyImageCompressionRatio": (0x00282112, "DS"),
    "LossyImageCompressionMethod": (0x00282114, "CS"),
    "GridFrameOffsetVector": (0x3004000C, "DS"),
    # The display transform of the first image (viewer.imaging.lut): rescale and window.
    "RescaleIntercept": (0x00281052, "DS"),
    "RescaleSlope": (0x00281053, "DS"),
    "WindowCenter": (0x00281050, "DS"),
    "WindowWidth": (0x00281051, "DS"),
    "VOILUTFunction": (0x00281056, "CS"),
    "WindowCenterWidthExplanation": (0x00281055, "LO"),  # the file windows' names
    # Sequences: only whether they are there; their values come from the full header.
    "ModalityLUTSequence": (0x00283000, "SQ"),
    "VOILUTSequence": (0x00283010, "SQ"),
    "PixelValueTransformationSequence": (0x00289145, "SQ"),
    "FrameVOILUTSequence": (0x00289132, "SQ"),
    "PerFrameFunctionalGroupsSequence": (0x52009230, "SQ"),
    "SharedFunctionalGroupsSequence": (0x52009229, "SQ"),
}
_KEYWORD_OF = {tag: kw for kw, (tag, _vr) in HELD.items()}
_VR_OF = {tag: vr for tag, vr in HELD.values()}
#: Enhanced multi-frame geometry lives in these sequences: the thorough reader handles it.
_BAIL_TAGS = frozenset({0x52009230, 0x52009229})
_PIXEL_DATA = 0x7FE00010
_OTHER_PIXELS = frozenset({0x7FE00008, 0x7FE00009})  # float / double float pixel data
_STOPS = _BAIL_TAGS | _OTHER_PIXELS | {_PIXEL_DATA}
#: Transfer syntaxes read here: implicit and explicit VR little endian, native pixels.
_IMPLICIT_LE = "1.2.840.10008.1.2"
_EXPLICIT_LE = "1.2.840.10008.1.2.1"
#: Compressed (encapsulated, explicit VR little endian) transfer syntaxes read here too: the
#: header is as ordinary as any, and the pixel data's items start where the walk stops.
#: JPEG (baseline, extended, lossless, lossless SV1), JPEG-LS, JPEG 2000, HTJ2K, RLE.
ENCAPSULATED = frozenset({
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.201",
    "1.2.840.10008.1.2.4.202", "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.5"})
#: Segmentation Storage: its pixels are masks over other images, not an image to show; it
#: is listed under its study and shown as an overlay on the series it references.
SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
#: Media Storage Directory (a DICOMDIR): an index of other files, not an object to show.
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
_LONG_VRS = frozenset({b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"OD", b"OL", b"OV",
                       b"SV", b"UV", b"UC", b"UR"})
#: VRs with a 2-byte length in explicit VR (PS3.5 7.1.2).
_SHORT_VRS = frozenset({b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS",
                        b"LO", b"LT", b"PN", b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL",
                        b"US"})
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_ITEM_STOP = frozenset({_ITEM_END})
#: (FFFE,E0DD) with length 0, little endian: the end of encapsulated pixel data.
_ITEMS_END = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
#: First read; a longer header is read on in steps. Past the limit: the thorough reader.
_FIRST_READ = 8192
_MAX_HEADER = 4 << 20
_MAX_DEPTH = 16
_TEXT = frozenset({"UI", "CS", "DA", "TM", "AS"})
_STRINGS = frozenset({"LO", "SH", "PN"})
_NUMBERS = frozenset({"IS", "DS"})
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_TAG = struct.Struct("<HH")
_DEFER = object()


class _Unusual(Exception):
    """The file is not the ordinary kind read here: the thorough reader takes it."""


class QuickHeader:
    """The held values of one file, raw, and its full header on demand.

    ``get`` answers like ``Dataset.get`` for the held keywords (decoded from the bytes
    when that is exact: ASCII text, plain numbers), and asks the full header (read once,
    by pydicom, then kept) for everything else.
    """

    __slots__ = ("_full", "_raw", "path")

    def __init__(self, path: Path, raw: dict[int, bytes]) -> None:
        self.path = path
        self._raw = raw
        self._full: Dataset | None = None

    def get(self, keyword: str, default: Any = None) -> Any:
        held = HELD.get(keyword)
        if held is not None:
            raw = self._raw.get(held[0])
            if raw is None:
                return default
            value = _decode(raw, held[1])
            if value is not _DEFER:
                return default if value is None else value
        full = self.full()
        return default if full is None else full.get(keyword, default)

    def __contains__(self, keyword: str) -> bool:
        held = HELD.get(keyword)
        if held is not None:
            return held[0] in self._raw
        full = self.full()
        return full is not None and keyword in full

    def raw_text(self, tag: int) -> str:
        """A held element's value as the file writes it (ASCII, padding stripped; "" when
        absent): how :func:`viewer.imaging.volume_fill.shared_transform` compares slices."""
        if tag not in _VR_OF:
            raise KeyError(f"({tag >> 16:04X},{tag & 0xFFFF:04X}) is not a held element")
        return self._raw.get(tag, b"").decode("ascii", "replace").strip(" \0")

    def full(self) -> Dataset | None:
        """The whole header (no pixel data), read on first use; None when the file can no
        longer be read (moved or changed since the scan: the reason is logged)."""
        if self._full is None:
            from viewer.errors import FileProblemError
            from viewer.io.dicom import read_header

            try:
                self._full = read_header(self.path)
            except FileProblemError as exc:
                log.warning("header of %s cannot be read again: %s", self.path.name, exc.reason)
                return None
        return self._full


def _decode(raw: bytes, vr: str) -> Any:
    """The value of ``raw`` as pydicom would give it, or ``_DEFER`` to let pydicom say."""
    if vr == "US":
        if len(raw) == 2:
            return _U16.unpack(raw)[0]
        return _DEFER
    if vr == "SQ" or b"\x1b" in raw:  # a sequence; ISO 2022 escapes: pydicom decodes
        return _DEFER
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return _DEFER
    if vr in _STRINGS:
        if "\\" in text:
            return _DEFER
        return text.rstrip(" \x00")
    text = text.strip(" \x00")
    if not text:
        return "" if vr in _TEXT else None
    parts = [p.strip(" \x00") for p in text.split("\\")]
    if vr in _NUMBERS:
        try:
            numbers: list[Any] = [int(p) if vr == "IS" else float(p) for p in parts]
        except ValueError:
            return _DEFER
        if not all(math.isfinite(v) for v in numbers):
            return _DEFER
        return numbers[0] if len(numbers) == 1 else numbers
    return parts[0] if len(parts) == 1 else parts


class QuickFile:
    """What :func:`read_quick` found: the held values, the pixel data's place (for
    encapsulated data: where its items start, and the bytes from there to the end)."""

    __slots__ = ("encapsulated", "header", "pixel_keyword", "pixel_length", "pixel_offset",
                 "size", "transfer_syntax")

    def __init__(self, header: QuickHeader, transfer_syntax: str, pixel_keyword: str,
                 pixel_offset: int, pixel_length: int, size: int,
                 encapsulated: bool = False) -> None:
        self.encapsulated = encapsulated
        self.header = header
        self.transfer_syntax = transfer_syntax
        self.pixel_keyword = pixel_keyword
        self.pixel_offset = pixel_offset
        self.pixel_length = pixel_length
        self.size = size


class _Buffer:
    """The start of an open file, read further only as the walk needs it."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f = f
        self.size = size
        self.data: bytes = f.read(min(size, _FIRST_READ))

    def need(self, end: int) -> bytes:
        """The buffer, holding at least the first ``end`` bytes of the file."""
        if end > len(self.data):
            if end > self.size or end > _MAX_HEADER:
                raise _Unusual("past the end, or a very long header")
            more = max(end - len(self.data), len(self.data))
            self.data += self.f.read(more)
            if end > len(self.data):
                raise _Unusual("short read")
        return self.data


def read_quick(path: Path, f: BinaryIO, size: int) -> QuickFile | None:
    """The quick header of the open file ``f`` (``size`` bytes), or None when the file is
    not the ordinary kind this walk reads (then the thorough reader decides)."""
    try:
        return _walk(path, _Buffer(f, size))
    except (_Unusual, struct.error, OSError):
        return None


def _walk(path: Path, buf: _Buffer) -> QuickFile | None:
    data = buf.need(132)
    if data[128:132] != b"DICM":
        return None
    raw: dict[int, bytes] = {}
    pos, tag = _elements(buf, 132, raw, explicit=True, meta=True,  # the file meta group
                         stops=frozenset())
    syntax = _decode(raw.get(0x00020010, b""), "UI")
    if not isinstance(syntax, str) or (
            syntax not in (_IMPLICIT_LE, _EXPLICIT_LE) and syntax not in ENCAPSULATED):
        return None
    explicit = syntax != _IMPLICIT_LE
    pos, tag = _elements(buf, pos, raw, explicit=explicit, meta=False)
    if tag in _BAIL_TAGS or pos >= buf.size:
        return None  # enhanced multi-frame; or no pixel data (SR, plan, DICOMDIR...)
    return _at_pixels(path, buf, pos, tag, raw, explicit, str(syntax))


def _elements(buf: _Buffer, pos: int, raw: dict[int, bytes], *, explicit: bool,
              meta: bool, stops: frozenset[int] = _STOPS, depth: int = 0) -> tuple[int, int]:
    """Walk elements from ``pos``, keeping the held ones, up to the first element that
    ends the walk: past the file meta group (``meta``), a tag in ``stops`` (the pixel
    data, a bail-out tag; an item's end) or the end of the file. Returns its position and
    tag (-1 at the end of the file). The hot loop of a scan: kept flat."""
    data = buf.data
    size = buf.size
    held = _VR_OF
    long_vrs = _LONG_VRS
    short_vrs = _SHORT_VRS
    while pos < size:
        if pos + 12 > len(data):
            data = buf.need(min(pos + 12, size))
            if pos + 8 > len(data):
                raise _Unusual("an element cut short")
        group, elem = _TAG.unpack_from(data, pos)
        tag = group << 16 | elem
        if meta:
            if group != 0x0002:
                return pos, tag
        elif tag in stops:
            return pos, tag
        if explicit:
            vr = data[pos + 4:pos + 6]
            if vr in short_vrs:
                length = _U16.unpack_from(data, pos + 6)[0]
                start = pos + 8
            elif vr in long_vrs:
                length = _U32.unpack_from(data, pos + 8)[0]
                start = pos + 12
                if length == _UNDEFINED and vr == b"UN":
                    raise _Unusual("undefined-length UN: implicit VR inside")
            else:
                raise _Unusual("not a known VR")
        else:
            length = _U32.unpack_from(data, pos + 4)[0]
            start = pos + 8
        if length == _UNDEFINED:
            if tag in held:
                raw[tag] = b""  # a sequence is there: the full header gives its items
            pos = _skip_undefined(buf, start, explicit, depth + 1)
            data = buf.data
            continue
        pos = start + length
        if tag in held:
            if pos > len(data):
                data = buf.need(pos)
            raw[tag] = data[start:pos]
        elif pos > size:
            raise _Unusual("an element past the end of the file")
    return pos, -1


def _at_pixels(path: Path, buf: _Buffer, pos: int, tag: int, raw: dict[int, bytes],
               explicit: bool, syntax: str) -> QuickFile | None:
    data = buf.need(pos + 12)
    if explicit:
        if data[pos + 4:pos + 6] not in _LONG_VRS:
            return None
        offset, length = pos + 12, _U32.unpack_from(data, pos + 8)[0]
    else:
        offset, length = pos + 8, _U32.unpack_from(data, pos + 4)[0]
    encapsulated = syntax in ENCAPSULATED
    if encapsulated:
        # Its items run to the end of the file (what follows them is for the full header,
        # read when asked); the loader's decoders find each frame from ``offset``.
        if length != _UNDEFINED or tag != _PIXEL_DATA or offset + 8 > buf.size:
            return None
        # The file ends with the items' delimiter: not cut short, nothing after them (8
        # bytes read; anything else is for the thorough reader to name, as before).
        buf.f.seek(buf.size - 8)
        if buf.f.read(8) != _ITEMS_END:
            return None
        length = buf.size - offset
    elif length == _UNDEFINED or offset + length != buf.size:
        return None  # encapsulated, cut short, or elements after the pixels
    sop_class = _decode(raw.get(0x00080016, b""), "UI")
    if sop_class in (SEG_SOP_CLASS, DICOMDIR_SOP_CLASS) or not raw.get(0x00080018):
        return None
    keyword = ("PixelData" if tag == _PIXEL_DATA
               else "FloatPixelData" if tag == 0x7FE00008 else "DoubleFloatPixelData")
    return QuickFile(QuickHeader(path, raw), syntax, keyword, offset, length, buf.size,
                     encapsulated)


def _skip_undefined(buf: _Buffer, pos: int, explicit: bool, depth: int) -> int:
    """Past a sequence (or an undefined-length value) of items to its delimiter."""
    if depth > _MAX_DEPTH:
        raise _Unusual("sequences nested too deep: the thorough reader refuses them by name")
    while True:
        data = buf.need(pos + 8)
        tag = _U32.unpack_from(data, pos)[0]
        tag = (tag & 0xFFFF) << 16 | tag >> 16
        length = _U32.unpack_from(data, pos + 4)[0]
        pos += 8
        if tag == _SEQ_END:
            return pos
        if tag != _ITEM:
            raise _Unusual("not an item")
        if length != _UNDEFINED:
            pos += length
            continue
        # An item of undefined length: its elements, then the item delimiter.
        pos, tag = _elements(buf, pos, {}, explicit=explicit, meta=False, stops=_ITEM_STOP,
                             depth=depth)
        if tag != _ITEM_END:
            raise _Unusual("an item without its end")
        pos += 8
