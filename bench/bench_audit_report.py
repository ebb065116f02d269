"""The drift report (``lightbox audit report``): what each of its steps costs against the
verification every source gets anyway.

    .venv/bin/python bench/bench_audit_report.py [--runs-per-week 80] [--rounds 3]

A generated history (tests/audit/history.py: 26 weeks, two models, one of them changing
version, a scanner change and an output shift) written through the real audit log and
exported with ``lightbox audit export``; then, in one process, interleaved rounds, medians:

* verify   ``lightbox audit verify --export`` of that export: the peer, the floor of any
           report that counts only verified records.
* gather   reading and verifying the export, keeping its AI-run records (``sources``).
* figures  every figure per model series and ISO week, with the alerts of every week
           (``figures.build`` over ``viewer.audit.drift``).
* render   the HTML with its plots (matplotlib, PNG inside the page).
* report   the whole command, the bundled models' thresholds looked up included.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs-per-week", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lightbox-bench-report-"))
    os.environ["LIGHTBOX_CONFIG_DIR"] = str(folder / "config")
    os.environ["LIGHTBOX_AUDIT_DIR"] = str(folder / "audit")
    os.environ.setdefault("LIGHTBOX_SITE_CONFIG", str(folder / "no-site.toml"))

    from tests.audit import history as h
    from viewer.audit.drift import DriftThresholds
    from viewer.audit.log import AuditLog
    from viewer.audit.report.figures import PsiLimits, build
    from viewer.audit.report.make import figures
    from viewer.audit.report.render import render
    from viewer.audit.report.sources import gather
    from viewer.cli.audit import main as audit

    log = AuditLog(folder / "ws" / "ai-runs-1-bench.jsonl")
    h.generate(log, 1, "bench", runs_per_week=args.runs_per_week)
    export = folder / "ws.export.jsonl"
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet:
        assert audit(["export", "--from", h.iso(0), "--to", h.iso(h.WEEKS), "--out",
                      str(export), "--log", str(log.path)]) == 0
    start, end = h.START, h.START + timedelta(weeks=h.WEEKS)
    reference = (h.START + timedelta(weeks=2), h.START + timedelta(weeks=8))

    def limits(model_id: str, version: str) -> PsiLimits:
        return PsiLimits(0.1, 0.25, "defaults")

    times: dict[str, list[float]] = {k: [] for k in ("verify", "gather", "figures", "render",
                                                     "report")}
    facts: dict[str, object] = {}
    for _ in range(args.rounds):
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            assert audit(["verify", "--export", str(export)]) == 0
        times["verify"].append(time.perf_counter() - t)
        t = time.perf_counter()
        gathered = gather((), [export])
        times["gather"].append(time.perf_counter() - t)
        t = time.perf_counter()
        built = build(gathered.records, start, end, reference, limits, DriftThresholds())
        times["figures"].append(time.perf_counter() - t)
        report = figures(gathered, start, end, reference, limits, DriftThresholds())
        t = time.perf_counter()
        page = render(report)
        times["render"].append(time.perf_counter() - t)
        t = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            assert audit(["report", "--from", h.iso(0), "--to", h.iso(h.WEEKS),
                          "--reference", f"{h.iso(2)}:{h.iso(8)}", "--export", str(export),
                          "--out", str(folder / "report.html")]) == 0
        times["report"].append(time.perf_counter() - t)
        facts = {"records": len(gathered.records), "weeks": len(built["weeks"]),
                 "series": len(built["models"]),
                 "alerts": sum(len(m["alerts"]) for m in built["models"]),
                 "plots": page.count('class="plot"'), "kb": len(page.encode()) // 1024}
    ms = {k: statistics.median(v) * 1000 for k, v in times.items()}
    floor = ms["verify"]
    print(f"[audit report] {facts['records']} records, {args.rounds} interleaved rounds, "
          f"medians; load average {_load()}")
    print(f"  verify   {ms['verify']:9.1f} ms  (lightbox audit verify --export, the peer)")
    print(f"  gather   {ms['gather']:9.1f} ms  ({ms['gather'] / floor:.2f}x the verify)")
    print(f"  figures  {ms['figures']:9.1f} ms  ({ms['figures'] / floor:.2f}x the verify; "
          f"{facts['weeks']} weeks, {facts['series']} series, {facts['alerts']} alert(s))")
    print(f"  render   {ms['render']:9.1f} ms  ({ms['render'] / floor:.2f}x the verify; "
          f"{facts['plots']} plots, {facts['kb']} kB)")
    print(f"  report   {ms['report']:9.1f} ms  ({ms['report'] / floor:.2f}x the verify; the "
          "whole command)")
    print(f"load average at the end {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
