"""Edit ▸ Preferences: what a reader sets survives a restart, IT locks hold, remapped keys
work, clashes are refused, corner text and the opening window follow, the language
applies to the next window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from tests.ui.conftest import open_and_wait
from viewer.host.settings import CORNER_GROUPS, load_settings
from viewer.imaging.presets import presets_for
from viewer.ui.bindings import BINDINGS, apply_user_keys
from viewer.ui.dialogs.help import help_rows
from viewer.ui.dialogs.preferences import PreferencesDialog
from viewer.ui.i18n import install_translators, remove_translators
from viewer.ui.window.main_window import MainWindow

IT_NOTE = "Set by your IT department"


@pytest.fixture
def config_dir(tmp_path, monkeypatch) -> Iterator[Path]:
    """A private preferences folder (the session one is shared by every test), and the
    bindings table back to the defaults afterwards (it is one table for the process)."""
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    yield tmp_path / "config"
    apply_user_keys({})


def _dialog(window: MainWindow) -> PreferencesDialog:
    """Edit ▸ Preferences, as the menu opens it (window-modal, no nested event loop)."""
    window.show_preferences()
    dialog = window.preferences_dialog
    assert isinstance(dialog, PreferencesDialog) and dialog.isVisible()
    return dialog


def _set_keys(dialog: PreferencesDialog, action: str, keys: str) -> None:
    dialog.keys.item(dialog._actions.index(action), 1).setText(keys)


def test_preferences_persist_across_a_new_main_window(config_dir, make_main_window):
    first = make_main_window()
    dialog = _dialog(first)
    dialog.hide_identity.setChecked(True)
    dialog.default_presets["CT"].setCurrentIndex(dialog.default_presets["CT"].findData("Lung"))
    dialog.corner_checks["study"].setChecked(False)
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted

    second = make_main_window()
    assert second.settings.hide_identity and second.viewport.state.hide_identity
    assert dict(second.settings.default_presets) == {"CT": "Lung"}
    assert "study" not in second.viewport.corner_groups
    again = _dialog(second)
    assert again.hide_identity.isChecked()
    assert again.default_presets["CT"].currentData() == "Lung"
    assert not again.corner_checks["study"].isChecked()
    assert again.corner_checks["series"].isChecked()


def test_locked_keys_are_disabled_with_the_it_note(config_dir, tmp_path, monkeypatch,
                                                   make_main_window):
    site = tmp_path / "site.toml"
    site.write_text('corner_text = ["identity", "display"]\n'
                    'default_presets = { CT = "Bone" }\n'
                    'locked = ["corner_text", "default_presets", "language"]\n',
                    encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    window = make_main_window()
    dialog = _dialog(window)
    for widget in (dialog.corner_box, dialog.default_presets["CT"], dialog.language):
        assert not widget.isEnabled()
        assert widget.toolTip() == IT_NOTE
    assert IT_NOTE in dialog.corner_box.title()
    # Said in words beside the locked setting, not only in a tooltip.
    assert set(dialog.locked_labels) == {"default_presets", "language"}
    for label in dialog.locked_labels.values():
        assert label.text() == IT_NOTE and label.isVisibleTo(dialog)
    assert dialog.default_presets["CT"].currentData() == "Bone"
    assert dialog.hide_identity.isEnabled()
    assert set(dialog.changes()) == {"hide_identity", "key_bindings"}
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    saved = json.loads((config_dir / "preferences.json").read_text(encoding="utf-8"))
    assert "corner_text" not in saved and "default_presets" not in saved
    assert window.viewport.corner_groups == ("identity", "display")


def test_a_remapped_key_works_in_the_viewport_and_shows_in_help(config_dir, phantom_window,
                                                                qtbot):
    window = phantom_window
    dialog = _dialog(window)
    _set_keys(dialog, "next", "J")
    dialog.accept()
    assert dialog.result() == dialog.DialogCode.Accepted
    before = window.viewport.state.index
    qtbot.keyClick(window.viewport, Qt.Key.Key_J)
    assert window.viewport.state.index == before + 1
    qtbot.keyClick(window.viewport, Qt.Key.Key_Down)  # no longer "next"
    assert window.viewport.state.index == before + 1
    assert [k for _, k, d in help_rows() if d == "Next slice"] == ["J"]
    assert json.loads((config_dir / "preferences.json").read_text(encoding="utf-8"))[
        "key_bindings"] == {"next": ["J"]}


def test_a_clashing_remap_is_refused(config_dir, main_window):
    dialog = _dialog(main_window)
    _set_keys(dialog, "next", "D")  # already "Measure distance"
    dialog.accept()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "D" in dialog.problem.text()
    assert not (config_dir / "preferences.json").exists()
    assert BINDINGS["next"].keys == ("Down", "Right")


def test_corner_text_options_hide_their_lines(config_dir, phantom_window):
    viewport = phantom_window.viewport
    shown = viewport.corner_text()
    assert shown.bottom_left and shown.bottom_right and shown.top_right
    dialog = _dialog(phantom_window)
    dialog.corner_checks["position"].setChecked(False)
    dialog.corner_checks["display"].setChecked(False)
    dialog.accept()
    hidden = viewport.corner_text()
    assert hidden.bottom_left == [] and hidden.bottom_right == []
    assert hidden.top_right == shown.top_right and hidden.top_left == shown.top_left
    assert load_settings().corner_text == ("identity", "study", "series")


def test_the_default_preset_is_applied_when_a_series_opens(config_dir, make_main_window,
                                                           qtbot, phantom_dir):
    first = make_main_window()
    dialog = _dialog(first)
    dialog.default_presets["CT"].setCurrentIndex(dialog.default_presets["CT"].findData("Lung"))
    dialog.accept()
    window = make_main_window()
    open_and_wait(qtbot, window, phantom_dir)
    lung = next(p for p in presets_for("CT") if p.name == "Lung")
    assert window.viewport.state.window == lung.window
    assert "Lung  W: 1500 L: -600" in window.viewport.corner_text().bottom_right  # named
    window.viewport.trigger("file_window")  # the file's own window is still one key away
    assert window.viewport.state.window != lung.window


def test_a_new_language_is_saved_and_used_by_the_next_window(config_dir, main_window, qapp,
                                                             qtbot):
    dialog = _dialog(main_window)
    dialog.language.setCurrentIndex(dialog.language.findData("ja"))
    dialog.accept()
    settings = load_settings()
    assert settings.language == "ja"
    translators = install_translators(qapp, settings.language)  # what app.py does at start
    try:
        window = MainWindow(load_models=False, settings=settings)
        qtbot.addWidget(window)
        assert "ファイル(&F)" in [a.text() for a in window.menuBar().actions()]
        assert QCoreApplication.translate("Preferences", "Language") != "Language"
        window.shutdown()
    finally:
        remove_translators(qapp, translators)


def test_every_corner_group_has_a_checkbox(config_dir, main_window):
    assert tuple(_dialog(main_window).corner_checks) == CORNER_GROUPS


def test_an_unwritable_preferences_folder_says_so_and_keeps_the_dialog(tmp_path, monkeypatch,
                                                                       main_window):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(blocker / "config"))
    window = main_window
    window.settings = load_settings()
    dialog = _dialog(window)
    dialog.hide_identity.setChecked(True)
    dialog.accept()
    assert dialog.isVisible() and dialog.result() != dialog.DialogCode.Accepted
    assert "not saved" in dialog.problem.text()


def test_a_broken_site_file_locks_identity_hidden_in_words(config_dir, tmp_path, monkeypatch,
                                                           make_main_window):
    site = tmp_path / "site.toml"
    site.write_text("hide_identity = false\nlocked = [\n", encoding="utf-8")  # not TOML
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    dialog = _dialog(make_main_window())
    assert dialog.hide_identity.isChecked() and not dialog.hide_identity.isEnabled()
    assert dialog.locked_labels["hide_identity"].text() == IT_NOTE
    assert "hide_identity" not in dialog.changes()
