"""Drift over time from the audit log: is a model still seeing what it was validated on,
and did its outputs move?

Pure Python over the log's record dicts (``AuditLog.records()``, or the verified records
of exported ranges), so the HTML report (``lightbox audit report``), the viewer's "drift
under review" and the service's metric all count the same way:

- :func:`series_of`: one series per (model id, version, digest): a version change is two
  series, never mixed.
- :func:`aggregate`: runs, frames, the share of images flagged shift / unlike, the PSI
  (each run's median, and the summed histogram), acquiring devices, providers, warnings
  accepted, and the outputs (share of each class as top, mean probabilities, mean mask
  volume per label, boxes per run, mean values). :func:`weekly` does it per ISO week
  (UTC), every week of the period listed, weeks without runs included; :func:`by_device`
  per acquiring device (manufacturer / model name / software version).
- :func:`evaluate`: the alerts (:class:`DriftAlert`) where a :class:`DriftThresholds`
  threshold is crossed in a window, the outputs compared with a reference period;
  :func:`weekly_alerts` per ISO week, :func:`under_review` over the last window.

Records of an older format (no ``stats``) count as runs and in no statistic
(``Aggregate.without_stats`` says how many). Records of sends to the PACS are not runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from viewer.host.drift_alerts import DEFAULTS

SeriesKey = tuple[str, str, str]  # (model id, version, digest)
PSI_BINS = 8  # viewer.inference.run_stats.PSI_EDGES: [0,.05,.1,.15,.2,.25,.5,1,inf]
NO_DEVICE = "(not recorded)"


def record_time(record: Mapping[str, Any]) -> datetime | None:
    """The record's time (UTC), or None when it has none that reads."""
    text = record.get("time")
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def is_run(record: Mapping[str, Any]) -> bool:
    """An AI run's record (not a send to the PACS, not a chain's own line)."""
    return record.get("event", "run") == "run" and isinstance(record.get("model_id"), str) \
        and record_time(record) is not None


def series_of(records: Iterable[Mapping[str, Any]]) -> dict[SeriesKey, list[Mapping[str, Any]]]:
    """The runs per model version, each list in time order."""
    found: dict[SeriesKey, list[Mapping[str, Any]]] = {}
    for r in records:
        if is_run(r):
            key = (str(r["model_id"]), str(r.get("model_version", "")),
                   str(r.get("model_digest", "")))
            found.setdefault(key, []).append(r)
    for runs in found.values():
        runs.sort(key=lambda r: record_time(r) or datetime.min.replace(tzinfo=UTC))
    return found


def within(records: Iterable[Mapping[str, Any]], start: datetime,
           end: datetime) -> list[Mapping[str, Any]]:
    """The runs with ``start <= time < end``."""
    found = []
    for r in records:
        when = record_time(r) if is_run(r) else None
        if when is not None and start <= when < end:
            found.append(r)
    return found


