"""AI models: ONNX Runtime against PyTorch eager, and click → overlay in the real AI panel.

    .venv/bin/python bench/bench_models.py [--repeat 20] [--batch 4] [--slices 64]
        [--size 512] [--gui-repeat 3] [--models ID,ID] [--no-torch] [--no-gui] [--no-stages]

Per bundled model (``models/<id>``), in the same run:

* latency   one forward pass on the same input, batch 1 and the viewer's batch
            (``--batch``, default the runner's), through ONNX Runtime as the viewer sets
            it up (``viewer.inference.session.create_session``: CPU, all graph
            optimisations, the workstation's thread count) and through PyTorch eager
            (the recipe's ``model.py``, ``torch.inference_mode``, the same thread count).
            Median of ``--repeat`` runs after three warm-up runs. The ratio is
            PyTorch / ONNX Runtime: above 1 the artifact is the faster.
* click     the real ``MainWindow`` (offscreen) on a phantom CT series written to a
            temporary folder: ``Run on this image`` / ``Run on series`` is clicked and
            the time is taken when the viewport has painted the overlay (the first Paint
            after the click whose AI layer drew the result's banner), and when the panel's
            ``run_finished`` came. Baseline in the same run: ``run_model`` alone on the
            same frames, without Qt, run first (so both find the ONNX Runtime session
            built). Best of ``--gui-repeat`` runs each.

* stages    ``run_model`` on the middle slice of the same series, without Qt, frames from
            a frame cache through a source that counts its reads (each run must read its
            frame once), against the network alone (``session.run`` on the same prepared
            tensor): the ratio is the issue-13 target (<= 1.5x). Then where the time goes,
            each stage timed on its own as the runner does it: read (the frame cache; the
            file, for scale), the intended-use check, prepare (modality values, intensity,
            letterbox, the batch tensor), run, postprocess, the domain check, and the audit
            record (the check before the run, the series hash and the append, with its
            fsync, counted: one fsync in the audit folder is timed for scale). Medians of
            ``--repeat``. ``bench_audit.py`` times the record on its own.

No target for the click figures: they say where a click's time goes. Needs torch for the latency part
(``--no-torch`` skips it); the viewer itself never imports torch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from viewer.inference import bundled_models_dir  # noqa: E402
from viewer.inference.runner import DEFAULT_BATCH  # noqa: E402
from viewer.inference.session import create_session, thread_count  # noqa: E402

MODELS = ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls")
RECIPES = ROOT / "models" / "recipes"
LIMIT_MS = 300_000


# --- ONNX Runtime against PyTorch eager ------------------------------------------------------


def median_ms(fn: Callable[[], object], repeat: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def torch_model_from_artifact(folder: Path):  # type: ignore[no-untyped-def]
    """The recipe's nn.Module holding the artifact's own weights, proven on golden.npz.

    The trained weights are not committed (only the artifact is, so that the viewer needs
    no torch), and retraining takes minutes. So the weights are *reconstructed from the
    ONNX initialisers*: the exporter keeps the state_dict's names, except that it folds
    each eval-mode BatchNorm into the convolution before it (``<conv>.weight`` becomes the
    folded weight and ``<conv>.weight_bias`` the folded bias). The BatchNorm then gets
    weight 1, running mean 0, running variance 1 − eps and the folded bias, so it adds the
    bias and nothing else. Eager PyTorch still runs every BatchNorm, as the trained model
    would. The reconstruction must give golden.npz's outputs, or the bench stops.
    """
    import onnx
    import torch
    from onnx import numpy_helper
    from torch import nn

    from viewer.modelkit import load_recipe
    from viewer.modelkit.checks import run

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    recipe = load_recipe(RECIPES / folder.name)
    model = recipe.instantiate()
    graph = onnx.load(str(folder / "model.onnx")).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    state = model.state_dict()
    modules = dict(model.named_modules())
    new: dict[str, torch.Tensor] = {}
    for path, module in modules.items():
        if not isinstance(module, nn.modules.batchnorm._BatchNorm):
            continue
        parent, _, index = path.rpartition(".")
        conv = f"{parent}.{int(index) - 1}" if parent else str(int(index) - 1)
        folded = init[f"{conv}.weight_bias"]
        new[f"{path}.weight"] = torch.ones(module.num_features)
        new[f"{path}.bias"] = torch.from_numpy(folded.copy())
        new[f"{path}.running_mean"] = torch.zeros(module.num_features)
        new[f"{path}.running_var"] = torch.full((module.num_features,), 1.0 - module.eps)
    for name, value in state.items():
        if name in new:
            continue
        if name.endswith("num_batches_tracked"):
            new[name] = value
        elif name in init:
            new[name] = torch.from_numpy(init[name].copy()).reshape(value.shape)
        else:
            raise SystemExit(f"{folder.name}: {name} is not in model.onnx; cannot rebuild it")
    model.load_state_dict(new, strict=True)
    model.eval()
    names = [o["name"] for o in manifest["outputs"]]
    tol = manifest["tolerance"]
    with np.load(folder / "golden.npz", allow_pickle=False) as golden:
        inputs = [golden[f"input:{i['name']}"] for i in manifest["inputs"]]
        expected = [golden[f"output:{n}"] for n in names]
    worst = 0.0
    for name, got, want in zip(names, run(model, inputs, names), expected, strict=True):
        diff = np.abs(got.astype(np.float64) - want)
        worst = max(worst, float(diff.max()))
        if not np.all(diff <= tol["atol"] + tol["rtol"] * np.abs(want)):
            raise SystemExit(f"{folder.name}: the rebuilt PyTorch model misses golden "
                             f"output {name!r} (max difference {diff.max():.3g})")
    return model, manifest, inputs, worst


def bench_latency(ids: Sequence[str], batch: int, repeat: int) -> None:
    import torch

    threads = thread_count()
    torch.set_num_threads(threads)
    print(f"[latency] ONNX Runtime vs PyTorch eager, {threads} threads each, median of "
          f"{repeat} runs")
    for model_id in ids:
        folder = bundled_models_dir() / model_id
        model, manifest, golden, worst = torch_model_from_artifact(folder)
        session = create_session((folder / "model.onnx").read_bytes())
        name = manifest["inputs"][0]["name"]
        # typical images first in golden.npz; repeated if the batch asks for more
        pool = golden[0]
        for size in sorted({1, batch}):
            x = np.ascontiguousarray(pool[np.arange(size) % len(pool)])
            tx = torch.from_numpy(x)
            t_ort = median_ms(lambda s=session, n=name, x=x: s.run(None, {n: x}), repeat)

            def eager(m=model, tx=tx) -> None:
                with torch.inference_mode():
                    m(tx)

            t_torch = median_ms(eager, repeat)
            print(f"  {model_id:<14} batch {size:<3} ONNX Runtime {t_ort:8.2f} ms   "
                  f"PyTorch eager {t_torch:8.2f} ms   (PyTorch/ORT {t_torch / t_ort:.2f}x)"
                  f"   [rebuilt from model.onnx, golden max diff {worst:.1e}]")


# --- click → overlay in the real window ----------------------------------------------------


@dataclass
class Click:
    painted: float = 0.0  # the viewport's first paint that drew the result
    finished: float = 0.0  # the panel's run_finished signal
    status: str = ""


def click_once(window, button, limit_ms: int = LIMIT_MS) -> Click:  # type: ignore[no-untyped-def]
    """Click ``button`` and time the overlay's first paint and the end of the run."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    viewport, panel = window.viewport, window.ai_panel
    result = Click()
    loop = QEventLoop()

    def check() -> None:
        if result.painted and result.finished:
            loop.quit()

    class Painted(QObject):
        """After each Paint: did the AI layer draw a result? (``drawn`` is set in paint)."""

        def eventFilter(self, _obj, event) -> bool:  # noqa: N802 - Qt override
            if not result.painted and event.type() == QEvent.Type.Paint:
                QTimer.singleShot(0, self.after)
            return False

        def after(self) -> None:
            if not result.painted and viewport.ai_layer.drawn.banner:
                result.painted = time.perf_counter() - t0
                check()

    def finished(status: str) -> None:
        result.finished = time.perf_counter() - t0
        result.status = status
        if status != "ok":
            loop.quit()
        check()

    watcher = Painted()
    viewport.installEventFilter(watcher)
    panel.run_finished.connect(finished)
    QTimer.singleShot(limit_ms, loop.quit)
    t0 = time.perf_counter()
    button.click()
    loop.exec()
    panel.run_finished.disconnect(finished)
    viewport.removeEventFilter(watcher)
    if result.status != "ok":
        raise SystemExit(f"the run did not finish well: {result.status or 'timed out'} "
                         f"({panel.run_label.text()})")
    if not result.painted:
        raise SystemExit("the overlay was never painted")
    return result


