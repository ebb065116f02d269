"""The device check for a GPU server: which execution providers this ONNX Runtime offers,
every bundled model's golden replay on each, and each provider's speed against the CPU.

    .venv/bin/python bench/gpu_check.py [--runs 20] [--models ct-lesion-cls,...]

For each provider among TensorRT, CUDA, Core ML that ONNX Runtime reports, and the CPU:
a session on it for each bundled model (``models/``), placed exactly as ``lightbox serve``
places it (:func:`viewer.inference.verify.serve_on`: the golden vectors replayed and
compared by the manifest's tolerance), then the golden batch timed (median of ``--runs``)
and the ratio CPU / provider printed (above 1: the provider is faster). TensorRT's engines
go to a temporary cache folder (the first run builds them; not timed). Without a GPU
provider it says "no GPU" and checks the CPU alone. Exit status 1 when a model that
verified on the CPU fails its replay on a GPU provider (the service would fall back).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from viewer.inference.verify import load_golden, serve_on, verify_artifact  # noqa: E402
from viewer.service.providers import (  # noqa: E402
    CPU,
    DEFAULT_ORDER,
    TENSORRT,
    available_providers,
    engine_cache_dir,
    gpu_name,
    provider_options,
)


def timed(session: object, feed: dict[str, np.ndarray], names: list[str], runs: int) -> float:
    """Median ms of ``runs`` runs of the golden batch (after two warm-up runs)."""
    run = session.run  # type: ignore[attr-defined]
    for _ in range(2):
        run(names, feed)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run(names, feed)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def check(models: list[str], runs: int, cache: Path) -> tuple[list[str], bool]:
    """Lines to print, and whether every replay passed."""
    offered = available_providers()
    gpus = [p for p in DEFAULT_ORDER if p in offered]
    lines = [f"ONNX Runtime offers: {', '.join(offered)}"]
    if not gpus:
        lines.append(f"no GPU: no GPU execution provider in this ONNX Runtime "
                     f"({', '.join(offered)}); checking the CPU alone")
    else:
        lines.append(f"GPU: {gpu_name()}")
    ok = True
    for name in models:
        model = verify_artifact(ROOT / "models" / name)  # the CPU replay, as at every start
        manifest = model.manifest
        golden = load_golden(manifest)
        feed = {i.name: golden[f"input:{i.name}"].astype(np.float32) for i in manifest.inputs}
        names = [o.name for o in manifest.outputs]
        batch = next(iter(feed.values())).shape[0]
        cpu_ms = timed(model.session(), feed, names, runs)
        lines.append(f"{name:<16} {CPU:<27} replay ok  batch {batch:>2}  {cpu_ms:9.2f} ms")
        for provider in gpus:
            placed = verify_artifact(ROOT / "models" / name)
            folder = (engine_cache_dir(cache, manifest.digest, provider, placed.runtime,
                                       gpu_name()) if provider == TENSORRT else None)
            problem = serve_on(placed, provider, provider_options(provider, folder))
            if problem is not None:
                ok = False
                lines.append(f"{name:<16} {provider:<27} FALLS BACK: {problem}")
                continue
            ms = timed(placed.session(), feed, names, runs)
            lines.append(f"{name:<16} {provider:<27} replay ok  batch {batch:>2}  {ms:9.2f} ms"
                         f"  CPU/{provider.removesuffix('ExecutionProvider')} {cpu_ms / ms:.2f}x")
    return lines, ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--models", default="", help="comma-separated ids (default: all bundled)")
    ns = ap.parse_args()
    bundled = sorted(p.name for p in (ROOT / "models").iterdir()
                     if (p / "manifest.json").is_file())
    models = [m for m in ns.models.split(",") if m] or bundled
    with tempfile.TemporaryDirectory() as tmp:
        lines, ok = check(models, ns.runs, Path(tmp))
    for line in lines:
        print(line)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
