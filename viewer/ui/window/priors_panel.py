"""The Priors tab's widget: the patient's other studies, its buttons, a quiet status line.

Only shows what :class:`viewer.ui.window.priors.PriorsReading` hands it; the reader's pick
is kept when a later answer (the PACS's) refills the list, else the most recent
comparable prior is selected.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.state.priors import Prior
from viewer.ui.i18n import translate


def _headers() -> list[str]:
    return [translate("Priors", "Date"), translate("Priors", "Modality"), translate("Priors", "Description"), translate("Priors", "Body part"), translate("Priors", "Where")]


class PriorsPanel(QWidget):
    """The list of priors, its buttons and a quiet status line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = QLabel(translate("Priors", "Open a study: its patient's other studies are listed here."))
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(_headers()))
        self.table.setHorizontalHeaderLabels(_headers())
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        #: The study the reader clicked (kept when a later answer refills the list).
        self.reader_pick: str | None = None
        self._filling = False
        self.table.itemSelectionChanged.connect(self._picked)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.compare_button = QPushButton(translate("Priors", "Open as comparison"))
        self.compare_button.setToolTip(translate("Priors", "Hang the chosen prior beside the current study "
                                           "(retrieved from the PACS first if needed)"))
        self.save_button = QPushButton(translate("Priors", "Save hanging"))
        self.progress = QProgressBar()
        self.progress.setFormat(translate("Priors", "%v / %m images"))
        self.progress.hide()
        self.cancel_button = QPushButton(translate("Priors", "Cancel retrieve"))
        self.cancel_button.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.compare_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        retrieve = QHBoxLayout()
        retrieve.addWidget(self.progress, 1)
        retrieve.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addLayout(retrieve)
        layout.addWidget(self.status)

    def show_priors(self, priors: tuple[Prior, ...], default: Prior | None) -> None:
        """List ``priors``; the reader's selection stays on its study (a later answer can
        add rows above it), else the default prior is selected."""
        kept = self.reader_pick
        self._filling = True
        self.table.clearSelection()
        self.table.setRowCount(len(priors))
        chosen = -1
        for number, prior in enumerate(priors):
            where = (translate("Priors", "This workstation") if prior.local
                     else translate("Priors", "PACS {}").format(prior.node))
            cells = [prior.day, "/".join(prior.modalities), prior.description,
                     prior.body_part, where]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, prior.study_uid)
                if prior == default:
                    item.setToolTip(translate("Priors", "The most recent comparable prior"))
                self.table.setItem(number, column, item)
            if (kept is None and prior == default) or prior.study_uid == kept:
                chosen = number
        if chosen >= 0:
            self.table.selectRow(chosen)
        self._filling = False

    def reset(self) -> None:
        """Another study is read: no list, no pick."""
        self._filling = True
        self.table.setRowCount(0)
        self._filling = False
        self.reader_pick = None

    def _picked(self) -> None:
        if not self._filling:  # the reader's click or key, not the list being filled
            self.reader_pick = self.chosen_uid()

    def chosen_uid(self) -> str | None:
        items = self.table.selectedItems()
        return str(items[0].data(Qt.ItemDataRole.UserRole)) if items else None
