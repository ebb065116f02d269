"""Help > Shortcuts: every key and mouse binding, generated from ``bindings.BINDINGS``.

Nothing here names a key itself, so the dialog cannot drift from what the viewport does.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.ui.bindings import BINDINGS, Binding, Scope
from viewer.ui.i18n import bindings_tr, translate
from viewer.ui.qt_items import child_items, top_level_items
from viewer.ui.wrapping import wrap_rows


def _key_label(key: str) -> str:
    """The key as this platform spells it (Cmd on macOS)."""
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText) or key


def binding_text(binding: Binding) -> str:
    keys = list(binding.keys)
    if binding.action == "preset" and len(keys) > 2:
        keys = [f"{keys[0]}–{keys[-1]}"]  # the digits read better as a range
    else:
        keys = [_key_label(k) for k in keys]
    return ", ".join(keys + [bindings_tr(str(m)) for m in binding.mouse])


def help_rows() -> list[tuple[str, str, str]]:
    """(section, keys and mouse, what it does), in table order, viewport first."""
    rows = []
    for scope in (Scope.VIEWPORT, Scope.WINDOW):
        for binding in BINDINGS.values():
            if binding.scope is scope:
                rows.append((bindings_tr(str(scope)), binding_text(binding),
                             bindings_tr(binding.description)))
    return rows


class HelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("HelpDialog", "Lightbox shortcuts"))
        self.resize(620, 640)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([translate("HelpDialog", "Keys / mouse"), translate("HelpDialog", "Action")])
        self.tree.setColumnWidth(0, 200)
        self.tree.setRootIsDecorated(False)
        wrap_rows(self.tree)  # on a screen too small for _fit_descriptions
        sections: dict[str, QTreeWidgetItem] = {}
        for section, keys, description in help_rows():
            if section not in sections:
                head = QTreeWidgetItem([section, ""])
                font = head.font(0)
                font.setBold(True)
                head.setFont(0, font)
                self.tree.addTopLevelItem(head)
                sections[section] = head
            sections[section].addChild(QTreeWidgetItem([keys, description]))
        self.tree.expandAll()
        self._fit_descriptions()
        note = QLabel(translate("HelpDialog", "Viewport keys work when the image has keyboard focus (click it)."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _fit_descriptions(self) -> None:
        """Wide enough that each description takes one line (Japanese ones are longer than
        the English), but never wider than the screen: past that, they wrap."""
        metrics = self.tree.fontMetrics()
        longest = max((metrics.horizontalAdvance(row.text(1)) for head in
                       top_level_items(self.tree) for row in child_items(head)), default=0)
        wanted = self.tree.columnWidth(0) + longest + 70  # margins, frame, scroll bar
        screen = self.screen()
        limit = screen.availableGeometry().width() - 40 if screen is not None else wanted
        self.resize(max(self.width(), min(wanted, limit)), self.height())

    def listed_text(self) -> str:
        """Everything the dialog lists, as one string (for tests and copy-paste)."""
        lines = []
        for head in top_level_items(self.tree):
            lines.append(head.text(0))
            lines += [f"{child.text(0)}\t{child.text(1)}" for child in child_items(head)]
        return "\n".join(lines)
