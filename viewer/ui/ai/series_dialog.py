"""The dialog that confirms which series feeds each input of a model reading several series.

It shows a :class:`~viewer.state.series_choice.SeriesChoice` (the proposal preselected, the
series that fit in a combo, the reason where none does) and turns the reader's picks into
``choose`` calls; it decides nothing itself. Opened window-modal with ``open()``; Cancel
(also Esc) runs nothing, and Run is enabled only when every input has a series.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from viewer.inference.series_match import describe_series
from viewer.state.series_choice import InputRow, SeriesChoice
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text


class SeriesChoiceDialog(QDialog):
    def __init__(self, title: str, choice: SeriesChoice, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.choice = choice
        self.setWindowTitle(translate("AiDialogs", "Series for each input"))
        header = QLabel(translate("AiDialogs", "<b>{}</b> reads more than one series of this "
                                  "study. Check the series for each input:").format(
                                      html.escape(title)))
        header.setWordWrap(True)
        runs_on = QLabel(translate("AiDialogs", "Runs on: {}").format(
            describe_series(choice.primary)))
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        self.reasons: dict[str, QLabel] = {}
        for row in choice.rows():
            form.addRow(f"{row.role}:", self._field(row))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button: QPushButton = self.buttons.addButton(
            translate("AiDialogs", "Run"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.run_button.setEnabled(choice.complete)
        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(runs_on)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

    def _field(self, row: InputRow) -> QWidget:
        if not row.options:
            reason = QLabel(problem_text(row.reason))
            reason.setWordWrap(True)
            reason.setStyleSheet("color: #e57373")
            self.reasons[row.name] = reason
            return reason
        combo = QComboBox()
        for series, label in row.options:
            combo.addItem(label, series.uid)
        combo.setToolTip(translate("AiDialogs", "Series that fit: {}").format(row.rule))
        if row.chosen is not None:
            combo.setCurrentIndex(max(0, combo.findData(row.chosen.uid)))
        combo.currentIndexChanged.connect(lambda index, row=row: self._picked(row, index))
        self.combos[row.name] = combo
        return combo

    def _picked(self, row: InputRow, index: int) -> None:
        if 0 <= index < len(row.options):
            self.choice.choose(row.name, row.options[index][0])
        self.run_button.setEnabled(self.choice.complete)

    @property
    def accepted_run(self) -> bool:
        return self.result() == QDialog.DialogCode.Accepted
