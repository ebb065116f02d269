"""Stored values → modality values → display grey levels (PS3.3 C.11.1 and C.11.2).

Two stages, as the standard describes them:

* the **modality** transform turns stored values into meaningful units (HU for CT):
  Rescale Slope/Intercept (per frame for enhanced objects, from the Pixel Value
  Transformation functional group) or a Modality LUT Sequence;
* the **VOI** transform picks which of those values reach the screen: a window
  (Window Center/Width with the VOI LUT Function LINEAR, LINEAR_EXACT or SIGMOID) or a
  VOI LUT Sequence.

The parameters of both are read once per (instance, frame) into a hashable
:class:`PixelTransform`, so :mod:`viewer.imaging.render` can cache one folded lookup table
per transform and window.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.imaging.window import MIN_WIDTH, Window
from viewer.io.lut_data import is_little_endian, lut_entries

if TYPE_CHECKING:
    from pydicom import Dataset

    from viewer.io.model import Instance

#: The identity window for 8-bit colour: the linear formula maps 0..255 onto itself.
COLOUR_IDENTITY = Window(128.0, 256.0)

VOI_FUNCTIONS = ("LINEAR", "LINEAR_EXACT", "SIGMOID")


@dataclass(frozen=True, eq=False)
class Lut:
    """A DICOM lookup table: input ``first`` maps to ``data[0]``; inputs are clamped."""

    first: int
    data: np.ndarray  # the entries as the file gives them
    bits: int  # bits per entry from the LUT Descriptor: entries run 0 .. 2**bits - 1
    digest: bytes  # lets a Lut be a cheap cache key without hashing its entries each time

    @classmethod
    def of(cls, first: int, data: Iterable[int] | np.ndarray, bits: int) -> Lut:
        array = np.asarray(data)
        if array.ndim != 1 or array.size == 0:
            raise ValueError("a lookup table needs at least one entry")
        array = array.astype(np.float32)
        array.setflags(write=False)
        digest = hashlib.blake2b(array.tobytes(), digest_size=16).digest()
        return cls(int(first), array, int(bits), digest)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lut):
            return NotImplemented
        return (self.first, self.bits, self.digest) == (other.first, other.bits, other.digest)

    def __hash__(self) -> int:
        return hash((self.first, self.bits, self.digest))

    @property
    def last(self) -> int:
        """The last input value with its own entry."""
        return self.first + self.data.size - 1

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """Entries for ``values`` (float32); values outside the table take the end entries."""
        index = np.rint(values) - self.first
        np.clip(index, 0, self.data.size - 1, out=index)
        entries: np.ndarray = self.data[index.astype(np.intp)]
        return entries


@dataclass(frozen=True)
class PixelTransform:
    """Everything needed to turn one frame's stored values into grey levels."""

    slope: float = 1.0
    intercept: float = 0.0
    modality_lut: Lut | None = None
    windows: tuple[Window, ...] = ()
    voi_luts: tuple[Lut, ...] = ()
    voi_function: str = "LINEAR"
    monochrome1: bool = False

    def modality(self, stored: np.ndarray) -> np.ndarray:
        """Stored values → modality values, as float32."""
        values = stored.astype(np.float32, copy=False)
        if self.modality_lut is not None:
            return self.modality_lut.lookup(values)
        if self.slope != 1.0:
            values = values * np.float32(self.slope)
        if self.intercept != 0.0:
            if values is stored:
                values = values + np.float32(self.intercept)
            else:  # our own copy: in place, the same sums without another frame-sized array
                values += np.float32(self.intercept)
        if values is stored:
            # float32 input and an identity rescale: never hand back the caller's array
            values = values.copy()
        return values


# --- reading the header ---------------------------------------------------------------

_cache_lock = threading.Lock()
_transforms: weakref.WeakKeyDictionary[Instance, dict[int, PixelTransform]] = (
    weakref.WeakKeyDictionary()
)


def pixel_transform(instance: Instance, frame: int = 0) -> PixelTransform:
    """The modality and VOI parameters of one frame (read once, then cached)."""
    with _cache_lock:
        per_frame = _transforms.setdefault(instance, {})
        found = per_frame.get(frame)
    if found is None:
        found = _read_transform(instance, frame)
        with _cache_lock:
            per_frame[frame] = found
    return found


