"""What a scan finds: studies, series, instances and the frames to display.

Headers only: building these objects never decodes pixel data. Pixels are read later,
frame by frame, through :mod:`viewer.io.pixels` and cached by :mod:`viewer.io.cache`.
Nothing here knows about Qt or display (window, zoom): that is display state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydicom import Dataset

    from viewer.io.quick_header import QuickHeader

Vec3 = tuple[float, float, float]
#: Row direction cosines followed by column direction cosines (DICOM ImageOrientationPatient).
Orientation = tuple[float, float, float, float, float, float]


@dataclass(frozen=True, slots=True)
class PixelInfo:
    """How the stored pixels are laid out (from the header, before any decoding)."""

    rows: int
    columns: int
    samples_per_pixel: int = 1
    photometric: str = "MONOCHROME2"
    bits_allocated: int = 16
    bits_stored: int = 16
    pixel_representation: int = 0  # 0 unsigned, 1 signed
    transfer_syntax: str = ""  # UID; "" for plain images
    number_of_frames: int = 1
    planar_configuration: int = 0  # colour only: 0 = RGBRGB..., 1 = RRR...GGG...BBB...
    #: Which element holds the pixels: "PixelData", "FloatPixelData", "DoubleFloatPixelData".
    pixel_keyword: str = "PixelData"

    @property
    def is_float(self) -> bool:
        return self.pixel_keyword != "PixelData"

    @property
    def is_colour(self) -> bool:
        return self.samples_per_pixel == 3 or self.photometric == "PALETTE COLOR"


@dataclass(frozen=True, slots=True)
class FrameGeometry:
    """Where one frame lies in the patient. Any part may be unknown (None)."""

    position: Vec3 | None = None  # ImagePositionPatient: centre of the top-left pixel, mm
    orientation: Orientation | None = None
    spacing: tuple[float, float] | None = None  # (row spacing, column spacing) in mm
    spacing_source: str = ""  # "PixelSpacing", "ImagerPixelSpacing", ... ("" = none)


class _Header:
    """``Instance.header``: the data set given, or the quick header's full one, read by
    pydicom on first use (a scan keeps only the values it needs, see
    :mod:`viewer.io.quick_header`; the tag browser, corner text and exports ask here)."""

    def __get__(self, obj: Instance | None, objtype: type | None = None) -> Dataset | None:
        if obj is None:
            return None  # the dataclass default
        header: Dataset | None = obj.__dict__.get("_header")
        if header is None and obj.quick is not None:
            header = obj.quick.full()
        return header

    def __set__(self, obj: Instance, value: Dataset | _Header | None) -> None:
        # The dataclass passes this descriptor itself as the default: no header given.
        obj.__dict__["_header"] = None if isinstance(value, _Header) else value


@dataclass(eq=False)
class Instance:
    """One file: a DICOM object or a plain image. Compared by identity."""

    path: Path
    kind: Literal["dicom", "image"]
    sop_instance_uid: str
    sop_class_uid: str = ""
    study_uid: str = ""
    series_uid: str = ""
    modality: str = "OT"
    instance_number: int | None = None
    pixel: PixelInfo | None = None  # None: no image to display (SR, RT plan, waveform...)
    geometry: list[FrameGeometry] = field(default_factory=list)  # one per frame, or one shared
    #: The DICOM header without pixel data (tag browser, corner text, exports): given, or
    #: read on first use when the scan kept only ``quick``.
    header: _Header = field(default=_Header(), repr=False)
    #: Byte offset and length of native (uncompressed) pixel data in the file, when it can be
    #: read straight from disk; None when it must go through a decoder.
    pixel_offset: int | None = None
    pixel_length: int | None = None
    #: Compressed pixel data of one frame: where its items (offset table, fragments) start,
    #: so a decoder process reads the frame's bytes with one seek instead of parsing the
    #: header again; None when unknown (pydicom then finds the frame).
    items_offset: int | None = None
    warnings: list[str] = field(default_factory=list)
    #: The values a quick scan kept (see :mod:`viewer.io.quick_header`); None when the
    #: header was read whole.
    quick: QuickHeader | None = field(default=None, repr=False)

    @property
    def tags(self) -> Any:
        """Something with ``get(keyword, default)``: the quick values when the scan kept
        them (no file read for the values held), else the header; None for plain images.
        For code that looks at a few values of every instance (grouping, lossy marks)."""
        return self.quick if self.quick is not None else self.header

    @property
    def has_pixels(self) -> bool:
        return self.pixel is not None

    @property
    def number_of_frames(self) -> int:
        return self.pixel.number_of_frames if self.pixel else 0

    def frame_geometry(self, frame: int) -> FrameGeometry:
        if not self.geometry:
            return FrameGeometry()
        return self.geometry[frame] if frame < len(self.geometry) else self.geometry[0]


@dataclass(frozen=True, slots=True, eq=False)
class FrameRef:
    """One displayable 2-D image: a frame of an instance."""

    instance: Instance
    frame: int = 0

    @property
    def geometry(self) -> FrameGeometry:
        return self.instance.frame_geometry(self.frame)

    @property
    def key(self) -> tuple[str, int]:
        """Cache key: unique per file and frame."""
        return (str(self.instance.path), self.frame)


@dataclass(eq=False)
class Series:
    uid: str
    study_uid: str
    modality: str = "OT"
    number: int | None = None
    description: str = ""
    instances: list[Instance] = field(default_factory=list)
    #: Displayable frames in reading order (sorted along the slice normal when possible).
    frames: list[FrameRef] = field(default_factory=list)
    #: How ``frames`` were ordered: "position", "instance number", "file order".
    sorted_by: str = "file order"
    #: Problems a reader should know before trusting the stack (gaps, uneven spacing, tilt...).
    warnings: list[str] = field(default_factory=list)

    @property
    def has_images(self) -> bool:
        return bool(self.frames)

    @property
    def first(self) -> Instance | None:
        return self.instances[0] if self.instances else None


@dataclass(eq=False)
class Study:
    uid: str
    patient_name: str = ""
    patient_id: str = ""
    date: str = ""  # DICOM DA, YYYYMMDD, or ""
    description: str = ""
    series: list[Series] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file that could not be used, and why (user-facing)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


@dataclass
class ScanResult:
    studies: list[Study] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    def all_series(self) -> list[Series]:
        return [s for st in self.studies for s in st.series]