def wait_until(condition: Callable[[], bool], what: str, limit_ms: int = LIMIT_MS) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer()
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start(5)
    QTimer.singleShot(limit_ms, loop.quit)
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise SystemExit(f"timed out waiting for {what}")


def bench_clicks(ids: Sequence[str], folder: Path, repeat: int) -> None:
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference import run_model
    from viewer.io.cache import FrameCache
    from viewer.ui.window.main_window import MainWindow

    QApplication.instance() or QApplication(["bench_models"])
    t0 = time.perf_counter()
    settings = load_settings()  # this script is an entry point: settings read once, here
    audit = AuditLog.of(settings)
    window = MainWindow(cache=FrameCache(1 << 30), settings=settings)  # verifies the models
    window.resize(1280, 820)
    window.show()
    if not QTest.qWaitForWindowExposed(window):
        raise SystemExit("the window was never exposed")
    try:
        panel, viewport = window.ai_panel, window.viewport
        wait_until(lambda: panel.is_ready, "the models to verify")
        verified = time.perf_counter() - t0
        window.open_paths([folder])
        wait_until(window.is_settled, "the series to load")
        series = viewport.series
        middle = len(series.frames) // 2
        viewport.state.update(index=middle)
        wait_until(lambda: viewport.displayed_image() is not None, "the middle image")
        print(f"[click] MainWindow {window.width()}x{window.height()} offscreen, "
              f"{len(series.frames)} slices of {series.frames[0].instance.pixel.rows}"
              f"x{series.frames[0].instance.pixel.columns}; models verified in "
              f"{verified * 1e3:.0f} ms (fresh cache)")
        for model_id in ids:
            if not panel.select_model(model_id):
                raise SystemExit(f"{model_id} is not listed in the AI panel")
            entry = panel.registry.get(model_id)
            for whole, button in ((False, panel.run_image_button),
                                  (True, panel.run_series_button)):
                frames = None if whole else [middle]
                count = len(series.frames) if whole else 1
                core = min(_timed(lambda e=entry, f=frames: run_model(
                               e, series, f, audit_log=audit))
                           for _ in range(repeat))
                clicks = []
                for _ in range(repeat):
                    viewport.overlays.clear()  # the banner must come from this click
                    viewport.repaint()
                    clicks.append(click_once(window, button))
                painted = min(c.painted for c in clicks)
                finished = min(c.finished for c in clicks)
                what = "series" if whole else "1 slice"
                line = (f"  {model_id:<14} {what:<8} click→overlay {painted * 1e3:8.1f} ms   "
                        f"click→run_finished {finished * 1e3:8.1f} ms   run_model alone "
                        f"{core * 1e3:8.1f} ms   ({painted / core:.2f}x; "
                        f"{core * 1e3 / count:.1f} ms/slice)")
                print(line)
        viewport.overlays.clear()
    finally:
        window.close()
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def fsyncs_of(fn: Callable[[], object]) -> int:
    """How many ``os.fsync`` calls ``fn()`` makes (the bench's own count, put back after)."""
    real, calls = os.fsync, [0]

    def counting(fd: int) -> None:
        calls[0] += 1
        real(fd)

    os.fsync = counting  # type: ignore[assignment]
    try:
        fn()
    finally:
        os.fsync = real  # type: ignore[assignment]
    return calls[0]


