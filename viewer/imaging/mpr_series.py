"""An MPR plane stack dressed as a series, so the ordinary viewport can show it.

The viewport knows how to show a ``Series`` of ``FrameRef``s: it reads each frame's
geometry for the orientation letters, scale bar, pixel aspect and slice position, and its
instance's header for the modality transform and the file's window. A reformatted plane
stack gets exactly that: one multi-frame ``Instance`` (float32 modality values, identity
rescale) with one ``FrameGeometry`` per plane and a small header of its own. The pixels
never touch disk or the frame cache: the viewport's frame source asks the ``Reformat``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from viewer.imaging.lossy import lossy
from viewer.imaging.mpr import Plane, Reformat
from viewer.imaging.window import Window
from viewer.io.model import FrameGeometry, FrameRef, Instance, PixelInfo, Series

if TYPE_CHECKING:  # pydicom is imported when planes are made, not at start-up
    from pydicom import Dataset

#: Header elements copied from the source, so corner text and identity hiding work as on
#: the acquired images (the header stays in memory; it is never written or logged).
_COPIED = ("PatientName", "PatientID", "PatientBirthDate", "StudyDescription", "StudyDate",
           "FrameOfReferenceUID", "SeriesNumber", "BodyPartExamined")
PLANE_TITLES = {Plane.AXIAL: "Axial", Plane.CORONAL: "Coronal", Plane.SAGITTAL: "Sagittal"}


def _mark_lossy(header: Dataset, source: Series) -> None:
    """Planes made from lossy-compressed slices carry that loss: the corner says LOSSY."""
    for ref in source.frames:
        pixel = ref.instance.pixel
        found = lossy(ref.instance.tags, pixel.transfer_syntax if pixel else "")
        if found is not None:
            header.LossyImageCompression = "01"
            if found.ratios:
                header.LossyImageCompressionRatio = list(found.ratios)
            if found.methods:
                header.LossyImageCompressionMethod = list(found.methods)
            return


def plane_series(reformat: Reformat, source: Series, window: Window | None = None) -> Series:
    """The planes of ``reformat`` as a series derived from ``source``; ``window`` (modality
    units) becomes the new header's window, so the planes open as the reader left it."""
    from pydicom import Dataset

    rows, cols = reformat.size
    header = Dataset()
    first = source.frames[0].instance.header if source.frames else None
    for keyword in _COPIED:
        if first is not None and keyword in first:
            setattr(header, keyword, first.get(keyword))
    title = PLANE_TITLES[reformat.plane]
    header.Modality = source.modality
    header.SeriesDescription = f"{title} MPR · {source.description}".strip(" ·")
    header.RescaleSlope, header.RescaleIntercept = "1", "0"
    header.SliceThickness = f"{reformat.slice_spacing:.2f}"
    if window is not None:
        header.WindowCenter, header.WindowWidth = f"{window.center:g}", f"{window.width:g}"
    _mark_lossy(header, source)
    uid = f"{source.uid}.mpr.{reformat.plane.value}"
    instance = Instance(
        path=Path(f"<{title} MPR of series {source.number or ''}>"),
        kind="dicom",
        sop_instance_uid=uid,
        study_uid=source.study_uid,
        series_uid=uid,
        modality=source.modality,
        pixel=PixelInfo(rows=rows, columns=cols, bits_allocated=32, bits_stored=32,
                        number_of_frames=reformat.count, pixel_keyword="FloatPixelData"),
        geometry=[FrameGeometry(reformat.position(k), reformat.orientation, reformat.spacing,
                                "PixelSpacing") for k in range(reformat.count)],
        header=header,
    )
    return Series(
        uid=uid,
        study_uid=source.study_uid,
        modality=source.modality,
        number=source.number,
        description=header.SeriesDescription,
        instances=[instance],
        frames=[FrameRef(instance, k) for k in range(reformat.count)],
        sorted_by="position",
    )
