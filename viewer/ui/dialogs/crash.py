"""Unhandled exceptions: a crash report and a dialog instead of a vanishing window.

``CrashHandler.install()`` takes over ``sys.excepthook`` (exceptions that escape a Qt slot
or the main thread) and ``threading.excepthook`` (those that end a plain thread). The
report is written at once, from whichever thread failed, so it exists even if the process
dies next; the dialog is shown on the GUI thread. The application keeps running: Qt
carries on after a slot raised, and a failed thread only ends itself.

A ``LightboxError`` that escapes is a known problem handled in the wrong place, not a
crash: it goes to the error boundary, which shows its user-facing text.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from viewer.errors import Cancelled, LightboxError
from viewer.host.logs import write_crash_report
from viewer.ui.boundary import ErrorBoundary
from viewer.ui.i18n import translate

log = logging.getLogger(__name__)


class CrashHandler(QObject):
    #: (error, thread name, report path or None), delivered on the GUI thread.
    crashed = Signal(object, str, object)

    def __init__(self, parent: QWidget | None, folder: Path,
                 boundary: ErrorBoundary | None = None) -> None:
        super().__init__(parent)
        self._parent_widget = parent
        self.folder = folder  # where reports go: the log folder (Settings.log_dir)
        self.boundary = boundary
        self.reports: list[Path] = []
        self.dialog: QMessageBox | None = None
        self._unseen = 0
        self._previous: tuple[Any, Any] | None = None
        self._busy = threading.local()
        self.crashed.connect(self._show, Qt.ConnectionType.QueuedConnection)

    # -- hooks -------------------------------------------------------------------------------

    def install(self) -> None:
        if self._previous is None:
            self._previous = (sys.excepthook, threading.excepthook)
            sys.excepthook = self._excepthook
            threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def _excepthook(self, kind: type[BaseException], error: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt | SystemExit) or self._previous is None:
            (self._previous[0] if self._previous else sys.__excepthook__)(kind, error, tb)
            return
        self.handle(error.with_traceback(tb), threading.current_thread().name)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "unknown"
        self.handle(args.exc_value.with_traceback(args.exc_traceback), name)

    # -- handling ----------------------------------------------------------------------------

    def handle(self, error: BaseException, thread: str = "MainThread") -> Path | None:
        """Write the report and ask the GUI thread to show the dialog; any thread."""
        if getattr(self._busy, "active", False):
            return None  # the handler itself failed: never loop
        self._busy.active = True
        try:
            if isinstance(error, LightboxError | Cancelled) and self.boundary is not None:
                self.crashed.emit(error, thread, None)
                return None
            path = write_crash_report(error, self.folder, thread=thread)
            if path is not None:
                self.reports.append(path)
            self.crashed.emit(error, thread, path)
            return path
        finally:
            self._busy.active = False

    def _show(self, error: BaseException, thread: str, path: Path | None) -> None:
        if isinstance(error, LightboxError | Cancelled) and self.boundary is not None:
            self.boundary.report(error)
            return
        if self.dialog is not None:  # several at once: one box that counts them
            self._unseen += 1
            where = (str(path.parent) if path
                     else translate("Crash", "the log folder"))
            self.dialog.setInformativeText(translate(
                "Crash", "{} more unexpected error(s) since; their reports are in {}.").format(
                    self._unseen, where))
            return
        box = QMessageBox(self._parent_widget)
        box.setWindowTitle(translate("Crash", "Lightbox"))
        box.setIcon(QMessageBox.Icon.Critical)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        saved = (translate("Crash", "A report was saved to:\n{}").format(path)
                 if path is not None
                 else translate("Crash", "No report could be saved (see the application log)."))
        box.setText(translate("Crash", "Lightbox hit an unexpected error ({}).").format(
                        type(error).__name__) + f"\n\n{saved}\n\n"
                    + translate("Crash", "You can keep working. If something looks wrong, "
                                "restart Lightbox. Please send the report to your IT support; "
                                "it holds no patient data."))
        box.setStandardButtons(QMessageBox.StandardButton.Close)
        box.setModal(False)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._closed)
        self.dialog = box
        self._unseen = 0
        box.show()

    def _closed(self, _result: int) -> None:
        self.dialog = None
