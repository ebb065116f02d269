"""The report's figures: per model series (id, version, digest: a version change is two
series, never mixed) and ISO week, from verified AI-run records (``stats`` format 1,
docs/governance.md). Plain data (the JSON written beside the HTML): the HTML is drawn
from exactly these numbers, and the tests check them against a generated history's truth.

Records without ``stats`` (an older Lightbox) count as runs and in nothing else; the
report says how many. Runs that ended in error or were refused count as runs; their
statistics (if any) count too, as what the model was given.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from viewer.audit.report.weeks import record_time, week_of, weeks_between

SeriesKey = tuple[str, str, str]  # model id, version, digest
LEVELS = ("like", "shift", "unlike")
#: Alerts of one series in one week: (series records, week start, week end, reference
#: records of the series) → plain dicts (model, version, metric, value, threshold, message).
Evaluate = Callable[[list[dict[str, Any]], datetime, datetime, list[dict[str, Any]]],
                    list[dict[str, Any]]]


@dataclass(frozen=True)
class PsiLimits:
    """The model's own PSI thresholds (its manifest) or the defaults, and which."""

    shift: float
    unlike: float
    source: str  # "manifest" | "defaults"


def series_key(record: Mapping[str, Any]) -> SeriesKey:
    return (str(record.get("model_id", "")), str(record.get("model_version", "")),
            str(record.get("model_digest", "")))


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        return float(ordered[0])
    return float(statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]) \
        if 0 < q < 1 else float(ordered[0] if q <= 0 else ordered[-1])


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _stats(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    stats = record.get("stats")
    return stats if isinstance(stats, dict) and stats.get("v") == 1 else None


def device_of(stats: Mapping[str, Any]) -> str:
    """manufacturer + model name + software version of the acquiring device."""
    inp = stats.get("input") or {}
    parts = [str(inp.get(k) or "").strip() for k in ("manufacturer", "device_model", "software")]
    return " · ".join(p for p in parts if p) or "(not recorded)"


class _Input:
    """Input statistics summed over runs (a week, a device)."""

    def __init__(self) -> None:
        self.runs = 0
        self.levels: Counter[str] = Counter()
        self.p50: list[float] = []
        self.p90: list[float] = []
        self.kvp: list[float] = []
        self.tesla: list[float] = []
        self.pixel: list[float] = []
        self.slice: list[float] = []
        self.modalities: Counter[str] = Counter()

    def add(self, stats: Mapping[str, Any]) -> None:
        inp = stats.get("input") or {}
        self.runs += 1
        for level in LEVELS:
            self.levels[level] += int((inp.get("levels") or {}).get(level, 0))
        psi = inp.get("psi")
        if isinstance(psi, dict):
            for key, into in (("p50", self.p50), ("p90", self.p90)):
                if isinstance(psi.get(key), (int, float)):
                    into.append(float(psi[key]))
        for key, into in (("kvp", self.kvp), ("field_strength_t", self.tesla),
                          ("slice_mm", self.slice)):
            if isinstance(inp.get(key), (int, float)):
                into.append(float(inp[key]))
        spacing = inp.get("spacing_mm")
        if isinstance(spacing, list) and spacing and isinstance(spacing[0], (int, float)):
            self.pixel.append(float(spacing[0]))
        if inp.get("modality"):
            self.modalities[str(inp["modality"])] += 1

    def figures(self) -> dict[str, Any]:
        frames = sum(self.levels.values())
        return {
            "runs_with_stats": self.runs, "frames": frames,
            **{level: self.levels[level] for level in LEVELS},
            "share_shift": _share(self.levels["shift"], frames),
            "share_unlike": _share(self.levels["unlike"], frames),
            "psi_p50": _median(self.p50), "psi_p90": _median(self.p90),
            "psi_p90_runs": sorted(round(v, 4) for v in self.p90),
        }

    def acquisition(self) -> dict[str, Any]:
        return {"modality": ", ".join(m for m, _ in self.modalities.most_common()),
                "kvp": _median(self.kvp), "field_strength_t": _median(self.tesla),
                "pixel_mm": _median(self.pixel), "slice_mm": _median(self.slice)}


def _median(values: Sequence[float]) -> float | None:
    return float(statistics.median(values)) if values else None


class _Outputs:
    """Output statistics summed over runs: per output, per metric."""

    def __init__(self) -> None:
        self.kind: dict[str, str] = {}
        self.top: dict[str, Counter[str]] = defaultdict(Counter)
        self.per_run: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def add(self, stats: Mapping[str, Any]) -> None:
        for name, out in (stats.get("output") or {}).items():
            if not isinstance(out, dict):
                continue
            kind = str(out.get("kind", ""))
            self.kind.setdefault(name, kind)
            runs = self.per_run[name]
            if kind == "labels" and isinstance(out.get("top"), dict):
                self.top[name].update({str(k): int(v) for k, v in out["top"].items()})
            elif kind == "mask":
                for unit in ("ml", "mm2", "pixels"):
                    for label, value in (out.get(unit) or {}).items():
                        runs[f"{unit}:{label}"].append(float(value))
            elif kind == "boxes":
                runs["boxes_per_run"].append(float(out.get("count", 0)))
                scores = [float(s) for s in out.get("scores") or []]
                if scores:
                    runs["best_score"].append(max(scores))
            elif kind == "values":
                for i, value in enumerate(out.get("mean") or []):
                    runs[f"mean:{i}"].append(float(value))

    def figures(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, kind in self.kind.items():
            metrics: dict[str, float | None] = {}
            top = self.top.get(name)
            if top:
                total = sum(top.values())
                metrics.update({f"share:{label}": _share(n, total) for label, n in top.items()})
            metrics.update({m: statistics.fmean(v) for m, v in self.per_run[name].items() if v})
            out[name] = {"kind": kind, "metrics": metrics}
        return out


def _within(records: Iterable[dict[str, Any]], start: datetime,
            end: datetime) -> list[dict[str, Any]]:
    found = []
    for r in records:
        when = record_time(r)
        if when is not None and start <= when < end:
            found.append(r)
    return found


def series_of(records: Iterable[dict[str, Any]]) -> dict[SeriesKey, list[dict[str, Any]]]:
    found: dict[SeriesKey, list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        found[series_key(r)].append(r)
    return dict(found)


def build(records: Sequence[dict[str, Any]], start: datetime, end: datetime,
          reference: tuple[datetime, datetime] | None,
          limits: Callable[[str, str], PsiLimits],
          evaluate: Evaluate | None = None) -> dict[str, Any]:
    """Every figure of the report for ``[start, end)``; ``records`` may reach outside it
    (the reference period may lie before it)."""
    weeks = weeks_between(start, end)
    inside = _within(records, start, end)
    ref_records = _within(records, *reference) if reference else []
    by_week_all = Counter(week_of(t) for r in inside if (t := record_time(r)) is not None)
    empty = [label for label, _, _ in weeks if not by_week_all[label]]
    ref_series = series_of(ref_records)
    models = []
    for key, rows in sorted(series_of(inside).items(),
                            key=lambda kv: (kv[0][0], min(str(r.get("time")) for r in kv[1]))):
        models.append(_series(key, rows, weeks, ref_series.get(key, []), reference,
                              limits(key[0], key[1]), evaluate))
    _versions(models)
    return {"weeks": [label for label, _, _ in weeks], "empty_weeks": empty,
            "runs": len(inside), "models": models}


def _series(key: SeriesKey, rows: list[dict[str, Any]], weeks: Sequence[tuple[str, datetime,
            datetime]], ref_rows: list[dict[str, Any]], reference: tuple[datetime,
            datetime] | None, psi: PsiLimits, evaluate: Evaluate | None) -> dict[str, Any]:
    model_id, version, digest = key
    per_week: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        when = record_time(r)
        if when is not None:
            per_week[week_of(when)].append(r)
    devices: dict[str, _Input] = defaultdict(_Input)
    device_weeks: dict[str, list[str]] = defaultdict(list)
    warnings: Counter[str] = Counter()
    week_figures: dict[str, Any] = {}
    older = 0
    for label, _, _ in weeks:
        week_rows = per_week.get(label, [])
        inp, outs = _Input(), _Outputs()
        accepted = 0
        for r in week_rows:
            stats = _stats(r)
            if stats is None:
                older += 1
                continue
            inp.add(stats)
            outs.add(stats)
            device = device_of(stats)
            devices[device].add(stats)
            if label not in device_weeks[device]:
                device_weeks[device].append(label)
            texts = [str(w) for w in stats.get("warnings_accepted") or []]
            accepted += bool(texts)
            warnings.update(texts)
        week_figures[label] = {"runs": len(week_rows), **inp.figures(),
                               "warnings_accepted": accepted, "outputs": outs.figures()}
    ref = _Outputs()
    for r in ref_rows:
        if (stats := _stats(r)) is not None:
            ref.add(stats)
    alerts: list[dict[str, Any]] = []
    if evaluate is not None:
        for label, monday, sunday in weeks:
            for alert in evaluate(rows, monday, sunday, ref_rows):
                alerts.append({**alert, "week": label})
    first = next((w for w, _, _ in weeks if per_week.get(w)), None)
    last = next((w for w, _, _ in reversed(weeks) if per_week.get(w)), None)
    return {
        "model_id": model_id, "version": version, "digest": digest,
        "runs": len(rows), "older_format": older, "first_week": first, "last_week": last,
        "psi_limits": {"shift": psi.shift, "unlike": psi.unlike, "source": psi.source},
        "weeks": week_figures,
        "devices": [{"device": name, **acc.figures(), **acc.acquisition(),
                     "first_week": device_weeks[name][0], "last_week": device_weeks[name][-1]}
                    for name, acc in sorted(devices.items(),
                                            key=lambda kv: device_weeks[kv[0]][0])],
        "reference": None if reference is None else {
            "runs": len(ref_rows), "outputs": ref.figures()},
        "warnings": dict(warnings.most_common()),
        "alerts": alerts,
        "statements": [],
    }


def _versions(models: list[dict[str, Any]]) -> None:
    """Say where a model's version (or digest) changed within the period."""
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in models:
        by_id[m["model_id"]].append(m)
    for series in by_id.values():
        for before, after in zip(series, series[1:], strict=False):
            after["statements"].append(
                f"{after['model_id']} {after['version']} took over from version "
                f"{before['version']} in week {after['first_week']}: reported as two series, "
                "never mixed")
