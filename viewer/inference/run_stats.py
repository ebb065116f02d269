"""What a run's audit record says about its input and output: the drift statistics.

A hospital's AI governance committee asks, month by month, whether a model still sees what
it was validated on and whether its outputs moved (``viewer.audit.drift``). Every run's
audit record therefore carries ``stats`` (format version 1, see docs/governance.md): the
execution provider, the intended-use warnings the reader accepted, the input's acquisition
attributes and domain statistics (the PSI against the model's reference, its histogram
over fixed edges, the per-frame like/shift/unlike levels, spacing, size) and a summary of
each output (class probabilities, mask volumes or areas, box counts and scores, values).

Never patient data: no names, IDs, UIDs, dates, station or institution names. The
acquisition attributes are the device's (manufacturer, model name, software version,
kVp, field strength), each cut to a bounded length; every list is bounded, so a record
stays a few kilobytes whatever the series.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from viewer.inference.results import (
    BoxesOutput,
    HeatmapOutput,
    LabelsOutput,
    MaskOutput,
    Result,
    ValuesOutput,
)

if TYPE_CHECKING:
    from viewer.inference.manifest import Reference
    from viewer.io.model import Series

STATS_VERSION = 1
#: Upper edges of the PSI histogram's bins: [0, .05), [.05, .1), … [1, inf).
PSI_EDGES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1.0, math.inf)
MAX_SCORES = 50  # box scores kept per output, highest first
MAX_CLASSES = 64  # classes (labels) and values kept per output, the manifest's first
MAX_MASK_LABELS = 128  # mask labels kept per output, the manifest's first
MAX_WARNINGS = 10
MAX_TEXT = 64  # acquisition attribute text
MAX_WARNING_TEXT = 200


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    """A header value as plain text: multi-valued joined by '\\', cut to ``limit``."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = "\\".join(str(v) for v in value)
    return str(value).strip()[:limit]


def _number(value: Any) -> float | None:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        value = value[0] if len(value) else None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return round(number, 4) if math.isfinite(number) else None


def _finite(value: float, digits: int = 4) -> float | None:
    return round(float(value), digits) if math.isfinite(value) else None


def _tag(tags: Any, keyword: str) -> Any:
    if tags is None:
        return None
    try:
        return tags.get(keyword)
    except Exception:  # noqa: BLE001 - a malformed value is as good as none here
        return None


def input_stats(series: Series, results: Sequence[Result],
                psi_thresholds: tuple[float, float] | None = None) -> dict[str, Any]:
    """The input's acquisition attributes (from the first image of the run) and its domain
    statistics over the run's results."""
    refs = [series.frames[r.provenance.frame_index] for r in results
            if 0 <= r.provenance.frame_index < len(series.frames)] or series.frames[:1]
    first = refs[0] if refs else None
    tags = first.instance.tags if first is not None else None
    pixel = first.instance.pixel if first is not None else None
    spacing = first.geometry.spacing if first is not None else None
    return {
        "modality": _text(series.modality),
        "body_part": _text(_tag(tags, "BodyPartExamined")),
        "manufacturer": _text(_tag(tags, "Manufacturer")),
        "device_model": _text(_tag(tags, "ManufacturerModelName")),
        "software": _text(_tag(tags, "SoftwareVersions")),
        "kvp": _number(_tag(tags, "KVP")),
        "field_strength_t": _number(_tag(tags, "MagneticFieldStrength")),
        "frames": len(results),
        "rows": pixel.rows if pixel is not None else None,
        "columns": pixel.columns if pixel is not None else None,
        "spacing_mm": [round(float(v), 4) for v in spacing] if spacing else None,
        "slice_mm": _number(_tag(tags, "SliceThickness")),
        "levels": _levels(results),
        "psi": psi_summary(_psis(results)),
        # the model's own (shift, unlike) PSI thresholds, for the report's plots
        "psi_thresholds": list(psi_thresholds) if psi_thresholds is not None else None,
    }


def _levels(results: Iterable[Result]) -> dict[str, int]:
    counts = Counter(r.domain.level for r in results if r.domain is not None)
    return {level: counts.get(level, 0) for level in ("like", "shift", "unlike")}


def _psis(results: Sequence[Result]) -> list[float]:
    """One PSI per distinct domain check (a volume run's frames share one)."""
    seen: set[int] = set()
    values = []
    for r in results:
        d = r.domain
        if d is None or d.psi is None or id(d) in seen:
            continue
        seen.add(id(d))
        if math.isfinite(d.psi):
            values.append(float(d.psi))
    return values


def psi_summary(values: Sequence[float]) -> dict[str, Any] | None:
    """p50, p90, max, n and the counts over :data:`PSI_EDGES`; None without values."""
    if not values:
        return None
    array = np.asarray(values, dtype=np.float64)
    p50, p90 = np.quantile(array, [0.5, 0.9])
    hist = [0] * (len(PSI_EDGES) - 1)
    for v in values:
        hist[psi_bin(v)] += 1
    return {"p50": round(float(p50), 4), "p90": round(float(p90), 4),
            "max": round(float(array.max()), 4), "n": len(values), "hist": hist}


