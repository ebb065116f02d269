"""Start-up loads only what the first image needs; the models are verified after it.

The first test launches the real entry point (``viewer.ui.app.run_gui``) in a fresh
interpreter on one uncompressed file and looks, at the moment the first image has been
painted, at what the process has imported and started. The others follow the deferred
verification in a real window: "verifying" until the first image is on screen, then every
model listed with what its verification found.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent

from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
)
from viewer.host.settings import load_settings
from viewer.io.cache import FrameCache
from viewer.io.demo import write_phantom_series
from viewer.ui.first_paint import after_first_image
from viewer.ui.window.main_window import MainWindow

ROOT = Path(__file__).resolve().parents[2]

#: Run in a fresh interpreter: the real ``run_gui`` on argv[1]; at the first painted image
#: (the bench hook's moment, see viewer/ui/first_paint.py) note the modules, the child
#: processes and the AI panel's state; then wait (at most a minute) for what is imported
#: after the first image, note whether the reader's first action will find it, and quit.
PROBE = textwrap.dedent("""
    import json, multiprocessing, os, sys
    from pathlib import Path

    import viewer.ui.first_paint as first_paint

    seen = {}

    def children():  # every child process, the forkserver's too; None where unknown
        found = set()
        try:
            for task in Path(f"/proc/{os.getpid()}/task").iterdir():
                found.update((task / "children").read_text().split())
        except OSError:
            return None
        return sorted(found)

    def arm(app, window):
        from PySide6.QtCore import QTimer

        checks = []

        def later():  # polled: the deferred imports come in a later turn of the loop
            checks.append(1)
            if "viewer.io.dicom" in sys.modules or len(checks) > 3000:
                seen.update(later=sorted(sys.modules))
                app.quit()
            else:
                QTimer.singleShot(20, later)

        def snapshot():
            seen.update(modules=sorted(sys.modules), children=children(),
                        pool=[p.name for p in multiprocessing.active_children()],
                        shown=window.viewport.displayed_image() is not None,
                        status=window.ai_panel.status_label.text(),
                        ready=window.ai_panel.is_ready)
            later()
        first_paint.FirstPaint(window.viewport, snapshot)

    first_paint.arm_bench_hook = arm
    from viewer.ui.app import run_gui

    code = run_gui([sys.argv[1]])
    print("PROBE " + json.dumps(dict(seen, code=code)))
""")


def test_the_first_image_needs_no_pydicom_no_torch_no_model_and_no_decoder_process(
        tmp_path) -> None:
    image = write_phantom_series(tmp_path / "ct", slices=3, size=64)[1]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", PROBE, str(image)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    seen = json.loads(line.removeprefix("PROBE "))
    assert seen["code"] == 0 and seen["shown"]
    modules = set(seen["modules"])
    # pydicom too: an ordinary file's first image is read and painted from the values the
    # scan kept (viewer.io.quick_header); pydicom loads just after the first paint.
    for heavy in ("highdicom", "torch", "onnxruntime", "onnx", "scipy", "pydicom", "PIL",
                  "viewer.io.dicom", "viewer.ui.dialogs.tag_browser",
                  "viewer.inference.runner", "viewer.inference.registry", "viewer.audit",
                  "nacl", "viewer.net.index", "sqlite3",  # the study list: after it
                  "pynetdicom", "viewer.net.listener"):  # and the network, always
        assert heavy not in modules, f"{heavy} was imported before the first image"
    assert "PySide6.QtWidgets" in modules and "viewer.ui.window.main_window" in modules
    # Imported after the first image, before the reader asks (tag browser, an SR, export).
    assert {"pydicom", "viewer.io.dicom"} <= set(seen["later"])
    if seen["children"] is not None:  # Linux's /proc: every child, forkserver included
        assert seen["children"] == [], "a process was started for an uncompressed file"
    assert seen["pool"] == []
    # The models are not verified yet, and the panel says so (it lists none meanwhile).
    assert not seen["ready"]
    assert seen["status"] == "Verifying models…"


def test_with_pushes_received_the_listener_starts_after_the_first_image(tmp_path) -> None:
    """Nodes configured and receive_pushes on: pynetdicom and the listener load after the
    first paint, never before it; the port is open before the probe quits."""
    from tests.pacs_server import free_port

    image = write_phantom_series(tmp_path / "ct", slices=3, size=64)[1]
    site = tmp_path / "site.toml"
    site.write_text(f'receive_pushes = true\nstorage_port = {free_port()}\n'
                    f'pacs_store_dir = "{tmp_path / "store"}"\n[dicom_nodes.pacs]\n'
                    'ae_title = "PACS"\nhost = "127.0.0.1"\nport = 9\n', encoding="utf-8")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", LIGHTBOX_SITE_CONFIG=str(site))
    done = subprocess.run([sys.executable, "-c", PROBE, str(image)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    seen = json.loads(line.removeprefix("PROBE "))
    assert seen["code"] == 0 and seen["shown"]
    for heavy in ("pynetdicom", "viewer.net.listener", "viewer.net.index", "sqlite3"):
        assert heavy not in seen["modules"], f"{heavy} was imported before the first image"


def _window(models: Path) -> MainWindow:
    window = MainWindow(cache=FrameCache(64 << 20), settings=load_settings(),
                        model_dirs=[models], load_models=False)
    window.resize(1100, 760)
    window.show()
    return window


def _close(window: MainWindow) -> None:
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_models_are_verified_after_the_first_image_then_listed_with_their_status(
        qapp, qtbot, ai_models, demo_dir) -> None:  # noqa: F811 - fixtures
    window = _window(ai_models)
    try:
        qtbot.waitExposed(window)
        panel = window.ai_panel
        image_on_screen_when_verifying_began: list[bool] = []

        def verify() -> None:
            viewport = window.viewport
            image_on_screen_when_verifying_began.append(
                viewport.series is not None and viewport.displayed_image() is not None)
            panel.load_models()

        after_first_image(window, verify, waiting=True)
        assert panel.status_label.text() == "Verifying models…"
        assert not panel.is_ready and panel.model_rows() == []
        assert not panel.run_image_button.isEnabled()
        window.open_paths([demo_dir])
        qtbot.waitUntil(lambda: panel.is_ready, timeout=30_000)
        assert image_on_screen_when_verifying_began == [True]

        rows = {model_id: (looks, text) for model_id, looks, text in panel.model_rows()}
        assert set(rows) == {"threshold", "classify", "detect", "mr-only", "tampered"}
        assert all(rows[m][0] for m in ("threshold", "classify", "detect"))
        assert "Unavailable" in rows["tampered"][1] and not rows["tampered"][0]
        assert "3 of 5 model(s) apply" in panel.status_label.text()
        qtbot.waitUntil(window.is_settled, timeout=20_000)
        assert image_on_screen_when_verifying_began == [True]  # once, not again
    finally:
        _close(window)


def test_with_nothing_to_open_the_models_are_verified_at_once(
        qapp, qtbot, ai_models) -> None:  # noqa: F811 - a fixture
    window = _window(ai_models)
    try:
        after_first_image(window, window.ai_panel.load_models, waiting=False)
        qtbot.waitUntil(lambda: window.ai_panel.is_ready, timeout=30_000)
        assert len(window.ai_panel.model_rows()) == 5
    finally:
        _close(window)
