"""Edit ▸ Preferences (Ctrl+,): language, identity by default, the window each modality
opens with, which corner text is shown, key bindings.

Saved per user through ``viewer.host.settings.save_user_preferences``; whatever IT locked is
shown disabled, with "Set by your IT department" written beside it (not only in a tooltip). Remapped keys go into the one bindings table
(``bindings.apply_user_keys``), so the viewport, menus and help all follow. The language
applies on the next start (the dialog says so): rebuilding every open widget at run time
would risk leaving half the window in the old language.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.host.settings import Settings, SettingsError, save_user_preferences
from viewer.host.site_keys import CORNER_GROUPS, LANGUAGES
from viewer.imaging.presets import load_presets
from viewer.ui.bindings import BINDINGS, DEFAULT_BINDINGS, apply_user_keys, keys_clashes
from viewer.ui.i18n import LANGUAGE_NAMES, bindings_tr, translate


def corner_group_names() -> dict[str, str]:
    """The corner text groups as the reader knows them, in the UI language."""
    return {"identity": translate("Preferences", "Patient identity (top left)"),
            "study": translate("Preferences", "Study description and date"),
            "series": translate("Preferences", "Series number and description"),
            "position": translate("Preferences", "Image number, position and thickness"),
            "display": translate("Preferences", "Window, zoom and inversion")}


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
        # The window a series opens with: the file's own, or one of the modality's presets.
        self.default_presets: dict[str, QComboBox] = {}
        for modality, presets in sorted(load_presets().items()):
            combo = QComboBox()
            combo.addItem(translate("Preferences", "The file's own window"), "")
            for preset in presets:
                combo.addItem(f"{preset.name}  (W {preset.width:g} L {preset.center:g})",
                              preset.name)
            chosen = combo.findData(settings.default_presets.get(modality, ""))
            combo.setCurrentIndex(max(chosen, 0))
            self.default_presets[modality] = combo
            form.addRow(translate("Preferences", "{} opens with").format(modality), combo)
        self.corner_box = QGroupBox(translate("Preferences", "Corner text shown on images"))
        corner_layout = QVBoxLayout(self.corner_box)
        self.corner_checks: dict[str, QCheckBox] = {}
        for group, text in corner_group_names().items():
            check = QCheckBox(text)
            check.setChecked(group in settings.corner_text)
            corner_layout.addWidget(check)
            self.corner_checks[group] = check
        self.keys = QTableWidget(0, 2)
        self.keys.setHorizontalHeaderLabels([translate("Preferences", "Action"), translate("Preferences", "Keys (comma-separated)")])
        self.keys.setColumnWidth(0, 400)
        self.keys.horizontalHeader().setStretchLastSection(True)
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
        lockable: list[tuple[str, QWidget]] = [
            ("language", self.language), ("hide_identity", self.hide_identity),
            ("key_bindings", self.keys), ("corner_text", self.corner_box),
            *(("default_presets", combo) for combo in self.default_presets.values())]
        for key, widget in lockable:
            if settings.is_locked(key):
                widget.setEnabled(False)
                widget.setToolTip(locked_note)
        #: The visible "Set by your IT department" labels, by key (what a test and a
        #: reader both look for).
        self.locked_labels: dict[str, QLabel] = {}
        beside: list[tuple[str, QWidget | None]] = [
            ("language", self.language), ("hide_identity", self.hide_identity),
            ("default_presets", self._last_preset_combo())]
        for key, after in beside:
            if settings.is_locked(key) and after is not None:
                position: Any = form.getWidgetPosition(after)  # (row, role); typed "object"
                form.insertRow(int(position[0]) + 1, "", self._locked_label(key, locked_note))
        if settings.is_locked("corner_text"):
            self.corner_box.setTitle(self.corner_box.title() + " — " + locked_note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.corner_box)
        layout.addWidget(QLabel(translate("Preferences", "Keyboard shortcuts")))
        if settings.is_locked("key_bindings"):
            layout.addWidget(self._locked_label("key_bindings", locked_note))
        layout.addWidget(self.keys)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _last_preset_combo(self) -> QComboBox | None:
        return list(self.default_presets.values())[-1] if self.default_presets else None

    def _locked_label(self, key: str, note: str) -> QLabel:
        label = QLabel(note)
        label.setStyleSheet("font-style: italic")
        self.locked_labels[key] = label
        return label

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

    def preset_choices(self) -> dict[str, str]:
        """{modality: preset name} for the modalities that do not open with the file's window."""
        return {m: combo.currentData() for m, combo in self.default_presets.items()
                if combo.currentData()}

    def changes(self) -> dict[str, object]:
        wanted: dict[str, object] = {"language": self.language.currentData(),
                                     "hide_identity": self.hide_identity.isChecked(),
                                     "key_bindings": self.key_changes(),
                                     "default_presets": self.preset_choices(),
                                     "corner_text": [g for g in CORNER_GROUPS
                                                     if self.corner_checks[g].isChecked()]}
        return {k: v for k, v in wanted.items() if not self.settings.is_locked(k)}

    def accept(self) -> None:
        changes = self.changes()
        keys = changes.get("key_bindings", {})
        assert isinstance(keys, dict)
        clashes = keys_clashes({a: tuple(k) for a, k in keys.items()})
        if clashes:
            self.problem.setText(translate("Preferences", "A key is bound twice: {}").format("; ".join(clashes)))
            return
        try:
            save_user_preferences(changes, self.settings)
        except (SettingsError, OSError) as exc:
            # A read-only settings folder, or a key IT locked since the dialog opened.
            self.problem.setText(translate("Preferences", "Your preferences were not saved: {}")
                                 .format(exc))
            return
        if not self.settings.is_locked("key_bindings"):
            apply_user_keys(keys)
        super().accept()
