"""The report's figures, counted by ``viewer.audit.drift`` (the one analysis the viewer's
"drift under review" and the service's metric use too): per model series (id, version,
digest: a version change is two series, never mixed) and ISO week, as plain data (the
JSON written beside the HTML). The HTML is drawn from exactly these numbers, and the tests
check them against a generated history's truth.

Records without ``stats`` (an older Lightbox) count as runs and in nothing else; the
report says how many. Alerts: ``drift.weekly_alerts`` (``evaluate`` week by week) with the site's thresholds,
the outputs compared with the reference period the user chose (else each series' first
``reference_days``, drift's default).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from viewer.audit import drift
from viewer.audit.drift import Aggregate, DriftThresholds, SeriesKey


@dataclass(frozen=True)
class PsiLimits:
    """The model's own PSI thresholds (its manifest) or the defaults, and which."""

    shift: float
    unlike: float
    source: str  # "manifest" | "recorded" (with the runs) | "defaults"


def limits_from(installed: Iterable[tuple[str, str, float, float]],
                default: tuple[float, float]) -> Callable[[str, str], PsiLimits]:
    """The PSI thresholds of each installed (model id, version, shift, unlike), else the
    defaults (``viewer.inference`` has both; the audit room sits below it)."""
    known = {(i, v): PsiLimits(shift, unlike, "manifest") for i, v, shift, unlike in installed}
    fallback = PsiLimits(*default, "defaults")

    def limits(model_id: str, version: str) -> PsiLimits:
        return known.get((model_id, version), fallback)

    return limits


def installed_limits(entries: Iterable[Any], default: Any) -> Any:
    """:func:`limits_from` of a model registry's entries (their manifests' reference
    thresholds) and ``default`` (``DomainThresholds()``): duck-typed, as the audit room
    sits below ``viewer.inference``."""
    return limits_from(
        ((m.id, m.version, m.reference.thresholds.psi_shift, m.reference.thresholds.psi_unlike)
         for m in (e.manifest for e in entries)
         if m is not None and m.reference is not None),
        (default.psi_shift, default.psi_unlike))


def _outputs(agg: Aggregate) -> dict[str, dict[str, Any]]:
    return {name: {"kind": out.kind, "unit": out.unit,
                   "metrics": {k: v for k, (v, _) in out.metrics().items()}}
            for name, out in agg.outputs.items()}


def _input(agg: Aggregate) -> dict[str, Any]:
    return {
        "runs_with_stats": agg.with_stats, "frames": agg.frames,
        **{level: agg.levels[level] for level in ("like", "shift", "unlike")},
        "share_shift": agg.shift_share, "share_unlike": agg.unlike_share,
        "psi_p50": agg.psi(0.5), "psi_p90": agg.psi(0.9),
        "psi_runs": sorted(round(v, 4) for v in agg.run_psi),
        "psi_hist": list(agg.psi_hist),
        "warnings_accepted": agg.warned_runs,
    }


