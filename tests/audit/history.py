"""A generated audit history for the drift report's proof: months of synthetic AI runs of
several workstations, written through the REAL audit log (signed, chained; groups of
records share one write, ``AuditLog.append_many``), with what happened in it injected on
purpose and kept as the truth the report's figures are checked against:

- a scanner change: from week ``SCANNER_WEEK`` a new device takes half the runs of
  ``chest-triage``, its images far from the training data (median PSI 0.3-0.48, frames
  unlike or shifted);
- an output shift: the share of frames classified "nodule" goes from ``P_BEFORE`` to
  ``P_AFTER`` from week ``SHIFT_WEEK``;
- a version change: ``liver-seg`` 1.0 is replaced by 1.1 (another digest) from week
  ``VERSION_WEEK``;
- records of an older Lightbox (no ``stats``) in the first ``OLD_WEEKS`` weeks;
- no runs at all in ``GAP_WEEKS`` (the department's downtime).

Nothing here is patient data; the series hashes and the readers' names carry
:data:`MARKER` so that a test can prove none of them reaches the report.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from viewer.audit.log import AuditLog, AuditRecord

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday: ISO week 2026-W02
WEEKS = 26
SCANNER_WEEK = 10
SHIFT_WEEK = 16
VERSION_WEEK = 14
OLD_WEEKS = 2
GAP_WEEKS = (20, 21)
P_BEFORE, P_AFTER = 0.2, 0.45
MARKER = "PATIENTMARKER"
UNLIKE_TEXT = "this image is unlike the model's training data"

TRIAGE = ("chest-triage", "2.0.0", "a" * 64)
LIVER_OLD = ("liver-seg", "1.0.0", "b" * 64)
LIVER_NEW = ("liver-seg", "1.1.0", "c" * 64)
OLD_DEVICES = (("ACME", "Rad 500", "VA10"), ("Orbis", "DX-2", "3.1"))
NEW_DEVICE = ("Novum", "XR-9", "1.0")
PSI_EDGES = (0, .05, .1, .15, .2, .25, .5, 1, float("inf"))


def iso(weeks: int) -> str:
    """The date ``weeks`` weeks after :data:`START` (a Monday), as a command takes it."""
    return (START + timedelta(weeks=weeks)).date().isoformat()


def week_label(i: int) -> str:
    year, week, _ = (START + timedelta(weeks=i)).isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Truth:
    """What the generator wrote, per (model id, version) and week label."""

    runs: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    levels: dict[tuple[str, str, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter))
    top: dict[tuple[str, str], Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter))
    p50: dict[tuple[str, str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    accepted: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    older: Counter[str] = field(default_factory=Counter)  # model id → runs without stats
    devices: Counter[str] = field(default_factory=Counter)  # device label → runs
    liver_ml: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))

    def merge(self, other: Truth) -> None:
        self.runs.update(other.runs)
        self.accepted.update(other.accepted)
        self.older.update(other.older)
        self.devices.update(other.devices)
        for key, counter in other.levels.items():
            self.levels[key].update(counter)
        for key2, counter in other.top.items():
            self.top[key2].update(counter)
        for key, values in other.p50.items():
            self.p50[key] += values
        for key2, values in other.liver_ml.items():
            self.liver_ml[key2] += values


@dataclass(frozen=True)
class RunRecord:
    """An AI-run record with its ``stats`` as the viewer writes them (format 1)."""

    record: AuditRecord
    stats: dict[str, Any] | None

    @property
    def outcome(self) -> str:
        return self.record.outcome

    def as_dict(self) -> dict[str, Any]:
        fields = self.record.as_dict()
        if self.stats:
            fields["stats"] = self.stats
        return fields


def _hist(p90: float, frames: int) -> list[int]:
    counts = [0] * (len(PSI_EDGES) - 1)
    for i in range(len(counts)):
        if PSI_EDGES[i] <= p90 < PSI_EDGES[i + 1]:
            counts[i] = frames
    return counts


def _triage(rng: random.Random, week: int, truth: Truth, label: str) -> dict[str, Any]:
    new = week >= SCANNER_WEEK and rng.random() < 0.5
    device = NEW_DEVICE if new else OLD_DEVICES[rng.randrange(2)]
    frames = rng.randint(1, 3)
    p90 = rng.uniform(0.5, 0.8) if new else rng.uniform(0.02, 0.09)
    p50 = round(p90 * 0.6, 4)
    if new:
        unlike = rng.randint(1, frames)
        levels = {"like": 0, "shift": frames - unlike, "unlike": unlike}
    else:
        levels = {"like": frames, "shift": 0, "unlike": 0}
    p = P_AFTER if week >= SHIFT_WEEK else P_BEFORE
    nodule = sum(rng.random() < p for _ in range(frames))
    top = {"no finding": frames - nodule, "nodule": nodule}
    warnings = [UNLIKE_TEXT] if levels["unlike"] and rng.random() < 0.3 else []
    key = (*TRIAGE[:2], label)
    truth.levels[key].update(levels)
    truth.top[(TRIAGE[1], label)].update(top)
    truth.p50[key].append(p50)
    truth.accepted[key] += bool(warnings)
    truth.devices[" / ".join(device)] += 1
    return {
        "v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": warnings,
        "input": {"modality": "CR", "body_part": "CHEST", "manufacturer": device[0],
                  "device_model": device[1], "software": device[2], "kvp": 120.0 if new else
                  110.0, "field_strength_t": None, "frames": frames, "rows": 2048,
                  "columns": 2048, "spacing_mm": [0.15, 0.15], "slice_mm": None,
                  "levels": levels,
                  "psi": {"p50": p50, "p90": round(p90, 4),
                          "max": round(p90 * 1.1, 4), "n": frames, "hist": _hist(p90, frames)}},
        "output": {"OUTPUT": {"kind": "labels", "mean": [1 - p, p], "top": top}},
    }


def _liver(rng: random.Random, version: str, label: str, truth: Truth) -> dict[str, Any]:
    ml = round(rng.gauss(1500, 100), 1)
    truth.liver_ml[(version, label)].append(ml)
    truth.levels[("liver-seg", version, label)].update({"like": 64})
    truth.p50[("liver-seg", version, label)].append(0.03)
    truth.devices["ACME / Scan 64 / VB20"] += 1
    return {
        "v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": [],
        "input": {"modality": "CT", "body_part": "ABDOMEN", "manufacturer": "ACME",
                  "device_model": "Scan 64", "software": "VB20", "kvp": 120.0,
                  "field_strength_t": None, "frames": 64, "rows": 512, "columns": 512,
                  "spacing_mm": [0.7, 0.7], "slice_mm": 2.5,
                  "levels": {"like": 64, "shift": 0, "unlike": 0},
                  "psi": {"p50": 0.03, "p90": 0.05, "max": 0.07, "n": 64,
                          "hist": [0, 64, 0, 0, 0, 0, 0, 0]}},
        "output": {"LABELS": {"kind": "mask", "ml": {"liver": ml}}},
    }


def generate(log: AuditLog, seed: int, user: str, runs_per_week: int = 80,
             weeks: range = range(WEEKS)) -> Truth:
    """Write the history of one workstation to ``log``; its truth."""
    rng = random.Random(seed)
    truth = Truth()
    batch: list[RunRecord] = []
    for week in weeks:
        if week in GAP_WEEKS:
            continue
        label = week_label(week)
        monday = START + timedelta(weeks=week)
        stamps = sorted(rng.uniform(0, 7 * 86400 - 1) for _ in range(runs_per_week))
        for i, offset in enumerate(stamps):
            when = (monday + timedelta(seconds=offset)).isoformat(timespec="milliseconds")
            liver = i % 3 == 2
            model = (LIVER_NEW if week >= VERSION_WEEK else LIVER_OLD) if liver else TRIAGE
            truth.runs[(model[0], model[1], label)] += 1
            if week < OLD_WEEKS:
                stats = None
                truth.older[model[0]] += 1
            elif liver:
                stats = _liver(rng, model[1], label, truth)
            else:
                stats = _triage(rng, week, truth, label)
            frames = 64 if liver else int(stats["input"]["frames"]) if stats else 1
            record = AuditRecord(*model, series_hash=f"{MARKER}{rng.getrandbits(64):016x}",
                                 runtime="onnxruntime 1.22", duration_s=rng.uniform(0.2, 2),
                                 frames=frames, outcome="ok", time=when.replace("+00:00", "Z"),
                                 user=f"{user}-{MARKER}")
            batch.append(RunRecord(record, stats))
            if len(batch) == 500:
                log.append_many(batch)
                batch = []
    if batch:
        log.append_many(batch)
    return truth
