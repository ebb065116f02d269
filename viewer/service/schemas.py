"""The service's requests and responses as Pydantic models: the OpenAPI document is made
from these, so what it says is what the service checks and answers."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

# --- errors ----------------------------------------------------------------------------


class Problem(BaseModel):
    """Every error: ``reason`` for programs, ``message`` for people (``error`` repeats it,
    as the Open Inference Protocol names it, and ``detail``, as the web viewer reads it)."""

    reason: str = Field(examples=["unknown_model"])
    message: str
    error: str
    detail: str
    warnings: Annotated[list[str] | None, Field(
        description="intended_use: what differs from the model's intended use")] = None
    problems: list[str] | None = None


# --- /v1 -------------------------------------------------------------------------------


class IntendedUse(BaseModel):
    modality: list[str]
    body_part: list[str]
    view: str | None
    input: str = Field(description="slice | volume")
    not_for_clinical_use: bool


class DriftNote(BaseModel):
    """A drift alert of the served model version over the last window (docs/governance.md)."""

    metric: str = Field(description="unlike_share | shift_share | psi_p90 | "
                        "output:<output>:<statistic>")
    value: float
    threshold: float
    window: str = Field(description="the days the alert looked at (UTC)")
    runs: int
    message: str


class ModelInfo(BaseModel):
    id: str
    name: str
    version: str
    digest: str | None = Field(description="the manifest digest (SHA-256), as signed")
    verified: bool
    status: str = Field(description="available | unavailable")
    reason: str = Field(description="why it is unavailable; empty when verified")
    unsigned: bool
    intended_use: IntendedUse | None
    outputs: list[str]
    runtime: str = "onnxruntime"
    provider: str = Field(description="the ONNX Runtime execution provider serving it")
    provider_reason: str
    drift: list[DriftNote] = Field(default_factory=list, description="drift under review: "
                                   "the alerts raised over the last window; empty: none")


class ModelList(BaseModel):
    models: list[ModelInfo]


class RunProvenance(BaseModel):
    model_id: str
    model_name: str
    model_version: str
    model_digest: str
    runtime: str = "onnxruntime"
    runtime_version: str
    provider: str
    unsigned: bool
    not_for_clinical_use: bool


class DicomObject(BaseModel):
    kind: str = Field(description="SEG | SR")
    filename: str
    media_type: str = "application/dicom"
    data_base64: str


class EncodedArray(BaseModel):
    """An array: its raw C-order bytes, zlib-compressed, then base64."""

    dtype: str = Field(description="uint8 | uint16 | int32 | float32", examples=["uint8"])
    shape: list[int]
    encoding: str = Field("zlib+base64", description="always zlib+base64")
    data: str


class Geometry(BaseModel):
    """Where the image lies in the model's input (the letterbox): model pixel = original
    pixel × scale + offset, per (row, column)."""

    source: list[int] = Field(description="(rows, columns) of the image")
    target: list[int] = Field(description="(rows, columns) of the model input")
    scale: list[float]
    offset: list[int]


class ExactBox(BaseModel):
    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    class_index: int
    class_: str = Field(alias="class")


class OutputArrays(BaseModel):
    """One output with everything the viewer's Result holds; which fields by ``kind``:
    mask: ``label_map``; heatmap: ``grid`` (the model's plane, activated), ``box``,
    ``value_range`` (or ``given``, a map at the image's size); boxes: ``boxes`` (at or
    above ``score_threshold``), ``candidates`` (all after NMS, for a threshold slider);
    labels: ``probabilities``; values: ``values`` (manifest order, null: no number)."""

    name: str
    kind: str = Field(description="mask | heatmap | boxes | labels | values")
    label_map: EncodedArray | None = None
    grid: EncodedArray | None = None
    box: Geometry | None = None
    value_range: list[float] | None = None
    given: EncodedArray | None = None
    score_threshold: float | None = None
    boxes: list[ExactBox] | None = None
    candidates: list[ExactBox] | None = None
    probabilities: list[float | None] | None = None
    values: list[float | None] | None = None


class FrameArrays(BaseModel):
    frame_index: int
    sop_instance_uid: str
    geometry: Geometry
    outputs: list[OutputArrays]
    domain: Annotated[dict[str, Any] | None, Field(
        description="vs the training data, unrounded: psi, level, findings, notes; "
        "null: the model has no reference")] = None


class LabelVolumeArrays(BaseModel):
    output: str
    value: int
    voxels: int
    ml: float


class VolumeArrays(BaseModel):
    """A volume model's run as a whole (the same for every frame)."""

    voxel_mm3: float
    frames: int
    target_shape: list[int]
    target_spacing_mm: list[float]
    patches: int
    accumulator_bytes: int
    volumes: list[LabelVolumeArrays]


class RunArrays(BaseModel):
    """``?outputs=arrays``: the results with their pixels (viewer.inference.result_arrays)."""

    frames: list[FrameArrays]
    volume: VolumeArrays | None = None


class RunResponse(BaseModel):
    provenance: RunProvenance
    series_uid: str
    images: int = Field(description="images (frames) of the series the model ran on")
    warnings_accepted: list[str]
    results: list[dict[str, Any]] = Field(
        description="one per image, as `lightbox infer` writes MODEL-frame-NNNN.json")
    dicom: list[DicomObject] = Field(
        default_factory=list, description="the SEG/SR asked for with ?dicom=seg,sr")
    arrays: RunArrays | None = Field(
        None, description="with ?outputs=arrays only: per image the label maps, heatmaps, "
        "every box (candidates too) and exact numbers; a volume run's summary")


# --- the Open Inference Protocol v2 ----------------------------------------------------


class ServerMetadata(BaseModel):
    name: str
    version: str
    extensions: list[str]


class Live(BaseModel):
    live: bool


class Ready(BaseModel):
    ready: bool
    models: dict[str, str] = Field(default_factory=dict,
                                   description="id → available | the reason it is not")
    reason: Annotated[str | None, Field(description="not_ready when it is not")] = None
    message: str | None = None


class TensorMetadata(BaseModel):
    name: str
    datatype: str
    shape: list[int] = Field(description="-1: any size")


class ModelMetadata(BaseModel):
    name: str
    versions: list[str]
    platform: str
    inputs: list[TensorMetadata]
    outputs: list[TensorMetadata]
    parameters: dict[str, Any] = Field(default_factory=dict)


class RequestInput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] | None = None
    data: list[Any] | None = None


class RequestOutput(BaseModel):
    name: str
    parameters: dict[str, Any] | None = None


class InferRequest(BaseModel):
    id: str | None = None
    parameters: dict[str, Any] | None = None
    inputs: list[RequestInput]
    outputs: list[RequestOutput] | None = None


class ResponseOutput(BaseModel):
    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] | None = None
    data: list[Any] | None = None


class InferResponse(BaseModel):
    model_name: str
    model_version: str | None = None
    id: str | None = None
    parameters: dict[str, Any] | None = None
    outputs: list[ResponseOutput]
