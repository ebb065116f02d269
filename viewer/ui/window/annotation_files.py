"""The reader's annotations on the window: File > Save annotations…, Edit > Undo / Redo,
annotation files found when opening, and the question before closing with unsaved work.

Installed on the main window by ``AnnotationFiles(window)``; the window calls
:meth:`AnnotationFiles.scan_found` with each scan result and asks
:meth:`AnnotationFiles.close_allowed` in its ``closeEvent``. The work is in the core
(:mod:`viewer.state.annotation_files`); this module only asks where, applies, and reports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from viewer.errors import LightboxError
from viewer.io.atomic import ExportError
from viewer.io.key_objects import is_key_object_selection, read_kos
from viewer.io.presentation_state import (
    AnnotationFileError,
    ForeignAnnotationsError,
    is_presentation_state,
    read_gsps,
)
from viewer.state.annotation_files import (
    SaveReport,
    apply_key_selection,
    apply_presentation_state,
    has_unsaved,
    instances_by_uid,
    save_annotations,
)
from viewer.ui.bindings import BINDINGS
from viewer.ui.i18n import translate

if TYPE_CHECKING:
    from viewer.io.model import Instance, ScanResult, Series
    from viewer.ui.window.main_window import MainWindow

_BUTTON = QMessageBox.StandardButton


def _is_annotation_file(instance: Instance) -> bool:
    return instance.kind == "dicom" and not instance.has_pixels and (
        is_presentation_state(instance.sop_class_uid)
        or is_key_object_selection(instance.sop_class_uid))


class AnnotationFiles:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        # The session's stores: what is saved is what every viewport shows.
        self.store = window.session.measurements
        self.keys = window.session.key_images
        #: Annotation files (path → SOP Class UID) not applied yet: their images are not
        #: open; applied when they are.
        self.pending: dict[Path, str] = {}
        self._told: set[Path] = set()  # "images not open" said once per file
        self.close_box: QMessageBox | None = None
        self._may_close = False
        self._build_menus()

    # -- menus ---------------------------------------------------------------------------

    def _menu_of(self, action_name: str) -> QMenu:
        # Found by one of its actions, not its title: the title is translated.
        action = self.window._actions[action_name]
        menus = (a.menu() for a in self.window.menuBar().actions())
        return next(m for m in menus if isinstance(m, QMenu) and action in m.actions())

    def _build_menus(self) -> None:
        w = self.window
        file_menu = self._menu_of("quit")
        before = w._actions.get("save_screenshot", w._actions["quit"])
        action = w._action(file_menu, "save_annotations", self.choose_folder,
                           text=translate("Annotations", "Save annotations…"))
        file_menu.removeAction(action)
        file_menu.insertAction(before, action)
        edit_menu = self._menu_of("preferences")
        first = edit_menu.actions()[0]
        undo = w._action(edit_menu, "undo", self.undo, text=translate("Annotations", "Undo"))
        redo = w._action(edit_menu, "redo", self.redo, text=translate("Annotations", "Redo"))
        redo.setShortcuts([QKeySequence(k) for k in BINDINGS["redo"].keys])  # Ctrl+Y too
        for item in (undo, redo):
            edit_menu.removeAction(item)
            edit_menu.insertAction(first, item)
        edit_menu.insertSeparator(first)
        # Greyed out when there is nothing to undo or redo, as in every editor.
        self._undo_actions = (undo, redo)
        self._unsubscribe_history = self.store.history.subscribe(lambda _: self._sync_undo())
        self._sync_undo()
        if "delete_measurement" in w._actions:
            measure = self._menu_of("delete_measurement")
            # The active viewport when the action fires, not the one at construction.
            w._action(measure, "key_image", lambda: w.viewport.trigger("key_image"),
                      text=translate("Annotations", "Mark / unmark key image"))

    def _sync_undo(self) -> None:
        undo, redo = self._undo_actions
        undo.setEnabled(self.store.history.can_undo)
        redo.setEnabled(self.store.history.can_redo)

    def shutdown(self) -> None:
        self._unsubscribe_history()

    def undo(self) -> None:
        if not self.store.undo():
            self.window.statusBar().showMessage(translate("Annotations", "Nothing to undo"), 5_000)

    def redo(self) -> None:
        if not self.store.redo():
            self.window.statusBar().showMessage(translate("Annotations", "Nothing to redo"), 5_000)

    # -- saving --------------------------------------------------------------------------

    def open_series(self) -> list[Series]:
        return [series for series, _study in self.window.session.studies.all_series()]

    def _windows(self) -> dict[str, tuple[float, float]]:
        """The window each shown series is read with, for the presentation state."""
        windows: dict[str, tuple[float, float]] = {}
        for viewport in self.window.all_viewports():
            window = viewport.state.window
            if viewport.series is not None and window is not None:
                windows.setdefault(viewport.series.uid, (window.center, window.width))
        return windows

    def save(self, folder: str | Path | None = None) -> SaveReport:
        """Save into ``folder``, or beside each series' own files when None."""
        try:
            report = save_annotations(self.store, self.keys, self.open_series(), folder,
                                      self._windows())
        except (ExportError, AnnotationFileError) as exc:
            raise AnnotationFileError(str(exc) + " " + translate(
                "Annotations", "The measurements and key images are still in this session: "
                "choose another folder with File > Save annotations…")) from exc
        text = translate("Annotations", "Saved annotations: {}").format(
            ", ".join(p.name for p in report.written))
        if report.left_out:
            self.window.boundary.show_message(text + "\n\n" + translate(
                "Annotations", "{} annotation(s) on MPR planes or on non-DICOM images cannot "
                "be saved as DICOM; export them with File > Export measurements.").format(
                    report.left_out))
        else:
            self.window.statusBar().showMessage(text, 10_000)
        return report

    def choose_folder(self) -> None:
        series = self.window.viewport.series
        start = str(series.instances[0].path.parent) if series and series.instances else ""
        folder = QFileDialog.getExistingDirectory(
            self.window, translate("Annotations", "Save annotations in folder"), start)
        if folder:
            self.save(folder)

    # -- reading back --------------------------------------------------------------------

    def scan_found(self, result: ScanResult) -> None:
        """Annotation files in a scan result apply to the open images they are about."""
        for study in result.studies:
            for series in study.series:
                for instance in series.instances:
                    if _is_annotation_file(instance):
                        self.pending[instance.path] = instance.sop_class_uid
        self.apply_pending()

    def apply_pending(self) -> int:
        """Apply every pending file whose images are open; how many annotations were added."""
        open_images = instances_by_uid(self.open_series())
        added = 0
        for path, sop_class in list(self.pending.items()):
            try:
                added += self._apply(path, sop_class, open_images)
            except ForeignAnnotationsError as exc:
                if path not in self._told:  # kept pending: applied once its images open
                    self._told.add(path)
                    self.window.boundary.report(exc)
                continue
            except LightboxError as exc:
                self.window.boundary.report(exc)
            del self.pending[path]
        if added:
            self.window.statusBar().showMessage(translate(
                "Annotations", "Annotations saved with the study are shown ({})").format(added),
                10_000)
        return added

    def _apply(self, path: Path, sop_class: str,
               open_images: dict[str, tuple[Instance, Series]]) -> int:
        if is_key_object_selection(sop_class):
            return len(apply_key_selection(read_kos(path), self.keys, open_images))
        return len(apply_presentation_state(read_gsps(path), self.store, open_images))

    # -- closing -------------------------------------------------------------------------

    def close_allowed(self) -> bool:
        """The window's closeEvent asks this: True closes; False keeps the window open and
        asks Save / Discard / Cancel (window-modal, without a nested event loop)."""
        if self._may_close or not has_unsaved(self.store, self.keys):
            return True
        if self.close_box is None:
            box = QMessageBox(
                QMessageBox.Icon.Question, translate("Annotations", "Unsaved annotations"),
                translate("Annotations", "This session has measurements or key images that "
                          "are not saved. Save them with the study before closing?"),
                _BUTTON.Save | _BUTTON.Discard | _BUTTON.Cancel, self.window)
            box.setDefaultButton(_BUTTON.Save)
            box.setObjectName("unsaved_annotations")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.finished.connect(self._answered)
            self.close_box = box
            box.open()
        self.close_box.raise_()
        return False

    def _answered(self, _result: int) -> None:
        box, self.close_box = self.close_box, None
        if box is None:
            return
        clicked = box.clickedButton()
        answer = box.standardButton(clicked) if clicked is not None else _BUTTON.Cancel
        if answer == _BUTTON.Save:
            try:
                self.save(None)  # beside each series; a failure says what to do instead
            except LightboxError as exc:
                self.window.boundary.report(exc)
                return
        elif answer != _BUTTON.Discard:
            return  # Cancel (or Esc): keep reading
        self._may_close = True
        QTimer.singleShot(0, self.window.close)
