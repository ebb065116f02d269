"""The Measure menu, the active-tool label, and the exports: screenshot, measurements, series.

Installed on the main window by ``ReadingTools(window)``. The work itself is in the core:
``viewer.state.measurements`` (CSV/JSON), ``viewer.io.deidentify`` (the DICOM copy) and
``viewer.io.atomic`` (nothing half-written); this module only asks where, and reports.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QVBoxLayout,
    QWidget,
)

from viewer.errors import LightboxError
from viewer.io.atomic import ExportError, write_bytes_atomic, write_text_atomic
from viewer.state.measurements import to_csv, to_json
from viewer.state.view import Tool
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:
    from viewer.io.deidentify import ExportReport  # pydicom: imported when exporting
    from viewer.ui.bridge import Outcome
    from viewer.ui.window.main_window import MainWindow

#: Marked for lupdate; translated where shown (``tool_name``).
TOOL_NAMES = {
    Tool.WINDOW: QT_TRANSLATE_NOOP("Exports", "Window/level"),
    Tool.PAN: QT_TRANSLATE_NOOP("Exports", "Pan"),
    Tool.ZOOM: QT_TRANSLATE_NOOP("Exports", "Zoom"),
    Tool.SCROLL: QT_TRANSLATE_NOOP("Exports", "Scroll"),
    Tool.DISTANCE: QT_TRANSLATE_NOOP("Exports", "Distance"),
    Tool.ANGLE: QT_TRANSLATE_NOOP("Exports", "Angle"),
    Tool.ELLIPSE: QT_TRANSLATE_NOOP("Exports", "Ellipse ROI"),
    Tool.RECTANGLE: QT_TRANSLATE_NOOP("Exports", "Rectangle ROI"),
}


def tool_name(tool: Tool) -> str:
    return translate("Exports", TOOL_NAMES[tool]) if tool in TOOL_NAMES else tool.value


class ScreenshotOptions(QDialog):
    """Asks whether the screenshot shows corner text, scale and measurements."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("Exports", "Save screenshot"))
        self.overlays = QCheckBox(translate("Exports", "Include annotations and measurements (corner text, "
                                  "orientation, scale bar)"))
        self.overlays.setChecked(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.overlays)
        layout.addWidget(buttons)


