"""Model outputs → results on the ORIGINAL image's pixel grid, as the manifest declares.

An output grid of (h, w) covers the whole model input (H, W) (a U-Net at full
resolution, a CAM at 1/8th); an original pixel centre is carried through the letterbox
into that grid and sampled there (nearest for labels, bilinear for heatmaps). Boxes go
the other way: their corners are mapped back with the letterbox's inverse. A label map
(argmax done in the graph) is sampled like an argmaxed mask; values are passed on as the
numbers they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from viewer.inference.errors import ArtifactError
from viewer.inference.manifest import Label, OutputSpec
from viewer.inference.preprocess import Letterbox
from viewer.inference.results import (
    Box,
    BoxesOutput,
    HeatmapOutput,
    LabelsOutput,
    MaskOutput,
    Output,
    ValuesOutput,
)


def activate(values: np.ndarray, activation: str, axis: int = 0) -> np.ndarray:
    values = values.astype(np.float32, copy=False)
    if activation == "softmax":
        shifted = values - values.max(axis=axis, keepdims=True)
        e = np.exp(shifted)
        probabilities: np.ndarray = e / e.sum(axis=axis, keepdims=True)
        return probabilities
    if activation == "sigmoid":
        squashed: np.ndarray = 1.0 / (1.0 + np.exp(-values))
        return squashed
    return values


def _source_coords(box: Letterbox, grid: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """For each original row and column centre: its continuous coordinate in ``grid``."""
    rows, cols = box.source
    cx, cy = box.to_model(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    gy = cy * (grid[0] / box.target[0])
    gx = cx * (grid[1] / box.target[1])
    return gy, gx


def sample_nearest(plane: np.ndarray, box: Letterbox) -> np.ndarray:
    gy, gx = _source_coords(box, plane.shape)
    ri = np.clip(np.floor(gy).astype(np.intp), 0, plane.shape[0] - 1)
    ci = np.clip(np.floor(gx).astype(np.intp), 0, plane.shape[1] - 1)
    return plane[np.ix_(ri, ci)]


def sample_linear(plane: np.ndarray, box: Letterbox) -> np.ndarray:
    gy, gx = _source_coords(box, plane.shape)

    def weights(g: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = np.clip(g - 0.5, 0, size - 1)  # centre-based; the edges hold their value
        lo = np.floor(g).astype(np.intp)
        hi = np.minimum(lo + 1, size - 1)
        return lo, hi, (g - lo).astype(np.float32)

    r0, r1, fy = weights(gy, plane.shape[0])
    c0, c1, fx = weights(gx, plane.shape[1])
    p = plane.astype(np.float32, copy=False)
    # Separable: along the columns once per row of the (small) model grid, then the rows
    # pick from it. Each value is the same float32 sum as mixing four corners per pixel.
    across = p[:, c0] * (1 - fx) + p[:, c1] * fx
    # In place at the full size (the same products and sums, two arrays instead of five).
    resampled: np.ndarray = across[r0]
    resampled *= (1 - fy)[:, None]
    lower = across[r1]
    lower *= fy[:, None]
    resampled += lower
    return resampled


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def mask_output(spec: OutputSpec, values: np.ndarray, box: Letterbox) -> MaskOutput:
    """(classes, h, w) scores → a label map at the original size."""
    probs = activate(values, spec.activation, axis=0)
    labels = spec.labels
    if probs.shape[0] == 1:  # one foreground channel: above one half is the foreground
        threshold = 0.5 if spec.activation != "none" else 0.0
        index = (probs[0] > threshold).astype(np.intp)
        table = np.array([0, _value(labels[-1])], dtype=np.int64)
    else:
        index = np.argmax(probs, axis=0)
        table = np.array([_value(label) for label in labels], dtype=np.int64)
        if table.size < probs.shape[0]:  # unnamed channels fall back to their index
            table = np.concatenate([table, np.arange(table.size, probs.shape[0])])
    if table.min() >= 0 and table.max() <= MAX_LABEL_VALUE:
        # Labels on the model's grid in the mask's own type, then sampled: the same map as
        # sampling the class index first, without an int64 map at the original size.
        small = table.astype(np.uint8 if table.max() < 256 else np.uint16)
        return _mask(spec, sample_nearest(small[index], box))
    return _mask(spec, table[sample_nearest(index, box)])


#: The largest label value a mask holds (its pixels are stored as uint16).
MAX_LABEL_VALUE = 65535


def label_map_output(spec: OutputSpec, values: np.ndarray, box: Letterbox) -> MaskOutput:
    """(h, w) label values (argmax done inside the graph) → a label map at the original
    size, sampled nearest through the letterbox exactly as an argmaxed mask is. A float
    map is rounded; values outside 0..65535 (none a label can have) become background."""
    plane = values.reshape(values.shape[-2:])
    if plane.dtype.kind == "f":
        plane = np.rint(np.nan_to_num(plane, nan=0.0))
    plane = plane.astype(np.int64)
    plane = np.where((plane < 0) | (plane > MAX_LABEL_VALUE), 0, plane)
    return _mask(spec, sample_nearest(plane, box))


def _mask(spec: OutputSpec, label_map: np.ndarray) -> MaskOutput:
    dtype = np.uint8 if label_map.max(initial=0) < 256 else np.uint16
    label_map = label_map.astype(dtype, copy=False)
    # Pixels per label value by counting, not sorting (np.unique sorts every pixel).
    counts = np.bincount(label_map.reshape(-1), minlength=1)
    found = np.flatnonzero(counts)
    return MaskOutput(
        spec.name,
        spec.labels,
        _frozen(label_map),
        {int(v): int(counts[v]) for v in found},
    )


def _value(label: Label) -> int:
    return int(label.value or 0)


def labels_output(spec: OutputSpec, values: np.ndarray) -> LabelsOutput:
    probs = activate(values.reshape(-1), spec.activation, axis=0)
    return LabelsOutput(spec.name, spec.labels, tuple(float(p) for p in probs[: len(spec.labels)]))


def values_output(spec: OutputSpec, values: np.ndarray) -> ValuesOutput:
    """(K,) numbers → one per named value, as the model gave them (activation applied)."""
    flat = activate(values.reshape(-1), spec.activation, axis=0)[: len(spec.labels)]
    return ValuesOutput(
        spec.name,
        tuple(label.name for label in spec.labels),
        tuple(label.unit for label in spec.labels),
        spec.decimals,
        tuple(float(v) for v in flat),
    )


def heatmap_output(spec: OutputSpec, values: np.ndarray, box: Letterbox) -> HeatmapOutput:
    """The model's heatmap, kept on its grid; placed on the image when first shown."""
    plane = values.reshape(values.shape[-2:]).astype(np.float32)
    plane = activate(plane, spec.activation)
    return HeatmapOutput(spec.name, None, spec.colormap, spec.for_output,
                         grid=_frozen(np.ascontiguousarray(plane)), box=box,
                         value_range=spec.value_range)


