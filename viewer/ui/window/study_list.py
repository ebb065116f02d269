"""The local study list's panel: what was retrieved, received or opened (viewer.net.index).

Opened with the window: the index is opened (and repaired from the store's folder) on a
thread of its own, since a large store takes a while to check; searching is a query of
milliseconds and runs as the reader types, after a short pause. The list follows the
database: every :data:`POLL_MS` it asks SQLite whether another connection changed it
(``PRAGMA data_version``, no file read), so a study another process stores (a retrieve,
a push to ``lightbox pacs listen``) appears as it arrives. Double-click or Enter opens a
study.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.io.person_names import person_name
from viewer.ui.i18n import corner_tr, translate
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN

if TYPE_CHECKING:
    from viewer.net.index import StudyIndex, StudyRow

log = logging.getLogger(__name__)
#: How often the list asks the database whether it changed.
POLL_MS = 1000
#: The pause after a key before searching.
TYPING_MS = 150
#: Most studies shown at once (a search narrows it).
SHOWN = 1000


def _headers() -> list[str]:
    return [translate("StudyList", "Date"), translate("StudyList", "Patient"),
            translate("StudyList", "Patient ID"), translate("StudyList", "Accession"),
            translate("StudyList", "Modality"), translate("StudyList", "Images"),
            translate("StudyList", "Size"), translate("StudyList", "From"),
            translate("StudyList", "AI")]


class StudyListPanel(QWidget):
    """The list, its search field and a line saying how many (or what went wrong)."""

    #: The folder of a study the reader asked to open.
    open_requested = Signal(str)

    def __init__(self, store_root: Path, post: Callable[..., None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store_root = store_root
        self._post = post
        self.index: StudyIndex | None = None
        self.rows: list[StudyRow] = []
        self._version: int | None = None
        self._hide_identity = False
        self._opening: int | None = None
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText(
            translate("StudyList", "Search name, ID, accession, date, modality"))
        self.search_field.setClearButtonEnabled(True)
        self.table = QTableWidget(0, len(_headers()))
        self.table.setHorizontalHeaderLabels(_headers())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.status = QLabel(translate("StudyList", "Reading the study list…"))
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.search_field)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(TYPING_MS)
        self._typing.timeout.connect(self.refresh)
        self.search_field.textChanged.connect(lambda _t: self._typing.start())
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._check)
        # Double-click, or Enter on the selected study (activated: both, per platform).
        self.table.cellDoubleClicked.connect(self._open_row)
        self.table.activated.connect(lambda index: self._open_row(index.row(), 0))

    # -- the database ----------------------------------------------------------------------

    def start(self) -> None:
        """Open the index on a thread (it is checked against the folder), then list."""
        root, post = self.store_root, self._post

        def opening() -> None:
            from viewer.net.errors import LocalStoreError
            from viewer.net.index import StudyIndex

            try:
                post(self._opened, StudyIndex.open(root), "")
            except (LocalStoreError, OSError) as exc:
                post(self._opened, None, str(exc))

        threading.Thread(target=opening, name="study-list-open", daemon=True).start()

    def _opened(self, index: StudyIndex | None, problem: str) -> None:
        self.index = index
        if index is None:
            self.status.setText(translate("StudyList", "The study list cannot be shown: {}")
                                .format(problem))
            return
        self.refresh()
        if index.notice:
            self.status.setText(index.notice)
        self._poll.start()

    def close_index(self) -> None:
        self._poll.stop()
        if self.index is not None:
            self.index.close()
            self.index = None

    def _check(self) -> None:
        """Refresh when another connection (or this process) changed the database."""
        if self.index is None:
            return
        try:
            version = self.index.rows("PRAGMA data_version")[0][0] + self.index.changes()
        except Exception:  # noqa: BLE001 - a list that cannot be read must not stop the window
            log.warning("the study list could not be read", exc_info=True)
            return
        if version != self._version:
            self.refresh()

    def refresh(self) -> None:
        if self.index is None:
            return
        self._version = self.index.rows("PRAGMA data_version")[0][0] + self.index.changes()
        self.rows = self.index.search(self.search_field.text(), limit=SHOWN)
        self._fill()

    # -- the table -------------------------------------------------------------------------

    def set_identity_hidden(self, hidden: bool) -> None:
        self._hide_identity = hidden
        self._fill()

    def _fill(self) -> None:
        hidden = corner_tr(IDENTITY_HIDDEN)
        self.table.setRowCount(len(self.rows))
        for number, row in enumerate(self.rows):
            date = (f"{row.study_date[:4]}-{row.study_date[4:6]}-{row.study_date[6:8]}"
                    if len(row.study_date) == 8 else row.study_date)
            origin = {"retrieved": row.node or translate("StudyList", "PACS"),
                      "received": translate("StudyList", "Received"),
                      "opened": translate("StudyList", "Folder")}.get(row.source, "")
            if row.partial:
                origin += " · " + translate("StudyList", "incomplete")
            cells = [date, hidden if self._hide_identity else person_name(row.patient_name),
                     hidden if self._hide_identity else row.patient_id, row.accession,
                     "/".join(row.modalities), str(row.images),
                     f"{row.bytes / 1e6:.0f} MB", origin,
                     translate("StudyList", "AI") if row.ai else ""]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 8 and row.ai:
                    item.setToolTip(translate("StudyList", "AI results exist for this study"))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(number, column, item)
        if self.index is not None and not self.index.notice:
            self.status.setText(translate("StudyList", "{} studies").format(len(self.rows)))

    def _open_row(self, number: int, _column: int) -> None:
        if 0 <= number < len(self.rows) and self._opening != number:
            self._opening = number  # a double-click is also an activation: once
            QTimer.singleShot(0, self._opened_row)
            self.open_requested.emit(self.rows[number].folder)

    def _opened_row(self) -> None:
        self._opening = None
