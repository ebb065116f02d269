"""In-browser inference time per bundled model (onnxruntime-web: WebAssembly, and WebGPU
where the browser offers it) against the Python ONNX Runtime on the same machine
(docs/web.md, "Models in the browser").

    .venv/bin/python bench/bench_web_inference.py [--runs 20] [--quick]

The page is the real one (``lightbox serve --demo``, Debian's headless Chromium through
the harness of tests/web/browser.py, cross-origin isolated as served, so WebAssembly runs
threaded). Each model is first verified in the page (digests, golden replay: nothing is
timed unverified), then ``window.lightbox.inference.timeModel`` runs it on its first
golden sample: one untimed run, then ``--runs`` timed ``session.run`` calls. The peer is
the viewer's own session (``viewer.inference.session.create_session``: the same graph
optimisation level, its thread count) on the same sample, timed the same way in this
process, interleaved model by model. Medians; ratio browser/Python (above 1: the browser
is slower). Every request is checked to stay on 127.0.0.1. Load average printed.

Then a volume model's whole run: ct-body-seg3d on the demo CT (64 slices of 256 × 256: the
frames read through the page's frame cache, resampled, 48 patches windowed and blended,
the masks back on every frame), ``window.lightbox.runModel`` in WebAssembly against
``viewer.inference.run_model`` on the same series (files read from disk each run), one
run each with ``--quick``, else the median of 3 (the page keeps the frames it fetched for
the first, as the desktop's frame cache does).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))

MODELS = ("ct-body-seg", "ct-body-seg3d", "ct-lesion-cls", "ct-lesion-det", "mr-brain-tissue")
READY = """const done = arguments[arguments.length - 1];
window.lightbox.ready.then(() => window.lightbox.inference.backends())
  .then(done, e => done({error: String(e)}));"""
FULL = """const [uid, id, done] = arguments;
window.lightbox.openSeries(uid).then(() => {
  const start = performance.now();
  return window.lightbox.runModel(id, {where: "browser", backend: "wasm", accept_warnings: true})
    .then(r => done({ms: performance.now() - start, frames: r.frames.length}));
}).catch(e => done({error: String(e.message || e)}));"""
TIME = """const [id, backend, runs, done] = arguments;
window.lightbox.inference.verify(id, backend).then(v => {
  if (!v.ok) { done({error: v.reason}); return; }
  return window.lightbox.inference.timeModel(id, backend, runs).then(done);
}).catch(e => done({error: String(e)}));"""


def python_ms(model_id: str, runs: int) -> tuple[list[float], int]:
    """Milliseconds per run of the viewer's own session on the first golden sample."""
    import numpy as np

    from viewer.inference.session import create_session, thread_count

    folder = ROOT / "models" / model_id
    session = create_session((folder / "model.onnx").read_bytes())
    with np.load(io.BytesIO((folder / "golden.npz").read_bytes())) as npz:
        feed = {key[len("input:"):]: np.asarray(npz[key][:1], dtype=np.float32)
                for key in npz.files if key.startswith("input:")}
    session.run(None, feed)
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feed)
        took.append((time.perf_counter() - start) * 1000)
    return took, thread_count()


def full_run(service, browser, runs: int) -> int:
    """ct-body-seg3d's whole run on the demo CT, page against viewer; 1 when refused."""
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference import ModelRegistry, run_model
    from viewer.io.scan import scan

    model_id = "ct-body-seg3d"
    series = next(s for s in scan([service.home / "cache" / "demo"]).all_series()
                  if "phantom" in (s.description or "").lower())
    entry = ModelRegistry([ROOT / "models"], settings=load_settings()).get(model_id)
    py, web = [], []
    for _ in range(runs):
        start = time.perf_counter()
        run_model(entry, series, accept_warnings=True, audit_log=AuditLog.of(load_settings()))
        py.append(time.perf_counter() - start)
        found = browser.driver.execute_async_script(FULL, series.uid, model_id)
        if "error" in found:
            print(f"{model_id:16s} full run in WebAssembly refused: {found['error']}")
            return 1
        web.append(found["ms"] / 1000)
    py_s, web_s = statistics.median(py), statistics.median(web)
    print(f"{model_id:16s} full run, demo CT {len(series.frames)} slices: python ORT "
          f"{py_s:.2f} s, WebAssembly {web_s:.2f} s (median of {runs})  "
          f"ratio browser/python {web_s / py_s:.2f}x")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--quick", action="store_true", help="two runs of each (the test)")
    args = parser.parse_args()
    runs = 2 if args.quick else max(1, args.runs)

    from tests.service.server import running_service
    from tests.web.browser import chromium, missing, outside

    reason = missing()
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-webinf-") as tmp, \
            running_service(Path(tmp) / "serve", args=["--demo"]) as service, \
            chromium() as browser:
        browser.driver.get(service.url + "/web/")
        browser.driver.set_script_timeout(600)
        offered = browser.driver.execute_async_script(READY)
        if "error" in offered:
            print(f"the page did not start: {offered['error']}")
            return 1
        backends = list(offered["available"])
        for note in offered["notes"]:
            print(f"backend note: {note}")
        failed = 0
        for model_id in MODELS:
            py, threads = python_ms(model_id, runs)
            py_ms = statistics.median(py)
            print(f"{model_id:16s} python ORT  {py_ms:9.2f} ms (median of {runs}; CPU, "
                  f"{threads} threads)")
            for backend in ("wasm", "webgpu"):
                name = "WebAssembly" if backend == "wasm" else "WebGPU"
                if backend not in backends:
                    print(f"{model_id:16s} {name:11s} not offered by this browser")
                    continue
                found = browser.driver.execute_async_script(TIME, model_id, backend, runs)
                if "error" in found:
                    print(f"{model_id:16s} {name:11s} refused: {found['error']}")
                    failed += 1
                    continue
                ms = statistics.median(found["ms"])
                print(f"{model_id:16s} {name:11s} {ms:9.2f} ms (median of {runs})  "
                      f"ratio browser/python {ms / py_ms:.2f}x")
        failed += full_run(service, browser, 1 if args.quick else 3)
        gone = outside(browser.requests())
    print(f"requests off 127.0.0.1: {len(gone)}")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if gone or failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
