"""Qt test fixtures: offscreen, no leaked windows, no Qt warnings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import QCoreApplication, QEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from viewer.host.settings import load_settings  # noqa: E402
from viewer.io.cache import FrameCache  # noqa: E402
from viewer.io.demo import write_phantom_series  # noqa: E402
from viewer.ui.window.main_window import MainWindow  # noqa: E402

#: Qt messages that say nothing about our code (the offscreen platform's limits).
IGNORED_QT_MESSAGES = ("^This plugin does not support",)
#: Qt's own helper windows that live for the whole process.
PERSISTENT_TOP_LEVELS = {"QTipLabel"}
PHANTOM_SLICES = 20
PHANTOM_SIZE = 128


def pytest_collection_modifyitems(items) -> None:
    """Every Qt warning fails a test (``qt_log_level_fail`` in pyproject.toml), except the
    offscreen platform's own notices, which say nothing about our code."""
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore(*IGNORED_QT_MESSAGES))


def _alive_top_levels() -> dict[int, str]:
    return {shiboken6.getCppPointer(w)[0]: type(w).__name__
            for w in QApplication.topLevelWidgets()
            if type(w).__name__ not in PERSISTENT_TOP_LEVELS}


@pytest.fixture
def make_main_window(qapp, qtbot) -> Iterator:
    """Build main windows; at teardown close and delete them and fail on leaked widgets."""
    before = _alive_top_levels()
    windows: list[MainWindow] = []

    def make(cache_bytes: int = 256 * 1024 * 1024, *, load_models: bool = True) -> MainWindow:
        # load_models False: no verification of the AI models left running on a worker
        # after a short test (it would outlive the window, into the next tests).
        window = MainWindow(cache=FrameCache(cache_bytes), settings=load_settings(),
                            load_models=load_models)
        window.resize(1100, 760)
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        # A test's annotations are not "unsaved work" that stops its window closing.
        window.session.measurements.reset()
        window.session.key_images.reset()
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    leaked = {k: v for k, v in _alive_top_levels().items() if k not in before}
    assert not leaked, f"top-level widgets leaked: {sorted(leaked.values())}"


@pytest.fixture
def main_window(make_main_window) -> MainWindow:
    return make_main_window()


@pytest.fixture(scope="session")
def phantom_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phantom")
    write_phantom_series(folder, slices=PHANTOM_SLICES, size=PHANTOM_SIZE)
    return folder


def open_and_wait(qtbot, window: MainWindow, *paths: Path | str) -> None:
    """Open ``paths`` and wait until scanned and the shown series is loaded."""
    window.open_paths(list(paths))
    qtbot.waitUntil(window.is_settled, timeout=20_000)


@pytest.fixture
def phantom_window(main_window, qtbot, phantom_dir) -> MainWindow:
    open_and_wait(qtbot, main_window, phantom_dir)
    assert main_window.viewport.series is not None
    main_window.viewport.setFocus()
    return main_window
