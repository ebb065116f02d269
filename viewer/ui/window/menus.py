"""The main window's menu bar: File, Edit, View and Help, and the actions they hold.

A mixin of ``MainWindow`` (like ``reading_layout.py``) so that main_window.py stays about
opening files and wiring panels. Every action is made by :meth:`WindowMenus._action`,
which takes its label and shortcut from the key bindings (``ui.bindings``) and runs its
slot behind the error boundary; actions on the image resolve the active viewport when
they fire (:meth:`WindowMenus._on_active`), never when the menu is built. The window
presets menu is rebuilt each time it opens (the file's own windows change from image to
image), and the checkable actions follow the active viewport's state (``_sync_checks``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from viewer.imaging.presets import Preset
from viewer.ui.bindings import BINDINGS, Scope, shortcut
from viewer.ui.i18n import QT_TRANSLATE_NOOP, bindings_tr, translate

if TYPE_CHECKING:
    from viewer.ui.window.main_window import MainWindow


class WindowMenus:
    """The menu bar of the main window (``self`` is the MainWindow)."""

    _actions: dict[str, QAction]
    presets_menu: QMenu

    def _action(self: MainWindow, menu: QMenu, name: str, slot: Callable[[], object], *,
                checkable: bool = False, text: str | None = None) -> QAction:
        binding = BINDINGS.get(name)
        label = text or (bindings_tr(binding.description) if binding else name)
        action = QAction(label, self)
        key = shortcut(name) if binding else ""
        if binding is not None and binding.scope is Scope.WINDOW and key:
            action.setShortcut(QKeySequence(key))
        elif key:
            # Viewport keys are handled by the viewport itself; the menu only shows them.
            action.setText(f"{label}\t{QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)}")
        action.setCheckable(checkable)
        action.triggered.connect(self.boundary.guard(lambda *_: slot(), name))
        menu.addAction(action)
        self._actions[name] = action
        return action

    def _on_active(self: MainWindow, action: str) -> None:
        """Do ``action`` on the viewport that is active now, when the menu fires (a viewport
        captured when the menus were built would be the first one for ever)."""
        self.viewport.trigger(action)
        self._sync_checks()

    def _build_menus(self: MainWindow) -> None:
        file_menu = self.menuBar().addMenu(translate("MainWindow", "&File"))
        self._action(file_menu, "open_files", self.choose_files, text=translate("MainWindow", "Open files…"))
        self._action(file_menu, "open_folder", self.choose_folder, text=translate("MainWindow", "Open folder…"))
        self._action(file_menu, "open_dicomdir", self.choose_dicomdir, text=translate("MainWindow", "Open DICOMDIR…"))
        file_menu.addSeparator()
        pacs = self._action(file_menu, "search_pacs", self.show_pacs_search,
                            text=translate("MainWindow", "Search PACS…"))
        if not (self.settings.dicom_nodes or self.settings.dicomweb_nodes):
            # No node: no search, and none of the network code is ever loaded.
            pacs.setEnabled(False)
            pacs.setToolTip(translate("MainWindow", "No PACS is configured: your IT "
                                      "department lists the DICOM nodes (docs/pacs.md)"))
            file_menu.setToolTipsVisible(True)
        file_menu.addSeparator()
        self._action(file_menu, "quit", self.close, text=translate("MainWindow", "Quit"))

        edit_menu = self.menuBar().addMenu(translate("MainWindow", "&Edit"))
        prefs = QAction(translate("MainWindow", "Preferences…"), self)
        prefs.setShortcut(QKeySequence("Ctrl+,"))
        prefs.triggered.connect(self.boundary.guard(lambda *_: self.show_preferences(),
                                                    "preferences"))
        edit_menu.addAction(prefs)
        self._actions["preferences"] = prefs

        view = self.menuBar().addMenu(translate("MainWindow", "&View"))
        self.presets_menu = view.addMenu(translate("MainWindow", "Window presets"))
        # Rebuilt on opening: the file's own windows can change from one image to the next.
        self.presets_menu.aboutToShow.connect(self._rebuild_presets)
        view.addSeparator()
        for name, text in (("fit", QT_TRANSLATE_NOOP("MainWindow", "Fit to window")),
                           ("actual_size", QT_TRANSLATE_NOOP("MainWindow", "Actual size (1:1)")),
                           ("rotate", QT_TRANSLATE_NOOP("MainWindow", "Rotate 90° clockwise")),
                           ("flip_h", QT_TRANSLATE_NOOP("MainWindow", "Flip horizontal")),
                           ("flip_v", QT_TRANSLATE_NOOP("MainWindow", "Flip vertical")),
                           ("reset", QT_TRANSLATE_NOOP("MainWindow", "Reset view")),
                           ("cine", QT_TRANSLATE_NOOP("MainWindow", "Play / pause cine")),
                           ("cine_slower", QT_TRANSLATE_NOOP("MainWindow", "Cine slower")),
                           ("cine_faster", QT_TRANSLATE_NOOP("MainWindow", "Cine faster"))):
            self._action(view, name, functools.partial(self._on_active, name),
                         text=translate("MainWindow", text))
        self._action(view, "invert", lambda: self._on_active("invert"), checkable=True,
                     text=translate("MainWindow", "Invert"))
        self._action(view, "annotations", lambda: self._on_active("annotations"),
                     checkable=True, text=translate("MainWindow", "Annotations"))
        self._action(view, "ai_overlays", lambda: self._on_active("ai_overlays"),
                     checkable=True, text=translate("MainWindow", "AI overlays"))
        view.addSeparator()
        self._build_layout_menu(view)
        self._action(view, "save_hanging", lambda: self.priors.save_hanging(),
                     text=translate("MainWindow", "Save hanging protocol"))
        self._action(view, "hide_identity", self.toggle_identity, checkable=True,
                     text=translate("MainWindow", "Hide patient identity"))
        self._action(view, "tag_browser", self.show_tags, text=translate("MainWindow", "Tag browser…"))
        view.addSeparator()
        view.addAction(self.browser_dock.toggleViewAction())
        view.addAction(self.study_list_dock.toggleViewAction())
        view.addAction(self.priors.dock.toggleViewAction())
        view.addAction(self.problems_dock.toggleViewAction())
        view.addAction(self.ai_dock.toggleViewAction())

        help_menu = self.menuBar().addMenu(translate("MainWindow", "&Help"))
        self._action(help_menu, "help", self.show_help, text=translate("MainWindow", "Keyboard and mouse shortcuts"))
        about = QAction(translate("MainWindow", "About Lightbox"), self)
        about.triggered.connect(self.show_about)
        help_menu.addAction(about)
        self._sync_checks()

    def _sync_checks(self: MainWindow) -> None:
        s = self.viewport.state
        for name, value in (("invert", s.invert), ("annotations", s.annotations),
                            ("hide_identity", s.hide_identity),
                            ("ai_overlays", self.viewport.overlays.visible)):
            if name in self._actions:
                self._actions[name].setChecked(value)

    def _rebuild_presets(self: MainWindow) -> None:
        self.presets_menu.clear()
        # The file's own windows first: "reset to the file's window" is always one click away.
        own: list[Preset | None] = list(self.viewport.file_presets())
        if not own and self.viewport.current_ref() is not None:
            own = [None]  # no window in the header and no pixels yet: still offer the way back
        for number, preset in enumerate(own):
            text = (translate("MainWindow", "File window") if preset is None
                    else f"{preset.name}  (W {preset.width:g} L {preset.center:g})")
            action = self.presets_menu.addAction(f"{text}\t0" if number == 0 else text)
            action.triggered.connect(lambda *_, n=number: self.viewport.apply_file_window(n))
        if own and self.viewport.presets:
            self.presets_menu.addSeparator()
        for number, preset in enumerate(self.viewport.presets, start=1):
            key = preset.key if preset.key is not None else number
            action = self.presets_menu.addAction(
                f"{preset.name}  (W {preset.width:g} L {preset.center:g})\t{key}")
            action.triggered.connect(lambda *_, k=key: self.viewport.apply_preset(k))
        self.presets_menu.setEnabled(bool(own or self.viewport.presets))
