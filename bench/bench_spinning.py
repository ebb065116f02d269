"""``run_model`` on one slice with ONNX Runtime's workers spinning between runs, or not.

    .venv/bin/python bench/bench_spinning.py [--rounds 3] [--repeat 20] [--size 512]
        [--models ID,ID]

ONNX Runtime's intra-op workers busy-wait for the next run after each one by default.
Lightbox turns that off (``viewer.inference.session.create_session``): between two runs
the viewer prepares, post-processes, audits and paints on the same cores. Each contestant
runs in its own process (a spinning pool left in a process would slow the other
contestant there too), alternating, ``--rounds`` times: the product's session (no spin)
and the same session built with ``spin=True``. Each process times ``run_model`` on the
middle slice of a phantom series (frame cache, audit log in a temporary folder) and the
network alone (``session.run`` back to back on the same prepared tensor), medians of
``--repeat``; the figures printed are the medians over the rounds.
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
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

MODELS = ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls")


def child(folder: Path, models: Sequence[str], spin: bool, repeat: int) -> dict[str, list[float]]:
    """In this process: run_model and the network alone, per model, median ms."""
    import numpy as np

    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.imaging.lut import modality_values
    from viewer.inference import bundled_models_dir, run_model
    from viewer.inference.preprocess import prepare_slice
    from viewer.inference.registry import load_entry
    from viewer.inference.series_match import primary_input
    from viewer.inference.session import create_session
    from viewer.io.cache import FrameCache
    from viewer.io.frames import frame_source
    from viewer.io.scan import scan

    (series,) = scan([folder]).all_series()
    middle = len(series.frames) // 2
    source = frame_source(FrameCache(1 << 30))
    audit = AuditLog.of(load_settings())
    found: dict[str, list[float]] = {}
    for model_id in models:
        entry = load_entry(bundled_models_dir() / model_id)
        verified = entry.model
        if verified is None or verified.manifest.volume is not None:
            continue
        session = verified.session()
        if spin:  # the same graph and options, with the workers spinning (bench only)
            data = (bundled_models_dir() / model_id / "model.onnx").read_bytes()
            session = create_session(data, spin=True)
            verified._session[:] = [session]
        spec = primary_input(verified.manifest)
        ref = series.frames[middle]
        sample, _ = prepare_slice(modality_values(source(ref), ref.instance, ref.frame), spec)
        feed = {spec.name: np.stack([sample]).astype(np.float32, copy=False)}
        whole, net = [], []
        for _ in range(3):
            run_model(entry, series, [middle], audit_log=audit, source=source)
        for _ in range(repeat):
            t0 = time.perf_counter()
            run_model(entry, series, [middle], audit_log=audit, source=source)
            whole.append(time.perf_counter() - t0)
        for _ in range(repeat):
            t0 = time.perf_counter()
            session.run(None, feed)
            net.append(time.perf_counter() - t0)
        found[model_id] = [statistics.median(whole) * 1000, statistics.median(net) * 1000]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--slices", type=int, default=8)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    models = [m for m in ns.models.split(",") if m]
    if ns.child:
        folder, spin = ns.child.rsplit(":", 1)
        print(json.dumps(child(Path(folder), models, spin == "spin", ns.repeat)))
        return 0
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-spinning-") as tmp:
        env = dict(os.environ)
        for var in ("LIGHTBOX_CACHE_DIR", "LIGHTBOX_AUDIT_DIR", "LIGHTBOX_CONFIG_DIR"):
            env[var] = str(Path(tmp) / var.lower())
        env.pop("LIGHTBOX_MODEL_DIRS", None)
        from viewer.io.demo import write_phantom_series

        folder = Path(tmp) / "ct"
        write_phantom_series(folder, slices=ns.slices, size=ns.size)
        runs: dict[str, list[dict[str, list[float]]]] = {"no spin": [], "spin": []}
        for _ in range(ns.rounds):
            for name, flag in (("no spin", "nospin"), ("spin", "spin")):
                done = subprocess.run(
                    [sys.executable, __file__, "--child", f"{folder}:{flag}", "--models",
                     ",".join(models), "--repeat", str(ns.repeat)],
                    env=env, capture_output=True, text=True, timeout=600, check=False)
                if done.returncode != 0:
                    print(done.stderr, file=sys.stderr)
                    return 1
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"[spinning] run_model on one {ns.size}x{ns.size} slice, {ns.rounds} alternating "
              f"process pairs, medians; load average {os.getloadavg()[0]:.1f}")
        for model_id in runs["no spin"][0]:
            ms = {name: [statistics.median(r[model_id][k] for r in rounds) for k in (0, 1)]
                  for name, rounds in runs.items()}
            (whole, net), (whole_s, net_s) = ms["no spin"], ms["spin"]
            print(f"  {model_id:<14} no spin: run_model {whole:7.2f} ms, network alone "
                  f"{net:6.2f} ms ({whole / net:.2f}x)   spin: run_model {whole_s:7.2f} ms, "
                  f"network alone {net_s:6.2f} ms ({whole_s / net_s:.2f}x)   run_model "
                  f"no spin / spin {whole / whole_s:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
