"""The GUI entry point the ``lightbox`` command calls, and the self-test's Qt check."""

from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from viewer.host.settings import Settings
    from viewer.ui.ai.send_results import SendResults

log = logging.getLogger(__name__)
APP_NAME = "Lightbox"
#: Seconds the screenshot mode waits for scanning and loading before it gives up.
SCREENSHOT_LIMIT_S = 300


#: Qt-free modules the window needs, imported before PySide6: once PySide6 is loaded, its
#: import hook reads the source of every Python module imported after it (to look for
#: ``from __feature__ import``; napari#8584), some 200 modules of NumPy and the core.
#: pydicom is not among them: the first image of an ordinary file is read and painted
#: from the scan's own values (viewer.io.quick_header); pydicom, about as long to import
#: as the rest of the start-up, loads just after the first paint (:data:`AFTER_FIRST_IMAGE`).
CORE_BEFORE_QT = ("numpy", "viewer.host.settings", "viewer.host.logs",
                  "viewer.io.scan", "viewer.io.frames", "viewer.imaging.presets",
                  "viewer.state.session")


#: Imported once the first image is on screen, before anything asks for them, so the
#: reader's first action (tag browser, an annotation file, an SR, an export) does not wait
#: for pydicom's import.
AFTER_FIRST_IMAGE = ("viewer.io.dicom",)


def _import_core_before_qt() -> None:
    for name in CORE_BEFORE_QT:
        importlib.import_module(name)


def import_after_first_image() -> None:
    """Import what the first image did without (:data:`AFTER_FIRST_IMAGE`)."""
    for name in AFTER_FIRST_IMAGE:
        importlib.import_module(name)


def qt_runtime_problem(pyside_version: str, python: tuple[int, int]) -> str | None:
    """Why this Qt binding cannot run here, or None.

    PySide6 6.12.0 on CPython 3.11 drops a reference to None on every void Qt call; after a
    few thousand paints Python aborts with "Fatal Python error: none_dealloc". (3.12+ makes
    None immortal, so it is harmless there.)
    """
    parts = tuple(int(p) for p in pyside_version.split(".")[:3] if p.isdigit())
    if parts[:3] == (6, 12, 0) and python[:2] == (3, 11):
        return (f"PySide6 {pyside_version} cannot be used with Python 3.11: it crashes the "
                "viewer after a few minutes (none_dealloc). Install PySide6 6.11.x "
                "(pip install 'PySide6-Essentials<6.12') or use Python 3.12 or newer.")
    return None


def run_gui(paths: list[str], *, demo: bool = False, screenshot: str | None = None,
            make_sender: Callable[[Settings], SendResults | None] | None = None) -> int:
    """Open the viewer on ``paths`` (and the demo study); return the exit status.

    ``make_sender``: given the settings, how "Send AI results to PACS" sends (``lightbox``
    hands in ``viewer.cli.pacs_send.results_sender``; the UI does not load the network).

    With ``screenshot``, wait until scanning finished and the shown series is loaded, save
    the window to that PNG and exit: 0 when saved, 1 (with a message on stderr) otherwise.
    """
    _import_core_before_qt()
    import PySide6

    problem = qt_runtime_problem(PySide6.__version__, sys.version_info[:2])
    if problem:
        print(f"lightbox: {problem}", file=sys.stderr)
        return 1

    from PySide6.QtWidgets import QApplication

    from viewer.host.logs import enable_fault_log, setup_logging
    from viewer.host.settings import load_settings
    from viewer.ui.dialogs.crash import CrashHandler
    from viewer.ui.first_paint import after_first_image, arm_bench_hook
    from viewer.ui.i18n import apply_ui_font, install_translators
    from viewer.ui.theme import apply_dark_theme
    from viewer.ui.window.main_window import MainWindow

    settings = load_settings()
    setup_logging(settings)
    enable_fault_log(settings)

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME])
    assert isinstance(app, QApplication)  # Lightbox never starts a bare QCoreApplication
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    apply_dark_theme(app)
    apply_ui_font(app)
    apply_app_icon(app)
    install_translators(app, settings.language)  # parented to the app, which keeps them

    to_open = [str(p) for p in paths]
    if demo:
        from viewer.io.demo import build_demo

        try:
            to_open.append(str(build_demo()))
        except Exception as exc:  # noqa: BLE001 - say why, and still open the rest
            print(f"lightbox: cannot build the demo study: {exc}", file=sys.stderr)
    # The models are verified once the first image is on screen (or at once when there is
    # nothing to show): their golden replays must not compete with it for the CPU.
    sender = make_sender(settings) if make_sender is not None else None
    window = MainWindow(settings=settings, load_models=False, send_results=sender,
                        open_study_list=False)
    crashes = CrashHandler(window, settings.log_dir, boundary=window.boundary)
    crashes.install()
    status = {"code": 0}
    if screenshot:
        _arm_screenshot(app, window, Path(screenshot), status, bool(to_open))
    window.show()
    after_first_image(window, import_after_first_image, waiting=bool(to_open))
    after_first_image(window, window.ai_panel.load_models, waiting=bool(to_open))
    after_first_image(window, window.start_study_list, waiting=bool(to_open))
    # Installed last, so its filter sees the first paint first: the time is noted before
    # the models' verification starts.
    arm_bench_hook(app, window)
    # The decoder processes start with the first compressed frame (viewer.io.decode_pool),
    # not here: an uncompressed study never needs them.
    window.open_paths(to_open)
    try:
        code = app.exec()
    finally:
        crashes.uninstall()
        window.shutdown()
        window.deleteLater()
    return status["code"] if screenshot else code