def bench_stages(ids: Sequence[str], folder: Path, repeat: int) -> None:
    """``run_model`` on one slice against the network alone, and its stages one by one."""
    from viewer.audit.log import AuditLog, AuditRecord, series_hash
    from viewer.host.settings import load_settings
    from viewer.imaging.lut import modality_values
    from viewer.inference import run_model
    from viewer.inference.intended_use import check_intended_use
    from viewer.inference.postprocess import postprocess, split_batch
    from viewer.inference.preprocess import prepare_slice
    from viewer.inference.registry import load_entry
    from viewer.inference.runner import _domain
    from viewer.inference.series_match import primary_input
    from viewer.io.cache import FrameCache
    from viewer.io.frames import frame_source
    from viewer.io.model import FrameRef
    from viewer.io.pixels import read_frame
    from viewer.io.scan import scan

    (series,) = scan([folder]).all_series()
    middle = len(series.frames) // 2
    ref = series.frames[middle]
    cached = frame_source(FrameCache(1 << 30))
    reads = [0]

    def counting(r: FrameRef) -> np.ndarray:
        reads[0] += 1
        return cached(r)

    audit = AuditLog.of(load_settings())
    print(f"[stages] run_model on slice {middle + 1} of {len(series.frames)} "
          f"({ref.instance.pixel.rows}x{ref.instance.pixel.columns}), frame cache, median of "
          f"{repeat}; network alone = session.run on the same prepared tensor")
    fsync_ms = _fsync_ms(audit.path.parent, repeat)
    for model_id in ids:
        entry = load_entry(bundled_models_dir() / model_id)
        verified = entry.model
        if verified is None or verified.manifest.volume is not None:
            continue  # volume models run the whole series: not a one-slice figure
        manifest = verified.manifest
        spec = primary_input(manifest)
        session = verified.session()
        names = [o.name for o in manifest.outputs]

        def whole(e=entry) -> object:  # type: ignore[no-untyped-def]
            return run_model(e, series, [middle], audit_log=audit, source=counting)

        before = reads[0]
        whole()
        per_run = reads[0] - before
        stored = cached(ref)

        def prepare(sp=spec, x=stored) -> tuple[np.ndarray, object]:  # type: ignore[no-untyped-def]
            sample, box = prepare_slice(modality_values(x, ref.instance, ref.frame), sp)
            return np.stack([sample]).astype(np.float32, copy=False), box

        feed_x, box = prepare()
        feed = {spec.name: feed_x}
        raw = session.run(names, feed)

        def post(m=manifest, raw=raw, box=box) -> object:  # type: ignore[no-untyped-def]
            return postprocess(split_batch(m.id, m.outputs, raw, 1)[0], m.outputs, box)

        def record(m=manifest) -> object:  # type: ignore[no-untyped-def]
            audit.check()
            return audit.append(AuditRecord(m.id, m.version, m.digest, series_hash(series.uid),
                                            "bench", 0.0, 1, "ok"))

        fsyncs = fsyncs_of(record)
        t = {
            "total": median_ms(whole, repeat),
            "net": median_ms(lambda s=session, f=feed, n=names: s.run(n, f), repeat),
            "read": median_ms(lambda: cached(ref), repeat),
            "file": median_ms(lambda: read_frame(ref), repeat),
            "use": median_ms(lambda m=manifest: check_intended_use(m, series, [middle]), repeat),
            "prepare": median_ms(prepare, repeat),
            "post": median_ms(post, repeat),
            "domain": median_ms(lambda m=manifest, x=feed_x[0], b=box: _domain(
                m, series, middle, x, b), repeat),
            "audit": median_ms(record, repeat),
        }
        # Everything but the record, as the sum of its stages (a difference of two noisy
        # medians would not be a figure).
        bare = sum(t[k] for k in ("read", "use", "prepare", "net", "post", "domain"))
        verdict = "ok" if t["total"] <= 1.5 * t["net"] else "MISSED"
        print(f"  {model_id:<14} 1 slice  run_model {t['total']:7.2f} ms   network alone "
              f"{t['net']:7.2f} ms   ({t['total'] / t['net']:.2f}x; target <= 1.5x: {verdict})"
              f"   stages but the audit record {bare:.2f} ms ({bare / t['net']:.2f}x)   "
              f"frame reads per run {per_run}")
        print(f"  {'':<14} stages   read {t['read']:.3f} (frame cache; the file "
              f"{t['file']:.2f}) / intended use {t['use']:.3f} / prepare {t['prepare']:.2f} / "
              f"run {t['net']:.2f} / postprocess {t['post']:.2f} / domain {t['domain']:.2f} / "
              f"audit record {t['audit']:.2f} ms   [{fsyncs} fsync(s) per record, "
              f"one fsync here {fsync_ms:.2f} ms]")