def _read_transform(instance: Instance, frame: int) -> PixelTransform:
    photometric = instance.pixel.photometric if instance.pixel else "MONOCHROME2"
    # The quick scan's values when it kept them (rescale, window; sequences send it to the
    # whole header): the first image does not wait for a second read of its header.
    header = instance.tags
    if header is None:
        return PixelTransform(monochrome1=photometric == "MONOCHROME1")
    signed = bool(instance.pixel.pixel_representation) if instance.pixel else False
    order = is_little_endian(header)

    rescale = _functional_group(header, frame, "PixelValueTransformationSequence") or header
    slope = _float(_get(rescale, "RescaleSlope"), 1.0) or 1.0  # a zero slope is a broken file
    intercept = _float(_get(rescale, "RescaleIntercept"), 0.0)
    modality_lut = None
    if "RescaleSlope" not in rescale and "RescaleIntercept" not in rescale:
        modality_lut = _first_lut(_get(header, "ModalityLUTSequence"), signed, order)

    voi = _functional_group(header, frame, "FrameVOILUTSequence") or header
    function = str(_get(voi, "VOILUTFunction") or "LINEAR").strip().upper()
    if function not in VOI_FUNCTIONS:
        function = "LINEAR"
    voi_luts = _all_luts(_get(voi, "VOILUTSequence") or _get(header, "VOILUTSequence"), signed,
                         order)
    return PixelTransform(
        slope=slope,
        intercept=intercept,
        modality_lut=modality_lut,
        windows=tuple(_windows(voi)),
        voi_luts=tuple(voi_luts),
        voi_function=function,
        monochrome1=photometric == "MONOCHROME1",
    )


def _functional_group(header: Dataset, frame: int, name: str) -> Dataset | None:
    """The item of functional group ``name`` for ``frame`` (per-frame first, then shared)."""
    for sequence_name, index in (
        ("PerFrameFunctionalGroupsSequence", frame),
        ("SharedFunctionalGroupsSequence", 0),
    ):
        groups = _get(header, sequence_name)
        if groups and index < len(groups):
            group = _get(groups[index], name)
            if group:
                item: Dataset = group[0]
                return item
    return None


def _get(ds: Dataset, keyword: str) -> Any:
    """An element's value, or None when absent or unreadable (a malformed value in the file
    raises only when pydicom converts it, which must not crash the display)."""
    try:
        return ds.get(keyword)
    except Exception:  # noqa: BLE001 - any conversion failure means "not usable"
        return None


