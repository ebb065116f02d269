"""The AI panel: which models apply to the series on screen, running one, and its results.

The registry is built (every artifact verified) on a worker at start; until then the panel
says so. Models that do not apply are listed greyed with the reason: unavailable (failed
verification), or outside their intended use, which an explicit choice may override; an
image that cannot feed a model cannot. A run is a frozen request handed to a worker with a
cancel token; only the newest request's outcome is used, and a cancelled run adds nothing.
Intended-use warnings come back as an error and open a dialog; "Run anyway" sends the same
request again with the warnings accepted, and they stay shown with the results. A model
that reads other series of the study first asks the reader to confirm the series of each
of those inputs (``SeriesChoiceDialog``; the choice lives in ``state.series_choice``).
"""

from __future__ import annotations

import dataclasses
import html
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from viewer.host.settings import Settings
from viewer.inference.errors import IntendedUseError
from viewer.inference.series_match import extra_inputs
from viewer.inference.signing import UNSIGNED_MARK
from viewer.io.frames import FrameSource, frame_source
from viewer.state.runs import Status
from viewer.state.series_choice import SeriesChoice
from viewer.tasks.jobs import Job, Jobs
from viewer.ui.ai.dialogs import IntendedUseDialog
from viewer.ui.ai.drift_marks import UNDER_REVIEW, alerts_of, workstation_alerts
from viewer.ui.ai.drift_marks import tooltip as drift_tooltip
from viewer.ui.ai.findings import AIResults
from viewer.ui.ai.model_card import ModelCardDialog
from viewer.ui.ai.send_results import SendResults, SendResultsBox
from viewer.ui.ai.series_dialog import SeriesChoiceDialog
from viewer.ui.bridge import Background, Outcome
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate
from viewer.ui.problem_text import problem_text

if TYPE_CHECKING:  # the registry, the runner and the audit load when first used, after
    # the first image is on screen (viewer/ui/first_paint.py; bench/bench_startup.py)
    from viewer.audit.drift import DriftAlert
    from viewer.inference import Applicability, ModelEntry, ModelRegistry, Result
    from viewer.io.model import Series
    from viewer.state.session import Session
    from viewer.ui.ai.remote_buttons import RemoteButtons
    from viewer.ui.boundary import ErrorBoundary
    from viewer.ui.bridge import Bridge
    from viewer.ui.viewport.viewport import Viewport

log = logging.getLogger(__name__)
ID_ROLE = Qt.ItemDataRole.UserRole
#: Marked here, translated where shown (the text is needed before any translator exists).
VERIFYING = QT_TRANSLATE_NOOP("AiPanel", "Verifying models…")
#: The status dot of a row: applies, outside intended use (may run on a yes), cannot run.
GREEN, AMBER, GREY = "#4caf50", "#ffb300", "#6e6e6e"


@dataclass(frozen=True)
class RunRequest:
    """What to run, frozen when the reader clicked (the view may move on meanwhile)."""

    number: int
    entry: ModelEntry
    series: Series
    frames: tuple[int, ...] | None  # None: the whole series
    accept_warnings: bool = False
    #: The series of each input read from another series, as the reader confirmed them.
    inputs: tuple[tuple[str, Series], ...] = ()
    #: The configured inference server it runs on ("": here).
    server: str = ""

    @property
    def total(self) -> int:
        return len(self.series.frames) if self.frames is None else len(self.frames)


class ModelList(QListWidget):
    """A list whose rows are wrapped rich-text labels, re-measured when its width changes."""

    def __init__(self) -> None:
        super().__init__()
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)

    def fit_rows(self) -> None:
        for row in range(self.count()):
            item = self.item(row)
            label = self.itemWidget(item)
            if label is not None:
                # The label gets the row's text area, a little narrower than the list.
                width = max(self.visualItemRect(item).width() - 8, 160)
                label.ensurePolished()  # the style's font decides how the text wraps
                item.setSizeHint(QSize(width, label.heightForWidth(width) + 2))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit_rows()


