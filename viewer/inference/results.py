"""What a run gives back: plain, frozen results that point at their source.

A :class:`Result` holds the outputs for one image (one frame of a series), each already
mapped onto the original image's pixel grid, plus the :class:`Provenance` every display of
it must show (model name and version beside every score, the not-for-clinical-use
banner). Arrays are read-only; the source pixels are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from viewer.inference.domain import DomainCheck
from viewer.inference.manifest import Label
from viewer.inference.preprocess import Letterbox
from viewer.inference.session import CPU
from viewer.inference.signing import UNSIGNED_MARK

if TYPE_CHECKING:
    from viewer.inference.verify import VerifiedModel
    from viewer.inference.volume_summary import VolumeSummary
    from viewer.io.model import FrameRef

#: ``Provenance.runtime`` of results read back from a SEG/SR file: not a run of this
#: workstation (the viewer does not send them to the PACS again).
READ_FROM_DICOM = "read from DICOM"


@dataclass(frozen=True)
class InputSource:
    """Which frame of another series of the study fed one input (multi-series models)."""

    input: str  # the model input's name
    series_uid: str
    sop_instance_uid: str
    frame_index: int  # in that series' reading order
    distance_mm: float  # between its slice plane and the primary image's
    resampled: bool  # True: resampled onto the primary image's pixel grid


@dataclass(frozen=True)
class Provenance:
    model_id: str
    model_name: str
    model_version: str
    model_digest: str
    not_for_clinical_use: bool
    runtime: str  # "onnxruntime 1.x.y"
    series_uid: str
    sop_instance_uid: str
    frame_index: int  # position in the series' reading order
    instance_frame: int  # frame inside the file (multi-frame objects)
    unsigned: bool = False  # ran without a trusted signature (site developer mode)
    #: Inputs read from other series of the study, in manifest order (empty: one series).
    inputs: tuple[InputSource, ...] = ()
    #: Where it was computed when not here: the configured inference server's name, and
    #: the ONNX Runtime execution provider it ran on (viewer.inference.remote).
    server: str = ""
    provider: str = ""

    @classmethod
    def of(cls, verified: VerifiedModel, series_uid: str, ref: FrameRef, index: int,
           inputs: tuple[InputSource, ...] = ()) -> Provenance:
        """What every result of ``verified`` on frame ``index`` (``ref``) carries."""
        manifest = verified.manifest
        return cls(
            model_id=manifest.id,
            model_name=manifest.name,
            model_version=manifest.version,
            model_digest=manifest.digest,
            not_for_clinical_use=manifest.not_for_clinical_use,
            runtime=f"onnxruntime {verified.runtime}" + (
                "" if verified.provider == CPU else f" on {verified.provider}"),
            series_uid=series_uid,
            sop_instance_uid=ref.instance.sop_instance_uid,
            frame_index=index,
            instance_frame=ref.frame,
            unsigned=verified.unsigned,
            inputs=inputs,
        )

    @property
    def series_uids(self) -> tuple[str, ...]:
        """Every series the result was computed from: the primary first."""
        return (self.series_uid, *dict.fromkeys(s.series_uid for s in self.inputs))

    @property
    def label(self) -> str:
        """How every result is marked on screen."""
        mark = "AI" + (
            " · demonstration, not for clinical use" if self.not_for_clinical_use else ""
        ) + (f" · {UNSIGNED_MARK}" if self.unsigned else "")
        where = ""
        if self.server:
            device = self.provider.removesuffix("ExecutionProvider") or "?"
            where = f" · on {self.server} ({device})"
        return f"{mark} · {self.model_name} {self.model_version}{where}"


@dataclass(frozen=True, eq=False)
class MaskOutput:
    """A label map at the original size: pixel value = label value, 0 = background."""

    output: str
    labels: tuple[Label, ...]
    mask: np.ndarray  # (rows, columns) uint8/uint16, read-only
    counts: dict[int, int]  # label value → pixel count (background included)

    def label_named(self, name: str) -> Label:
        return next(label for label in self.labels if label.name == name)


@dataclass(frozen=True)
class Box:
    """A detection in original-image pixels: x to the right, y down, edges on integers."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    class_index: int
    class_name: str
    color: str | None = None

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


