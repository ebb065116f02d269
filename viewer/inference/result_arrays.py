"""A run's results WITH their pixels, as plain data: what ``lightbox serve`` answers with
``?outputs=arrays`` and what :mod:`viewer.inference.remote` turns back into the very
:class:`~viewer.inference.results.Result` objects a run here gives.

``result_json`` is the summary a script reads (label counts, rounded scores, no pixels);
this is everything a Result holds: each frame's letterbox geometry, label maps, heatmaps
on the model's grid with the letterbox ``box`` and ``value_range`` that place them (as
:class:`~viewer.inference.results.HeatmapOutput` keeps them, so nothing is resampled on
the server), every box with its full-precision score and the candidates below the
threshold, probabilities and values unrounded, the unrounded check against the training
data, and a volume run's summary (mL per label).

Arrays are ``{"dtype", "shape", "encoding": "zlib+base64", "data"}``: the raw C-order
bytes, zlib-compressed (a label map is mostly background: 16 KB of uint8 on a 128² slice
becomes well under 1 KB), then base64 so the answer stays ONE JSON document that the
viewer's standard-library client, a browser and any script read without a multipart
parser, and that the OpenAPI document describes. Floats are JSON numbers (Python's
shortest repr, so they come back bit-identical); NaN is ``null``.
"""

from __future__ import annotations

import base64
import math
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from viewer.inference.domain import DomainCheck
from viewer.inference.manifest import Label, Manifest
from viewer.inference.preprocess import Letterbox
from viewer.inference.results import (
    Box,
    BoxesOutput,
    HeatmapOutput,
    LabelsOutput,
    MaskOutput,
    Output,
    Result,
    ValuesOutput,
)
from viewer.inference.volume_summary import LabelVolume, VolumeSummary

ENCODING = "zlib+base64"
_DTYPES = ("uint8", "uint16", "int32", "float32")


class ArrayFormatError(ValueError):
    """An answer whose arrays are not as this module writes them."""


# --- encode (the service) ---------------------------------------------------------------


def encode_array(array: np.ndarray) -> dict[str, Any]:
    a = np.ascontiguousarray(array)
    if a.dtype.name not in _DTYPES:
        raise ValueError(f"no array encoding for {a.dtype}")
    return {"dtype": a.dtype.name, "shape": list(a.shape), "encoding": ENCODING,
            "data": base64.b64encode(zlib.compress(a.tobytes(), 1)).decode("ascii")}