class AIPanel(QWidget):
    #: The registry is built (or failed to build).
    models_ready = Signal()
    #: A run ended: "ok", "cancelled", "declined" (intended use) or "error".
    run_finished = Signal(str)
    #: One line on how the run goes (also for the status bar).
    run_label_changed = Signal(str)

    def __init__(self, viewport: Viewport, bridge: Bridge, boundary: ErrorBoundary,
                 model_dirs: Sequence[str | Path] | None = None,
                 parent: QWidget | None = None, *, settings: Settings,
                 session: Session | None = None, frames: FrameSource | None = None,
                 send_results: SendResults | None = None) -> None:
        """``session``: where results and the run state go (default: the viewport's);
        ``frames``: where a run reads pixels (the window passes its frame cache's source,
        so a run reuses what the viewports already decoded)."""
        super().__init__(parent)
        self._frames = frames if frames is not None else frame_source()
        #: The effective configuration (allowed models, model folders, audit folder).
        self.settings = settings
        self.viewport = viewport
        self.session = session if session is not None else viewport.session
        self._bridge, self._boundary = bridge, boundary
        # Its own single worker: a model run never waits behind a scan or thumbnails.
        self._jobs = Background(bridge, workers=1, name="lightbox-ai")
        self._runs: Jobs[RunRequest, list[Result]] = Jobs(self._jobs.submit, bridge.post)
        self.model_dirs = list(model_dirs) if model_dirs is not None else None
        self.registry: ModelRegistry | None = None
        self._registry_number = 0
        self._number = 0
        self.use_dialog: IntendedUseDialog | None = None
        self.series_dialog: SeriesChoiceDialog | None = None
        self.card_dialog: ModelCardDialog | None = None
        self._applicability: dict[str, Applicability] = {}
        #: The site's drift alerts over this workstation's audit logs (drift_marks).
        self.drift_alerts: tuple[DriftAlert, ...] = ()
        self._drift_number = 0
        #: How many computations of the alerts have been shown (at load, after each run).
        self.drift_checks = 0
        self._send_results = send_results
        self._build()
        viewport.series_opened.connect(self._series_opened)
        viewport.state_changed.connect(self._on_view)
        self._unsubscribe_runs = self.session.runs.subscribe(self._run_changed)

    def _series_opened(self, *_: object) -> None:
        if self.remote is not None:
            self.remote.retry_failed()
        self.refresh_models()
        self._show_run_line()

    @property
    def _series_uid(self) -> str | None:
        series = self.viewport.series
        return series.uid if series is not None else None

    def _run_changed(self, _series_uid: str) -> None:
        # Any series: a run ending elsewhere also takes its progress off this panel.
        self._show_run_line()

    def _show_run_line(self) -> None:
        """The run line of the series shown: its run going, else its last outcome, else
        nothing (a line about another series must not stay on screen). A run going on
        another series keeps its progress and Cancel, and says where it runs."""
        runs = self.session.runs
        found = runs.for_series(self._series_uid)
        text = found.text if found is not None else ""
        current = runs.current
        if current is not None and current.series_uid != self._series_uid and not text:
            text = translate("AiPanel", "An AI run is going on another series.")
        self.run_label.setText(text)
        self._show_progress(current is not None)
        if current is not None:
            self.progress_bar.setRange(0, max(current.total, 1))
            self.progress_bar.setValue(current.done)
            job = self._runs.current
            self.cancel_button.setEnabled(job is not None and not job.cancelled)

    def set_viewport(self, viewport: Viewport) -> None:
        """Follow another viewport (the reader activated it in the layout)."""
        if viewport is self.viewport:
            return
        self.viewport.series_opened.disconnect(self._series_opened)
        self.viewport.state_changed.disconnect(self._on_view)
        self.viewport = viewport
        viewport.series_opened.connect(self._series_opened)
        viewport.state_changed.connect(self._on_view)
        self.results.set_viewport(viewport)
        self.sender_box.set_viewport(viewport)
        self.refresh_models()
        self._show_run_line()
        self._sync_buttons()

    # -- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.status_label = QLabel(translate("AiPanel", VERIFYING))
        self.status_label.setWordWrap(True)
        self.model_list = ModelList()
        self.model_list.setMinimumHeight(150)
        self.model_list.setMaximumHeight(240)
        self.model_list.setWordWrap(True)
        self.model_list.currentItemChanged.connect(lambda *_: self._sync_buttons())
        self.model_list.itemDoubleClicked.connect(lambda *_: self.show_card())
        self.card_button = QPushButton(translate("AiPanel", "Model card…"))
        self.card_button.clicked.connect(self._boundary.guard(self.show_card, "model card"))
        self.run_image_button = QPushButton(translate("AiPanel", "Run on this image"))
        self.run_image_button.clicked.connect(self._then_focus(
            self._boundary.guard(self.run_current_image, "running a model")))
        self.run_series_button = QPushButton(translate("AiPanel", "Run on series"))
        self.run_series_button.clicked.connect(self._then_focus(
            self._boundary.guard(self.run_series, "running a model")))
        # "Run on <server>" beside them, only when IT configured an inference server.
        self.remote: RemoteButtons | None = None
        if self.settings.inference_servers:
            from viewer.ui.ai.remote_buttons import RemoteButtons

            self.remote = RemoteButtons(self.settings, self._bridge, lambda server: (
                self._then_focus(self._boundary.guard(
                    lambda: self.run_on_server(server), "running a model on a server"))()))
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat(translate("AiPanel", "%v / %m images"))
        self.cancel_button = QPushButton(translate("AiPanel", "Cancel"))
        self.cancel_button.clicked.connect(self._then_focus(self.cancel_run))
        self.run_label = QLabel()
        self.run_label.setWordWrap(True)

        buttons = QHBoxLayout()
        for button in (self.run_image_button, self.run_series_button):
            buttons.addWidget(button)
        progress = QHBoxLayout()
        progress.addWidget(self.progress_bar, 1)
        progress.addWidget(self.cancel_button)
        self.results = AIResults(self.viewport)
        self.results.clear_button.clicked.connect(self._then_focus(lambda: None))
        self.sender_box = SendResultsBox(self.viewport, self._bridge, self.settings,
                                         self._send_results)

        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.addWidget(self.status_label)
        layout.addWidget(self.model_list)
        layout.addWidget(self.card_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(buttons)
        if self.remote is not None:
            layout.addWidget(self.remote)
        layout.addLayout(progress)
        layout.addWidget(self.run_label)
        layout.addWidget(self.results, 1)
        layout.addWidget(self.sender_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self._show_progress(False)
        self._sync_buttons()

    def _then_focus(self, action: Callable[..., object]) -> Callable[..., None]:
        """After a button click, the keys go back to the viewport (arrow keys scroll the
        images again instead of moving between the panel's buttons)."""
        def clicked(*args: object) -> None:
            action()
            if self.viewport.isVisible():
                self.viewport.setFocus()
        return clicked

    # -- the registry ------------------------------------------------------------------------

    def load_models(self, dirs: Sequence[str | Path] | None = None) -> None:
        """Build (verify) the registry on the worker; an older build's outcome is dropped."""
        if dirs is not None:
            self.model_dirs = list(dirs)
        self._registry_number += 1
        number, wanted, settings = self._registry_number, self.model_dirs, self.settings
        self.registry = None
        self.status_label.setText(translate("AiPanel", VERIFYING))
        self.model_list.clear()
        self._sync_buttons()
        from viewer.inference.registry import ModelRegistry

        self._jobs.submit(lambda: ModelRegistry(wanted, settings=settings),
                          lambda outcome: self._registry_built(number, outcome))
        # then, on the same worker, whether a model version's drift is under review
        self.refresh_drift()

    def refresh_drift(self) -> None:
        """Compute the drift alerts again on the worker (at load and after each recorded
        run, so a model version that crosses a threshold during the day is marked without
        a restart); an older computation's outcome is dropped."""
        self._drift_number += 1
        number, settings = self._drift_number, self.settings
        self._jobs.submit(lambda: workstation_alerts(settings),
                          lambda outcome: self._drift_found(number, outcome))

    def _drift_found(self, number: int, outcome: Outcome[tuple[DriftAlert, ...]]) -> None:
        if number != self._drift_number:
            return  # a later computation (a later run's record) is on its way
        if outcome.error is not None:  # the models run as before; the reason is logged
            log.warning("the drift alerts could not be computed: %s", outcome.error)
            return
        self.drift_alerts = outcome.value or ()
        self.drift_checks += 1
        self.refresh_models()

    def _drift_of(self, entry: ModelEntry) -> list[DriftAlert]:
        digest = entry.manifest.digest if entry.manifest is not None else None
        return alerts_of(self.drift_alerts, entry.id, digest)

    @property
    def is_ready(self) -> bool:
        return self.registry is not None

    def _registry_built(self, number: int, outcome: Outcome[ModelRegistry]) -> None:
        if number != self._registry_number:
            return
        if outcome.error is not None:
            self.status_label.setText(translate("AiPanel", "The AI models could not be loaded."))
            self._boundary.report(outcome.error, "verifying the AI models")
        else:
            self.registry = outcome.value
        self.refresh_models()
        self.models_ready.emit()

    def refresh_models(self) -> None:
        """List every model; those that do not apply to the shown series greyed, with why."""
        if self.registry is None:
            return
        chosen = self.selected_id()
        self.model_list.clear()
        series = self.viewport.series
        entries = self.registry.entries
        if series is not None:
            found = self.registry.applicable(series)
        else:
            from viewer.inference.intended_use import UseCheck
            from viewer.inference.registry import Applicability

            found = [Applicability(entry, UseCheck()) for entry in entries]
        self._applicability = {a.entry.id: a for a in found}
        found.sort(key=lambda a: (not a.applies, not a.can_run, a.entry.title.lower()))
        for applicability in found:
            self._add_row(applicability, series is not None)
        available = sum(e.available for e in entries)
        if not entries:
            self.status_label.setText(translate("AiPanel", "No AI models are installed."))
        elif self.viewport.derived:
            self.status_label.setText(translate(
                "AiPanel", "MPR planes are derived images: AI runs on the acquired series."))
        elif series is None:
            self.status_label.setText(translate(
                "AiPanel", "{} of {} model(s) verified. Open a series to run one.").format(
                    available, len(entries)))
        else:
            applies = sum(a.applies for a in found)
            self.status_label.setText(translate(
                "AiPanel", "{} of {} model(s) apply to this series.").format(
                    applies, len(entries)))
        if not (chosen and self.select_model(chosen)):
            first = next((i for i in range(self.model_list.count())
                          if self._applicability[self._row_id(i)].can_run), 0)
            self.model_list.setCurrentRow(first if self.model_list.count() else -1)
        self._sync_buttons()

    def _add_row(self, found: Applicability, with_series: bool) -> None:
        entry = found.entry
        manifest = entry.manifest
        greyed = not found.applies if with_series else not entry.available
        if not entry.available:
            reason = translate("AiPanel", "Unavailable: {}").format(entry.reason)
        elif with_series and found.check.problems:
            reason = (translate("AiPanel", "Cannot run on this series: ")
                      + "; ".join(map(problem_text, found.check.problems)))
        elif with_series and found.check.warnings:
            reason = (translate("AiPanel", "Not made for this series: ")
                      + "; ".join(map(problem_text, found.check.warnings)))
        else:
            reason = ""
        muted = "#8a8a8a"
        name_colour = muted if greyed else "#f0f0f0"
        dot = GREY if not found.can_run else AMBER if greyed else GREEN
        parts = [f"<span style='color:{dot}'>●</span>&nbsp;"
                 f"<span style='color:{name_colour}; font-weight:600'>"
                 f"{html.escape(entry.name)}</span>"
                 f"&nbsp;&nbsp;<span style='color:{muted}'>{html.escape(entry.version)}</span>"]
        if manifest is not None and manifest.not_for_clinical_use:
            demo = html.escape(translate("AiPanel", "DEMO · NOT FOR CLINICAL USE"))
            parts.append("<span style='background-color:#7a4a00; color:#ffe0a0;"
                         f" font-size:small'>&nbsp;{demo}&nbsp;</span>")
        if entry.unsigned:  # the site's developer mode: never mistaken for an approved model
            parts.append("<span style='background-color:#7a1010; color:#ffd0d0;"
                         f" font-size:small'>&nbsp;{html.escape(problem_text(UNSIGNED_MARK))}&nbsp;</span>")
        drift = self._drift_of(entry)
        if drift:  # the site's threshold crossed over the last window
            mark = html.escape(translate("Drift", UNDER_REVIEW))
            parts.append("<span style='background-color:#5a3a8a; color:#eadcff;"
                         f" font-size:small'>&nbsp;{mark}&nbsp;</span>")
        if reason:
            parts.append(f"<span style='color:{'#c98a2b' if found.can_run else muted}'>"
                         f"{html.escape(reason)}</span>")
        item = QListWidgetItem()
        item.setData(ID_ROLE, entry.id)
        item.setToolTip("\n\n".join(t for t in (
            reason or (manifest.description if manifest else entry.id), drift_tooltip(drift))
            if t))
        label = QLabel("<br>".join(parts))
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setContentsMargins(6, 4, 4, 4)
        label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.model_list.addItem(item)
        self.model_list.setItemWidget(item, label)
        self.model_list.fit_rows()

    def _row_id(self, row: int) -> str:
        return str(self.model_list.item(row).data(ID_ROLE))

    def model_rows(self) -> list[tuple[str, bool, str]]:
        """(model id, looks available, the row's text) in list order, for tests."""
        rows = []
        for row in range(self.model_list.count()):
            item = self.model_list.item(row)
            model_id = str(item.data(ID_ROLE))
            found = self._applicability[model_id]
            widget = self.model_list.itemWidget(item)
            text = widget.text() if isinstance(widget, QLabel) else ""
            with_series = self.viewport.series is not None
            looks = found.applies if with_series else found.entry.available
            rows.append((model_id, looks, _plain(text)))
        return rows

    def selected_id(self) -> str | None:
        item = self.model_list.currentItem()
        return str(item.data(ID_ROLE)) if item is not None else None

    def selected(self) -> Applicability | None:
        model_id = self.selected_id()
        return self._applicability.get(model_id) if model_id else None

    def select_model(self, model_id: str) -> bool:
        for row in range(self.model_list.count()):
            if self._row_id(row) == model_id:
                self.model_list.setCurrentRow(row)
                return True
        return False

    # -- running -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._runs.busy

    def run_current_image(self) -> None:
        self.run(whole_series=False)

    def run_series(self) -> None:
        self.run(whole_series=True)

    def run_on_server(self, server: str) -> None:
        """Run the selected model on every image of the series on ``server``."""
        self.run(whole_series=True, server=server)

    def run(self, whole_series: bool = False, server: str = "") -> None:
        found = self.selected()
        series = self.viewport.series
        if found is None or series is None or not series.frames or self.running \
                or self.viewport.derived:
            return
        if not found.can_run:
            self._say(translate("AiPanel", "Cannot run {}: {}").format(found.entry.title,
                                                                       _reason_text(found)))
            return
        self._number += 1
        # a volume model reads the whole series either way: its masks go on every image
        whole = whole_series or _is_volume(found.entry)
        frames = None if whole else (self.viewport.state.index,)
        request = RunRequest(self._number, found.entry, series, frames, server=server)
        manifest = found.entry.manifest
        if manifest is not None and extra_inputs(manifest) and not server:
            self._confirm_series(request)
        else:
            self._start(request)

    def _confirm_series(self, request: RunRequest) -> None:
        """Ask which series feeds each input read from another series; run on Run."""
        assert request.entry.manifest is not None
        known = self.session.studies.series_by_uid(request.series.uid)
        study = known[1].series if known is not None else [request.series]
        choice = SeriesChoice(request.entry.manifest, request.series, study)
        dialog = SeriesChoiceDialog(request.entry.title, choice, self.window())
        self.series_dialog = dialog
        self._sync_buttons()

        def answered(_result: int) -> None:
            self.series_dialog = None
            dialog.deleteLater()
            if dialog.accepted_run and choice.complete:
                self._start(dataclasses.replace(request, inputs=tuple(choice.chosen().items())))
                return
            self._note(request, translate("AiPanel", "Not run: no series was confirmed for "
                                          "AI · {}.").format(request.entry.title))
            self._sync_buttons()
            self.run_finished.emit("declined")

        dialog.finished.connect(answered)
        dialog.open()

    def _start(self, request: RunRequest) -> None:
        if request.frames is not None and request.total == 1:
            where = translate("AiPanel", "this image")
        else:
            where = translate("AiPanel", "{} images").format(request.total)
        if request.server:
            where = translate("AiPanel", "{} on {}").format(where, request.server)

        from viewer.audit.log import AuditLog
        from viewer.inference.runner import run_model

        audit, frames = AuditLog.of(self.settings), self._frames
        # a volume run counts images read, then patches run
        self.progress_bar.setFormat(translate("AiPanel", "%v / %m steps")
                                    if _is_volume(request.entry)
                                    else translate("AiPanel", "%v / %m images"))

        store_dir, settings = self.settings.pacs_store_dir, self.settings

        def job(job: Job[RunRequest]) -> list[Result]:
            r = job.request
            if r.server:
                from viewer.inference.remote import run_remote

                results = run_remote(r.entry, r.series, server=r.server, settings=settings,
                                     audit_log=audit, accept_warnings=r.accept_warnings,
                                     progress=job.progress, cancel=job.token)
            else:
                results = run_model(r.entry, r.series, r.frames, progress=job.progress,
                                    cancel=job.token, accept_warnings=r.accept_warnings,
                                    audit_log=audit, source=frames, inputs=dict(r.inputs))
            if results:  # the study list shows that AI results exist for the study
                from viewer.net.index import record_ai

                record_ai(store_dir, r.series.study_uid)
            return results

        started = self._runs.start(request, job, self._done,
                                   lambda j, done, total: self.session.runs.progress(
                                       j.number, done, total))
        # Results go to the session's store, keyed by the series the run was asked for:
        # every viewport showing that series shows them, whichever is active by then.
        self.session.runs.start(started.number, request.entry.id, request.series.uid,
                                request.total, "")
        self._say(translate("AiPanel", "Running AI · {} on {}…").format(request.entry.title,
                                                                        where))
        self._sync_buttons()

    def cancel_run(self) -> None:
        if self._runs.busy:
            self._runs.cancel()
            self._say(translate("AiPanel", "Cancelling…"))
            self.cancel_button.setEnabled(False)

    def _done(self, job: Job[RunRequest], outcome: Outcome[list[Result]]) -> None:
        request, error = job.request, outcome.error
        title = request.entry.title
        if outcome.cancelled:
            # A run that finished just as Cancel was pressed is dropped too: nothing partial.
            self._end(job, "cancelled",
                      translate("AiPanel", "Cancelled: AI · {} added nothing.").format(title))
        elif isinstance(error, IntendedUseError) and not request.accept_warnings:
            self._end(job, "declined", "", emit=False)
            self._ask(request, error.warnings)
            self._sync_buttons()
        elif isinstance(error, _audit_error()):
            # Not recorded, so not final: the results are dropped and the reader is told why.
            self._end(job, "error",
                      translate("AiPanel", "AI · {} was not recorded in the audit log, so its "
                                "results were not added: {}").format(title, error))
            self._boundary.report(error, f"recording {title}")
        elif error is not None:
            self._end(job, "error",
                      translate("AiPanel", "AI · {} failed: {}").format(
                          title, problem_text(str(error))))
            self._boundary.report(error, f"running {title}")
            if request.server and self.remote is not None:
                self.remote.forget(request.server, request.entry.id)  # why, on its button
            self.refresh_drift()  # recorded as failed: still one of the version's runs
        else:
            results = outcome.value or []
            self.session.results.add_results(results)
            self._end(job, "ok", _summary(results))
            self.sender_box.send_automatically(results, request.series)
            self.refresh_drift()  # its record may have crossed a drift threshold

    def _end(self, job: Job[RunRequest], status: Status, text: str, emit: bool = True) -> None:
        self.session.runs.finish(job.number, status, text)
        if text:
            self.run_label_changed.emit(text)
        self._sync_buttons()
        if emit:
            self.run_finished.emit(status)

    def _ask(self, request: RunRequest, warnings: tuple[str, ...]) -> None:
        self._note(request, translate("AiPanel", "AI · {} is not made for this image: waiting "
                                      "for your choice.").format(request.entry.title))
        dialog = IntendedUseDialog(request.entry.title, warnings, self.window())
        self.use_dialog = dialog

        def answered(_result: int) -> None:
            self.use_dialog = None
            dialog.deleteLater()
            if dialog.accepted_run:
                self._start(dataclasses.replace(request, accept_warnings=True))
            else:
                self._note(request, translate("AiPanel", "Not run: AI · {} is outside its "
                                              "intended use here.").format(request.entry.title))
                self._sync_buttons()
                self.run_finished.emit("declined")

        dialog.finished.connect(answered)
        dialog.open()

    # -- the rest ---------------------------------------------------------------------------

    def show_card(self) -> None:
        found = self.selected()
        if found is None:
            return
        if self.card_dialog is not None:
            self.card_dialog.close()
            self.card_dialog.deleteLater()
        self.card_dialog = ModelCardDialog(found.entry.title, found.entry.folder, self.window(),
                                           found.entry.manifest, self._drift_of(found.entry))
        self.card_dialog.show()
        self.card_dialog.raise_()

    def _say(self, text: str) -> None:
        """A line about the run going (kept with its series), or about the shown series."""
        if self._runs.busy:
            self.session.runs.say(text)
        elif self._series_uid is not None:
            self.session.runs.note(self._series_uid, text, "error")
        else:
            self.run_label.setText(text)
        self.run_label_changed.emit(text)

    def _note(self, request: RunRequest, text: str) -> None:
        self.session.runs.note(request.series.uid, text)
        self.run_label_changed.emit(text)

    def _on_view(self, changed: frozenset[str]) -> None:
        if changed & {"index", "count"}:
            self._sync_buttons()

    def _show_progress(self, shown: bool) -> None:
        self.progress_bar.setVisible(shown)
        self.cancel_button.setVisible(shown)
        self.cancel_button.setEnabled(shown)

    def _sync_buttons(self) -> None:
        found = self.selected()
        ready = (found is not None and found.can_run and not self.running
                 and self.use_dialog is None and self.series_dialog is None
                 and self.viewport.current_ref() is not None
                 and not self.viewport.derived)
        self.run_image_button.setEnabled(ready)
        self.run_series_button.setEnabled(ready)
        self.card_button.setEnabled(found is not None)
        tip = "" if found is None or found.can_run else _reason_text(found)
        self.run_image_button.setToolTip(tip)
        self.run_series_button.setToolTip(tip)
        if self.remote is not None:
            self.remote.show_for(found.entry if found is not None and found.can_run else None,
                                 ready)

    def shutdown(self) -> None:
        """Cancel a run and drop the worker's queue; safe to call twice."""
        self._runs.drop()
        self._unsubscribe_runs()
        self._jobs.close()
        self.results.shutdown()
        self.sender_box.shutdown()
        if self.remote is not None:
            self.remote.shutdown()
        if self.use_dialog is not None:
            self.use_dialog.close()
        if self.series_dialog is not None:
            self.series_dialog.close()


def _audit_error() -> type[Exception]:
    from viewer.audit.signing import AuditError

    return AuditError


def _summary(results: Sequence[Result]) -> str:
    """One line after a run, for the panel and the status bar."""
    if not results:
        return translate("AiPanel", "AI: no image was run")
    p = results[0].provenance
    if len(results) == 1:
        text = translate("AiPanel", "AI · {} {}: 1 image done")
        return text.format(p.model_name, p.model_version)
    text = translate("AiPanel", "AI · {} {}: {} images done")
    return text.format(p.model_name, p.model_version, len(results)) + _volumes(results)


def _volumes(results: Sequence[Result]) -> str:
    """`` · bright 4.8 mL, top 0.5 mL`` after a volume model's run on the whole series (a
    run on part of it would state volumes of slices the reader did not ask about)."""
    summary = results[0].volume
    if summary is None or len(results) != summary.frames or not summary.volumes:
        return ""
    parts = [translate("AiPanel", "{} {} mL").format(item.label.name, f"{item.ml:.1f}")
             for item in summary.volumes]
    return " · " + ", ".join(parts)


def _is_volume(entry: object) -> bool:
    manifest = getattr(entry, "manifest", None)
    return manifest is not None and manifest.volume is not None


def _plain(rich: str) -> str:
    """Rich text of a list row → plain text."""
    return html.unescape(re.sub(r"<br>", "\n", re.sub(r"<(?!br>)[^>]+>", "", rich)))


def _reason_text(found: Applicability) -> str:
    """Why a model cannot run here, in the UI language (the core's reasons, one by one)."""
    if not found.entry.available:
        return translate("AiPanel", "Unavailable: {}").format(problem_text(found.entry.reason))
    return "; ".join(map(problem_text, found.check.problems + found.check.warnings))
