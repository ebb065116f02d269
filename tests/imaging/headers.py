"""Build Instances from hand-written DICOM headers, for tests of the display maths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydicom import Dataset
from pydicom.datadict import dictionary_VR
from pydicom.dataelem import RawDataElement
from pydicom.tag import Tag

from viewer.io.model import FrameGeometry, Instance, PixelInfo


def instance_of(
    *,
    photometric: str = "MONOCHROME2",
    signed: bool = False,
    bits: int = 16,
    frames: int = 1,
    spacing: tuple[float, float] | None = None,
    raw: dict[str, bytes] | None = None,
    **attributes: Any,
) -> Instance:
    """An Instance whose header holds ``attributes`` (DICOM keywords → values) and ``raw``
    values as a file would hold them (converted, and possibly failing, only when read)."""
    header = Dataset()
    header.PhotometricInterpretation = photometric
    header.PixelRepresentation = int(signed)
    for keyword, value in attributes.items():
        setattr(header, keyword, value)
    for keyword, data in (raw or {}).items():
        tag = Tag(keyword)
        header[tag] = RawDataElement(tag, dictionary_VR(tag), len(data), data, 0, False, True)
    return Instance(
        path=Path("synthetic.dcm"),
        kind="dicom",
        sop_instance_uid="1.2.3",
        modality=str(attributes.get("Modality", "CT")),
        pixel=PixelInfo(
            rows=4,
            columns=4,
            samples_per_pixel=3 if photometric == "RGB" else 1,
            photometric=photometric,
            bits_allocated=bits,
            bits_stored=bits,
            pixel_representation=int(signed),
            number_of_frames=frames,
        ),
        geometry=[FrameGeometry(spacing=spacing)],
        header=header,
    )


def lut_item(descriptor: list[int], data: list[int], **extra: Any) -> Dataset:
    item = Dataset()
    item.LUTDescriptor = descriptor
    item.LUTData = data
    for keyword, value in extra.items():
        setattr(item, keyword, value)
    return item