def _arm_screenshot(app: object, window: object, out: Path, status: dict[str, int],
                    anything: bool) -> None:
    from PySide6.QtCore import QBuffer, QIODevice, QTimer
    from PySide6.QtWidgets import QApplication

    from viewer.host.files import write_atomic
    from viewer.ui.window.main_window import MainWindow

    assert isinstance(window, MainWindow) and isinstance(app, QApplication)

    def fail(message: str) -> None:
        print(f"lightbox: {message}", file=sys.stderr)
        status["code"] = 1
        app.quit()

    def shoot() -> None:
        if window.viewport.series is None and not window.browser.series_items():
            fail("nothing could be opened: "
                 + ("; ".join(f"{Path(p).name}: {r}" for p, r in window.problems.problems())
                    or "no DICOM files or images found"))
            return
        window.viewport.repaint()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not window.grab().save(buffer, "PNG"):
            fail(f"cannot save the screenshot to {out}")
            return
        try:  # the one atomic writer: never over a device, a pipe or a folder
            write_atomic(out, bytes(buffer.data().data()))
        except OSError as exc:
            fail(f"cannot save the screenshot to {out} ({exc.strerror or exc})")
            return
        app.quit()

    def settled() -> None:
        # Let the window lay out and paint the newly loaded image once before grabbing.
        QTimer.singleShot(0, shoot)

    if not anything:
        QTimer.singleShot(0, lambda: fail("nothing to open: give files or folders, or --demo"))
        return
    window.settled.connect(settled)
    watchdog = QTimer(window)
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: fail(
        f"gave up after {SCREENSHOT_LIMIT_S} s: the images did not finish loading"))
    watchdog.start(SCREENSHOT_LIMIT_S * 1000)


def qt_self_check(settings: Settings) -> str:
    """Start Qt, draw text, build and close the main window; one line saying what ran.

    Raises when any of it fails. For ``lightbox --self-test``, which runs it in a child
    process: a missing platform plugin makes Qt abort the process it runs in.
    """
    _import_core_before_qt()
    import PySide6

    problem = qt_runtime_problem(PySide6.__version__, sys.version_info[:2])
    if problem:
        raise RuntimeError(problem)
    from PySide6.QtCore import QCoreApplication, QEvent, Qt, qVersion
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from viewer.ui.window.main_window import MainWindow

    app = QApplication.instance() or QApplication(["lightbox-self-test"])
    assert isinstance(app, QApplication)  # Lightbox never starts a bare QCoreApplication
    image = QImage(48, 24, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.black)
    painter = QPainter(image)
    painter.setPen(Qt.GlobalColor.white)
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, "Lb")
    painter.end()
    if all(image.pixel(x, y) == image.pixel(0, 0)
           for x in range(image.width()) for y in range(image.height())):
        raise RuntimeError("Qt started but cannot draw text (no usable font)")
    # Building the window imports every Qt module the viewer uses: a frozen build that
    # left one out fails here, not in front of a radiologist.
    window = MainWindow(load_models=False, settings=settings)
    window.shutdown()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return (f"PySide6 {PySide6.__version__}, Qt {qVersion()}, platform "
            f"{app.platformName()}: started, drew text, built the main window")


def apply_app_icon(app: object) -> None:
    """The Lightbox icon on every window and in the task bar (assets/icons)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from viewer.host.assets import assets_dir

    assert isinstance(app, QApplication)
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        path = assets_dir() / "icons" / f"lightbox-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    app.setWindowIcon(icon)
