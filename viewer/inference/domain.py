"""Is this image like the model's training data? The out-of-domain check.

At build time modelkit stores, in the manifest's ``reference`` section, statistics of
training-like inputs (:func:`reference_statistics`): the histogram of model-input values
after the model's own pre-processing, over fixed bins; pixel spacing and image size
quantiles; declared acquisition attributes. Each run compares one image with them
(:func:`check_domain`): the population stability index (PSI) over the histogram, the
spacing and size against the training range with a margin, the acquisition attributes.

PSI = Σ (a − e) · ln(a / e) over the bins, e the reference fractions and a the image's,
both floored at :data:`FLOOR` so an empty bin does not divide by zero. Conventional
reading, the defaults of :class:`DomainThresholds`: below 0.1 like the training data,
0.1 – 0.25 some shift (noted), above 0.25 unlike (warned). A model may set its own in
``spec.yaml`` (``reference.thresholds``), calibrated with ``reference.sample_psi``: the
spread of each reference sample's own PSI against the whole.

Only the part of the model input the image covers counts: the letterbox's padding is the
viewer's, not the image's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from viewer.inference.manifest import Quantiles, Reference
from viewer.inference.preprocess import Letterbox

FLOOR = 1e-4
DEFAULT_BINS = 20
LIKE, SHIFT, UNLIKE = "like", "shift", "unlike"
HEADLINE = "this image is unlike the model's training data"


@dataclass(frozen=True)
class DomainCheck:
    """How one image compares with the training data."""

    psi: float | None
    level: str  # like | shift | unlike
    findings: tuple[str, ...] = ()  # why it is unlike: each one is enough to warn
    notes: tuple[str, ...] = ()  # a shift worth mentioning, no warning

    @property
    def unlike(self) -> bool:
        return bool(self.findings)

    @property
    def message(self) -> str:
        """One line for the panel and the saved result; empty when the image is alike."""
        return f"{HEADLINE}: {'; '.join(self.findings)}" if self.findings else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "psi": None if self.psi is None else round(self.psi, 4),
            "findings": list(self.findings),
            "notes": list(self.notes),
            "message": self.message,
        }


def histogram(values: np.ndarray, bins: int, value_range: tuple[float, float]) -> np.ndarray:
    """Fractions of ``values`` per bin; values beyond the range count in the end bins."""
    lo, hi = value_range
    flat = np.asarray(values, dtype=np.float64).ravel()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return np.full(bins, 1.0 / bins)
    index = np.clip(((flat - lo) / (hi - lo) * bins).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins).astype(np.float64)
    share: np.ndarray = counts / counts.sum()
    return share


def psi(expected: Sequence[float] | np.ndarray, actual: Sequence[float] | np.ndarray) -> float:
    e = np.maximum(np.asarray(expected, dtype=np.float64), FLOOR)
    a = np.maximum(np.asarray(actual, dtype=np.float64), FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def content(sample: np.ndarray, box: Letterbox | None) -> np.ndarray:
    """The part of a model input (…, H, W) that the image covers, without the padding."""
    if box is None:
        return sample
    (r0, c0), (rows, cols) = box.offset, box.inner
    return sample[..., r0 : r0 + rows, c0 : c0 + cols]


def _quantiles(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    q = np.quantile(np.asarray(values, dtype=np.float64), [0, 0.05, 0.5, 0.95, 1])
    return dict(zip(("min", "p05", "p50", "p95", "max"), (round(float(v), 4) for v in q),
                    strict=True))


def reference_statistics(
    samples: Iterable[Mapping[str, Any]],
    input_name: str,
    value_range: tuple[float, float],
    *,
    bins: int = DEFAULT_BINS,
    acquisition: Mapping[str, Any] | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """The manifest's ``reference`` section from training-like samples (build time).

    Each sample: ``image`` (the model input as the viewer prepares it, no padding),
    optionally ``spacing_mm`` (row, column) and ``size`` (rows, columns) of the source.
    """
    hists: list[np.ndarray] = []
    spacings: list[float] = []
    rows: list[float] = []
    cols: list[float] = []
    for item in samples:
        hists.append(histogram(np.asarray(item["image"]), bins, value_range))
        if item.get("spacing_mm") is not None:
            spacings.extend(float(v) for v in item["spacing_mm"])
        if item.get("size") is not None:
            rows.append(float(item["size"][0]))
            cols.append(float(item["size"][1]))
    if not hists:
        raise ValueError("no reference samples")
    pooled = np.mean(hists, axis=0)
    fractions = [round(float(v), 6) for v in pooled]
    fractions[int(np.argmax(fractions))] += round(1.0 - sum(fractions), 6)  # sums to 1 exactly
    section: dict[str, Any] = {
        "input": input_name,
        "samples": len(hists),
        "intensity_histogram": {"range": [float(value_range[0]), float(value_range[1])],
                                "bins": bins, "fractions": fractions},
        "pixel_spacing_mm": _quantiles(spacings),
        "image_rows": _quantiles(rows),
        "image_columns": _quantiles(cols),
        "sample_psi": _quantiles([psi(pooled, h) for h in hists]),
    }
    if acquisition:
        section["acquisition"] = dict(acquisition)
    if thresholds:
        section["thresholds"] = dict(thresholds)
    return section


def _outside(value: float, q: Quantiles, margin: float) -> bool:
    return value < q.min / (1 + margin) or value > q.max * (1 + margin)


def _span(q: Quantiles, unit: str = "") -> str:
    return f"{q.min:g}–{q.max:g}{unit}"


def check_domain(
    reference: Reference,
    sample: np.ndarray,
    box: Letterbox | None = None,
    *,
    spacing_mm: tuple[float, float] | None = None,
    size: tuple[int, int] | None = None,
    attributes: Mapping[str, Any] | None = None,
) -> DomainCheck:
    """Compare one prepared model input (and its source's geometry) with ``reference``.

    ``attributes``: the image's acquisition attributes by the names the reference
    declares (``modality``: text, ``kvp``: a number); a missing one is not judged.
    """
    t = reference.thresholds
    findings: list[str] = []
    notes: list[str] = []
    actual = histogram(content(sample, box), reference.bins, reference.value_range)
    value = psi(reference.histogram, actual)
    if value > t.psi_unlike:
        findings.append(f"intensity distribution differs (PSI {value:.2f} > {t.psi_unlike:g})")
        level = UNLIKE
    elif value >= t.psi_shift:
        notes.append(f"intensity distribution shifted a little (PSI {value:.2f})")
        level = SHIFT
    else:
        level = LIKE
    if reference.spacing_mm is not None:
        if spacing_mm is None:
            findings.append(
                "pixel spacing is not recorded (training data: "
                f"{_span(reference.spacing_mm, ' mm')})"
            )
        else:
            odd = [v for v in spacing_mm if _outside(v, reference.spacing_mm, t.spacing_margin)]
            if odd:
                findings.append(
                    f"pixel spacing {odd[0]:g} mm is outside the training data's "
                    f"{_span(reference.spacing_mm, ' mm')}"
                )
    if size is not None:
        for axis, q, n in (("rows", reference.rows, size[0]), ("columns", reference.columns, size[1])):
            if q is not None and _outside(float(n), q, t.size_margin):
                findings.append(f"image has {n} {axis}; the training data had {_span(q)}")
    findings.extend(_acquisition(reference.acquisition, attributes or {}))
    if findings:
        level = UNLIKE
    return DomainCheck(value, level, tuple(findings), tuple(notes))


def _acquisition(declared: Mapping[str, Any], seen: Mapping[str, Any]) -> list[str]:
    out = []
    for key, allowed in declared.items():
        value = seen.get(key)
        if value is None or value == "":
            continue
        if isinstance(allowed, list) and len(allowed) == 2 and all(
            isinstance(v, (int, float)) for v in allowed
        ):
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            if not allowed[0] <= number <= allowed[1]:
                out.append(f"{key} {number:g} is outside the training data's "
                           f"{allowed[0]:g}–{allowed[1]:g}")
        elif isinstance(allowed, list) and allowed:
            names = [str(v).upper() for v in allowed]
            if str(value).strip().upper() not in names:
                out.append(f"{key} is {str(value).strip().upper()}; the training data were "
                           f"{', '.join(names)}")
    return out
