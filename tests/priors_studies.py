"""Real DICOM studies of one patient, written by pydicom, for the priors and hanging tests:
small axial CT stacks with their own study date, frame of reference and slice positions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid

PATIENT_ID = "PRI-0042"


@dataclass(frozen=True)
class Written:
    folder: Path
    study_uid: str
    series_uids: tuple[str, ...]
    frame_of_reference: str
    paths: tuple[Path, ...]


def write_study(folder: Path, *, date: str, body_part: str = "CHEST", modality: str = "CT",
                patient_id: str = PATIENT_ID, slices: int = 12, z0: float = 0.0,
                spacing: float = 5.0, frame_of_reference: str | None = None,
                series: tuple[str, ...] = ("CHEST 5mm",), issuer: str = "",
                size: int = 32) -> Written:
    """One study: each description in ``series`` is one axial stack of ``slices`` images
    (a "SCOUT" has 2) starting at ``z0`` (mm), every ``spacing`` mm; pixel value = slice
    number × 10."""
    folder.mkdir(parents=True, exist_ok=True)
    study_uid = generate_uid()
    for_uid = frame_of_reference or generate_uid()
    series_uids, paths = [], []
    for number, description in enumerate(series, start=1):
        series_uid = generate_uid()
        series_uids.append(series_uid)
        for index in range(2 if description == "SCOUT" else slices):
            meta = FileMetaDataset()
            meta.MediaStorageSOPClassUID = CTImageStorage
            meta.MediaStorageSOPInstanceUID = generate_uid()
            meta.TransferSyntaxUID = ExplicitVRLittleEndian
            path = folder / f"s{number}_{index:03d}.dcm"
            ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
            ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
            ds.PatientName, ds.PatientID = "Prior^Test", patient_id
            if issuer:
                ds.IssuerOfPatientID = issuer
            ds.StudyInstanceUID, ds.SeriesInstanceUID = study_uid, series_uid
            ds.StudyDate, ds.StudyTime, ds.StudyID = date, "101010", "1"
            ds.AccessionNumber = "A" + date
            ds.StudyDescription = f"{modality} {body_part} {date}"
            ds.SeriesDescription, ds.SeriesNumber = description, number
            ds.Modality, ds.BodyPartExamined = modality, body_part
            ds.FrameOfReferenceUID = for_uid
            ds.InstanceNumber = index + 1
            ds.ImagePositionPatient = [0.0, 0.0, z0 + index * spacing]
            ds.ImageOrientationPatient = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]
            ds.PixelSpacing, ds.SliceThickness = [1.0, 1.0], spacing
            ds.Rows = ds.Columns = size
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
            ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
            ds.WindowCenter, ds.WindowWidth = 40, 400
            ds.PixelData = np.full((size, size), 1024 + index * 10, np.uint16).tobytes()
            ds.save_as(path, enforce_file_format=True)
            paths.append(path)
    return Written(folder, study_uid, tuple(series_uids), for_uid, tuple(paths))


def read_back(path: Path) -> pydicom.Dataset:
    return pydicom.dcmread(path, stop_before_pixels=True)