def _acquisition(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Modality, kVp, field strength, pixel and slice spacing of one device's runs
    (medians): what a committee compares with the model's intended use."""
    values: dict[str, list[float]] = {"kvp": [], "field_strength_t": [], "pixel_mm": [],
                                      "slice_mm": []}
    modalities: dict[str, int] = {}
    for r in runs:
        stats = r.get("stats")
        item = stats.get("input") if isinstance(stats, Mapping) else None
        if not isinstance(item, Mapping):
            continue
        if item.get("modality"):
            modalities[str(item["modality"])] = modalities.get(str(item["modality"]), 0) + 1
        spacing = item.get("spacing_mm")
        given = {"kvp": item.get("kvp"), "field_strength_t": item.get("field_strength_t"),
                 "slice_mm": item.get("slice_mm"),
                 "pixel_mm": spacing[0] if isinstance(spacing, list) and spacing else None}
        for key, value in given.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values[key].append(float(value))
    return {"modality": ", ".join(sorted(modalities, key=lambda m: -modalities[m])),
            **{k: drift.quantile(v, 0.5) for k, v in values.items()}}


def build(records: Sequence[Mapping[str, Any]], start: datetime, end: datetime,
          reference: tuple[datetime, datetime] | None,
          limits: Callable[[str, str], PsiLimits],
          thresholds: DriftThresholds) -> dict[str, Any]:
    """Every figure of the report for ``[start, end)``; ``records`` may reach outside it
    (the reference period may lie before it)."""
    weeks = drift.weeks_between(start, end)
    inside = drift.within(records, start, end)
    overall = drift.weekly(inside, start, end)
    empty = [w for w, agg in overall.items() if not agg.runs]
    alerts: dict[SeriesKey, list[dict[str, Any]]] = {}
    for week, found in drift.weekly_alerts(records, thresholds, start, end, reference).items():
        for alert in found:
            alerts.setdefault((alert.model_id, alert.model_version, alert.model_digest),
                              []).append({
                "week": week, "metric": alert.metric, "value": alert.value,
                "threshold": alert.threshold, "runs": alert.runs,
                "reference": alert.reference, "message": alert.message})
    ref_runs = drift.within(records, *reference) if reference else []
    ref_series = drift.series_of(ref_runs)
    series = sorted(drift.series_of(inside).items(),
                    key=lambda kv: (kv[0][0], drift.record_time(kv[1][0]) or start))
    models = [_series(key, runs, start, end, ref_series.get(key, []), reference is not None,
                      _psi_limits(limits(key[0], key[1]), runs), alerts.get(key, []))
              for key, runs in series]
    _versions(models)
    return {"weeks": weeks, "empty_weeks": empty, "runs": len(inside),
            "thresholds": {k: getattr(thresholds, k) for k in (
                "unlike_share", "shift_share", "psi_p90", "output_shift", "min_runs")},
            "models": models}


def _psi_limits(given: PsiLimits, runs: Sequence[Mapping[str, Any]]) -> PsiLimits:
    """The installed model's thresholds; else those its runs recorded with their PSI
    (``stats.input.psi_thresholds``, the manifest's when it ran); else the defaults."""
    if given.source != "defaults":
        return given
    for r in reversed(runs):
        stats = r.get("stats")
        item = stats.get("input") if isinstance(stats, Mapping) else None
        pair = item.get("psi_thresholds") if isinstance(item, Mapping) else None
        if isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
            return PsiLimits(float(pair[0]), float(pair[1]), "recorded")
    return given


def _series(key: SeriesKey, runs: Sequence[Mapping[str, Any]], start: datetime,
            end: datetime, ref_runs: Sequence[Mapping[str, Any]], chosen: bool,
            psi: PsiLimits, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    model_id, version, digest = key
    weeks = drift.weekly(runs, start, end)
    total = drift.aggregate(runs)
    per_device: dict[str, list[Mapping[str, Any]]] = {}
    for r in runs:
        if r.get("stats"):
            per_device.setdefault(drift.device_of(r), []).append(r)
    devices = []
    for name, agg in drift.by_device(r for r in runs if r.get("stats")).items():
        seen = [drift.iso_week(t) for r in per_device[name] if (t := drift.record_time(r))]
        devices.append({"device": name, **_input(agg), **_acquisition(per_device[name]),
                        "first_week": min(seen), "last_week": max(seen)})
    devices.sort(key=lambda d: (d["first_week"], -d["runs_with_stats"]))
    active = [w for w, agg in weeks.items() if agg.runs]
    ref = drift.aggregate(ref_runs)
    device_runs: dict[str, dict[str, int]] = {}
    for r in runs:
        when = drift.record_time(r)
        if when is not None and r.get("stats"):
            week = device_runs.setdefault(drift.device_of(r), {})
            week[drift.iso_week(when)] = week.get(drift.iso_week(when), 0) + 1
    statements = []
    if chosen and ref.with_stats == 0:
        statements.append(f"{model_id} {version} has no run with statistics in the reference "
                          "period: its outputs are shown without a reference, and judged "
                          "against none.")
    return {
        "model_id": model_id, "version": version, "digest": digest,
        "runs": total.runs, "older_format": total.without_stats,
        "first_week": active[0] if active else None,
        "last_week": active[-1] if active else None,
        "psi_limits": {"shift": psi.shift, "unlike": psi.unlike, "source": psi.source},
        "weeks": {w: {"runs": agg.runs, **_input(agg), "outputs": _outputs(agg)}
                  for w, agg in weeks.items()},
        "devices": devices,
        "device_weeks": device_runs,
        "reference": {"runs": ref.runs, "outputs": _outputs(ref)} if chosen else None,
        "warnings": dict(total.warnings.most_common()),
        "alerts": alerts,
        "statements": statements,
    }


def _versions(models: list[dict[str, Any]]) -> None:
    """Say where a model's version (or its artifact) changed within the period."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for m in models:
        by_id.setdefault(m["model_id"], []).append(m)
    for series in by_id.values():
        for before, after in zip(series, series[1:], strict=False):
            what = (f"version {before['version']}" if before["version"] != after["version"]
                    else f"another artifact of {before['version']} (digest "
                    f"{before['digest'][:12]}…)")
            after["statements"].append(
                f"{after['model_id']} {after['version']} took over from {what} in week "
                f"{after['first_week']}: reported as two series, never mixed")
