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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    ns = parser.parse_args()

    from tests.pacs_server import LIGHTBOX_AET, ORTHANC, ORTHANC_AET, Orthanc, free_port

    if ORTHANC is None:
        print("Orthanc is not installed: nothing to measure (apt-get install orthanc)")
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="bench-arriving-"))
    # The viewer's own folders (logs, audit, study list of opened folders) stay in here.
    for name in ("LIGHTBOX_LOG_DIR", "LIGHTBOX_AUDIT_DIR", "LIGHTBOX_CONFIG_DIR",
                 "LIGHTBOX_CACHE_DIR", "XDG_DATA_HOME"):
        os.environ[name] = str(work / name.lower())
    server = Orthanc(work / "orthanc", free_port(), free_port(), free_port())
    server.folder.mkdir()
    server.write_config()
    server.start()
    try:
        return _measure(ns, work, server, LIGHTBOX_AET, ORTHANC_AET)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def _measure(ns: argparse.Namespace, work: Path, server: object, lightbox_aet: str,
             orthanc_aet: str) -> int:
    import pydicom
    from PySide6.QtWidgets import QApplication

    from tests.pacs_server import Orthanc
    from viewer.host.settings import load_settings
    from viewer.io.cache import FrameCache
    from viewer.io.demo import write_phantom_series
    from viewer.state.pacs_search import SearchForm
    from viewer.ui.first_paint import FirstPaint
    from viewer.ui.window.main_window import MainWindow

    assert isinstance(server, Orthanc)
    app = QApplication.instance() or QApplication([])
    paths = write_phantom_series(work / "series", slices=ns.slices, size=ns.size)
    for path in paths:
        assert server.upload(path) is not None
    first = pydicom.dcmread(paths[0], stop_before_pixels=True)
    study, series = str(first.StudyInstanceUID), str(first.SeriesInstanceUID)
    megabytes = sum(p.stat().st_size for p in paths) / 1e6

    def settings_for(store: Path):  # type: ignore[no-untyped-def]
        site = store.with_suffix(".toml")
        site.write_text(
            f'local_ae_title = "{lightbox_aet}"\nstorage_port = {server.storage_port}\n'
            f'pacs_store_dir = "{store}"\n[dicom_nodes.orthanc]\n'
            f'ae_title = "{orthanc_aet}"\nhost = "127.0.0.1"\nport = {server.dicom_port}\n',
            encoding="utf-8")
        return load_settings(site)

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

    def plain_get(out: Path) -> None:
        from pydicom import Dataset
        from pynetdicom import AE, StoragePresentationContexts, build_role, evt
        from pynetdicom.sop_class import (  # type: ignore[attr-defined]
            StudyRootQueryRetrieveInformationModelGet,
        )

        out.mkdir(parents=True)
        count = [0]

        def store(event: evt.Event) -> int:
            (out / f"{event.request.AffectedSOPInstanceUID}.dcm").write_bytes(
                event.encoded_dataset())
            count[0] += 1
            return 0x0000

        ae = AE(ae_title=lightbox_aet)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
        for cx in StoragePresentationContexts[:120]:
            ae.add_requested_context(cx.abstract_syntax)
        roles = [build_role(cx.abstract_syntax, scp_role=True)
                 for cx in StoragePresentationContexts[:120]]
        assoc = ae.associate("127.0.0.1", server.dicom_port, ae_title=orthanc_aet,
                             ext_neg=roles, evt_handlers=[(evt.EVT_C_STORE, store)])
        ds = Dataset()
        ds.QueryRetrieveLevel = "SERIES"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        for _ in assoc.send_c_get(ds, StudyRootQueryRetrieveInformationModelGet):
            pass
        assoc.release()
        assert count[0] == ns.slices

    def getscu(out: Path) -> None:
        out.mkdir(parents=True)
        subprocess.run(["getscu", "-aet", lightbox_aet, "-aec", orthanc_aet, "-S",
                        "-k", "QueryRetrieveLevel=SERIES", "-k", f"StudyInstanceUID={study}",
                        "-k", f"SeriesInstanceUID={series}", "-od", str(out), "127.0.0.1",
                        str(server.dicom_port)], check=True, capture_output=True)
        assert len(list(out.iterdir())) == ns.slices

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

    peers = {"plain pynetdicom C-GET, then open": then_open(plain_get)}
    if shutil.which("getscu"):
        peers["dcmtk getscu, then open"] = then_open(getscu)
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
