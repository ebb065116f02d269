"""The drift statistics of a run and the drift analysis: what they cost against their peers.

    .venv/bin/python bench/bench_drift.py [--slices 32] [--records 20000] [--rounds 5]

In one process, interleaved rounds, medians over the rounds:

* stats      ``run_stats`` on a real run's results (the bundled ct-lesion-cls on the demo
             phantom, ``--slices`` images), against ``run_model`` of that run as a whole
             (which includes it once, and the audit record): the share of a run it costs.
* record     the signed audit line's length, and the part of it ``stats`` takes (bytes).
* analysis   ``under_review`` (every model version's alerts over the last window) over
             ``--records`` synthetic records with statistics, against reading them back
             from the log file (``AuditLog.records()``, JSON parsing): what the viewer's
             start-up job and the service's refresh add to reading the log.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slices", type=int, default=32)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-drift-"))
    for name in ("AUDIT", "CONFIG", "CACHE", "LOG"):
        os.environ[f"LIGHTBOX_{name}_DIR"] = str(work / name.lower())
    os.environ["LIGHTBOX_SITE_CONFIG"] = str(work / "absent.toml")
    os.environ.pop("LIGHTBOX_MODEL_DIRS", None)

    from viewer.audit.drift import DriftThresholds, under_review
    from viewer.audit.log import AuditLog, AuditRecord
    from viewer.host.settings import load_settings
    from viewer.inference import ModelRegistry, run_model
    from viewer.inference.run_stats import run_stats
    from viewer.io.demo import write_phantom_series
    from viewer.io.scan import scan

    write_phantom_series(work / "phantom", slices=args.slices, size=256)
    series = scan([work / "phantom"]).all_series()[0]
    settings = load_settings()
    entry = ModelRegistry(settings=settings).get("ct-lesion-cls")
    assert entry.model is not None
    log = AuditLog.of(settings)
    results = run_model(entry, series, audit_log=log)  # warm: sessions, caches

    runs: list[float] = []
    stats_s: list[float] = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        results = run_model(entry, series, audit_log=log)
        runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        stats = run_stats(series, results, provider=entry.model.provider,
                          reference=entry.model.manifest.reference)
        stats_s.append(time.perf_counter() - started)
    line = log.path.read_text(encoding="utf-8").splitlines()[-1]
    m = entry.model.manifest
    bare = AuditRecord(m.id, m.version, m.digest, "h" * 32, "onnxruntime", 0.1,
                       len(results), "ok").as_dict()
    import json

    stats_len = len(json.dumps(stats, ensure_ascii=False, sort_keys=True))
    print(f"[drift] {args.slices} images, {args.rounds} interleaved rounds, medians; "
          f"load average {_load()}")
    run_ms, stats_ms = _median_ms(runs), _median_ms(stats_s)
    print(f"  stats     {stats_ms:.2f} ms/run   run_model {run_ms:.1f} ms/run   "
          f"({stats_ms / run_ms:.2%} of the run)")
    print(f"  record    {len(line)} bytes (the signed line), of which stats {stats_len} "
          f"bytes ({stats_len / len(line):.0%})")

    # A history: records with statistics spread over 90 days, three model versions.
    history = work / "history.jsonl"
    now = datetime.now(UTC)
    with history.open("w", encoding="utf-8") as f:
        for i in range(args.records):
            when = now - timedelta(days=90 * i / args.records)
            record = dict(bare, model_version=f"1.{i % 3}", time=when.isoformat()
                          .replace("+00:00", "Z"), stats=stats)
            f.write(json.dumps(record, sort_keys=True) + "\n")
    reads: list[float] = []
    analyses: list[float] = []
    thresholds = DriftThresholds()
    alerts = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        records = AuditLog(history).records()
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        alerts = under_review(records, thresholds, now)
        analyses.append(time.perf_counter() - started)
    read_ms, analysis_ms = _median_ms(reads), _median_ms(analyses)
    print(f"  analysis  {analysis_ms:.1f} ms   reading the log {read_ms:.1f} ms   "
          f"({analysis_ms / read_ms:.2f}x the read; {args.records} records, "
          f"{len(alerts)} alert(s))")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