def _num(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _box(box: Letterbox) -> dict[str, Any]:
    return {"source": list(box.source), "target": list(box.target),
            "scale": list(box.scale), "offset": list(box.offset)}


def _boxes(boxes: Sequence[Box]) -> list[dict[str, Any]]:
    return [{"x0": b.x0, "y0": b.y0, "x1": b.x1, "y1": b.y1, "score": b.score,
             "class_index": b.class_index, "class": b.class_name} for b in boxes]


def _output(o: Output) -> dict[str, Any]:
    if isinstance(o, MaskOutput):
        return {"name": o.output, "kind": "mask", "label_map": encode_array(o.mask)}
    if isinstance(o, HeatmapOutput):
        return {"name": o.output, "kind": "heatmap",
                "grid": None if o.grid is None else encode_array(o.grid),
                "box": None if o.box is None else _box(o.box),
                "value_range": list(o.value_range),
                "given": None if o.given is None else encode_array(o.given)}
    if isinstance(o, BoxesOutput):
        return {"name": o.output, "kind": "boxes", "score_threshold": o.score_threshold,
                "boxes": _boxes(o.boxes), "candidates": _boxes(o.candidates)}
    if isinstance(o, LabelsOutput):
        return {"name": o.output, "kind": "labels",
                "probabilities": [_num(p) for p in o.probabilities]}
    return {"name": o.output, "kind": "values", "values": [_num(v) for v in o.values]}


def frame_arrays(result: Result) -> dict[str, Any]:
    """One result's pixels and exact numbers (``FrameArrays`` in the OpenAPI document)."""
    p = result.provenance
    return {"frame_index": p.frame_index, "sop_instance_uid": p.sop_instance_uid,
            "geometry": _box(result.geometry),
            "outputs": [_output(o) for o in result.outputs],
            "domain": None if result.domain is None else {
                "psi": None if result.domain.psi is None else _num(result.domain.psi),
                "level": result.domain.level, "findings": list(result.domain.findings),
                "notes": list(result.domain.notes)}}


def volume_arrays(summary: VolumeSummary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {"voxel_mm3": summary.voxel_mm3, "frames": summary.frames,
            "target_shape": list(summary.target_shape),
            "target_spacing_mm": list(summary.target_spacing_mm),
            "patches": summary.patches, "accumulator_bytes": summary.accumulator_bytes,
            "volumes": [{"output": v.output, "value": v.label.value, "voxels": v.voxels,
                         "ml": v.ml} for v in summary.volumes]}


def run_arrays(results: Sequence[Result]) -> dict[str, Any]:
    """Every result of one run (``RunArrays``)."""
    return {"frames": [frame_arrays(r) for r in results],
            "volume": volume_arrays(results[0].volume if results else None)}


# --- decode (the viewer) ----------------------------------------------------------------


def decode_array(item: Mapping[str, Any]) -> np.ndarray:
    """The array, read-only; :class:`ArrayFormatError` when it is not one of ours."""
    try:
        dtype, shape = str(item["dtype"]), tuple(int(n) for n in item["shape"])
        if dtype not in _DTYPES or item.get("encoding") != ENCODING:
            raise ArrayFormatError(f"an array of {dtype} in {item.get('encoding')!r}")
        raw = zlib.decompress(base64.b64decode(item["data"], validate=True))
        array = np.frombuffer(raw, dtype=dtype).reshape(shape)
    except ArrayFormatError:
        raise
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise ArrayFormatError(f"an unreadable array ({type(exc).__name__})") from None
    return array  # frombuffer over bytes: read-only already


def letterbox(item: Mapping[str, Any]) -> Letterbox:
    def pair(key: str, kind: type) -> Any:
        a, b = item[key]
        return (kind(a), kind(b))

    return Letterbox(source=pair("source", int), target=pair("target", int),
                     scale=pair("scale", float), offset=pair("offset", int))


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


def _decode_boxes(items: Sequence[Mapping[str, Any]], classes: tuple[Label, ...]
                  ) -> tuple[Box, ...]:
    colors = {lb.name: lb.color for lb in classes}
    return tuple(Box(float(b["x0"]), float(b["y0"]), float(b["x1"]), float(b["y1"]),
                     float(b["score"]), int(b["class_index"]), str(b["class"]),
                     colors.get(str(b["class"]))) for b in items)


def outputs_of(frame: Mapping[str, Any], manifest: Manifest) -> tuple[Output, ...]:
    """One frame's outputs as a run here makes them, with the manifest's labels."""
    specs = {o.name: o for o in manifest.outputs}
    outputs: list[Output] = []
    for out in frame.get("outputs", []):
        spec = specs.get(str(out.get("name")))
        if spec is None:
            raise ArrayFormatError(f"an output {out.get('name')!r} the model does not have")
        kind = out.get("kind")
        if kind == "mask":
            mask = decode_array(out["label_map"])
            values, counts = np.unique(mask, return_counts=True)
            outputs.append(MaskOutput(spec.name, spec.labels, mask,
                                      {int(v): int(c) for v, c in zip(values, counts,
                                                                      strict=True)}))
        elif kind == "heatmap":
            grid, given = out.get("grid"), out.get("given")
            lo, hi = out.get("value_range", (0.0, 1.0))
            outputs.append(HeatmapOutput(
                spec.name, None if given is None else decode_array(given), spec.colormap,
                spec.for_output, grid=None if grid is None else decode_array(grid),
                box=None if out.get("box") is None else letterbox(out["box"]),
                value_range=(float(lo), float(hi))))
        elif kind == "boxes":
            outputs.append(BoxesOutput(spec.name, _decode_boxes(out["boxes"], spec.classes),
                                       float(out["score_threshold"]), spec.classes,
                                       _decode_boxes(out.get("candidates", ()),
                                                     spec.classes)))
        elif kind == "labels":
            outputs.append(LabelsOutput(spec.name, spec.labels, tuple(
                _float(p) for p in out["probabilities"])))
        elif kind == "values":
            outputs.append(ValuesOutput(
                spec.name, tuple(lb.name for lb in spec.labels),
                tuple(lb.unit for lb in spec.labels), spec.decimals,
                tuple(_float(v) for v in out["values"])))
        else:
            raise ArrayFormatError(f"an output of kind {kind!r}")
    return tuple(outputs)


def domain_of(frame: Mapping[str, Any]) -> DomainCheck | None:
    """The frame's check against the training data, unrounded (None: no reference)."""
    item = frame.get("domain")
    if item is None:
        return None
    psi = item.get("psi")
    return DomainCheck(None if psi is None else float(psi), str(item["level"]),
                       tuple(map(str, item.get("findings", ()))),
                       tuple(map(str, item.get("notes", ()))))


def volume_of(item: Mapping[str, Any] | None, manifest: Manifest) -> VolumeSummary | None:
    """A volume run's summary, its labels the manifest's."""
    if item is None:
        return None
    specs = {o.name: o for o in manifest.outputs}

    def label(output: str, value: int) -> Label:
        try:
            return next(lb for lb in specs[output].labels if lb.value == value)
        except (KeyError, StopIteration):
            raise ArrayFormatError(f"a volume for label {value} of {output!r}, which the "
                                   "model does not have") from None

    shape = tuple(int(n) for n in item["target_shape"])
    spacing = tuple(float(v) for v in item["target_spacing_mm"])
    if len(shape) != 3 or len(spacing) != 3:
        raise ArrayFormatError("a volume summary without three axes")
    return VolumeSummary(
        voxel_mm3=float(item["voxel_mm3"]), frames=int(item["frames"]),
        target_shape=(shape[0], shape[1], shape[2]),
        target_spacing_mm=(spacing[0], spacing[1], spacing[2]),
        patches=int(item["patches"]), accumulator_bytes=int(item["accumulator_bytes"]),
        volumes=tuple(LabelVolume(str(v["output"]), label(str(v["output"]), int(v["value"])),
                                  int(v["voxels"]), float(v["ml"])) for v in item["volumes"]))
