"""A real RT Structure Set on the demo phantom: a circle round the liver lesion, written
with pydicom as a complete RT Structure Set Storage object referencing the phantom's
images and frame of reference."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from viewer.io.model import Series
from viewer.io.rtstruct import RTSTRUCT_SOP_CLASS

#: The lesion's centre as fractions of the field of view (see viewer.io.demo) and its slice.
LESION_UV = (-0.40, 0.0)
LESION_T = 0.70
CIRCLE_POINTS = 48


def lesion_slice(series: Series) -> int:
    return round(LESION_T * (len(series.frames) - 1))


def lesion_pixel(series: Series) -> tuple[float, float]:
    """(column, row) of the lesion centre, as a pixel-centre index."""
    size = series.frames[0].instance.pixel.columns
    u, v = LESION_UV
    return (u + 1) / 2 * size - 0.5, (v + 1) / 2 * size - 0.5


def _patient(series: Series, index: int, col: float, row: float) -> tuple[float, float, float]:
    g = series.frames[index].geometry
    r, c = g.orientation[:3], g.orientation[3:]
    return tuple(g.position[k] + col * g.spacing[1] * r[k] + row * g.spacing[0] * c[k]
                 for k in range(3))  # type: ignore[return-value]


def write_phantom_rtstruct(path: Path, series: Series, slices: Sequence[int] | None = None,
                           radius_mm: float = 8.0, colour: tuple[int, int, int] = (0, 255, 0),
                           *, reference_images: bool = True,
                           frame_of_reference: str | None = None) -> Path:
    """A circle of ``radius_mm`` round the lesion on ``slices`` (default: the lesion's)."""
    source = pydicom.dcmread(series.frames[0].instance.path, stop_before_pixels=True)
    slices = [lesion_slice(series)] if slices is None else list(slices)
    col0, row0 = lesion_pixel(series)
    spacing = series.frames[0].geometry.spacing
    frame_uid = frame_of_reference or source.FrameOfReferenceUID

    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = RTSTRUCT_SOP_CLASS
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = RTSTRUCT_SOP_CLASS
    ds.SpecificCharacterSet = "ISO_IR 100"
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex",
                    "StudyInstanceUID", "StudyDate", "StudyTime", "StudyID",
                    "AccessionNumber", "ReferringPhysicianName"):
        setattr(ds, keyword, source.get(keyword, ""))
    ds.Modality = "RTSTRUCT"
    ds.SeriesInstanceUID = generate_uid()
    ds.SeriesNumber = 50
    ds.InstanceNumber = 1
    ds.Manufacturer = "Lightbox tests"
    ds.OperatorsName = ""
    ds.StructureSetLabel = "Lesion"
    ds.StructureSetDate, ds.StructureSetTime = "20240101", "120000"

    images = [series.frames[i].instance.sop_instance_uid for i in range(len(series.frames))]
    contour_images = DicomSequence([_image_item(uid) for uid in images])
    referenced_series = Dataset()
    referenced_series.SeriesInstanceUID = series.uid
    referenced_series.ContourImageSequence = contour_images
    referenced_study = Dataset()
    referenced_study.ReferencedSOPClassUID = "1.2.840.10008.3.1.2.3.1"
    referenced_study.ReferencedSOPInstanceUID = source.StudyInstanceUID
    referenced_study.RTReferencedSeriesSequence = DicomSequence([referenced_series])
    frame = Dataset()
    frame.FrameOfReferenceUID = frame_uid
    frame.RTReferencedStudySequence = DicomSequence([referenced_study])
    ds.ReferencedFrameOfReferenceSequence = DicomSequence([frame])

    roi = Dataset()
    roi.ROINumber = 1
    roi.ReferencedFrameOfReferenceUID = frame_uid
    roi.ROIName = "Lesion margin"
    roi.ROIGenerationAlgorithm = "MANUAL"
    ds.StructureSetROISequence = DicomSequence([roi])

    contours = []
    for number, index in enumerate(slices, start=1):
        points = []
        for k in range(CIRCLE_POINTS):
            angle = 2 * math.pi * k / CIRCLE_POINTS
            col = col0 + radius_mm / spacing[1] * math.cos(angle)
            row = row0 + radius_mm / spacing[0] * math.sin(angle)
            points.extend(f"{v:.3f}" for v in _patient(series, index, col, row))
        contour = Dataset()
        if reference_images:
            contour.ContourImageSequence = DicomSequence([_image_item(images[index])])
        contour.ContourGeometricType = "CLOSED_PLANAR"
        contour.NumberOfContourPoints = CIRCLE_POINTS
        contour.ContourNumber = number
        contour.ContourData = points
        contours.append(contour)
    roi_contour = Dataset()
    roi_contour.ROIDisplayColor = list(colour)
    roi_contour.ContourSequence = DicomSequence(contours)
    roi_contour.ReferencedROINumber = 1
    ds.ROIContourSequence = DicomSequence([roi_contour])
    observation = Dataset()
    observation.ObservationNumber = 1
    observation.ReferencedROINumber = 1
    observation.RTROIInterpretedType = "GTV"
    observation.ROIInterpreter = ""
    ds.RTROIObservationsSequence = DicomSequence([observation])
    ds.save_as(path, enforce_file_format=True)
    return path


def _image_item(uid: str) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    item.ReferencedSOPInstanceUID = uid
    return item
