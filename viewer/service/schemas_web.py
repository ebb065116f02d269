"""The answers the web viewer reads (docs/web.md): studies, series, frame geometry, PACS.

Pydantic models, so the OpenAPI document (``/openapi.json``) states exactly what
``web/src/types.ts`` mirrors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field


class StudyInfo(BaseModel):
    study_uid: str
    patient: str = Field(description="the patient's name; empty where the site hides "
                         "identity (hide_identity)")
    patient_id: str = Field(description="empty where the site hides identity")
    study_date: str = Field(description="DICOM DA (YYYYMMDD) or empty")
    description: str
    modalities: list[str]
    series: int = Field(description="series with images")
    source: str = Field(description="'local': on this service; else the PACS node's "
                        "name (retrieve it to open it)")


class StudyList(BaseModel):
    studies: list[StudyInfo]
    identity_hidden: bool = Field(description="the site hides patient identity: names and "
                                  "IDs are empty")
    more: bool = Field(default=False, description="a PACS search: the node had more matches than "
                       "`limit` (the first are listed; narrow the search)")
    nodes: list[str] = Field(default_factory=list, description="the names of the site's "
                             "PACS nodes, to search (`source=`) and retrieve from; empty "
                             "where none is configured")


class NodeInfo(BaseModel):
    name: str
    kind: str = Field(description="'dicom' (DIMSE: C-FIND, C-GET/C-MOVE) or 'dicomweb' "
                      "(QIDO-RS, WADO-RS)")


class NodeList(BaseModel):
    nodes: list[NodeInfo] = Field(description="the site's PACS nodes by name (addresses "
                                  "and credentials stay on the service); empty where none "
                                  "is configured")


class SeriesSummary(BaseModel):
    series_uid: str
    modality: str
    description: str
    body_part: str
    frames: int


class SeriesList(BaseModel):
    series: list[SeriesSummary]


class Preset(BaseModel):
    name: str
    center: float
    width: float
    key: int | None = Field(default=None, description="the desktop's keyboard key (1-9) "
                            "for this preset; null: none (the file's own windows: key 0 "
                            "goes back to the first)")


class WindowValue(BaseModel):
    center: float
    width: float


class FrameInfo(BaseModel):
    index: int
    sop_instance_uid: str
    rows: int
    columns: int
    position: Annotated[list[float] | None, Field(
        description="Image Position (Patient), mm; null: unknown")] = None
    orientation: Annotated[list[float] | None, Field(
        description="Image Orientation (Patient): row then column cosines")] = None
    pixel_spacing: Annotated[list[float] | None, Field(
        description="(row, column) spacing in mm")] = None
    window: WindowValue | None = Field(None, description="the file's own window")
    voi_function: str = Field(default="LINEAR", description="VOI LUT Function the file "
                              "gives its windows: LINEAR, LINEAR_EXACT or SIGMOID (PS3.3 "
                              "C.11.2.1.2); applies to every window on this frame")
    voi_lut: int | None = Field(default=None, description="index in the series' `voi_luts` "
                                "of the frame's (first) VOI LUT; shown, as on the desktop, "
                                "where the frame has no `window` and the window is the "
                                "LUT's own (first + entries / 2, entries)")


class VoiLut(BaseModel):
    """A VOI LUT (VOI LUT Sequence item): modality value ``first`` maps to ``data[0]``,
    values outside the table take the end entries; grey = entry × 255 / (2^bits − 1)."""

    first: int
    bits: int
    data: list[float]


class SeriesInfo(BaseModel):
    series_uid: str
    study_uid: str
    modality: str
    body_part: str
    description: str
    photometric: str
    samples: int = Field(description="1: grey (frames are float32 modality values); "
                         "3: RGB (frames are uint8)")
    presets: list[Preset] = Field(description="the file's windows, then the site's "
                                  "presets for the modality")
    frames: list[FrameInfo] = Field(description="in the viewer's spatial order")
    voi_luts: list[VoiLut] = Field(default_factory=list, description="the frames' VOI "
                                   "LUTs, each once (frames name theirs by index)")


class RetrieveAnswer(BaseModel):
    study_uid: str
    node: str
    images: int = Field(description="images the node sent (already stored ones count)")
    complete: bool
    series: int = Field(description="series with images now on this service")
