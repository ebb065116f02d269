"""Synthetic stacks with known structures, in memory or written as real DICOM files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pydicom import Dataset
from pydicom.dataset import FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

from viewer.io.model import FrameGeometry, FrameRef, Instance, PixelInfo, Series

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)
SAGITTAL = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)


def stack(slices: list[np.ndarray], positions: list[tuple[float, float, float]],
          orientation=AXIAL, spacing=(0.5, 0.8), for_uid: str = "1.2.3.4",
          description: str = "synthetic") -> tuple[Series, list[np.ndarray]]:
    """An in-memory series (headers only) and its stored frames."""
    instances = []
    for k, (array, position) in enumerate(zip(slices, positions, strict=True)):
        header = Dataset()
        header.FrameOfReferenceUID = for_uid
        instances.append(Instance(
            path=Path(f"slice{k}.dcm"), kind="dicom", sop_instance_uid=f"1.2.{k}",
            modality="CT", instance_number=k + 1,
            pixel=PixelInfo(rows=array.shape[0], columns=array.shape[1], bits_stored=16,
                            pixel_representation=1),
            geometry=[FrameGeometry(position, orientation, spacing, "PixelSpacing")],
            header=header))
    series = Series(uid=f"series-{description}", study_uid="study", modality="CT",
                    description=description, instances=instances,
                    frames=[FrameRef(i) for i in instances], sorted_by="position")
    return series, list(slices)


def bar_volume(slices: int = 20, rows: int = 32, cols: int = 40) -> np.ndarray:
    """Background 0; a bar along x (every column) at row 10 of slice 5, value 1000."""
    volume = np.zeros((slices, rows, cols), dtype=np.int16)
    if slices > 5:
        volume[5, 10, :] = 1000
    return volume


def axial_stack(volume: np.ndarray, thickness: float = 2.0, spacing=(0.5, 0.8),
                for_uid: str = "1.2.3.4", z0: float = 0.0, description: str = "axial"
                ) -> tuple[Series, list[np.ndarray]]:
    """Slice k at z = z0 - k * thickness (head first), top-left at x = -10, y = -8."""
    positions = [(-10.0, -8.0, z0 - k * thickness) for k in range(volume.shape[0])]
    return stack(list(volume), positions, AXIAL, spacing, for_uid, description)


def write_series(folder: Path, slices: list[np.ndarray],
                 positions: list[tuple[float, float, float]], *, orientation=AXIAL,
                 spacing=(0.5, 0.8), for_uid: str = "1.2.826.0.1.3680043.8.498.1",
                 series_number: int = 1, description: str = "Synthetic",
                 study_uid: str = "1.2.826.0.1.3680043.8.498.2") -> list[Path]:
    """Real CT files (signed 16-bit, HU = stored - 1024) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    series_uid = generate_uid()
    paths = []
    for k, (array, position) in enumerate(zip(slices, positions, strict=True)):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        sop = generate_uid()
        meta.MediaStorageSOPInstanceUID = sop
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, sop
        ds.Modality = "CT"
        ds.PatientName, ds.PatientID = "Test^Volume", "VOL-1"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
        ds.FrameOfReferenceUID = for_uid
        ds.SeriesNumber, ds.InstanceNumber = series_number, k + 1
        ds.SeriesDescription = description
        ds.ImagePositionPatient = [f"{v:.4f}" for v in position]
        ds.ImageOrientationPatient = [f"{v:g}" for v in orientation]
        ds.PixelSpacing = [f"{spacing[0]:g}", f"{spacing[1]:g}"]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.Rows, ds.Columns = array.shape
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
        ds.WindowCenter, ds.WindowWidth = "40", "400"
        ds.PixelData = (array.astype(np.int16) + 1024).astype("<i2").tobytes()
        path = folder / f"IM{k + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
