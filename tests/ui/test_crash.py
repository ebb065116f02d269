"""An unhandled exception: a report and a dialog, and the window carries on."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QTimer

from tests.ui.conftest import open_and_wait
from viewer.errors import LightboxError
from viewer.ui.dialogs.crash import CrashHandler

MARK = "Zzqmarker^Patient"


@pytest.fixture
def crashes(main_window, tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    handler = CrashHandler(main_window, tmp_path / "logs", boundary=main_window.boundary)
    handler.install()
    yield handler
    handler.uninstall()


def _slot_that_fails() -> None:
    patient = MARK
    raise KeyError(f"no such tag for {patient}")


def test_an_exception_in_a_slot_writes_a_report_and_shows_a_dialog(
        main_window, crashes, qtbot, tmp_path, phantom_dir) -> None:
    QTimer.singleShot(0, _slot_that_fails)
    qtbot.waitUntil(lambda: crashes.dialog is not None and crashes.dialog.isVisible())
    [report] = crashes.reports
    assert report.parent == tmp_path / "logs"
    text = crashes.dialog.text()
    assert text.startswith("Lightbox hit an unexpected error (KeyError).")
    assert str(report) in text and "holds no patient data" in text
    content = report.read_text(encoding="utf-8")
    assert "builtins.KeyError" in content and "in _slot_that_fails" in content
    assert MARK not in content
    # The window is still there and still works.
    assert main_window.isVisible()
    open_and_wait(qtbot, main_window, phantom_dir)
    assert main_window.viewport.series is not None


def test_an_exception_in_a_thread_is_reported_on_the_gui_thread(crashes, qtbot) -> None:
    worker = threading.Thread(target=_slot_that_fails, name="exporter")
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: crashes.dialog is not None)
    assert "thread: exporter" in crashes.reports[0].read_text(encoding="utf-8")


def test_several_crashes_share_one_dialog(crashes, qtbot) -> None:
    for _ in range(3):
        QTimer.singleShot(0, _slot_that_fails)
    qtbot.waitUntil(lambda: len(crashes.reports) == 3)
    qtbot.waitUntil(lambda: crashes.dialog is not None
                    and "2 more unexpected error(s)" in crashes.dialog.informativeText())


def test_a_lightbox_error_goes_to_the_error_boundary_not_a_crash_report(
        main_window, crashes, qtbot) -> None:
    def fails() -> None:
        raise LightboxError("The export folder is full.")

    QTimer.singleShot(0, fails)
    qtbot.waitUntil(lambda: "The export folder is full." in main_window.boundary.messages)
    assert crashes.reports == [] and crashes.dialog is None


def test_uninstall_restores_the_previous_hooks(main_window, tmp_path) -> None:
    import sys

    before = (sys.excepthook, threading.excepthook)
    handler = CrashHandler(main_window, tmp_path)
    handler.install()
    assert sys.excepthook != before[0]
    handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