class ReadingTools:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.last_export: ExportReport | None = None
        self.tool_label = QLabel()
        self.tool_label.setObjectName("active_tool")
        window.statusBar().addPermanentWidget(self.tool_label)
        self._build_menus()
        self.show_tool()

    def _build_menus(self) -> None:
        w = self.window
        before = w._actions["quit"]
        # Found by its Quit action, not its title: the title is translated.
        file_menu = next(menu for a in w.menuBar().actions()
                         if isinstance(menu := a.menu(), QMenu) and before in menu.actions())
        for name, slot, text in (
                ("save_screenshot", self.choose_screenshot, QT_TRANSLATE_NOOP("Exports", "Save screenshot…")),
                ("export_series", self.choose_series_folder,
                 QT_TRANSLATE_NOOP("Exports", "Export series (de-identified)…")),
                ("export_measurements", self.choose_measurements_file,
                 QT_TRANSLATE_NOOP("Exports", "Export measurements…"))):
            action = w._action(file_menu, name, slot, text=translate("Exports", text))
            file_menu.removeAction(action)
            file_menu.insertAction(before, action)
        file_menu.insertSeparator(before)
        menu = w.menuBar().addMenu(translate("Exports", "&Measure"))
        for name, text in (("tool_distance", TOOL_NAMES[Tool.DISTANCE]),
                           ("tool_angle", TOOL_NAMES[Tool.ANGLE]),
                           ("tool_ellipse", TOOL_NAMES[Tool.ELLIPSE]),
                           ("tool_rectangle", TOOL_NAMES[Tool.RECTANGLE]),
                           ("tool_window",
                            QT_TRANSLATE_NOOP("Exports", "Window/level (end measuring)"))):
            # The viewport is looked up when the action fires: the active one by then.
            w._action(menu, name, functools.partial(w._on_active, name),
                      text=translate("Exports", text))
        menu.addSeparator()
        w._action(menu, "delete_measurement", functools.partial(w._on_active, "delete_measurement"),
                  text=translate("Exports", "Delete selected measurement"))

    def show_tool(self) -> None:
        """The left-button tool of the active viewport (the window calls this when the
        active viewport or its tool changes); an MPR plane's crosshair tool by its name."""
        viewport = self.window.viewport
        if getattr(viewport, "crosshair_tool", False):
            name = translate("Exports", "Crosshair")
        else:
            name = tool_name(viewport.state.tool)
        self.tool_label.setText(translate("Exports", "Tool: {}").format(name))

    # -- screenshot ----------------------------------------------------------------------

    def screenshot(self, overlays: bool = True) -> QImage:
        """The viewport as drawn; without overlays, the image (and AI marks) alone."""
        v = self.window.viewport
        annotations, visible = v.state.annotations, v.measure.visible
        try:
            if not overlays:
                v.measure.visible = False
                v.state.annotations = False
            return v.grab().toImage()
        finally:
            v.measure.visible = visible
            v.state.annotations = annotations

    def save_screenshot(self, path: str | Path, overlays: bool = True) -> Path:
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if self.window.viewport.series is None:
            raise LightboxError(translate("Exports", "Nothing to save: open an image first."))
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6's stub types the format as bytes, but only str is accepted at run time
        if not self.screenshot(overlays).save(buffer, "PNG"):  # type: ignore[call-overload]
            raise ExportError(translate(
                "Exports", "Cannot save {}: the image could not be encoded.").format(path.name))
        written = write_bytes_atomic(path, bytes(buffer.data().data()))
        self.window.statusBar().showMessage(
            translate("Exports", "Saved {}").format(written.name), 10_000)
        return written

    def choose_screenshot(self) -> None:
        options = ScreenshotOptions(self.window)
        try:
            if options.exec() != QDialog.DialogCode.Accepted:
                return
            overlays = options.overlays.isChecked()
        finally:
            options.deleteLater()
        path, _ = QFileDialog.getSaveFileName(self.window, translate("Exports", "Save screenshot"), "screenshot.png",
                                              translate("Exports", "PNG image (*.png)"))
        if path:
            self.save_screenshot(path, overlays)

    # -- measurements ----------------------------------------------------------------------

    def export_measurements(self, path: str | Path) -> Path:
        """Every measurement of the session, as CSV (default) or JSON (by the suffix)."""
        path = Path(path)
        items = list(self.window.session.measurements)
        if not items:
            raise LightboxError(translate("Exports", "No measurements to export: draw one first (Measure menu)."))
        text = to_json(items) if path.suffix.lower() == ".json" else to_csv(items)
        written = write_text_atomic(path, text)
        self.window.statusBar().showMessage(
            translate("Exports", "Exported {} measurement(s) to {}").format(
                len(items), written.name), 10_000)
        return written

    def choose_measurements_file(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.window, translate("Exports", "Export measurements"),
                                              "measurements.csv",
                                              "CSV (*.csv);;JSON (*.json)")
        if path:
            self.export_measurements(path)

    # -- de-identified series --------------------------------------------------------------

    def export_series(self, folder: str | Path) -> None:
        """Write the shown series de-identified into the new ``folder``, in the background."""
        series = self.window.viewport.series
        if series is None:
            raise LightboxError(translate("Exports", "Nothing to export: open a series first."))
        paths = [inst.path for inst in series.instances]
        if any(inst.kind != "dicom" for inst in series.instances):
            raise LightboxError(translate("Exports", "Only DICOM series can be exported as de-identified DICOM."))
        folder = Path(folder)
        from viewer.io.deidentify import export_series

        self.window.statusBar().showMessage(
            translate("Exports", "Exporting {} file(s)…").format(len(paths)))
        self.window.background.submit(lambda: export_series(paths, folder),
                                      lambda outcome: self._exported(folder, outcome))

    def _exported(self, folder: Path, outcome: Outcome[ExportReport]) -> None:
        boundary = self.window.boundary
        if outcome.error is not None:
            boundary.report(outcome.error, "exporting a series")
            return
        report = outcome.value
        assert report is not None
        self.last_export = report
        text = translate("Exports", "Exported {} de-identified file(s) to {}").format(
            len(report.written), folder)
        if report.warnings:
            boundary.show_message(text + ".\n\n" + "\n".join(report.warnings))
        else:
            self.window.statusBar().showMessage(text, 10_000)

    def choose_series_folder(self) -> None:
        if self.window.viewport.series is None:
            raise LightboxError(translate("Exports", "Nothing to export: open a series first."))
        path, _ = QFileDialog.getSaveFileName(
            self.window, translate("Exports", "Export series (de-identified) to a new folder"), "anonymized")
        if path:
            self.export_series(path)
