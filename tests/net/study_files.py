"""Real DICOM files for the study list's tests, stored through the store's one writer."""

from __future__ import annotations

import io

import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from viewer.net.store import LocalStore

CT = "1.2.840.10008.5.1.4.1.1.2"
SEG = "1.2.840.10008.5.1.4.1.1.66.4"


def dicom_bytes(study: str, series: str, sop: str, *, sop_class: str = CT,
                patient: str = "Doe^Jane", patient_id: str = "P1", date: str = "20240102",
                accession: str = "A1", modality: str = "CT", description: str = "Chest",
                size: int = 16) -> bytes:
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.PatientName, ds.PatientID, ds.StudyDate = patient, patient_id, date
    ds.AccessionNumber, ds.Modality, ds.StudyDescription = accession, modality, description
    ds.SeriesDescription, ds.SeriesNumber, ds.InstanceNumber = "axial", 1, 1
    ds.Rows = ds.Columns = size
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
    ds.PixelData = np.zeros((size, size), np.uint16).tobytes()
    out = io.BytesIO()
    pydicom.dcmwrite(out, ds, enforce_file_format=True)
    return out.getvalue()


def store_study(store: LocalStore, *, images: int = 3, series: int = 1,
                size: int = 16, **values: str) -> str:
    """A study of ``series`` × ``images`` real files written by ``LocalStore.write``."""
    study = generate_uid()
    for _ in range(series):
        series_uid = generate_uid()
        for _ in range(images):
            sop = generate_uid()
            store.write(study, series_uid, sop,
                        dicom_bytes(study, series_uid, sop, size=size, **values))
    return study