def iso_week(when: datetime | date) -> str:
    """``2026-W49``: the ISO week (UTC) ``when`` falls in."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> datetime:
    """Monday 00:00 UTC of ``2026-W49``."""
    year, number = week.split("-W")
    return datetime.combine(date.fromisocalendar(int(year), int(number), 1),
                            datetime.min.time(), tzinfo=UTC)


def weeks_between(start: datetime, end: datetime) -> list[str]:
    """Every ISO week that overlaps ``[start, end)``, in order."""
    weeks: list[str] = []
    day = start.astimezone(UTC)
    while day < end:
        week = iso_week(day)
        if not weeks or weeks[-1] != week:
            weeks.append(week)
        day = week_start(week) + timedelta(days=7)
    return weeks


def device_of(record: Mapping[str, Any]) -> str:
    """``manufacturer / model name / software`` of the acquiring device, or
    :data:`NO_DEVICE` (an older record, or a header without them)."""
    item = _input(record)
    if item is None:
        return NO_DEVICE
    parts = [str(item.get(k) or "") for k in ("manufacturer", "device_model", "software")]
    return " / ".join(p or "?" for p in parts) if any(parts) else NO_DEVICE


def _stats(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    stats = record.get("stats")
    return stats if isinstance(stats, Mapping) and stats.get("v") == 1 else None


def _input(record: Mapping[str, Any]) -> Mapping[str, Any] | None:
    stats = _stats(record)
    item = stats.get("input") if stats is not None else None
    return item if isinstance(item, Mapping) else None


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def quantile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile, linear between order statistics (NumPy's default)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass
class OutputStats:
    """One output over the runs of an aggregate. ``kind`` labels: ``top`` (times each
    class was the top one, summed over images), ``mean`` (mean probability per class,
    weighted by images); mask: ``mean`` per label of each run's volume (mL) or area
    (mm², pixels: ``unit``); boxes: ``boxes_per_run``, ``best_scores`` (each run's best);
    values: ``mean`` per value name, over runs."""

    kind: str
    runs: int = 0
    unit: str = ""
    top: Counter[str] = field(default_factory=Counter)
    images: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    boxes: int = 0
    best_scores: list[float] = field(default_factory=list)

    @property
    def mean(self) -> dict[str, float]:
        return {k: self.sums[k] / self.counts[k] for k in self.sums if self.counts.get(k)}

    @property
    def top_share(self) -> dict[str, float]:
        total = sum(self.top.values())
        return {k: v / total for k, v in self.top.items()} if total else {}

    @property
    def boxes_per_run(self) -> float | None:
        return self.boxes / self.runs if self.runs else None

    def metrics(self) -> dict[str, tuple[float, bool]]:
        """name → (value, is a share): what :func:`evaluate` compares with the reference."""
        found: dict[str, tuple[float, bool]] = {}
        if self.kind == "labels":
            found.update({f"top:{k}": (v, True) for k, v in self.top_share.items()})
            found.update({f"mean:{k}": (v, True) for k, v in self.mean.items()})
        elif self.kind in ("mask", "values"):
            found.update({f"mean:{k}": (v, False) for k, v in self.mean.items()})
        elif self.kind == "boxes" and self.boxes_per_run is not None:
            found["boxes_per_run"] = (self.boxes_per_run, False)
        return found

    def add(self, item: Mapping[str, Any]) -> None:
        self.runs += 1
        if self.kind == "labels":
            given = item.get("top")
            top: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
            n = sum(int(v) for v in top.values() if isinstance(v, int))
            self.top.update({str(k): int(v) for k, v in top.items() if isinstance(v, int)})
            given_names = item.get("names")  # the order of "mean" (top's keys are sorted)
            names = [str(n) for n in given_names] if isinstance(given_names, list) \
                else list(top)
            self.names = self.names or names
            for name, p in zip(names, item.get("mean") or [], strict=False):
                self._add(name, _num(p), n)
            self.images += n
        elif self.kind == "mask":
            for unit in ("ml", "mm2", "pixels"):
                values = item.get(unit)
                if isinstance(values, Mapping):
                    self.unit = self.unit or unit
                    if unit == self.unit:
                        for name, v in values.items():
                            self._add(str(name), _num(v), 1)
        elif self.kind == "boxes":
            self.boxes += int(item.get("count") or 0)
            scores = item.get("scores") or []
            if scores and _num(scores[0]) is not None:
                self.best_scores.append(float(scores[0]))
        elif self.kind == "values":
            given_names = item.get("names")
            values = item.get("mean") or []
            names = [str(n) for n in given_names] if isinstance(given_names, list) \
                else [str(i) for i in range(len(values))]
            for name, v in zip(names, values, strict=False):
                self._add(name, _num(v), 1)

    def _add(self, name: str, value: float | None, weight: int) -> None:
        if value is None or weight <= 0:
            return
        self.sums[name] = self.sums.get(name, 0.0) + value * weight
        self.counts[name] = self.counts.get(name, 0) + weight


@dataclass
class Aggregate:
    """What a set of runs (a week, a device, a window) adds up to."""

    runs: int = 0
    without_stats: int = 0  # older-format records: runs, in no statistic
    outcomes: Counter[str] = field(default_factory=Counter)
    frames: int = 0  # images of the runs with statistics
    levels: Counter[str] = field(default_factory=Counter)  # like / shift / unlike images
    run_psi: list[float] = field(default_factory=list)  # each run's median PSI
    psi_hist: list[int] = field(default_factory=lambda: [0] * PSI_BINS)
    devices: Counter[str] = field(default_factory=Counter)
    providers: Counter[str] = field(default_factory=Counter)
    warned_runs: int = 0  # runs where the reader accepted an intended-use warning
    warnings: Counter[str] = field(default_factory=Counter)
    outputs: dict[str, OutputStats] = field(default_factory=dict)
    #: The model's own (shift, unlike) PSI thresholds, as its latest record says.
    psi_thresholds: tuple[float, float] | None = None

    @property
    def with_stats(self) -> int:
        return self.runs - self.without_stats

    def _share(self, level: str) -> float | None:
        judged = sum(self.levels.values())
        return self.levels[level] / judged if judged else None

    @property
    def shift_share(self) -> float | None:
        """Share of the images judged (against reference statistics) flagged "shift"."""
        return self._share("shift")

    @property
    def unlike_share(self) -> float | None:
        return self._share("unlike")

    def psi(self, q: float) -> float | None:
        """The ``q`` quantile over runs of each run's median PSI."""
        return quantile(self.run_psi, q)

    def add(self, record: Mapping[str, Any]) -> None:
        self.runs += 1
        self.outcomes[str(record.get("outcome", ""))] += 1
        stats = _stats(record)
        if stats is None:
            self.without_stats += 1
            return
        self.providers[str(stats.get("provider") or "?")] += 1
        accepted = [str(w) for w in stats.get("warnings_accepted") or []]
        if accepted:
            self.warned_runs += 1
            self.warnings.update(accepted)
        item = _input(record)
        if item is not None:
            self.devices[device_of(record)] += 1
            self.frames += int(_num(item.get("frames")) or 0)
            levels = item.get("levels")
            if isinstance(levels, Mapping):
                self.levels.update({str(k): int(v) for k, v in levels.items()
                                    if isinstance(v, int)})
            limits = item.get("psi_thresholds")
            if isinstance(limits, list) and len(limits) == 2 and all(
                    _num(v) is not None for v in limits):
                self.psi_thresholds = (float(limits[0]), float(limits[1]))
            psi = item.get("psi")
            if isinstance(psi, Mapping):
                median = _num(psi.get("p50"))
                if median is not None:
                    self.run_psi.append(median)
                for i, n in enumerate(psi.get("hist") or []):
                    if i < PSI_BINS and isinstance(n, int):
                        self.psi_hist[i] += n
        outputs = stats.get("output")
        if isinstance(outputs, Mapping) and record.get("outcome") == "ok":
            for name, out in outputs.items():
                if isinstance(out, Mapping) and isinstance(out.get("kind"), str):
                    self.outputs.setdefault(str(name), OutputStats(out["kind"])).add(out)


def aggregate(records: Iterable[Mapping[str, Any]]) -> Aggregate:
    found = Aggregate()
    for r in records:
        if is_run(r):
            found.add(r)
    return found


def weekly(records: Iterable[Mapping[str, Any]], start: datetime,
           end: datetime) -> dict[str, Aggregate]:
    """One aggregate per ISO week overlapping ``[start, end)``, in order; a week without
    runs is there with ``runs == 0``."""
    weeks = {w: Aggregate() for w in weeks_between(start, end)}
    for r in within(records, start, end):
        when = record_time(r)
        assert when is not None
        weeks[iso_week(when)].add(r)
    return weeks


def by_device(records: Iterable[Mapping[str, Any]]) -> dict[str, Aggregate]:
    """One aggregate per acquiring device, most runs first."""
    found: dict[str, Aggregate] = {}
    for r in records:
        if is_run(r):
            found.setdefault(device_of(r), Aggregate()).add(r)
    return dict(sorted(found.items(), key=lambda kv: (-kv[1].runs, kv[0])))


@dataclass(frozen=True)
class DriftThresholds:
    """The site's ``drift_alerts`` (``viewer.host.drift_alerts`` has what each means)."""

    unlike_share: float = DEFAULTS["unlike_share"]
    shift_share: float = DEFAULTS["shift_share"]
    psi_p90: float = DEFAULTS["psi_p90"]
    output_shift: float = DEFAULTS["output_shift"]
    min_runs: int = int(DEFAULTS["min_runs"])
    window_days: int = int(DEFAULTS["window_days"])
    reference_days: int = int(DEFAULTS["reference_days"])

    @classmethod
    def of(cls, table: Mapping[str, float] | None) -> DriftThresholds:
        """From the checked site table (``Settings.drift_alerts``); None: the defaults."""
        if not table:
            return cls()
        d = cls()

        def get(name: str) -> float:
            return float(table.get(name, getattr(d, name)))

        return cls(unlike_share=get("unlike_share"), shift_share=get("shift_share"),
                   psi_p90=get("psi_p90"), output_shift=get("output_shift"),
                   min_runs=int(get("min_runs")), window_days=int(get("window_days")),
                   reference_days=int(get("reference_days")))


@dataclass(frozen=True)
class DriftAlert:
    model_id: str
    model_version: str
    model_digest: str
    metric: str  # unlike_share | shift_share | psi_p90 | output:<name>:<statistic>
    value: float
    threshold: float
    start: datetime
    end: datetime
    runs: int
    message: str
    reference: float | None = None  # output metrics: the reference period's value

    @property
    def window(self) -> str:
        return f"{self.start:%Y-%m-%d} – {(self.end - timedelta(seconds=1)):%Y-%m-%d}"


def reference_period(runs: Sequence[Mapping[str, Any]],
                     thresholds: DriftThresholds) -> tuple[datetime, datetime] | None:
    """The default reference: the first ``reference_days`` of a series' runs."""
    times = [t for t in (record_time(r) for r in runs) if t is not None]
    if not times:
        return None
    first = min(times)
    return first, first + timedelta(days=thresholds.reference_days)


Timed = list[tuple[datetime, Mapping[str, Any]]]  # a series' runs with their times, in order


def _timed(runs: Iterable[Mapping[str, Any]]) -> Timed:
    pairs = [(t, r) for r in runs if (t := record_time(r)) is not None]
    pairs.sort(key=lambda pair: pair[0])
    return pairs


def evaluate(records: Iterable[Mapping[str, Any]], thresholds: DriftThresholds,
             start: datetime, end: datetime,
             reference: tuple[datetime, datetime] | None = None) -> list[DriftAlert]:
    """The alerts of every model version over ``[start, end)``: a share or PSI above its
    threshold, an output statistic moved by more than ``output_shift`` from ``reference``
    (default: each series' :func:`reference_period`; the window's own runs are left out
    of it). A series with fewer than ``min_runs`` runs with statistics in the window, or
    in the reference, is not judged on them."""
    alerts: list[DriftAlert] = []
    for key, runs in series_of(records).items():
        alerts.extend(_evaluate_series(key, _timed(runs), thresholds, start, end, reference))
    return alerts


def _evaluate_series(key: SeriesKey, timed: Timed, thresholds: DriftThresholds,
                     start: datetime, end: datetime,
                     reference: tuple[datetime, datetime] | None) -> list[DriftAlert]:
    alerts: list[DriftAlert] = []
    window = aggregate(r for t, r in timed if start <= t < end)
    if window.with_stats < thresholds.min_runs:
        return alerts

    def alert(metric: str, value: float, limit: float, message: str,
              ref: float | None = None) -> DriftAlert:
        return DriftAlert(*key, metric, value, limit, start, end, window.runs, message, ref)

    for metric, value, limit, what in (
            ("unlike_share", window.unlike_share, thresholds.unlike_share,
             "images unlike the training data"),
            ("shift_share", window.shift_share, thresholds.shift_share,
             "images shifted from the training data"),
            ("psi_p90", window.psi(0.9), thresholds.psi_p90,
             "PSI (90th percentile of the runs' medians)")):
        if value is not None and value > limit:
            shown = f"{value:.0%} > {limit:.0%}" if metric != "psi_p90" \
                else f"{value:.3f} > {limit:g}"
            alerts.append(alert(metric, value, limit, f"{what}: {shown}"))
    if not timed:
        return alerts
    first = timed[0][0]
    ref_start, ref_end = reference or (first, first + timedelta(days=thresholds.reference_days))
    base = aggregate(r for t, r in timed if ref_start <= t < ref_end and not start <= t < end)
    if base.with_stats < thresholds.min_runs:
        return alerts
    for name, out in window.outputs.items():
        ref_out = base.outputs.get(name)
        if ref_out is None or ref_out.kind != out.kind:
            continue
        ref_metrics = ref_out.metrics()
        for stat, (value, is_share) in out.metrics().items():
            if stat not in ref_metrics:
                continue
            was = ref_metrics[stat][0]
            change = abs(value - was) if is_share else (
                abs(value - was) / abs(was) if was else (math.inf if value else 0.0))
            if change > thresholds.output_shift:
                how = f"{was:.0%} → {value:.0%}" if is_share \
                    else f"{was:.4g} → {value:.4g} ({change:+.0%})"
                alerts.append(alert(f"output:{name}:{stat}", change, thresholds.output_shift,
                                    f"output {name} {stat} moved from the reference: {how}",
                                    was))
    return alerts


def weekly_alerts(records: Iterable[Mapping[str, Any]], thresholds: DriftThresholds,
                  start: datetime, end: datetime,
                  reference: tuple[datetime, datetime] | None = None
                  ) -> dict[str, list[DriftAlert]]:
    """:func:`evaluate` for each ISO week overlapping ``[start, end)`` (the week whole),
    every week listed, in order: where an injected change starts, its alerts start."""
    series = {key: _timed(runs) for key, runs in series_of(records).items()}
    found: dict[str, list[DriftAlert]] = {}
    for week in weeks_between(start, end):
        begin = week_start(week)
        found[week] = [a for key, timed in series.items() for a in _evaluate_series(
            key, timed, thresholds, begin, begin + timedelta(days=7), reference)]
    return found


def under_review(records: Iterable[Mapping[str, Any]], thresholds: DriftThresholds,
                 now: datetime | None = None) -> list[DriftAlert]:
    """The alerts of the last ``window_days`` up to ``now``: what "drift under review"
    shows in the viewer and the service's metric exposes."""
    now = now or datetime.now(UTC)
    return evaluate(records, thresholds, now - timedelta(days=thresholds.window_days),
                    now + timedelta(microseconds=1))


def period_statement(records: Iterable[Mapping[str, Any]], start: datetime,
                     end: datetime) -> str:
    """One sentence on what the period holds: the runs and model versions, how many
    records are of the older format, or that there were none."""
    runs = within(records, start, end)
    span = f"{start:%Y-%m-%d} – {(end - timedelta(seconds=1)):%Y-%m-%d}"
    if not runs:
        return f"No AI runs were recorded between {span}."
    versions = len(series_of(runs))
    older = aggregate(runs).without_stats
    text = (f"{len(runs)} AI run{'s' if len(runs) != 1 else ''} of {versions} model "
            f"version{'s' if versions != 1 else ''} between {span}.")
    if older:
        text += (f" {older} record{'s' if older != 1 else ''} of an older format count as "
                 "runs only (no input or output statistics).")
    return text