def _fsync_ms(folder: Path, repeat: int) -> float:
    """One small append and fsync in ``folder`` (the audit log's): the floor of a record."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".bench-fsync"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        def once() -> None:
            os.write(fd, b"x" * 200 + b"\n")
            os.fsync(fd)

        return median_ms(once, repeat)
    finally:
        os.close(fd)
        path.unlink()


def _timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20, help="latency runs per figure")
    ap.add_argument("--batch", type=int, default=DEFAULT_BATCH, help="the typical batch")
    ap.add_argument("--slices", type=int, default=64)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--gui-repeat", type=int, default=3)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    ap.add_argument("--no-gui", action="store_true", help="skip the click → overlay part")
    ap.add_argument("--no-stages", action="store_true", help="skip the run_model stages")
    ns = ap.parse_args(argv)
    ids = [m for m in ns.models.split(",") if m]
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-models-") as tmp:
        # The verification cache, audit log and install key of this run stay in tmp.
        for var in ("LIGHTBOX_CACHE_DIR", "LIGHTBOX_AUDIT_DIR", "LIGHTBOX_CONFIG_DIR"):
            os.environ[var] = str(Path(tmp) / var.lower())
        os.environ.pop("LIGHTBOX_MODEL_DIRS", None)
        print(f"cores: {os.cpu_count()}, models: {', '.join(ids)}")
        if ns.no_torch:
            print("[latency] skipped (--no-torch)")
        else:
            try:
                import torch  # noqa: F401
            except ImportError:
                print("[latency] skipped: torch is not installed (pip install "
                      "'lightbox[modelkit]')")
            else:
                bench_latency(ids, ns.batch, ns.repeat)
        folder = Path(tmp) / "ct"
        if not (ns.no_gui and ns.no_stages):
            from viewer.io.demo import write_phantom_series

            write_phantom_series(folder, slices=ns.slices, size=ns.size)
        if not ns.no_stages:
            bench_stages(ids, folder, ns.repeat)
        if not ns.no_gui:
            bench_clicks(ids, folder, ns.gui_repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
