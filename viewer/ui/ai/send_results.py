""""Send AI results to PACS": the shown series' AI results as SEG/SR, sent in the background.

The reader's explicit action of issue 14; where the site sets ``results_auto_send``, each
run's results also go as soon as the run ends (:meth:`SendResultsBox.send_automatically`,
as ``lightbox infer`` does). The button is disabled, with a tooltip that says why, when the site
names no ``results_destination`` or the series has no AI result. A send writes each
model's SEG/SR (``viewer.inference.dicom_export.write_dicom``: the bytes
``lightbox infer --dicom`` writes) into a temporary folder and hands them to the sender
``lightbox`` gave the window (``viewer.cli.pacs_send.results_sender``: C-STORE, then the
audit record), on a worker of its own (``viewer.tasks.jobs``), with progress and Cancel.
``viewer.ui`` does not load the network layer itself: without a sender nothing is sent.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from viewer.host.settings import Settings
from viewer.inference.results import READ_FROM_DICOM
from viewer.tasks.cancel import CancelToken
from viewer.tasks.jobs import Job, Jobs
from viewer.ui.bridge import Background, Bridge, Outcome
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text

if TYPE_CHECKING:
    from viewer.inference.results import Result
    from viewer.io.model import Series
    from viewer.state.ai_results import Run
    from viewer.ui.viewport.viewport import Viewport

#: (files, cancel token, progress(done, total), automatic) -> (objects stored, objects,
#: problems); ``automatic``: sent because the site set ``results_auto_send``.
SendResults = Callable[[Sequence[Path], CancelToken, Callable[[int, int], None], bool],
                       tuple[int, int, tuple[str, ...]]]
Sent = tuple[int, int, tuple[str, ...]]


class SendResultsBox(QWidget):
    """The button, its progress and Cancel, and the outcome's line."""

    def __init__(self, viewport: Viewport, bridge: Bridge, settings: Settings,
                 sender: SendResults | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport, self.settings, self.send_results = viewport, settings, sender
        self._background = Background(bridge, workers=1, name="lightbox-send")
        self._jobs: Jobs[str, Sent] = Jobs(self._background.submit, bridge.post)
        self.send_button = QPushButton(translate("SendResults", "Send AI results to PACS"))
        self.send_button.clicked.connect(self.send)
        self.progress_bar = QProgressBar()
        self.progress_bar.setFormat(translate("SendResults", "%v / %m objects"))
        self.cancel_button = QPushButton(translate("SendResults", "Cancel"))
        self.cancel_button.clicked.connect(self._jobs.cancel)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.progress_bar, 1)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.send_button)
        layout.addLayout(row)
        layout.addWidget(self.status_label)
        self._waiting: list[tuple[Series, list[list[Result]]]] = []
        self._show_progress(False)
        self._unsubscribe = viewport.overlays.subscribe(self._on_overlays)
        viewport.series_opened.connect(self._series_opened)
        self.refresh()

    def _on_overlays(self, changed: frozenset[str]) -> None:
        if "runs" in changed:
            self.refresh()

    def _series_opened(self, *_: object) -> None:
        self.refresh()

    def set_viewport(self, viewport: Viewport) -> None:
        if viewport is self.viewport:
            return
        self.viewport.series_opened.disconnect(self._series_opened)
        self._unsubscribe()
        self.viewport = viewport
        self._unsubscribe = viewport.overlays.subscribe(self._on_overlays)
        viewport.series_opened.connect(self._series_opened)
        self.refresh()

    def _runs(self) -> list[Run]:
        """The series' runs of this workstation: results read back from a SEG/SR file are
        already stored (in the PACS, or the file) and are not sent again."""
        series = self.viewport.series
        runs = self.viewport.overlays.runs(series.uid) if series is not None else []
        return [r for r in runs if r.provenance.runtime != READ_FROM_DICOM]

    def refresh(self) -> None:
        """Enabled only with a destination, a result to send and no send going."""
        node = self.settings.results_destination
        if self.send_results is None or node is None:
            tip = translate("SendResults", "No PACS destination is configured: IT names one "
                            "(results_destination) in the site configuration.")
            enabled = False
        elif not self._runs():
            tip = translate("SendResults", "There are no AI results of this series to send: "
                            "run a model first.")
            enabled = False
        else:
            tip = translate("SendResults", "Sends this series' AI results (SEG, SR) to {} "
                            "with C-STORE; each send is recorded in the audit log.").format(node)
            enabled = not self._jobs.busy
        self.send_button.setEnabled(enabled)
        self.send_button.setToolTip(tip)

    def send(self) -> None:
        """The reader's action: every run of the shown series."""
        series, runs = self.viewport.series, self._runs()
        if series is None or not runs or self._jobs.busy:
            return
        self._start(series, [[r.results[f] for f in sorted(r.results)] for r in runs], False)

    def send_automatically(self, results: Sequence[Result], series: Series) -> None:
        """A run just finished and the site set ``results_auto_send``: its results go,
        after the send going (if any)."""
        if self.send_results is None or not self.settings.results_auto_send or not results:
            return
        if self._jobs.busy:
            self._waiting.append((series, [list(results)]))
            return
        self._start(series, [list(results)], True)

    def _start(self, series: Series, batches: list[list[Result]], automatic: bool) -> None:
        sender = self.send_results
        if sender is None:
            return

        def work(job: Job[str]) -> Sent:
            from viewer.inference.dicom_export import write_dicom

            folder = Path(tempfile.mkdtemp(prefix="lightbox-send-"))
            try:
                paths: list[Path] = []
                for number, results in enumerate(batches):
                    job.check()
                    (folder / str(number)).mkdir()
                    paths += write_dicom(results, series, folder / str(number))
                return sender(paths, job.token, job.progress, automatic)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        self.status_label.setText(translate("SendResults", "Sending to {}…").format(
            self.settings.results_destination))
        self.progress_bar.setRange(0, 0)
        self._show_progress(True)
        self._jobs.start(series.uid, work, self._done, self._progress)
        self.refresh()

    def _progress(self, _job: Job[str], done: int, total: int) -> None:
        self.progress_bar.setRange(0, max(total, 1))
        self.progress_bar.setValue(done)

    def _done(self, _job: Job[str], outcome: Outcome[Sent]) -> None:
        self._show_progress(False)
        node = self.settings.results_destination or ""
        if outcome.cancelled:
            text = translate("SendResults", "Sending cancelled; the audit log records what "
                             "was sent.")
        elif outcome.error is not None:
            text = translate("SendResults", "Not sent: {}").format(
                problem_text(str(outcome.error)))
        else:
            assert outcome.value is not None
            sent, total, problems = outcome.value
            if sent == total and not problems:
                text = translate("SendResults", "{} object(s) sent to {} and recorded "
                                 "in the audit log.").format(total, node)
            else:
                text = translate("SendResults", "{} of {} object(s) stored by {}:"
                                 ).format(sent, total, node) + "\n" + "\n".join(problems)
        self.status_label.setText(text)
        if self._waiting:  # an automatic send that came while this one went
            series, batches = self._waiting.pop(0)
            self._start(series, batches, True)
        self.refresh()

    def _show_progress(self, on: bool) -> None:
        self.progress_bar.setVisible(on)
        self.cancel_button.setVisible(on)

    @property
    def busy(self) -> bool:
        return self._jobs.busy

    def shutdown(self) -> None:
        self._waiting.clear()
        self._jobs.drop()
        self._unsubscribe()
        self._background.close()