def place_heatmap(plane: np.ndarray, box: Letterbox,
                  value_range: tuple[float, float]) -> np.ndarray:
    """A model-grid heatmap at the image's size, scaled to 0..1 by ``value_range``."""
    lo, hi = value_range
    heat = sample_linear(plane, box)  # float32, our own: scaled in place (the same values)
    heat -= lo
    heat /= hi - lo
    np.clip(heat, 0.0, 1.0, out=heat)
    return _frozen(heat)


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of one box ``a`` (4,) with many ``b`` (n, 4), xyxy."""
    w = np.clip(np.minimum(a[2], b[:, 2]) - np.maximum(a[0], b[:, 0]), 0, None)
    h = np.clip(np.minimum(a[3], b[:, 3]) - np.maximum(a[1], b[:, 1]), 0, None)
    inter = w * h
    area_a = max(0.0, float(a[2] - a[0])) * max(0.0, float(a[3] - a[1]))
    area_b = np.clip(b[:, 2] - b[:, 0], 0, None) * np.clip(b[:, 3] - b[:, 1], 0, None)
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


#: Up to this many boxes, NMS compares all pairs at once (a 2048² matrix is 32 MB); more
#: fall back to one row at a time.
NMS_MATRIX_LIMIT = 2048


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box of ``a`` (n, 4) with every box of ``b`` (m, 4).
    The products and quotients are those of :func:`iou`, computed in place (fewer n × m
    temporaries; the same values to the bit)."""
    a = a.astype(np.float64, copy=False)
    b = b.astype(np.float64, copy=False)
    inter = np.minimum(a[:, None, 2], b[None, :, 2])
    inter -= np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3])
    h -= np.maximum(a[:, None, 1], b[None, :, 1])
    np.maximum(inter, 0, out=inter)
    np.maximum(h, 0, out=h)
    inter *= h
    area_a = np.maximum(a[:, 2] - a[:, 0], 0) * np.maximum(a[:, 3] - a[:, 1], 0)
    area_b = np.maximum(b[:, 2] - b[:, 0], 0) * np.maximum(b[:, 3] - b[:, 1], 0)
    union = area_a[:, None] + area_b[None, :]
    union -= inter
    positive = union > 0
    np.divide(inter, union, out=inter, where=positive)
    inter[~positive] = 0.0
    result: np.ndarray = inter
    return result


def nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_limit: float) -> list[int]:
    """Greedy non-maximum suppression per class; indices kept, best score first."""
    order = np.argsort(-scores, kind="stable")
    kept: list[int] = []
    suppressed = np.zeros(len(scores), dtype=bool)
    if len(scores) > NMS_MATRIX_LIMIT:
        for i in order:
            if suppressed[i]:
                continue
            kept.append(int(i))
            suppressed |= (classes == classes[i]) & (iou(boxes[i], boxes) > iou_limit)
        return kept
    # A detector proposes a box per grid cell (hundreds) and the threshold slider needs
    # them all: one pairwise matrix instead of a numpy call per kept box, and a box that
    # overlaps no other of its class is kept without touching the matrix (most of them).
    over: np.ndarray = pairwise_iou(boxes, boxes) > iou_limit
    over &= classes[:, None] == classes[None, :]
    np.fill_diagonal(over, False)
    busy = np.asarray(over.any(axis=1))
    for i, overlaps in zip(order.tolist(), busy[order].tolist(), strict=True):
        if suppressed[i]:
            continue
        kept.append(i)
        if overlaps:
            suppressed |= over[i]
    return kept


_BOX_FIELDS = tuple(f.name for f in dataclasses.fields(Box))


def _box(*values: object) -> Box:
    """``Box(*values)`` without the frozen dataclass's ``object.__setattr__`` per field: a
    detector gives hundreds of candidates per image (2.4 → 1.6 µs each; the same object,
    equal and hashed alike, ``tests/inference/test_processing.py``)."""
    made: Box = object.__new__(Box)
    made.__dict__.update(zip(_BOX_FIELDS, values, strict=True))
    return made


