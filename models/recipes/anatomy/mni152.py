"""Real anatomy for the 3-D demonstration models: nilearn's MNI152 brain as an MR series.

    python models/recipes/anatomy/mni152.py OUT_DIR [--orientation axial|sagittal]
                                                    [--resolution 2]

Build-time and test-time only (nilearn is never imported by the viewer). nilearn ships,
offline, the ICBM 2009a symmetric MNI152 T1 template and its grey- and white-matter
probability maps and brain mask, at 1 and 2 mm (``load_mni152_template`` and friends).
The template is skull-stripped (nothing outside the brain mask), its T1 signal 0 → 1.

Tissue labels (:data:`TISSUES`): background outside the brain mask (< 0.5), inside it the
largest of CSF, GM and WM probability, with CSF = 1 − GM − WM (nilearn ships no CSF map
of its own; what is neither grey nor white matter inside the brain mask is the fluid of
the ventricles and the sulci).

Orientation. The NIfTI affine maps voxel indices to RAS+ millimetres (x increasing toward the
patient's Right, y toward Anterior, z toward Superior).
DICOM's patient coordinates are LPS+: (x, y, z)_LPS = (−x, −y, z)_RAS. Every array this
module returns is in the *model axes* "SPL": axis 0 (depth) increases toward Superior,
axis 1 (rows) toward Posterior, axis 2 (columns) toward the patient's Left, which is how
an axial series (Image Orientation 1\\0\\0\\0\\1\\0, slices stacked foot to head) is laid out.

The series written: one MR Image Storage file per slice, stored = round(1000 × T1) as
uint16 (no rescale), window 500/1000, BodyPartExamined BRAIN, a fictional demo patient.
``axial``: 1\\0\\0\\0\\1\\0, instance 1 the most inferior slice. ``sagittal``: the same anatomy
acquired in another plane, 0\\1\\0\\0\\0\\−1 (columns toward posterior, rows toward the feet),
instance 1 the patient's rightmost slice; both share one Frame of Reference, so a
voxel's LPS position is the same in both.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TISSUES = ("background", "csf", "grey_matter", "white_matter")
PATIENT_NAME = "Demo^MNI152"  # fictional: a population-average template, not a person
STORED_SCALE = 1000.0
#: (column direction, row direction, slice direction) in LPS, per written orientation.
ORIENTATIONS = {
    "axial": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "sagittal": ((0, 1, 0), (0, 0, -1), (1, 0, 0)),
}
_RAS_TO_LPS = np.diag([-1.0, -1.0, 1.0, 1.0])
# The model axes "SPL" as LPS unit vectors of (depth, rows, columns).
MODEL_AXES = "SPL"
_SPL = ((0, 0, 1), (0, 1, 0), (1, 0, 0))


@dataclass(frozen=True)
class Brain:
    """The template in model axes "SPL" and its geometry."""

    t1: np.ndarray  # float32 (depth, rows, columns), 0 → 1
    labels: np.ndarray  # uint8, TISSUES
    spacing_mm: float
    affine_lps: np.ndarray  # 4 × 4: (depth, row, column, 1) index → LPS mm


def _images(resolution: int):
    from nilearn import datasets

    return (
        datasets.load_mni152_template(resolution=resolution),
        datasets.load_mni152_gm_template(resolution=resolution),
        datasets.load_mni152_wm_template(resolution=resolution),
        datasets.load_mni152_brain_mask(resolution=resolution),
    )


def _reorient(volume: np.ndarray, affine_lps: np.ndarray,
              axes: tuple[tuple[int, int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Permute and flip a voxel array (axis-aligned affine) so that its axes run along
    ``axes`` (LPS unit vectors, one per output axis); returns the array and its affine."""
    directions = affine_lps[:3, :3] / np.linalg.norm(affine_lps[:3, :3], axis=0)
    order, flips = [], []
    for want in axes:
        dots = np.asarray(want, dtype=float) @ directions
        k = int(np.argmax(np.abs(dots)))
        if abs(dots[k]) < 0.999:
            raise ValueError("the template's affine is not axis-aligned")
        order.append(k)
        flips.append(dots[k] < 0)
    out = np.transpose(volume, order)
    affine = np.eye(4)
    for axis, (k, flip) in enumerate(zip(order, flips, strict=True)):
        step = affine_lps[:3, k]
        if flip:
            out = np.flip(out, axis)
            affine[:3, axis] = -step
            affine[:3, 3] += step * (volume.shape[k] - 1)
        else:
            affine[:3, axis] = step
    affine[:3, 3] += affine_lps[:3, 3]
    return np.ascontiguousarray(out), affine