@dataclass(frozen=True)
class BoxesOutput:
    output: str
    boxes: tuple[Box, ...]  # kept after threshold and NMS, best score first
    score_threshold: float  # the manifest's; a display may raise it
    classes: tuple[Label, ...]
    candidates: tuple[Box, ...] = ()  # after NMS at threshold 0, for a threshold slider


@dataclass(frozen=True, eq=False)
class HeatmapOutput:
    """A heatmap over the image. A model's is kept as it came out, on the model's grid
    (``grid``, activated, with the letterbox ``box`` and ``value_range`` that place and
    scale it), and :attr:`heatmap`, the map at the image's size, is made when something
    first asks for it: a run over a series keeps 64 KB a slice instead of 1 MB (128² on a
    512² CT), and a slice nobody looks at is never resampled. Heatmaps read at the image's
    size (``given``) are kept as they are."""

    output: str
    given: np.ndarray | None  # (rows, columns) float32 in 0..1 at the image's size
    colormap: str
    for_output: str | None
    grid: np.ndarray | None = None  # the model's plane, activated, read-only
    box: Letterbox | None = None
    value_range: tuple[float, float] = (0.0, 1.0)

    @cached_property
    def heatmap(self) -> np.ndarray:
        """(rows, columns) float32 in 0..1 at the image's size, read-only."""
        if self.given is not None:
            return self.given
        from viewer.inference.postprocess import place_heatmap  # it imports this module

        assert self.grid is not None and self.box is not None
        return place_heatmap(self.grid, self.box, self.value_range)


@dataclass(frozen=True)
class LabelsOutput:
    """Class probabilities for the whole image, in the manifest's label order."""

    output: str
    labels: tuple[Label, ...]
    probabilities: tuple[float, ...]

    @property
    def top(self) -> tuple[str, float]:
        i = int(np.argmax(self.probabilities))
        return self.labels[i].name, self.probabilities[i]

    def probability(self, name: str) -> float:
        for label, p in zip(self.labels, self.probabilities, strict=True):
            if label.name == name:
                return p
        raise KeyError(name)


@dataclass(frozen=True)
class ValuesOutput:
    """Regression values for the whole image (a size, a score, an age), shown as labelled
    numbers: ``names[i]`` is ``values[i]`` in ``units[i]`` ("" when unitless), rounded to
    ``decimals`` digits for display only."""

    output: str
    names: tuple[str, ...]
    units: tuple[str, ...]
    decimals: int
    values: tuple[float, ...]

    def value(self, name: str) -> float:
        return self.values[self.names.index(name)]

    def text(self, i: int) -> str:
        """``"12.3 mm"``: how the value is shown everywhere (``-`` for no number)."""
        value = self.values[i]
        number = f"{value:.{self.decimals}f}" if np.isfinite(value) else "-"
        return f"{number} {self.units[i]}".rstrip()

    def items(self) -> list[tuple[str, str]]:
        """(name, shown value) pairs in the manifest's order."""
        return [(name, self.text(i)) for i, name in enumerate(self.names)]


Output = MaskOutput | BoxesOutput | HeatmapOutput | LabelsOutput | ValuesOutput
_O = TypeVar("_O", MaskOutput, BoxesOutput, HeatmapOutput, LabelsOutput, ValuesOutput)


@dataclass(frozen=True, eq=False)
class Result:
    provenance: Provenance
    shape: tuple[int, int]  # (rows, columns) of the original image
    geometry: Letterbox
    outputs: tuple[Output, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = ()  # intended-use warnings the user accepted
    domain: DomainCheck | None = None  # vs the training data; None: the model has no reference
    volume: VolumeSummary | None = None  # a volume model's run as a whole (mL per label)

    @property
    def ood(self) -> tuple[str, ...]:
        """Why this image is unlike the model's training data (empty when alike or unknown)."""
        return self.domain.findings if self.domain is not None else ()

    def of_kind(self, kind: type[_O]) -> list[_O]:
        return [o for o in self.outputs if isinstance(o, kind)]

    @property
    def masks(self) -> list[MaskOutput]:
        return self.of_kind(MaskOutput)

    @property
    def boxes(self) -> list[BoxesOutput]:
        return self.of_kind(BoxesOutput)

    @property
    def heatmaps(self) -> list[HeatmapOutput]:
        return self.of_kind(HeatmapOutput)

    @property
    def labels(self) -> list[LabelsOutput]:
        return self.of_kind(LabelsOutput)

    @property
    def values(self) -> list[ValuesOutput]:
        return self.of_kind(ValuesOutput)
