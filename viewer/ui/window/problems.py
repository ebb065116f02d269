"""The list of files that could not be opened, each with its reason."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text
from viewer.ui.qt_items import top_level_items


class ProblemsPanel(QTreeWidget):
    """Two columns, file and reason; the full path is in the tooltip. Duplicates are shown once."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(2)
        self.setHeaderLabels([translate("Problems", "File"), translate("Problems", "Reason")])
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.setColumnWidth(0, 220)
        self._seen: set[tuple[str, str]] = set()

    def add_problem(self, path: str | Path, reason: str) -> None:
        key = (str(path), reason)
        if key in self._seen:
            return
        self._seen.add(key)
        # The reader's language in the list; the core's English in the tooltip, the words
        # support staff find in the log.
        item = QTreeWidgetItem([Path(path).name, problem_text(reason)])
        item.setToolTip(0, str(path))
        item.setToolTip(1, reason)
        self.addTopLevelItem(item)

    def problems(self) -> list[tuple[str, str]]:
        """(file name, reason) rows, in the order they were found."""
        return [(item.text(0), item.text(1)) for item in top_level_items(self)]
