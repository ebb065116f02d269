"""The windows and boxes the main window opens beside itself: the tag browser, Search
PACS, Preferences, the shortcuts help and About.

A mixin of ``MainWindow`` (like ``reading_layout.py``) so that main_window.py stays about
opening files and wiring panels. Each is built when first asked for (the Search PACS
window with its network code, which is never loaded without a configured node) and then
kept, and follows the reader's identity hiding. What saved preferences change is the
window's (``MainWindow._preferences_saved``).
"""

from __future__ import annotations

import platform
import sys
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QMessageBox

from viewer import __version__
from viewer.inference.session import runtime_version
from viewer.io.model import Instance
from viewer.ui.i18n import translate

if TYPE_CHECKING:  # built when first asked for, imported then
    from viewer.ui.dialogs.help import HelpDialog
    from viewer.ui.dialogs.tag_browser import TagBrowser
    from viewer.ui.window.main_window import MainWindow
    from viewer.ui.window.pacs_search import PacsSearchWindow


class SideWindows:
    """The main window's secondary windows and boxes (``self`` is the MainWindow)."""

    # None until first asked for.
    tag_browser: TagBrowser | None
    pacs_search: PacsSearchWindow | None
    help_dialog: HelpDialog | None
    preferences_dialog: QDialog | None

    def show_tags(self: MainWindow) -> None:
        ref = self.viewport.current_ref()
        self.show_tags_of(ref.instance if ref else None)

    def show_tags_of(self: MainWindow, instance: Instance | None) -> None:
        if self.tag_browser is None:
            from viewer.ui.dialogs.tag_browser import TagBrowser

            self.tag_browser = TagBrowser(self)
            self.tag_browser.set_hide_identity(self.viewport.state.hide_identity)
        self.tag_browser.show_instance(instance)
        self.tag_browser.show()
        self.tag_browser.raise_()

    def _update_tags(self: MainWindow) -> None:
        ref = self.viewport.current_ref()
        if self.tag_browser is not None and ref is not None:
            self.tag_browser.show_instance(ref.instance)

    def show_pacs_search(self: MainWindow) -> None:
        """The Search PACS window (built, with its network code, when first asked for)."""
        if not (self.settings.dicom_nodes or self.settings.dicomweb_nodes):
            return  # the menu item is disabled; a remapped shortcut still reaches here
        search = self.pacs_search_window()
        search.show()
        search.raise_()
        search.patient_name.setFocus()

    def pacs_search_window(self: MainWindow) -> PacsSearchWindow:
        """The Search PACS window, built hidden when first needed (by the reader, or by a
        prior retrieved for comparison): one retrieve queue for the whole window."""
        if self.pacs_search is None:
            from viewer.ui.window.pacs_search import PacsSearchWindow

            self.pacs_search = PacsSearchWindow(
                self.settings, self.bridge, self.boundary,
                lambda folder: self.arriving.open(folder), self)
            self.pacs_search.set_hide_identity(self.viewport.state.hide_identity)
            self.arriving.follow_retrieves(self.pacs_search.model)
        return self.pacs_search

    def show_preferences(self: MainWindow) -> None:
        from viewer.ui.dialogs.preferences import PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._preferences_saved)
        self.preferences_dialog = dialog
        dialog.open()  # window-modal without a nested event loop

    def show_help(self: MainWindow) -> None:
        if self.help_dialog is None:
            from viewer.ui.dialogs.help import HelpDialog

            self.help_dialog = HelpDialog(self)
        self.help_dialog.show()
        self.help_dialog.raise_()

    def _network_text(self: MainWindow) -> str:
        """The About box's promise: none at all, or only where IT said (nodes, servers)."""
        nodes, servers = self.settings.dicom_nodes, self.settings.inference_servers
        if not nodes and not servers:
            return translate("MainWindow", "Lightbox makes no network connection, ever: no "
                             "update checks, no telemetry, nothing downloaded. Images and "
                             "results stay on this computer.")
        where = ", ".join([*(n.address for n in nodes.values()),
                           *(s.address for s in servers.values())])
        return translate("MainWindow", "Lightbox connects only to what your IT configured "
                         "({}): no update checks, no telemetry, nothing downloaded.").format(where)

    def about_text(self: MainWindow) -> str:
        """What the About box says: version, build, where settings and logs are."""
        build = (translate("MainWindow", "standalone build") if getattr(sys, "frozen", False)
                 else translate("MainWindow", "Python package"))
        site = (str(self.settings.site_file) if self.settings.site_found
                else translate("MainWindow", "none ({} not present)").format(
                    self.settings.site_file))
        return "\n".join([
            f"Lightbox {__version__}",
            translate("MainWindow", "An offline DICOM viewer with local AI models."),
            "",
            self._network_text(),
            "",
            translate("MainWindow", "Build: {}").format(build)
            + f"; Python {platform.python_version()}; "
            f"Qt {qVersion()} (PySide6 {PySide6.__version__}); "
            f"ONNX Runtime {runtime_version()}",
            translate("MainWindow", "System: {}").format(
                f"{platform.system()} {platform.release()} ({platform.machine()})"),
            translate("MainWindow", "Site configuration: {}").format(site),
            translate("MainWindow", "Logs: {}").format(self.settings.log_dir),
            translate("MainWindow", "AI audit log: {}").format(self.settings.audit_dir),
            "",
            translate("MainWindow",
                      "Not for diagnostic use unless your institution has validated it."),
        ])

    def show_about(self: MainWindow) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, translate("MainWindow", "About Lightbox"), self.about_text(),
                          QMessageBox.StandardButton.Close, self)
        # Plain text: the box shows no links, and nothing in it can open a browser.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setObjectName("about")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setModal(False)
        box.show()