def load(resolution: int = 2) -> Brain:
    """The template, its tissue labels, in model axes "SPL"."""
    t1, gm, wm, mask = _images(resolution)
    affine = _RAS_TO_LPS @ t1.affine
    csf = np.clip(1.0 - gm.get_fdata() - wm.get_fdata(), 0.0, 1.0)
    tissue = np.argmax(np.stack([csf, gm.get_fdata(), wm.get_fdata()]), axis=0) + 1
    labels = np.where(mask.get_fdata() >= 0.5, tissue, 0).astype(np.uint8)
    image, model_affine = _reorient(np.clip(t1.get_fdata(), 0, 1).astype(np.float32),
                                    affine, _SPL)
    labels, _ = _reorient(labels, affine, _SPL)
    return Brain(image, labels, float(abs(t1.affine[0, 0])), model_affine)


def in_orientation(brain: Brain, volume: np.ndarray, orientation: str
                   ) -> tuple[np.ndarray, np.ndarray]:
    """A model-axes array as the written series lays it out: (slice, row, column)."""
    col, row, normal = ORIENTATIONS[orientation]
    return _reorient(volume, brain.affine_lps, (normal, row, col))


def from_orientation(brain: Brain, volume: np.ndarray, orientation: str) -> np.ndarray:
    """The inverse of :func:`in_orientation`: a written series' (slice, row, column)
    array, e.g. a model's masks stacked by instance number, back in model axes "SPL"."""
    _, affine = in_orientation(brain, brain.labels, orientation)
    out, _ = _reorient(volume, affine, _SPL)
    return out


def write_series(dest: str | Path, orientation: str = "axial", resolution: int = 2
                 ) -> list[Path]:
    """Write the T1 template as one MR file per slice into ``dest``; returns the paths."""
    brain = load(resolution)
    stored = np.rint(brain.t1 * STORED_SCALE).astype(np.uint16)
    pixels, affine = in_orientation(brain, stored, orientation)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    col, row, _ = ORIENTATIONS[orientation]
    paths = []
    for index in range(pixels.shape[0]):
        position = affine[:3] @ np.array([index, 0, 0, 1.0])
        ds = _header(orientation, resolution, index, pixels.shape, brain.spacing_mm,
                     position, (*col, *row))
        ds.PixelData = pixels[index].tobytes()
        path = dest / f"MR{index + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _uid(*parts: object) -> str:
    from pydicom.uid import generate_uid

    return str(generate_uid(entropy_srcs=["lightbox-demo-mni152", *map(str, parts)]))


def _header(orientation: str, resolution: int, index: int, shape: tuple[int, ...],
            spacing: float, position: np.ndarray, iop: tuple[int, ...]):
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, ExplicitVRLittleEndian, MRImageStorage

    sop = _uid("sop", orientation, resolution, index)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = UID(sop)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "LIGHTBOX_DEMO"
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ImageType = ["DERIVED", "SECONDARY", orientation.upper()]
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = sop
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20240101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    ds.AccessionNumber = ""
    ds.Modality = "MR"
    ds.Manufacturer = "Lightbox demo (MNI152 ICBM 2009a template via nilearn)"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "Lightbox demo brain MR (MNI152 template)"
    ds.SeriesDescription = f"T1 MNI152 {orientation} {resolution} mm"
    ds.PatientName = PATIENT_NAME
    ds.PatientID = "MNI152-DEMO"
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "BRAIN"
    ds.ScanningSequence = "GR"
    ds.SequenceVariant = "NONE"
    ds.MRAcquisitionType = "3D"
    ds.MagneticFieldStrength = "3"
    ds.SliceThickness = f"{spacing:g}"
    ds.SpacingBetweenSlices = f"{spacing:g}"
    ds.StudyInstanceUID = _uid("study", resolution)
    ds.SeriesInstanceUID = _uid("series", orientation, resolution)
    ds.StudyID = "1"
    ds.SeriesNumber = 1 if orientation == "axial" else 2
    ds.InstanceNumber = index + 1
    ds.ImagePositionPatient = [f"{v:.4f}" for v in position]
    ds.ImageOrientationPatient = [str(v) for v in iop]
    ds.FrameOfReferenceUID = _uid("frame-of-reference", resolution)
    ds.PositionReferenceIndicator = ""
    normal = np.cross(iop[:3], iop[3:])
    ds.SliceLocation = f"{float(np.dot(normal, position)):.4f}"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = int(shape[1]), int(shape[2])
    ds.PixelSpacing = [f"{spacing:g}", f"{spacing:g}"]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.WindowCenter = "500"
    ds.WindowWidth = "1000"
    return ds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--orientation", choices=sorted(ORIENTATIONS), default="axial")
    parser.add_argument("--resolution", type=int, choices=(1, 2), default=2)
    args = parser.parse_args()
    paths = write_series(args.out, args.orientation, args.resolution)
    print(f"{args.out}: {len(paths)} {args.orientation} MR slices")


if __name__ == "__main__":
    main()
