"""Shared fixtures for io tests: pydicom's bundled sample files and synthetic series."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def sample(name: str) -> Path:
    path = TEST_FILES / name
    assert path.exists(), f"pydicom sample {name} missing"
    return path


def ct_slice(
    position: Sequence[float],
    orientation: Sequence[float] = (1, 0, 0, 0, 1, 0),
    *,
    instance_number: int | None = None,
    study_uid: str = "1.2.826.0.1.3680043.8.498.1",
    series_uid: str = "1.2.826.0.1.3680043.8.498.2",
    size: tuple[int, int] = (8, 8),
    fill: int | None = None,
) -> Dataset:
    """A small but complete CT slice; pixel value = ``fill`` (default: rounded z)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.Modality = "CT"
    ds.PatientName = "Test^Synthetic"
    ds.PatientID = "SYN-1"
    ds.StudyDate = "20240101"
    ds.SeriesNumber = 1
    if instance_number is not None:
        ds.InstanceNumber = instance_number
    ds.ImagePositionPatient = [float(v) for v in position]
    ds.ImageOrientationPatient = [float(v) for v in orientation]
    ds.PixelSpacing = [0.5, 0.5]
    ds.Rows, ds.Columns = size
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    value = int(round(position[2])) if fill is None else fill
    ds.PixelData = np.full(size, value, dtype="<i2").tobytes()
    return ds


def write(ds: Dataset, path: Path) -> Path:
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.fixture
def tmp_series(tmp_path: Path):
    """Write datasets into tmp_path under the given names; returns the folder."""

    def _write(named: dict[str, Dataset]) -> Path:
        for name, ds in named.items():
            write(ds, tmp_path / name)
        return tmp_path

    return _write