def psi_bin(value: float) -> int:
    """The bin of :data:`PSI_EDGES` that ``value`` falls in."""
    for i in range(len(PSI_EDGES) - 1):
        if value < PSI_EDGES[i + 1]:
            return i
    return len(PSI_EDGES) - 2


def output_stats(series: Series, results: Sequence[Result]) -> dict[str, Any]:
    """A summary per output name, only the kinds present in the results."""
    by_name: dict[str, list[Any]] = {}
    for r in results:
        for o in r.outputs:
            by_name.setdefault(o.output, []).append((r, o))
    found: dict[str, Any] = {}
    for name, items in by_name.items():
        first = items[0][1]
        if isinstance(first, LabelsOutput):
            found[name] = _labels([o for _, o in items])
        elif isinstance(first, MaskOutput):
            found[name] = _masks(name, items, series)
        elif isinstance(first, BoxesOutput):
            found[name] = _boxes([o for _, o in items])
        elif isinstance(first, ValuesOutput):
            found[name] = _values([o for _, o in items])
        elif isinstance(first, HeatmapOutput):
            found[name] = {"kind": "heatmap"}
    return found


def _labels(outputs: Sequence[LabelsOutput]) -> dict[str, Any]:
    probabilities = np.asarray([o.probabilities for o in outputs], dtype=np.float64)
    mean = np.nanmean(probabilities, axis=0) if probabilities.size else []
    tops = Counter(o.top[0] for o in outputs)
    labels = outputs[0].labels[:MAX_CLASSES]
    # "names" gives the order of "mean": the log sorts the keys of "top"
    return {"kind": "labels", "names": [label.name for label in labels],
            "mean": [_finite(v) for v in mean[:MAX_CLASSES]],
            "top": {label.name: tops.get(label.name, 0) for label in labels}}


def _masks(name: str, items: Sequence[tuple[Result, MaskOutput]],
           series: Series) -> dict[str, Any]:
    summary = items[0][0].volume
    if summary is not None:  # a volume run: its mL per label, as shown
        volumes = [v for v in summary.volumes if v.output == name][:MAX_MASK_LABELS]
        return {"kind": "mask", "ml": {v.label.name: round(v.ml, 3) for v in volumes}}
    labels = [label for label in items[0][1].labels if label.value][:MAX_MASK_LABELS]
    spacings = [spacing_of(series, r) for r, _ in items]
    known = all(s is not None for s in spacings)
    totals = dict.fromkeys((label.name for label in labels), 0.0)
    for (_, mask), spacing in zip(items, spacings, strict=True):
        area = spacing[0] * spacing[1] if known and spacing is not None else 1.0
        for label in labels:
            totals[label.name] += mask.counts.get(int(label.value or 0), 0) * area
    unit = "mm2" if known else "pixels"
    return {"kind": "mask", unit: {k: round(v, 2) for k, v in totals.items()}}


def spacing_of(series: Series, result: Result) -> tuple[float, float] | None:
    i = result.provenance.frame_index
    return series.frames[i].geometry.spacing if 0 <= i < len(series.frames) else None


def _boxes(outputs: Sequence[BoxesOutput]) -> dict[str, Any]:
    scores = sorted((b.score for o in outputs for b in o.boxes), reverse=True)
    return {"kind": "boxes", "count": len(scores),
            "frames_with_boxes": sum(1 for o in outputs if o.boxes),
            "scores": [_finite(s) for s in scores[:MAX_SCORES]]}


def _values(outputs: Sequence[ValuesOutput]) -> dict[str, Any]:
    values = np.asarray([o.values for o in outputs], dtype=np.float64)
    with np.errstate(all="ignore"):
        mean = np.nanmean(values, axis=0) if values.size else []
    return {"kind": "values", "names": list(outputs[0].names[:MAX_CLASSES]),
            "mean": [_finite(v) for v in mean[:MAX_CLASSES]]}


def run_stats(series: Series | None, results: Sequence[Result], *,
              provider: str, warnings: Sequence[str] = (),
              reference: Reference | None = None) -> dict[str, Any]:
    """The ``stats`` of a run's audit record (format :data:`STATS_VERSION`).

    ``series`` None: a run on raw tensors, which has no image to describe (the record
    then says only the provider and the accepted warnings). ``reference``: the model's
    reference statistics, whose PSI thresholds the record keeps beside the PSI.
    """
    stats: dict[str, Any] = {
        "v": STATS_VERSION,
        "provider": provider,
        "warnings_accepted": [str(w)[:MAX_WARNING_TEXT] for w in warnings[:MAX_WARNINGS]],
    }
    if series is not None:
        t = reference.thresholds if reference is not None else None
        stats["input"] = input_stats(series, results, None if t is None
                                     else (t.psi_shift, t.psi_unlike))
        stats["output"] = output_stats(series, results)
    return stats