def _float(value: Any, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        result = float(value[0] if _is_multi(value) else value)
    except (TypeError, ValueError, IndexError):
        return default
    return result if np.isfinite(result) else default


def _is_multi(value: Any) -> bool:
    return not isinstance(value, (str, bytes)) and hasattr(value, "__len__")


def _windows(item: Dataset) -> list[Window]:
    centers, widths = _get(item, "WindowCenter"), _get(item, "WindowWidth")
    if centers is None or widths is None or centers == "" or widths == "":
        return []
    centers = list(centers) if _is_multi(centers) else [centers]
    widths = list(widths) if _is_multi(widths) else [widths]
    found = []
    for center, width in zip(centers, widths, strict=False):
        c, w = _float(center, float("nan")), _float(width, float("nan"))
        if np.isfinite(c) and w >= MIN_WIDTH:  # a zero or missing width is unusable
            found.append(Window(c, w))
    return found


def _all_luts(sequence: Any, signed: bool, little_endian: bool) -> list[Lut]:
    luts = []
    for item in sequence or ():
        lut = _parse_lut(item, signed, little_endian)
        if lut is not None:
            luts.append(lut)
    return luts


def _first_lut(sequence: Any, signed: bool, little_endian: bool) -> Lut | None:
    luts = _all_luts(sequence, signed, little_endian)
    return luts[0] if luts else None


def _parse_lut(item: Dataset, signed: bool, little_endian: bool = True) -> Lut | None:
    """One LUT item (LUT Descriptor + LUT Data), or None when it is unusable."""
    descriptor, raw = _get(item, "LUTDescriptor"), _get(item, "LUTData")
    if descriptor is None or raw is None or not _is_multi(descriptor) or len(descriptor) != 3:
        return None
    entries, first, bits = (int(v) for v in descriptor)
    if entries < 0 or not 0 < bits <= 16:
        return None
    entries = entries or 65536  # PS3.3 C.11.1.1: 0 means 2**16 entries
    if signed and first >= 32768:  # the descriptor's VR is ambiguous (US or SS)
        first -= 65536
    data = lut_entries(raw, entries, bits, little_endian)
    return None if data is None else Lut.of(first, data, bits)


# --- the public helpers -----------------------------------------------------------------


def modality_values(stored: np.ndarray, instance: Instance, frame: int = 0) -> np.ndarray:
    """Stored values → modality units (HU for CT) as float32, for grey images."""
    return pixel_transform(instance, frame).modality(stored)


def file_windows(instance: Instance, frame: int = 0) -> list[Window]:
    """The windows the file itself suggests (several when Window Center is multi-valued)."""
    return list(pixel_transform(instance, frame).windows)


def voi_lut_sequence(instance: Instance, frame: int = 0) -> list[Lut]:
    """The file's VOI LUTs (VOI LUT Sequence items), in file order."""
    return list(pixel_transform(instance, frame).voi_luts)


def voi_lut_window(lut: Lut) -> Window:
    """The linear window whose ramp spans exactly the LUT's input range."""
    entries = lut.data.size
    return Window(lut.first + entries / 2, max(float(entries), MIN_WIDTH))


def display_voi_lut(instance: Instance, frame: int, window: Window | None) -> Lut | None:
    """The VOI LUT to display through, when the file has no window and the caller asks
    for the file's own display: ``window`` is None or still the window derived from the LUT
    (what :func:`default_window` gave). Any other window means the user chose one."""
    transform = pixel_transform(instance, frame)
    if transform.windows or not transform.voi_luts:
        return None
    lut = transform.voi_luts[0]
    return lut if window is None or window == voi_lut_window(lut) else None


def default_window(instance: Instance, frame: int = 0, stored: np.ndarray | None = None) -> Window:
    """The window to open an image with: the file's first window; else one spanning its
    VOI LUT's input range; else the image's own range in modality units."""
    if stored is not None and stored.ndim == 3:
        return COLOUR_IDENTITY
    transform = pixel_transform(instance, frame)
    if transform.windows:
        return transform.windows[0]
    if transform.voi_luts:
        return voi_lut_window(transform.voi_luts[0])
    if stored is None or stored.size == 0:
        return COLOUR_IDENTITY if instance.pixel and instance.pixel.is_colour else Window(128, 256)
    lo, hi = float(stored.min()), float(stored.max())
    ends = transform.modality(np.array([lo, hi], dtype=np.float64))
    if transform.modality_lut is not None:  # a LUT need not be monotonic
        values = transform.modality(stored)
        ends = np.array([values.min(), values.max()])
    lo, hi = float(ends.min()), float(ends.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return Window(128, 256)
    # Integer-valued data: the linear formula's edges land exactly on the min and the max.
    return Window((lo + hi + 1) / 2, max(hi - lo + 1, MIN_WIDTH))


# --- the VOI functions (PS3.3 C.11.2.1.2), output 0..255 as uint8 ------------------------


def apply_window(values: np.ndarray, window: Window, function: str = "LINEAR") -> np.ndarray:
    """Modality values (float32) → grey levels 0..255 (uint8) through ``window``."""
    c, w = np.float32(window.center), np.float32(window.width)
    values = values.astype(np.float32, copy=False)
    if function == "SIGMOID":
        y = np.float32(255) / (np.float32(1) + np.exp(np.float32(-4) * (values - c) / w))
    elif function == "LINEAR_EXACT":
        y = ((values - c) / w + np.float32(0.5)) * np.float32(255)
    elif w <= 1:  # the linear formula divides by w - 1: a width of 1 is a threshold
        y = np.where(values > c - np.float32(0.5), np.float32(255), np.float32(0))
    else:
        # y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, clamped at the ends (C.11.2.1.2.1)
        half = np.float32(0.5)
        y = ((values - (c - half)) / (w - np.float32(1)) + half) * np.float32(255)
    return _to_uint8(y)


def apply_voi_lut(values: np.ndarray, lut: Lut) -> np.ndarray:
    """Modality values → grey levels 0..255 through a VOI LUT (entries scaled to 8 bits)."""
    top = np.float32(2**lut.bits - 1)
    return _to_uint8(lut.lookup(values.astype(np.float32, copy=False)) * (np.float32(255) / top))


def _to_uint8(y: np.ndarray) -> np.ndarray:
    y = np.clip(y, 0, 255)
    y += np.float32(0.5)  # round half up; y is never negative here
    return y.astype(np.uint8)
