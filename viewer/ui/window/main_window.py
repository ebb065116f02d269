"""The main window: menus, the series browser, the viewport, the AI panel, problems, status.

The window builds the one :class:`viewer.state.session.Session` and hands it to every view.
Opening runs the io scan as a background job (cancellable, with progress in the status
bar); what it finds is merged into the session, which tells the browser what is new (a
re-opened folder adds nothing); files it could not use go to the Problems dock, and the
first image series opens. A folder's first image is painted before the scan ends
(``early_image.py``), and its sorted series then opens at that image. Choosing an object
without pixels goes through :meth:`MainWindow.show_object` (an SR is then read as a
document, see ``reports.py``).
RT structure sets are read once for the whole session, on a worker, and drawn by every
viewport showing a matching series. The AI models are verified on a worker from the start.
The window itself only wires parts together; its viewport grid and MPR
(``reading_layout.py``), its menu bar (``menus.py``) and the windows it opens beside
itself (``side_windows.py``) are mixins of their own.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QWidget,
)

from viewer.errors import LightboxError
from viewer.host.settings import Settings, load_settings
from viewer.io.cache import FrameCache, default_cache_bytes, estimate_series_bytes
from viewer.io.frames import frame_source
from viewer.io.model import FrameRef, Instance, ScanResult, Series, Study
from viewer.io.person_names import person_name
from viewer.io.pixels import needs_decoder
from viewer.io.scan import scan
from viewer.state.session import Session
from viewer.state.structure_sets import StructureSetsRead
from viewer.tasks.jobs import Job, Jobs
from viewer.ui.ai.panel import AIPanel
from viewer.ui.ai.send_results import SendResults
from viewer.ui.bindings import apply_user_keys
from viewer.ui.boundary import ErrorBoundary
from viewer.ui.bridge import Background, Bridge, Outcome
from viewer.ui.i18n import corner_tr, translate
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN
from viewer.ui.window.annotation_files import AnnotationFiles
from viewer.ui.window.arriving import ArrivingStudies
from viewer.ui.window.browser import SeriesBrowser
from viewer.ui.window.early_image import EarlyImage
from viewer.ui.window.exports import ReadingTools
from viewer.ui.window.menus import WindowMenus
from viewer.ui.window.priors import PriorsReading
from viewer.ui.window.problems import ProblemsPanel
from viewer.ui.window.reading_layout import ReadingLayout
from viewer.ui.window.receiving import Receiving
from viewer.ui.window.reports import ReportReading, is_report
from viewer.ui.window.side_windows import SideWindows
from viewer.ui.window.study_list import StudyListPanel

if TYPE_CHECKING:  # built when first asked for, imported then
    from viewer.ui.dialogs.help import HelpDialog
    from viewer.ui.dialogs.tag_browser import TagBrowser
    from viewer.ui.window.pacs_search import PacsSearchWindow

log = logging.getLogger(__name__)
APP_NAME = "Lightbox"
MB = 1024 * 1024


class MainWindow(ReadingLayout, WindowMenus, SideWindows, QMainWindow):
    #: Nothing left to do: no scan running or queued, the shown series loaded (or nothing
    #: to show) and the browser's thumbnails made. The screenshot mode waits for this.
    settled = Signal()
    #: A scan is over and its result (a ScanResult; None when cancelled or failed) shown.
    scan_finished = Signal(object)

    def __init__(self, cache: FrameCache | None = None, parent: QWidget | None = None, *,
                 model_dirs: Sequence[str | Path] | None = None,
                 load_models: bool = True, settings: Settings,
                 send_results: SendResults | None = None,
                 open_study_list: bool = True) -> None:
        """``model_dirs``: folders of AI model artifacts (default: the bundled ``models/``,
        ``LIGHTBOX_MODEL_DIRS`` and the configured folders); ``load_models`` False leaves
        them unverified until ``ai_panel.load_models()``. ``settings``: the effective
        configuration, built once by the entry point (``ui.app.run_gui``); it sets whether
        patient identity starts hidden, the allowed models and the audit folder.
        ``send_results``: how "Send AI results to PACS" sends (``lightbox`` hands it in;
        None: the action stays disabled). ``open_study_list`` False leaves the study list
        closed until :meth:`start_study_list` (the entry point starts it after the first
        image: checking the store against its folder must not compete with that image).
        """
        super().__init__(parent)
        self.settings = settings
        # (SEG/SR file, series UID) pairs already shown, so each file is read once.
        self._dicom_results_read: set[tuple[Path, str]] = set()
        self.setWindowTitle(APP_NAME)
        self.resize(1280, 820)
        self.setAcceptDrops(True)
        self.cache = cache if cache is not None else FrameCache(default_cache_bytes())
        # No Qt parent: the bridge must outlive the window, because a worker that checked
        # "not closed" an instant before shutdown may still emit on it afterwards.
        self.bridge = Bridge()
        self.background = Background(self.bridge, workers=2)
        self.boundary = ErrorBoundary(self)
        # The one reading session every view observes (open studies, AI results and runs,
        # measurements, which series each viewport shows).
        self.session = Session()
        # RT structure sets: read on the window's workers, each file once per session.
        self.session.structure_sets.read_in_background(self.background.submit)
        self._scans: Jobs[list[str], ScanResult] = Jobs(self.background.submit,
                                                        self.bridge.post)
        self._build_reading()  # the viewport grid and MPR (ui/window/reading_layout.py)
        self.browser = SeriesBrowser(self.background, self, session=self.session,
                                     frames=frame_source(self.cache))
        self.problems = ProblemsPanel(self)
        self.ai_panel = AIPanel(self.viewport, self.bridge, self.boundary, model_dirs, self,
                                settings=self.settings, session=self.session,
                                frames=frame_source(self.cache), send_results=send_results)
        self.tag_browser: TagBrowser | None = None
        self.pacs_search: PacsSearchWindow | None = None
        self.help_dialog: HelpDialog | None = None
        self.preferences_dialog: QDialog | None = None
        self._queue: list[list[str]] = []
        self._build_docks(open_study_list)
        # The patient's priors and the comparison hanging (ui/window/priors.py).
        self.priors = PriorsReading(self)
        self._build_status_bar()
        # Studies the PACS pushes (receive_pushes), and studies shown while they arrive.
        self.receiving = Receiving(self)
        self.arriving = ArrivingStudies(self)
        self._actions: dict[str, QAction] = {}
        self._build_menus()
        self._connect()
        # Measure menu, active-tool label, screenshot / measurement / series exports.
        self.reading = ReadingTools(self)
        # Save annotations, undo/redo, annotation files found by a scan, unsaved prompt.
        self.annotation_files = AnnotationFiles(self)
        # Structured reports read as documents in place of the images.
        self.reports = ReportReading(self)
        # A folder's first image, painted while the scan reads the rest.
        self.early_image = EarlyImage(self)
        self._apply_settings()
        if open_study_list:
            self.receiving.start()
        if load_models:
            self.ai_panel.load_models()

    # -- construction ----------------------------------------------------------------------

    def _build_docks(self, open_study_list: bool) -> None:
        self.browser_dock = QDockWidget(translate("MainWindow", "Studies"), self)
        self.browser_dock.setObjectName("studies")
        self.browser_dock.setWidget(self.browser)
        self.browser_dock.setMinimumWidth(250)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)
        self.problems_dock = QDockWidget(translate("MainWindow", "Problems"), self)
        self.problems_dock.setObjectName("problems")
        self.problems_dock.setWidget(self.problems)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.problems_dock)
        self.problems_dock.hide()
        self.resizeDocks([self.problems_dock], [150], Qt.Orientation.Vertical)
        self.ai_dock = QDockWidget(translate("MainWindow", "AI"), self)
        self.ai_dock.setObjectName("ai")
        self.ai_dock.setWidget(self.ai_panel)
        self.ai_dock.setMinimumWidth(320)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.ai_dock)
        # The local study list (viewer.net.index), a tab beside the open studies: in
        # front at start, behind them once something opens.
        self.study_list = StudyListPanel(self.settings.pacs_store_dir, self.bridge.post, self)
        self.study_list_dock = QDockWidget(translate("MainWindow", "Study list"), self)
        self.study_list_dock.setObjectName("study-list")
        self.study_list_dock.setWidget(self.study_list)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.study_list_dock)
        self.tabifyDockWidget(self.browser_dock, self.study_list_dock)
        self.study_list_dock.raise_()
        self.study_list.open_requested.connect(lambda folder: self.arriving.open(folder))
        #: Scans whose studies wait to enter the study list until it is started.
        self._unlisted: list[ScanResult] | None = None if open_study_list else []
        if open_study_list:
            self.study_list.start()

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.probe_label = QLabel()
        self.probe_label.setMinimumWidth(260)
        self.load_bar = QProgressBar()
        self.load_bar.setMaximumWidth(160)
        self.load_bar.setFormat(translate("MainWindow", "Images %v / %m"))
        self.load_bar.hide()
        self.scan_bar = QProgressBar()
        self.scan_bar.setMaximumWidth(200)
        self.scan_bar.setFormat(translate("MainWindow", "Scanning %v / %m"))
        self.cache_label = QLabel(translate("MainWindow", "⚠ Larger than the image cache"))
        self.cache_label.hide()
        self.cancel_button = QPushButton(translate("MainWindow", "Cancel"))
        self.cancel_button.clicked.connect(self.cancel_scan)
        for widget in (self.cache_label, self.probe_label, self.load_bar, self.scan_bar, self.cancel_button):
            bar.addPermanentWidget(widget)
        self.scan_bar.hide()
        self.cancel_button.hide()

    def _connect(self) -> None:
        b = self.boundary
        self.boundary.file_problem.connect(self._add_problem)
        self.boundary.notice.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.browser.series_chosen.connect(b.guard(self.open_series, "opening a series"))
        self.browser.non_image_chosen.connect(b.guard(self.show_object, "showing an object"))
        self.browser.failed.connect(lambda error: b.report(error, "making a thumbnail"))
        self.browser.thumbnails_settled.connect(self._maybe_settled)
        self._connect_reading()
        self.ai_panel.run_label_changed.connect(
            lambda text: self.statusBar().showMessage(text, 10_000))
        self._unsubscribes = [self.session.structure_sets.subscribe(self._structure_sets_read)]

    def _structure_sets_read(self, event: StructureSetsRead) -> None:
        # Told here, once for the session, not by each viewport that shows the study.
        for problem in event.problems:
            self.boundary.report(problem, "reading contours")
        self._maybe_settled()

    def _apply_settings(self) -> None:
        problems = apply_user_keys(self.settings.key_bindings)
        if problems:
            self.boundary.show_message(translate(
                "MainWindow", "Your key bindings were not applied: {}").format("; ".join(problems)))
        self._set_identity_everywhere(self.settings.hide_identity)
        if self.settings.is_locked("hide_identity") and self.settings.hide_identity:
            # IT hides identity (or the site configuration failed closed): the reader
            # cannot show it from the View menu either.
            action = self._actions["hide_identity"]
            action.setEnabled(False)
            action.setToolTip(translate("Preferences", "Set by your IT department"))
        self._apply_display_preferences()
        if self.settings.problems:
            # Non-modal: a broken configuration file is IT's to fix, the reader can work on.
            self.boundary.show_message(
                translate("MainWindow", "Lightbox started with safe settings because of a "
                          "problem in its configuration:") + "\n\n" + "\n\n".join(self.settings.problems))

    def _apply_display_preferences(self) -> None:
        for viewport in self.all_viewports():
            viewport.set_display_preferences(self.settings.default_presets,
                                             self.settings.corner_text)

    def _preferences_saved(self) -> None:
        # The user changed the preferences file: the one place the GUI reads them again.
        self.settings = load_settings(self.settings.site_file, self.settings.user_file)
        self.ai_panel.settings = self.settings
        self._apply_display_preferences()
        self.help_dialog = None  # rebuilt from the remapped table when next shown

    # -- opening ---------------------------------------------------------------------------

    def open_paths(self, paths: Sequence[str | Path]) -> None:
        """Scan ``paths`` in the background; one scan at a time, later ones queue."""
        wanted = [str(p) for p in paths]
        if not wanted:
            return
        self._queue.append(wanted)
        if not self._scans.busy:
            self._start_next_scan()

    @property
    def scanning(self) -> bool:
        return self._scans.busy

    def _start_next_scan(self) -> None:
        if not self._queue:
            return
        paths = self._queue.pop(0)
        self.scan_bar.setRange(0, 0)  # busy until the scan knows how many files there are
        self.scan_bar.show()
        self.cancel_button.show()
        self.statusBar().showMessage(translate("MainWindow", "Scanning {}…").format(
            ", ".join(Path(p).name for p in paths)))
        self._scans.start(paths, self._scan_and_list, self._scan_done,
                          lambda _job, done, total: self._scan_progress(done, total))

    def _scan_and_list(self, job: Job[list[str]]) -> ScanResult:
        """On the scan's worker: the scan (what it found enters the study list after it
        is shown: :meth:`_list_opened`)."""
        return scan(job.request, progress=job.progress, cancel=job.token,
                    first_image=lambda inst: self._early_read(job, inst))

    def start_study_list(self) -> None:
        """Open the study list and start receiving pushes (the entry point calls this after
        the first image) and enter what was opened before it."""
        waiting, self._unlisted = self._unlisted or [], None
        self.study_list.start()
        self.receiving.start()  # the storage port, on a thread: nothing without nodes
        for result in waiting:
            self._list_opened(result)
        self.priors.start()

    def _list_opened(self, result: ScanResult) -> None:
        """What a scan found, entered in the local study list on a worker (by reference,
        pinned while this viewer runs; viewer.net.index); held until the list is started,
        so the SQLite import and write never come before the first image. A failure is
        logged there and never reaches the reader."""
        if self._unlisted is not None:
            self._unlisted.append(result)
            return
        store = self.settings.pacs_store_dir

        def record() -> None:
            from viewer.net.index import record_opened  # sqlite3: not on the start-up path

            record_opened(store, result)

        self.background.submit(record, lambda _outcome: None)

    def _early_read(self, job: Job[list[str]], instance: Instance) -> None:
        """On the scan's worker: an uncompressed early image's pixels go into the cache
        there and then (a read of one frame), so the viewport paints it without waiting
        for a loader thread; then the window hears of it."""
        if not needs_decoder(instance):
            # A failure here is the viewport's to report: it reads the frame again.
            with contextlib.suppress(LightboxError, OSError, ValueError):
                frame_source(self.cache)(FrameRef(instance, instance.number_of_frames // 2))
        self.bridge.post(self._first_image, job, instance)

    def _first_image(self, job: Job[list[str]], instance: Instance) -> None:
        # Through the bridge, like the scan's progress: dropped once the scan is over or
        # cancelled (its done has come, or will say so).
        if self._scans.is_current(job) and not job.cancelled:
            self.early_image.offer(instance)

    def _scan_progress(self, done: int, total: int) -> None:
        self.scan_bar.setRange(0, max(total, 1))
        self.scan_bar.setValue(done)

    def cancel_scan(self) -> None:
        self._queue.clear()
        if self._scans.busy:
            self._scans.cancel()
            self.statusBar().showMessage(translate("MainWindow", "Cancelling…"))

    def _scan_done(self, job: Job[list[str]], outcome: Outcome[ScanResult]) -> None:
        self.scan_bar.hide()
        self.cancel_button.hide()
        if outcome.cancelled or outcome.value is None:
            self.early_image.drop()
        if outcome.cancelled:
            self.statusBar().showMessage(translate("MainWindow", "Scan cancelled"), 10_000)
        elif outcome.error is not None:
            self.boundary.report(outcome.error, "scanning")
        elif outcome.value is not None:
            self._show_result(outcome.value, job.request)
            self._list_opened(outcome.value)
        self.scan_finished.emit(None if outcome.cancelled else outcome.value)
        if self._queue:
            self._start_next_scan()
        else:
            self._maybe_settled()

    def _show_result(self, result: ScanResult, paths: list[str]) -> None:
        found = bool(result.studies)
        if found:
            self.browser_dock.raise_()  # the study list's tab goes behind what opened
        # The browser hears what is new from the session: what is already open adds nothing.
        added = self.session.open(result.studies)
        for study in self.session.studies:  # new structure sets read now, on a worker
            self.session.structure_sets.request(study)
        self.annotation_files.scan_found(result)
        for problem in result.problems:
            self._add_problem(str(problem.path), problem.reason)
        series_count = len(added.series) + sum(len(s.series) for s in added.studies)
        names = ", ".join(Path(p).name for p in paths)
        if found and added.empty:
            self.statusBar().showMessage(
                translate("MainWindow", "{}: everything in it is already open").format(names),
                10_000)
        elif not found:
            self.boundary.show_message(
                translate("MainWindow", "Nothing to display in {}: no DICOM files or images "
                          "were found.").format(names)
                + (" " + translate("MainWindow", "{} file(s) could not be used, see "
                                   "Problems.").format(len(result.problems))
                   if result.problems else ""))
        else:
            problems = (translate("MainWindow", ", {} problem(s)").format(len(result.problems))
                        if result.problems else "")
            self.statusBar().showMessage(
                translate("MainWindow", "Found {} study(ies), {} series").format(
                    len(added.studies), series_count) + problems, 10_000)
        # After the summary, so a warning about the series opened now is what stays shown.
        # The early image becomes its sorted series, at the same image; else the first
        # series opens. Not while a report is read: its images open when a link is followed.
        if self.early_image.settle():
            return
        if self.viewport.series is None and not self.reports.shown:
            first = self.browser.first_image_series()
            if first is not None:
                self.open_series(*first)

    def open_series(self, series: Series, study: Study | None = None, *,
                    index: int | None = None) -> None:
        """Show ``series`` in the active viewport of the layout (leaving MPR or a report),
        at its middle image or ``index``."""
        self.reports.leave()
        if self.mpr_shown:
            self.close_mpr()
        if series is self.viewport.series:
            return
        self.viewport.open_series(series, study, index=index)
        self._load_dicom_results(series, study)
        self.viewport.setFocus()
        self.browser.select_series(series)
        self._rebuild_presets()
        self._update_title()
        needed = estimate_series_bytes(series)
        too_big = needed > self.cache.max_bytes
        self.cache_label.setVisible(too_big)
        if too_big:
            text = translate("MainWindow", "This series needs {:.1f} MB, more than the "
                             "image cache ({:.1f} MB): images far from the one shown are "
                             "read again when needed.").format(needed / MB,
                                                               self.cache.max_bytes / MB)
            self.cache_label.setToolTip(text)
            self.statusBar().showMessage(text, 30_000)
        if self.tag_browser is not None and self.tag_browser.isVisible():
            self._update_tags()

    def show_object(self, instance: Instance) -> None:
        """An object without pixels (SR, RTSTRUCT, ECG…) chosen in the browser: the active
        viewport is cleared to a neutral panel first (the session tells it), then an SR is
        shown as a report in place of the images, anything else as its tags. An SR that
        cannot be read is reported and changes nothing."""
        report = self.reports.read(instance) if is_report(instance) else None
        if is_report(instance) and report is None:
            return
        if self.mpr_shown:
            self.close_mpr()
        found = self.session.studies.series_by_uid(instance.series_uid)
        self.session.show_object(instance, found[1] if found else None)
        self._update_title()
        missing = self.session.missing_references(instance)
        if missing:
            self.statusBar().showMessage(translate(
                "MainWindow", "This object refers to {} image(s) that are not open; open "
                "the study it belongs to first.").format(len(missing)), 15_000)
        if report is not None:
            self.reports.show(report)
        else:
            self.reports.leave()
            self.show_tags_of(instance)

    def _load_dicom_results(self, series: Series, study: Study | None) -> None:
        from viewer.ui.ai.dicom_results import load_study_results

        if series.has_images and load_study_results(self.session.results, series, study,
                                                    self._dicom_results_read):
            self.statusBar().showMessage(
                translate("MainWindow", "AI results saved as DICOM are shown again"), 10_000)

    def load_dicom_results(self, path: str | Path) -> None:
        """Show the AI results of a SEG/SR file on the series in the active viewport."""
        from viewer.ui.ai.dicom_results import load_results_file

        series = self.viewport.series
        try:
            if series is None:
                raise LightboxError(translate(
                    "MainWindow", "{}: open the series it refers to first").format(Path(path).name))
            load_results_file(self.session.results, path, series)
        except LightboxError as exc:
            self.boundary.show_message(str(exc))

    def _add_problem(self, path: str, reason: str) -> None:
        self.problems.add_problem(path, reason)
        self.problems_dock.show()

    def _load_progress(self, done: int, total: int) -> None:
        self.load_bar.setRange(0, max(total, 1))
        self.load_bar.setValue(done)
        self.load_bar.setVisible(done < total)

    def _maybe_settled(self) -> None:
        if self.is_settled():
            self.settled.emit()

    def is_settled(self) -> bool:
        """No scan running or queued, no study on screen still arriving, the shown series
        loaded, every thumbnail made, every structure set read."""
        return not (self.scanning or self._queue or self.browser.thumbnails_pending
                    or self.session.structure_sets.pending
                    or self.arriving.followed) and self._reading_settled()

    # -- file dialogs and drops ---------------------------------------------------------------

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, translate("MainWindow", "Open files"), "",
                                                "DICOM and images (*);;All files (*)")
        self.open_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, translate("MainWindow", "Open folder"))
        if folder:
            self.open_paths([folder])

    def choose_dicomdir(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, translate("MainWindow", "Open DICOMDIR"), "",
                                              "DICOMDIR (DICOMDIR DICOMDIR.*);;All files (*)")
        if path:
            self.open_paths([path])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        urls = event.mimeData().urls()
        if urls and all(url.isLocalFile() for url in urls):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    # -- view state, identity, title -----------------------------------------------------------

    def _state_changed(self, changed: frozenset[str]) -> None:
        if "hide_identity" in changed:
            hide = self.viewport.state.hide_identity
            self.browser.set_hide_identity(hide)
            if self.tag_browser is not None:
                self.tag_browser.set_hide_identity(hide)
            if self.pacs_search is not None:
                self.pacs_search.set_hide_identity(hide)
            self._update_title()
        if "index" in changed and self.tag_browser is not None and self.tag_browser.isVisible():
            self._update_tags()
        if "tool" in changed and hasattr(self, "reading"):
            self.reading.show_tool()
        self._sync_checks()

    def toggle_identity(self) -> None:
        if self.settings.is_locked("hide_identity") and self.settings.hide_identity:
            self._sync_checks()  # a shortcut still reaches here: keep identity hidden
            return
        self._set_identity_everywhere(not self.viewport.state.hide_identity)

    def _update_title(self) -> None:
        study = self.viewport.study
        if study is None:
            self.setWindowTitle(APP_NAME)
        elif self.viewport.state.hide_identity:
            self.setWindowTitle(f"{APP_NAME} — {corner_tr(IDENTITY_HIDDEN)}")
        else:
            who = person_name(study.patient_name) or translate("MainWindow", "Unnamed")
            what = f" — {study.description}" if study.description else ""
            self.setWindowTitle(f"{APP_NAME} — {who}{what}")

    # -- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self.annotation_files.close_allowed():  # unsaved: asks, closes when answered
            event.ignore()
            return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop background work; safe to call twice."""
        self.cancel_scan()
        self.priors.shutdown()
        self.receiving.stop()  # the storage port closes with the window
        self.arriving.stop()
        if self.pacs_search is not None:
            self.pacs_search.shutdown()
        self.ai_panel.shutdown()
        self.browser.shutdown()
        self.reports.shutdown()
        self.annotation_files.shutdown()
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()
        self.session.structure_sets.close()
        self.study_list.close_index()
        self.bridge.close()
        self.background.close()
        self._shutdown_reading()
