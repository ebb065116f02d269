"""``lightbox batch`` over many tiny studies: the process pool and a local Ray instance
against a plain loop in one process.

    .venv/bin/python bench/bench_batch.py [--studies 1000] [--workers N]
        [--ray-workers 4] [--rounds 1] [--no-ray]

Each run is a whole process, from launch to exit (imports, the model's verification, the
start of the pool or of Ray included). The archive: ``--studies`` studies of one 32 × 32 CT slice each (the demo phantom, its own
UIDs per study), the tiny ``threshold`` model of tests/inference/artifacts.py (verified
like any artifact). In each round, interleaved, each into a fresh output folder:

* plain loop  one process: load the model once, then per study scan → ``run_model``
              (preprocess, ``session.run``, postprocess, the audit record) → write its
              JSON; the same work per study as a batch worker, with no scheduling at all
* pool        ``lightbox batch``'s job with the local process pool (``--workers``)
* ray local   the same job on a local Ray instance of ``--ray-workers`` CPUs (its start
              and shutdown included, as a user waits for them)

Studies/s over the wall time of each, and the ratios over the plain loop (above 1 the
batch is faster), per round and their median. The JSON of every study is checked equal across the three. Every run is
a real audited run (one signed, fsynced record each, in a private audit folder).
Load average printed: on a shared 2-core machine the ratios are what counts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def plain_loop(model_folder: Path, studies: list[Path], out: Path) -> None:
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference import run_model
    from viewer.inference.registry import load_entry
    from viewer.inference.result_json import result_summary
    from viewer.inference.signing import TrustPolicy
    from viewer.io.scan import scan

    settings = load_settings()
    entry = load_entry(model_folder, trust=TrustPolicy.of(settings))
    audit = AuditLog.of(settings)
    for study in studies:
        series = next(s for s in scan([study]).all_series() if s.has_images)
        (res,) = run_model(entry, series, [0], audit_log=audit)
        folder = out / series.study_uid
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result_summary(res), indent=2, ensure_ascii=False) + "\n"
        (folder / "threshold-frame-0000.json").write_text(text, encoding="utf-8")


def whole_process(args: list[str]) -> float:
    """Seconds from launch to exit of a whole process (imports, verification, start-up
    of the pool or of Ray included, as a user waits for them)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args[:3]} failed:\n{done.stderr[-3000:]}")
    return seconds


def outputs(out: Path) -> dict[str, str]:
    return {p.parent.name: p.read_text() for p in out.glob("*/threshold-frame-0000.json")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--studies", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=None, help="pool workers (default: CPUs)")
    ap.add_argument("--ray-workers", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--plain", nargs=3, metavar=("MODEL", "OUT", "STUDY_LIST"),
                    help=argparse.SUPPRESS)  # the plain loop's own process
    ns = ap.parse_args()
    if ns.plain:
        model_, out_, listing = ns.plain
        plain_loop(Path(model_), [Path(p) for p in Path(listing).read_text().split("\n")],
                   Path(out_))
        return 0
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.environ["LIGHTBOX_AUDIT_DIR"] = str(work / "audit")
    os.environ["LIGHTBOX_CONFIG_DIR"] = str(work / "config")
    from tests.batch.archive import write_archive
    from tests.inference.artifacts import build
    from viewer.batch.pool import default_workers

    build(work / "models", "threshold")
    model = (work / "models" / "threshold").resolve()
    source = work / "archive"
    studies = write_archive(source, ns.studies, slices=1, size=32)
    listing = work / "studies.txt"
    listing.write_text("\n".join(str(s) for s in studies))
    workers = ns.workers or default_workers()
    print(f"{ns.studies} studies of one 32x32 CT slice; model threshold; pool workers "
          f"{workers}; ray workers {ns.ray_workers}; cpus {os.cpu_count()}; each run a "
          "whole process")
    rates: dict[str, list[float]] = {"plain loop": [], "pool": [], "ray local": []}
    seen: dict[str, dict[str, str]] = {}
    for round_ in range(ns.rounds):
        runs = ["plain loop", "pool"] + ([] if ns.no_ray else ["ray local"])
        for name in runs:
            out = work / f"out-{name.replace(' ', '-')}-{round_}"
            job = ["-m", "viewer", "batch", str(source), "--model", "threshold", "--out",
                   str(out), "--models-dir", str(work / "models")]
            if name == "plain loop":
                seconds = whole_process([__file__, "--plain", str(model), str(out),
                                         str(listing)])
            elif name == "pool":
                seconds = whole_process([*job, "--workers", str(workers)])
            else:
                seconds = whole_process([*job, "--ray", "local", "--workers",
                                         str(ns.ray_workers)])
            rates[name].append(ns.studies / seconds)
            seen[name] = outputs(out)
            print(f"{name:<11} round {round_ + 1}  {ns.studies / seconds:8.2f} studies/s  "
                  f"({seconds:.2f} s)", flush=True)
    # Each round's ratios (its runs back to back, so under the same load), then the median.
    ratio: dict[str, list[float]] = {"pool": [], "ray local": []}
    for i, loop in enumerate(rates["plain loop"]):
        for name in ratio:
            if rates[name]:
                ratio[name].append(rates[name][i] / loop)
    if ns.rounds > 1:
        for i in range(ns.rounds):
            print(f"round {i + 1}      " + "; ".join(
                f"{name}/plain loop {r[i]:.2f}x" for name, r in ratio.items() if r))
    print("ratios       " + "; ".join(f"{name}/plain loop {statistics.median(r):.2f}x"
                                      for name, r in ratio.items() if r)
          + (" (median of rounds)" if ns.rounds > 1 else ""))
    reference = seen["plain loop"]
    same = all(v == reference for v in seen.values()) and len(reference) == ns.studies
    print(f"outputs identical across engines: {'yes' if same else 'NO'}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
