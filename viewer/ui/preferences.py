"""Edit ▸ Preferences (Ctrl+,): language, identity by default, key bindings.

Saved per user through ``viewer.config.save_user_preferences``; whatever IT locked is
shown disabled with the reason. Remapped keys go into the one bindings table
(``bindings.apply_user_keys``), so the viewport, menus and help all follow. The language
applies on the next start (the dialog says so): rebuilding every open widget at run time
would risk leaving half the window in the old language.
"""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.config import LANGUAGES, Settings, save_user_preferences
from viewer.ui.bindings import BINDINGS, DEFAULT_BINDINGS, apply_user_keys, keys_clashes
from viewer.ui.i18n import LANGUAGE_NAMES, bindings_tr, translate


def _t(text: str) -> str:
    return translate("Preferences", text)


class PreferencesDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(translate("Preferences", "Preferences"))
        self.resize(640, 560)
        form = QFormLayout()
        self.language = QComboBox()
        for code in LANGUAGES:
            self.language.addItem(LANGUAGE_NAMES[code], code)
        self.language.setCurrentIndex(LANGUAGES.index(settings.language))
        form.addRow(translate("Preferences", "Language"), self.language)
        form.addRow("", QLabel(translate("Preferences", "A new language applies when Lightbox is restarted.")))
        self.hide_identity = QCheckBox(translate("Preferences", "Hide patient identity when Lightbox starts"))
        self.hide_identity.setChecked(settings.hide_identity)
        form.addRow("", self.hide_identity)
        self.keys = QTableWidget(0, 2)
        self.keys.setHorizontalHeaderLabels([translate("Preferences", "Action"), translate("Preferences", "Keys (comma-separated)")])
        self.keys.setColumnWidth(0, 400)
        self._actions: list[str] = []
        for action, binding in BINDINGS.items():
            if not binding.keys or action == "preset":
                continue  # mouse-only, and the 1-9 preset digits, stay as they are
            row = self.keys.rowCount()
            self.keys.insertRow(row)
            name = QTableWidgetItem(bindings_tr(binding.description))
            name.setFlags(name.flags() & ~name.flags().ItemIsEditable)
            self.keys.setItem(row, 0, name)
            self.keys.setItem(row, 1, QTableWidgetItem(", ".join(binding.keys)))
            self._actions.append(action)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #e07070")
        locked_note = translate("Preferences", "Set by your IT department")
        for key, widget in (("language", self.language), ("hide_identity", self.hide_identity),
                            ("key_bindings", self.keys)):
            if settings.is_locked(key):
                widget.setEnabled(False)
                widget.setToolTip(locked_note)
        if settings.is_locked("key_bindings"):
            form.addRow("", QLabel(locked_note))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(translate("Preferences", "Keyboard shortcuts")))
        layout.addWidget(self.keys)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def key_changes(self) -> dict[str, list[str]]:
        """The actions whose keys differ from the defaults, in Qt's portable spelling."""
        changes = {}
        for row, action in enumerate(self._actions):
            item = self.keys.item(row, 1)
            texts = [k.strip() for k in (item.text() if item else "").split(",") if k.strip()]
            keys = [QKeySequence(k).toString() or k for k in texts]
            if tuple(keys) != DEFAULT_BINDINGS[action].keys:
                changes[action] = keys
        return changes

    def changes(self) -> dict[str, object]:
        wanted: dict[str, object] = {"language": self.language.currentData(),
                                     "hide_identity": self.hide_identity.isChecked(),
                                     "key_bindings": self.key_changes()}
        return {k: v for k, v in wanted.items() if not self.settings.is_locked(k)}

    def accept(self) -> None:
        changes = self.changes()
        keys = changes.get("key_bindings", {})
        assert isinstance(keys, dict)
        clashes = keys_clashes({a: tuple(k) for a, k in keys.items()})
        if clashes:
            self.problem.setText(translate("Preferences", "A key is bound twice: {}").format("; ".join(clashes)))
            return
        save_user_preferences(changes, self.settings)
        if not self.settings.is_locked("key_bindings"):
            apply_user_keys(keys)
        super().accept()
