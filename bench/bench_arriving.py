"""Time to the first image on screen while a series is still arriving, against retrieving
the whole series with a plain retrieve and then opening it, in the same run.

Lightbox: the Search PACS window's retrieve (C-GET from a local Orthanc) of a CT series;
the viewer opens the study at its first stored image and paints it while the rest
arrives (viewer/ui/window/arriving.py). Measured from the retrieve's start to the first
painted image (the start-up bench's paint hook, ``FirstPaint``), and to the whole series
in the viewport. The peers: a plain pynetdicom C-GET (and dcmtk's ``getscu`` when
installed) of the same series into a folder, then that folder opened in the same viewer
to its first painted image, as a reader without Lightbox's retrieve would. Medians of
interleaved rounds (a busy machine slows all alike); one process, offscreen Qt.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_arriving.py [--slices N] [--size PX] [--rounds N]

Needs Orthanc (``/usr/sbin/Orthanc``; Debian: apt-get install orthanc).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.orthanc_series import LoadedSeries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()

    from bench.orthanc_series import orthanc_with_series
    from tests.pacs_server import ORTHANC

    if ORTHANC is None:
        print("Orthanc is not installed: nothing to measure (apt-get install orthanc)")
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="bench-arriving-"))
    # The viewer's own folders (logs, audit, study list of opened folders) stay in here.
    for name in ("LIGHTBOX_LOG_DIR", "LIGHTBOX_AUDIT_DIR", "LIGHTBOX_CONFIG_DIR",
                 "LIGHTBOX_CACHE_DIR", "XDG_DATA_HOME"):
        os.environ[name] = str(work / name.lower())
    try:
        with orthanc_with_series(work, ns.slices, ns.size) as loaded:
            return _measure(ns, work, loaded)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(ns: argparse.Namespace, work: Path, loaded: LoadedSeries) -> int:
    from PySide6.QtWidgets import QApplication

    from viewer.host.settings import load_settings
    from viewer.io.cache import FrameCache
    from viewer.state.pacs_search import SearchForm
    from viewer.ui.first_paint import FirstPaint
    from viewer.ui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    study, megabytes = loaded.study, loaded.megabytes

    def settings_for(store: Path):  # type: ignore[no-untyped-def]
        return load_settings(loaded.site(store.with_suffix(".toml"), store))

    def pump(done: Callable[[], bool], what: str) -> None:
        end = time.perf_counter() + 300
        while not done():
            app.processEvents()
            if time.perf_counter() > end:
                raise RuntimeError(f"timed out waiting for {what}")
            time.sleep(0.001)

    def window_for(store: Path) -> MainWindow:
        window = MainWindow(cache=FrameCache(1 << 30), settings=settings_for(store),
                            load_models=False)
        window.resize(1100, 760)
        window.show()
        pump(lambda: window.isVisible(), "the window")
        return window

    def close(window: MainWindow) -> None:
        window.close()
        window.deleteLater()
        app.processEvents()

    def lightbox(store: Path) -> tuple[float, float, int]:
        """(first image painted, whole series shown, images here at the first paint)."""
        window = window_for(store)
        window.show_pacs_search()
        dialog = window.pacs_search
        assert dialog is not None
        dialog.model.form = SearchForm(node="orthanc")
        painted: list[tuple[float, int]] = []
        start = time.perf_counter()
        FirstPaint(window.viewport, lambda: painted.append(
            (time.perf_counter() - start, len(window.viewport.series.frames)
             if window.viewport.series is not None else 0)))
        dialog.model.retrieve(study)
        pump(lambda: bool(painted), "the first image")
        pump(lambda: window.viewport.series is not None
             and len(window.viewport.series.frames) == ns.slices
             and not window.arriving.followed and not dialog.model.retrieving,
             "the whole series")
        whole = time.perf_counter() - start
        close(window)
        return painted[0][0], whole, painted[0][1]

    def then_open(get: Callable[[Path], None]) -> Callable[[Path], tuple[float, float]]:
        def run(out: Path) -> tuple[float, float]:
            window = window_for(out.with_name(out.name + "-store"))
            painted: list[float] = []
            start = time.perf_counter()
            get(out)
            fetched = time.perf_counter() - start
            FirstPaint(window.viewport, lambda: painted.append(time.perf_counter() - start))
            window.open_paths([out])
            pump(lambda: bool(painted), "the opened folder's first image")
            close(window)
            return painted[0], fetched
        return run

    peers = {"plain pynetdicom C-GET, then open": then_open(loaded.plain_get)}
    if shutil.which("getscu"):
        peers["dcmtk getscu, then open"] = then_open(loaded.getscu)
    first_paint: list[float] = []
    whole: list[float] = []
    here: list[int] = []
    peer_times: dict[str, list[tuple[float, float]]] = {name: [] for name in peers}
    for round_ in range(ns.rounds):
        painted, shown, count = lightbox(work / f"store-{round_}")
        first_paint.append(painted)
        whole.append(shown)
        here.append(count)
        for name, run in peers.items():
            peer_times[name].append(run(work / f"out-{round_}-{len(peer_times[name])}"
                                        f"-{name.split()[0]}"))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lightbox_first = statistics.median(first_paint)
    print(f"series: {ns.slices} images of {ns.size}x{ns.size}, {megabytes:.1f} MB; "
          f"{ns.rounds} interleaved rounds, medians; load average {load:.2f}")
    print(f"{'Lightbox first image while arriving':<40} {lightbox_first * 1000:8.0f} ms  "
          f"({statistics.median(here):.0f} of {ns.slices} images here then)")
    print(f"{'Lightbox whole series on screen':<40} {statistics.median(whole) * 1000:8.0f} ms")
    for name, pairs in peer_times.items():
        total = statistics.median(t for t, _ in pairs)
        fetched = statistics.median(f for _, f in pairs)
        print(f"{name:<40} {total * 1000:8.0f} ms  (retrieve {fetched * 1000:.0f} ms, then "
              f"the first image; Lightbox's first image: {lightbox_first / total:.2f}x this)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
