"""A demo study that needs no patient data: a synthetic CT phantom plus pydicom's samples.

The phantom's generative story
------------------------------
An axial CT of a simplified trunk, head end first: instance 1 is the most superior slice
and Image Position (Patient) steps by ``-thickness`` along z (towards the feet). Image
Orientation is 1,0,0,0,1,0, so the screen's left is the patient's right (LPS).

In-plane sizes are fractions of the field of view (u runs -1 → +1 from the screen's left to
right, i.e. patient right → left; v from top to bottom, i.e. anterior → posterior), and
z positions are fractions ``t`` of the scanned length (0 = first slice, 1 = last), so the
phantom fills any matrix size and slice count. Nominal HU (see ``HU``):

* **air** -1000 outside the body;
* **body**: an ellipse centred at (0, 0.05), semi-axes 0.85 × 0.60; its outer 0.06 is a
  **fat** rim (-100 HU), the rest **soft tissue** (40 HU: muscle, mediastinum, bowel);
* **spine**, every slice: a vertebral body at (0, 0.38), radius 0.10, **cortical bone**
  (900 HU) round **cancellous bone** (250 HU, radius 0.075), and a cortical spinous
  process behind it (u ±0.03, v 0.48 → 0.58);
* **lungs**, t 0.02 → 0.50: two ellipses at (±0.42, 0), semi-axes up to 0.26 × 0.36,
  narrower at the apex and the base, -850 HU;
* **ribs**, t < 0.55: bone discs (900 HU, radius 0.03) on a ring inside the fat rim,
  8 mm thick every 25 mm along z, as ribs cross an axial slice;
* **liver**, t 0.50 → 0.95, in the patient's right upper abdomen (screen left): an
  ellipse at (-0.35, 0), semi-axes up to 0.36 × 0.36, 60 HU;
* **lesion**: a sphere inside the liver at (-0.40, 0), t 0.70, radius 0.08 of the half
  field of view in-plane and the same in mm along z, 10 HU (a cyst-like hypodensity).

Gaussian noise (σ = 8 HU, seeded) is added; values are stored as uint16 with 12 bits
(stored = HU + 1024, Rescale Intercept -1024, slope 1), the usual CT encoding.
:func:`phantom_regions` gives, for each structure, a rectangle on one slice that lies
wholly inside it, checked against the label map, so tests can measure a known HU.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    generate_uid,
)

from viewer.host.folders import user_cache_dir

log = logging.getLogger(__name__)

AIR, FAT, SOFT_TISSUE, LUNG, LIVER, LESION, CANCELLOUS, CORTICAL = range(8)
NAMES = ("air", "fat", "soft_tissue", "lung", "liver", "lesion", "cancellous", "cortical")
HU = np.array([-1000, -100, 40, -850, 60, 10, 250, 900], dtype=np.int16)
NOISE_HU = 8.0
RESCALE_INTERCEPT = -1024
BITS_STORED = 12

PATIENT_NAME = "Demo^Phantom"  # fictional
UNCOMPRESSED = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)
#: Bumped whenever the demo's content changes, so an old cached demo is rebuilt.
DEMO_VERSION = 1
DEMO_SAMPLES = (
    "CT_small.dcm",  # CT, little endian
    "MR_small.dcm",  # MR
    "693_J2KI.dcm",  # CT, JPEG 2000
    "examples_rgb_color.dcm",  # ultrasound, RGB
    "examples_palette.dcm",  # ultrasound, palette colour
    "examples_ybr_color.dcm",  # ultrasound cine, 30 frames, JPEG YBR
    "SC_rgb_rle_2frame.dcm",  # secondary capture, RLE RGB, 2 frames
)
_MARKER = ".lightbox-demo.json"


# --- the phantom's geometry -----------------------------------------------------------


def _axis(size: int) -> np.ndarray:
    """Normalised coordinate (-1 → 1) of each pixel centre."""
    return ((np.arange(size, dtype=np.float32) + 0.5) / size) * 2 - 1


def _paint_ellipse(
    labels: np.ndarray, axis: np.ndarray, cu: float, cv: float, au: float, av: float, label: int
) -> None:
    """Set ``label`` inside an ellipse, touching only its bounding box."""
    if au <= 0 or av <= 0:
        return
    cols = np.nonzero(np.abs(axis - cu) <= au)[0]
    rows = np.nonzero(np.abs(axis - cv) <= av)[0]
    if cols.size == 0 or rows.size == 0:
        return
    c0, c1, r0, r1 = cols[0], cols[-1] + 1, rows[0], rows[-1] + 1
    du = ((axis[c0:c1] - cu) / au) ** 2
    dv = ((axis[r0:r1] - cv) / av) ** 2
    inside = dv[:, None] + du[None, :] <= 1
    labels[r0:r1, c0:c1][inside] = label


def _static_labels(size: int) -> np.ndarray:
    """What every slice shares: air, the body with its fat rim, the spine."""
    axis = _axis(size)
    labels = np.full((size, size), AIR, dtype=np.uint8)
    _paint_ellipse(labels, axis, 0, 0.05, 0.85, 0.60, FAT)
    _paint_ellipse(labels, axis, 0, 0.05, 0.79, 0.54, SOFT_TISSUE)
    _paint_ellipse(labels, axis, 0, 0.38, 0.10, 0.10, CORTICAL)
    _paint_ellipse(labels, axis, 0, 0.38, 0.075, 0.075, CANCELLOUS)
    cols = np.abs(axis) <= 0.03
    rows = (axis >= 0.48) & (axis <= 0.58)
    labels[np.ix_(rows, cols)] = CORTICAL
    return labels


@dataclass(frozen=True)
class _Layout:
    slices: int
    size: int
    spacing: tuple[float, float]
    thickness: float

    def t(self, index: int) -> float:
        return index / max(self.slices - 1, 1)

    @property
    def length_mm(self) -> float:
        return max(self.slices - 1, 1) * self.thickness

    @property
    def half_fov_mm(self) -> float:
        return self.size * self.spacing[1] / 2


_LESION = (-0.40, 0.0, 0.70, 0.08)  # u, v, t, radius (fraction of the half field of view)
_RIB_ANGLES = np.radians([-150, -120, -60, -30, 0, 30, 60, 120, 150, 180])


def phantom_labels(index: int, layout: _Layout, static: np.ndarray | None = None) -> np.ndarray:
    """The structure label (AIR, FAT, ...) of every pixel of slice ``index``."""
    labels = (static if static is not None else _static_labels(layout.size)).copy()
    axis = _axis(layout.size)
    t = layout.t(index)
    if 0.02 <= t <= 0.50:  # lungs: widest mid-chest, tapering to apex and base
        scale = 0.35 + 0.65 * math.sin(math.pi * (t - 0.02) / 0.48) ** 0.5
        for side in (-1, 1):
            _paint_ellipse(labels, axis, side * 0.42, 0.0, 0.26 * scale, 0.36 * scale, LUNG)
    if 0.50 < t <= 0.95:  # liver: a dome at the top, thinning at its tip
        scale = min(1.0, (t - 0.50) / 0.08) ** 0.5 * min(1.0, (0.95 - t) / 0.15) ** 0.5
        _paint_ellipse(labels, axis, -0.35, 0.0, 0.36 * scale, 0.36 * scale, LIVER)
        lu, lv, lt, radius = _LESION
        dz = (t - lt) * layout.length_mm / layout.half_fov_mm  # in half-FOV units, like u, v
        if abs(dz) < radius:
            r = math.sqrt(radius**2 - dz**2)
            _paint_ellipse(labels, axis, lu, lv, r, r, LESION)
    z_mm = t * layout.length_mm
    if t < 0.55 and z_mm % 25.0 < 8.0:
        for angle in _RIB_ANGLES:
            cu, cv = 0.76 * math.cos(angle), 0.05 + 0.51 * math.sin(angle)
            _paint_ellipse(labels, axis, cu, cv, 0.03, 0.03, CORTICAL)
    return labels


@dataclass(frozen=True)
class Region:
    """A rectangle of slice ``slice_index`` wholly inside one structure of nominal ``hu``."""

    name: str
    hu: int
    slice_index: int
    rows: slice
    cols: slice


#: name → (t, u, v, half-size u, half-size v) of each region's rectangle.
_REGIONS = {
    "air": (0.30, -0.93, -0.90, 0.04, 0.04),
    "fat": (0.30, 0.0, -0.52, 0.10, 0.01),
    "soft_tissue": (0.30, 0.0, -0.15, 0.05, 0.08),
    "lung": (0.30, 0.42, 0.0, 0.10, 0.15),
    "liver": (0.70, -0.35, -0.20, 0.10, 0.06),
    "lesion": (0.70, -0.40, 0.0, 0.04, 0.04),
    "cancellous": (0.30, 0.0, 0.38, 0.04, 0.04),
    "cortical": (0.30, 0.0, 0.53, 0.015, 0.04),
}


def phantom_regions(slices: int = 64, size: int = 256, thickness: float = 2.5) -> dict[str, Region]:
    """Per structure, a rectangle inside it (for tests to measure a known HU)."""
    layout = _Layout(slices, size, (0.8, 0.8), thickness)
    axis = _axis(size)
    static = _static_labels(size)
    regions = {}
    for name, (t, u, v, hu_, hv) in _REGIONS.items():
        index = round(t * max(slices - 1, 1))
        cols = np.nonzero(np.abs(axis - u) <= hu_)[0]
        rows = np.nonzero(np.abs(axis - v) <= hv)[0]
        if cols.size == 0 or rows.size == 0:
            raise ValueError(f"a {size}-pixel phantom is too small for the {name} region")
        region = Region(
            name,
            int(HU[NAMES.index(name)]),
            index,
            slice(int(rows[0]), int(rows[-1]) + 1),
            slice(int(cols[0]), int(cols[-1]) + 1),
        )
        labels = phantom_labels(index, layout, static)[region.rows, region.cols]
        if not np.all(labels == NAMES.index(name)):
            raise ValueError(
                f"the {name} region leaves its structure at {size} px, {slices} slices"
            )
        regions[name] = region
    return regions


# --- writing the series ---------------------------------------------------------------


def write_phantom_series(
    dest: Path,
    slices: int = 64,
    size: int = 256,
    *,
    transfer_syntax: str = ExplicitVRLittleEndian,
    spacing: tuple[float, float] = (0.8, 0.8),
    thickness: float = 2.5,
    seed: int = 0,
) -> list[Path]:
    """Write the phantom as one CT Image Storage file per slice into ``dest``.

    ``transfer_syntax``: an uncompressed one, or any pydicom can encode with the installed
    plugins (JPEG 2000 Lossless, RLE Lossless). Same seed, same pixels, same UIDs.
    """
    if slices < 1 or size < 16:
        raise ValueError("the phantom needs at least 1 slice of at least 16 × 16 pixels")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    layout = _Layout(slices, size, (float(spacing[0]), float(spacing[1])), float(thickness))
    uids = _Uids(seed, slices, size, str(transfer_syntax))
    static = _static_labels(size)
    paths = []
    for index in range(slices):
        labels = phantom_labels(index, layout, static)
        noise = _gaussian_noise(seed, index, (size, size)) * np.float32(NOISE_HU)
        hu = HU[labels] + np.rint(noise).astype(np.int16)
        stored = np.clip(hu - RESCALE_INTERCEPT, 0, 2**BITS_STORED - 1).astype(np.uint16)
        ds = _slice_header(index, layout, uids, str(transfer_syntax))
        if str(transfer_syntax) in UNCOMPRESSED:
            ds.PixelData = stored.tobytes()
        else:
            ds.compress(transfer_syntax, stored, generate_instance_uid=False)
        path = dest / f"CT{index + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _gaussian_noise(seed: int, index: int, shape: tuple[int, int]) -> np.ndarray:
    """Standard normal noise, the same for the same (seed, slice, shape) on every machine.

    Counter-based (SplitMix64 of each pixel's number, then Box-Muller) rather than
    ``numpy.random``: the frozen app leaves numpy.random out (2.5 MB), and this is all the
    demo study needs from it.
    """
    count = shape[0] * shape[1]
    start = np.uint64((((seed & 0xFFFFFFFF) << 32 | (index & 0xFFFFFFFF)) * 2 * count) % 2**64)
    with np.errstate(over="ignore"):
        z = np.arange(2 * count, dtype=np.uint64) + start
        z = z * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    # 53 high bits → uniform in (0, 1]; two uniforms give one normal (Box-Muller).
    uniform = ((z >> np.uint64(11)).astype(np.float64) + 1.0) / float(1 << 53)
    u1, u2 = uniform[:count], uniform[count:]
    normal = np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)
    return normal.astype(np.float32).reshape(shape)


@dataclass(frozen=True)
class _Uids:
    seed: int
    slices: int
    size: int
    transfer_syntax: str

    def _uid(self, *parts: object) -> str:
        sources = ["lightbox-demo-phantom", str(self.seed), *map(str, parts)]
        return str(generate_uid(entropy_srcs=sources))

    @property
    def study(self) -> str:
        return self._uid("study")

    @property
    def frame_of_reference(self) -> str:
        return self._uid("frame-of-reference", self.slices, self.size)

    @property
    def series(self) -> str:
        # Each encoding is its own series, so two variants can be opened side by side.
        return self._uid("series", self.slices, self.size, self.transfer_syntax)

    def sop(self, index: int) -> str:
        return self._uid("sop", self.slices, self.size, self.transfer_syntax, index)


def _slice_header(index: int, layout: _Layout, uids: _Uids, transfer_syntax: str) -> Dataset:
    sop_uid = uids.sop(index)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    # A compressed file starts native; Dataset.compress() then sets its transfer syntax.
    meta.TransferSyntaxUID = UID(
        transfer_syntax if transfer_syntax in UNCOMPRESSED else ExplicitVRLittleEndian
    )
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "LIGHTBOX_DEMO"

    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    ds.AccessionNumber = ""
    ds.Modality = "CT"
    ds.Manufacturer = "Lightbox demo phantom"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "Lightbox demo phantom"
    encoding = "" if transfer_syntax in UNCOMPRESSED else " (compressed)"
    ds.SeriesDescription = f"Phantom CT {layout.thickness:g} mm{encoding}"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = f"PHANTOM-{uids.seed}"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "CHEST"
    ds.SliceThickness = f"{layout.thickness:g}"
    ds.SpacingBetweenSlices = f"{layout.thickness:g}"
    ds.KVP = "120"
    ds.StudyInstanceUID = uids.study
    ds.SeriesInstanceUID = uids.series
    ds.StudyID = "1"
    ds.SeriesNumber = 1 if transfer_syntax in UNCOMPRESSED else 2
    ds.InstanceNumber = index + 1
    row_spacing, col_spacing = layout.spacing
    z = -index * layout.thickness
    ds.ImagePositionPatient = [
        f"{-(layout.size - 1) / 2 * col_spacing:.4f}",
        f"{-(layout.size - 1) / 2 * row_spacing:.4f}",
        f"{z:.4f}",
    ]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.FrameOfReferenceUID = uids.frame_of_reference
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = f"{z:.4f}"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = ds.Columns = layout.size
    ds.PixelSpacing = [f"{row_spacing:g}", f"{col_spacing:g}"]
    ds.BitsAllocated = 16
    ds.BitsStored = BITS_STORED
    ds.HighBit = BITS_STORED - 1
    ds.PixelRepresentation = 0
    ds.WindowCenter = "40"
    ds.WindowWidth = "400"
    ds.WindowCenterWidthExplanation = "SOFT TISSUE"
    ds.RescaleIntercept = str(RESCALE_INTERCEPT)
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    return ds


# --- the demo folder -------------------------------------------------------------------


def is_complete(folder: Path) -> bool:
    """Whether ``folder`` holds a finished demo of the current version."""
    try:
        marker = json.loads((folder / _MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(marker, dict) and marker.get("version") == DEMO_VERSION


def build_demo(dest: Path | None = None) -> Path:
    """The demo folder (``phantom/`` and ``samples/``), built on first use.

    Built in a temporary folder beside ``dest`` and renamed into place, so a killed run
    never leaves a half demo behind; a finished one is reused as it is.
    """
    dest = Path(dest) if dest is not None else user_cache_dir() / "demo"
    if is_complete(dest):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-building-", dir=dest.parent))
    try:
        write_phantom_series(staging / "phantom")
        samples = _copy_samples(staging / "samples")
        marker = {"version": DEMO_VERSION, "samples": samples}
        (staging / _MARKER).write_text(json.dumps(marker, indent=1), encoding="utf-8")
        if dest.exists():  # an old version or a foreign leftover: replaced as a whole
            shutil.rmtree(dest)
        try:
            staging.rename(dest)
        except OSError:
            if not is_complete(dest):  # not a concurrent build that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("demo study ready in %s", dest)
    return dest


def _copy_samples(folder: Path) -> list[str]:
    """Copy the pydicom sample files that are installed (never downloads)."""
    from pydicom.data import get_testdata_file

    folder.mkdir(parents=True)
    copied = []
    for name in DEMO_SAMPLES:
        try:
            source = get_testdata_file(name, download=False)
        except Exception:  # noqa: BLE001 - a missing sample only makes the demo smaller
            source = None
        if source:
            shutil.copyfile(source, folder / name)
            copied.append(name)
        else:
            log.warning("pydicom sample %s is not installed; the demo goes without it", name)
    return copied