def boxes_output(
    spec: OutputSpec, boxes: np.ndarray, scores: np.ndarray, box: Letterbox,
    class_index: np.ndarray | None = None,
) -> BoxesOutput:
    """(n, 4) xyxy in model-input pixels + (n, k) scores → boxes on the original image.

    ``class_index`` (n,): each box's class as the model chose it (variable-length
    layout); then ``scores`` is (n,), the score of that class."""
    boxes = boxes.reshape(-1, 4).astype(np.float64)
    scores = scores.reshape(boxes.shape[0], -1).astype(np.float64)
    if class_index is not None:
        best = scores[:, 0]
        cls = np.clip(np.rint(np.nan_to_num(class_index.reshape(-1))), 0, None).astype(np.intp)
    elif scores.shape[1] == 1:
        best, cls = scores[:, 0], np.zeros(len(boxes), dtype=np.intp)
    else:
        cls = np.argmax(scores, axis=1)
        best = scores[np.arange(len(boxes)), cls]
    finite = np.isfinite(boxes).all(axis=1) & np.isfinite(best)
    x0, y0 = box.to_source(boxes[:, 0], boxes[:, 1])
    x1, y1 = box.to_source(boxes[:, 2], boxes[:, 3])
    rows, cols = box.source
    mapped = np.stack(
        [np.clip(x0, 0, cols), np.clip(y0, 0, rows), np.clip(x1, 0, cols), np.clip(y1, 0, rows)],
        axis=1,
    )
    real = finite & (mapped[:, 2] > mapped[:, 0]) & (mapped[:, 3] > mapped[:, 1])
    index = np.nonzero(real)[0]
    kept = index[nms(mapped[index], best[index], cls[index], spec.nms_iou)]
    classes = spec.classes
    # Python numbers in one call each (the same values float()/int() give per element).
    corners, scores_, classes_ = mapped[kept].tolist(), best[kept].tolist(), cls[kept].tolist()

    def make(k: int) -> Box:
        c = int(classes_[k])
        label = classes[c] if c < len(classes) else Label(f"class {c}")
        x0_, y0_, x1_, y1_ = corners[k]
        return _box(x0_, y0_, x1_, y1_, scores_[k], c, label.name, label.color)

    candidates = tuple(make(k) for k in range(len(kept)))
    chosen = tuple(b for b in candidates if b.score >= spec.score_threshold)
    return BoxesOutput(spec.name, chosen, spec.score_threshold, classes, candidates)


def postprocess(
    outputs: dict[str, np.ndarray], specs: tuple[OutputSpec, ...], box: Letterbox
) -> tuple[Output, ...]:
    """One sample's raw outputs (batch axis removed) → results, in the manifest's order."""
    found: list[Output] = []
    for spec in specs:
        values = outputs[spec.name]
        if spec.kind == "mask":
            found.append(mask_output(spec, values, box))
        elif spec.kind == "label_map":
            found.append(label_map_output(spec, values, box))
        elif spec.kind == "labels":
            found.append(labels_output(spec, values))
        elif spec.kind == "values":
            found.append(values_output(spec, values))
        elif spec.kind == "heatmap":
            found.append(heatmap_output(spec, values, box))
        elif spec.kind == "boxes":
            classes = outputs[spec.classes_output] if spec.classes_output else None
            found.append(boxes_output(spec, values, outputs[spec.scores or ""], box, classes))
    return tuple(found)


def split_batch(
    model_id: str, specs: Sequence[OutputSpec], raw: Sequence[np.ndarray], count: int
) -> list[dict[str, np.ndarray]]:
    """A batch's raw outputs (in ``specs``' order) → one dict per sample.

    Batch-first outputs are indexed; the rows of variable-length boxes and their
    companions go to the sample their ``box_batch`` output names. A graph that breaks the
    layout (row counts that differ, a batch index outside the batch) raises
    ``ArtifactError`` rather than give a sample another image's boxes."""
    arrays = {spec.name: np.asarray(a) for spec, a in zip(specs, raw, strict=True)}
    owner: dict[str, str] = {}  # variable-length output → its box_batch output
    for spec in specs:
        if spec.kind == "boxes" and spec.layout == "variable" and spec.batch_index:
            for name in (spec.name, spec.scores, spec.classes_output, spec.batch_index):
                owner[str(name)] = spec.batch_index
    rows: dict[str, np.ndarray] = {}
    for index_name in set(owner.values()):
        index = arrays[index_name].reshape(-1)
        members = [n for n, o in owner.items() if o == index_name]
        if any(arrays[n].shape[:1] != index.shape for n in members):
            raise ArtifactError(model_id, "the model's box outputs "
                                f"{', '.join(sorted(members))} differ in their number of rows")
        which = np.rint(np.nan_to_num(index.astype(np.float64), nan=-1)).astype(np.int64)
        if which.size and (which.min() < 0 or which.max() >= count):
            raise ArtifactError(model_id, f"the model's {index_name!r} names an image "
                                f"outside the batch of {count}")
        rows[index_name] = which
    samples = []
    for k in range(count):
        sample = {}
        for name, array in arrays.items():
            sample[name] = array[rows[owner[name]] == k] if name in owner else array[k]
        samples.append(sample)
    return samples
