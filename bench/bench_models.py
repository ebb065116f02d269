"""AI models: ONNX Runtime against PyTorch eager, and click → overlay in the real AI panel.

    .venv/bin/python bench/bench_models.py [--repeat 20] [--batch 4] [--slices 64]
        [--size 512] [--gui-repeat 3] [--models ID,ID] [--no-torch] [--no-gui]

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

No target: the figures say where a click's time goes. Needs torch for the latency part
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
        if not ns.no_gui:
            from viewer.io.demo import write_phantom_series

            folder = Path(tmp) / "ct"
            write_phantom_series(folder, slices=ns.slices, size=ns.size)
            bench_clicks(ids, folder, ns.gui_repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
