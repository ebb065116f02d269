"""The UI's one error boundary.

Everything that fails (a worker's job, a frame that cannot be decoded, a user action) ends
here. ``Cancelled`` is silent; a file problem goes to the problems list with its file and
reason; any other ``LightboxError`` shows its user-facing text in a non-modal message box;
an unexpected exception is logged with its traceback and shown too. Nothing here
re-raises: a bug in one feature must not take the reader's session down with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from viewer.errors import Cancelled, FileProblemError, LightboxError
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.problem_text import problem_text

log = logging.getLogger(__name__)


class ErrorBoundary(QObject):
    #: A file that could not be used: (path, reason).
    file_problem = Signal(str, str)
    #: One line for the status bar.
    notice = Signal(str)

    def __init__(self, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._parent_widget = parent_widget
        self._box: QMessageBox | None = None
        self.messages: list[str] = []  # what the reader has been told, newest last

    def report(self, error: BaseException, context: str = "") -> None:
        if isinstance(error, Cancelled):
            return
        if isinstance(error, FileProblemError):
            self.file_problem.emit(str(error.path), error.reason)
            self.notice.emit(str(error))
            return
        if isinstance(error, LightboxError):
            text = problem_text(str(error))  # the core's English, translated when known
        else:
            # Exception text may be technical; the traceback goes to the log, not the box.
            log.error("Unexpected error%s", f" while {context}" if context else "",
                      exc_info=(type(error), error, error.__traceback__))
            detail = f"{type(error).__name__}: {error}"
            text = (translate("Boundary", "Unexpected error while {}: {}").format(
                        context_text(context), detail) if context
                    else translate("Boundary", "Unexpected error: {}").format(detail))
        self.show_message(text)

    def show_message(self, text: str) -> None:
        """A non-modal box: background errors must not block reading."""
        self.messages.append(text)
        self.notice.emit(text)
        if self._box is None:
            box = QMessageBox(self._parent_widget)
            box.setWindowTitle(translate("Boundary", "Lightbox"))
            box.setIcon(QMessageBox.Icon.Warning)
            box.setModal(False)
            box.finished.connect(self._box_closed)
            self._box = box
            self._box.setText(text)
        else:  # several errors at once: one box listing them, not a pile of windows
            self._box.setText(f"{self._box.text()}\n\n{text}")
        self._box.show()

    def _box_closed(self, _result: int) -> None:
        if self._box is not None:
            self._box.deleteLater()
            self._box = None

    def guard(self, fn: Callable[..., Any], context: str = "") -> Callable[..., None]:
        """Wrap a slot so that whatever it raises is reported, not propagated into Qt."""

        def guarded(*args: Any) -> None:
            try:
                fn(*args)
            except BaseException as exc:  # noqa: BLE001 - this is the boundary
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                self.report(exc, context)

        return guarded


#: What the UI was doing when an error reached the boundary, as callers name it; others
#: (AI model titles, action ids) are shown as they are.
CONTEXTS = (
    QT_TRANSLATE_NOOP("Boundary", "decoding an image"),
    QT_TRANSLATE_NOOP("Boundary", "rendering an image"),
    QT_TRANSLATE_NOOP("Boundary", "scanning"),
    QT_TRANSLATE_NOOP("Boundary", "opening a series"),
    QT_TRANSLATE_NOOP("Boundary", "opening a dropped series"),
    QT_TRANSLATE_NOOP("Boundary", "showing tags"),
    QT_TRANSLATE_NOOP("Boundary", "making a thumbnail"),
    QT_TRANSLATE_NOOP("Boundary", "building the MPR volume"),
    QT_TRANSLATE_NOOP("Boundary", "exporting a series"),
    QT_TRANSLATE_NOOP("Boundary", "running a model"),
    QT_TRANSLATE_NOOP("Boundary", "verifying the AI models"),
    QT_TRANSLATE_NOOP("Boundary", "reading a report"),
    QT_TRANSLATE_NOOP("Boundary", "going to an image"),
    QT_TRANSLATE_NOOP("Boundary", "reading contours"),
    QT_TRANSLATE_NOOP("Boundary", "searching the PACS"),
    QT_TRANSLATE_NOOP("Boundary", "listing the series"),
    QT_TRANSLATE_NOOP("Boundary", "retrieving from the PACS"),
)


def context_text(context: str) -> str:
    return translate("Boundary", context) if context in CONTEXTS else context

