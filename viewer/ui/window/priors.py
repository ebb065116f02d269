"""Priors and the comparison hanging on the main window (docs/pacs.md "Priors and hanging
protocols").

Installed by ``PriorsReading(window)``. A "Priors" tab beside the open studies and the
study list lists the same patient's other studies for the study being read: those of the
local study list at once, those of the PACS when its answer comes (where nodes are
configured). "Open as comparison" hangs the chosen prior beside the current study
(:meth:`PriorsReading.hang`); a prior that is only on the PACS is retrieved first through
the Search PACS window's retrieve (its queue, its progress shown here, its cancel) and hung
when it opens. "Save hanging" keeps the hanging on screen as the reader's protocol for
the current study's modality and body part; a study that opens with a protocol is hung by
it (beside its most recent comparable prior when the protocol says so).

The model is :class:`viewer.state.priors.PriorsLookup` (Qt-free); which series and which
link, :mod:`viewer.state.hanging`. The PACS is never asked without a configured node.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
)

from viewer.errors import LightboxError
from viewer.host.hanging import HangingProtocol, protocol_for, protocol_key, protocols_json
from viewer.host.settings import save_user_preferences
from viewer.state.hanging import best_match, comparison_link, first_image_series
from viewer.state.priors import Prior, PriorsLookup, StudyFacts
from viewer.ui.bridge import Background
from viewer.ui.i18n import translate
from viewer.ui.window.priors_panel import PriorsPanel

if TYPE_CHECKING:
    from viewer.io.model import ScanResult, Series, Study
    from viewer.state.pacs_search import Change, PacsSearch
    from viewer.ui.viewport.viewport import Viewport
    from viewer.ui.window.main_window import MainWindow

class PriorsReading:
    """The priors tab and the comparison hanging of one main window."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.background = Background(window.bridge, workers=1, name="lightbox-priors")
        self.model = PriorsLookup(window.settings, self.background.submit, window.bridge.post)
        self.panel = PriorsPanel(window)
        self.dock = QDockWidget(translate("MainWindow", "Priors"), window)
        self.dock.setObjectName("priors")
        self.dock.setWidget(self.panel)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)
        window.tabifyDockWidget(window.study_list_dock, self.dock)
        window.study_list_dock.raise_()
        g = window.boundary.guard
        self.panel.compare_button.clicked.connect(g(lambda *_: self.compare_chosen(),
                                                    "opening a prior"))
        self.panel.table.cellDoubleClicked.connect(g(lambda *_: self.compare_chosen(),
                                                     "opening a prior"))
        self.panel.save_button.clicked.connect(g(lambda *_: self.save_hanging(),
                                                 "saving the hanging"))
        self.panel.cancel_button.clicked.connect(g(lambda *_: self.cancel_retrieve(),
                                                   "cancelling the retrieve"))
        window.scan_finished.connect(self._scanned)
        self._unsubscribes = [self.model.changed.subscribe(lambda _c: self._changed())]
        #: The study being read (the one whose priors are listed).
        self.current: Study | None = None
        #: The prior whose opening is awaited, to be hung when its scan ends.
        self.waiting: str | None = None
        #: The retrieved prior handed to the scan (the retrieve queue reports often).
        self._opening: str | None = None
        #: The protocol the current study opened with, waiting for the priors' answer.
        self._pending: HangingProtocol | None = None
        #: The two viewports of the comparison on screen (current, prior).
        self.pair: tuple[Viewport, Viewport] | None = None
        self._search: PacsSearch | None = None
        #: A scan done before the study list started (start() takes it up).
        self._held: ScanResult | None = None
        #: The reader chose a series of the current study (not only what opened first).
        self._chosen = False
        window.browser.series_chosen.connect(lambda *_: self._reader_chose())
        self._update_buttons()

    def _reader_chose(self) -> None:
        self._chosen = True

    # -- studies opening -------------------------------------------------------------------

    def start(self) -> None:
        """The study list has started (after the first image): a study opened before looks
        for its priors now (its headers, pydicom and SQLite never come before that image)."""
        held, self._held = self._held, None
        if held is not None:
            self._scanned(held)

    def _scanned(self, result: ScanResult | None) -> None:
        if result is None or not result.studies:
            return
        if self.window._unlisted is not None:  # the study list waits for the first image
            self._held = result
            return
        opened = {s.uid: s for s in self.window.session.studies}
        if self.waiting is not None and self.waiting in opened:
            prior, self.waiting = opened[self.waiting], None
            if self.current is not None:
                self.hang(self.current, prior)
            return
        # A folder holding several studies of the patient: the newest is the one read.
        candidates = [opened[s.uid] for s in result.studies if s.uid in opened
                      and first_image_series(opened[s.uid]) is not None]
        if not candidates:
            return
        study = max(candidates, key=lambda s: s.date)
        self.current, self.pair, self._pending, self._chosen = study, None, None, False
        self.waiting = None  # a prior of the study read before is no longer awaited
        facts = StudyFacts.of(study)
        self.panel.reset()
        self.panel.status.setText(translate("Priors", "Looking for priors…"))
        found = self._protocol(study)
        if found is not None:
            protocol = found[1]
            if protocol.comparison:
                self._pending = protocol
            else:
                self._hang_alone(protocol)
        self.model.look_up(facts)
        self._update_buttons()

    def _changed(self) -> None:
        default = self.model.default_prior()
        self.panel.show_priors(self.model.priors, default)
        count = len(self.model.priors)
        self.dock.setWindowTitle(translate("MainWindow", "Priors ({})").format(count)
                                 if count else translate("MainWindow", "Priors"))
        lines = [(translate("Priors", "Looking for priors…") if self.model.searching
                  else translate("Priors", "{} other study(ies) of this patient").format(count))]
        if self.model.note:
            lines.append(translate("Priors", "Priors: {}").format(self.model.note))
        self.panel.status.setText("\n".join(lines))
        self._update_buttons()
        if self._pending is not None and not self.model.searching:
            protocol, self._pending = self._pending, None
            if default is not None:
                self.open_as_comparison(default)
            else:
                self._hang_alone(protocol)
                self.panel.status.setText(self.panel.status.text() + "\n" + translate("Priors",
                    "The saved hanging wants a comparison: no comparable prior was found."))

    def _update_buttons(self) -> None:
        self.panel.compare_button.setEnabled(self.current is not None
                                             and bool(self.model.priors))
        locked = self.window.settings.is_locked("hanging_protocols")
        self.panel.save_button.setEnabled(self.current is not None and not locked)
        self.panel.save_button.setToolTip(
            translate("Priors", "Set by your IT department") if locked else
            translate("Priors", "Open studies of this modality and body part as they hang now"))

    # -- comparison ------------------------------------------------------------------------

    def compare_chosen(self) -> None:
        uid = self.panel.chosen_uid()
        prior = self.model.prior(uid) if uid else self.model.default_prior()
        if prior is not None:
            self.open_as_comparison(prior)

    def open_as_comparison(self, prior: Prior) -> None:
        """Hang ``prior`` beside the current study: at once if open, after a scan if local,
        after a retrieve if only on the PACS."""
        if self.current is None:
            return
        opened = {s.uid: s for s in self.window.session.studies}
        if prior.study_uid in opened:
            self.hang(self.current, opened[prior.study_uid])
            return
        self.waiting = prior.study_uid
        if prior.local:
            self.window.open_paths([prior.folder])
            return
        search = self._search_model()
        if search is None:
            self.waiting = None
            return
        # Opened here once complete, not at its first image as the Search PACS window's
        # retrieves are: the comparison's offset is set from the whole prior series.
        search.retrieve(prior.study_uid, node=prior.node, open_when_done=False)
        self.panel.status.setText(translate("Priors", "Retrieving the prior from {}…").format(prior.node))

    def _search_model(self) -> PacsSearch | None:
        """The Search PACS window's model (its retrieve queue, progress and cancel), made
        without showing the window."""
        window = self.window
        if not (window.settings.dicom_nodes or window.settings.dicomweb_nodes):
            return None
        if self._search is None:
            self._search = window.pacs_search_window().model
            self._unsubscribes.append(self._search.changed.subscribe(self._retrieve_changed))
        return self._search

    def _retrieve_changed(self, change: Change) -> None:
        if change != "retrieve" or self._search is None or self.waiting is None:
            return
        status = self._search.retrieves.get(self.waiting)
        running = status is not None and status.state in ("queued", "running")
        self.panel.progress.setVisible(running)
        self.panel.cancel_button.setVisible(running)
        if status is None:
            return
        if running:
            self.panel.progress.setRange(0, max(status.total, 1))
            self.panel.progress.setValue(status.done)
        elif status.state == "complete":
            if self._opening != self.waiting:  # once: other retrieves change the queue too
                self._opening = self.waiting
                self.window.open_paths([self._search.study_folder(self.waiting)])  # hung then
        else:
            self.waiting = None
            from viewer.ui.window.pacs_search import PacsSearchWindow

            self.panel.status.setText(translate("Priors", "The prior was not retrieved: {}")
                                      .format(PacsSearchWindow.status_text(status)))

    def cancel_retrieve(self) -> None:
        if self._search is not None:
            self._search.cancel_retrieves()

    def hang(self, current: Study, prior: Study) -> None:
        """Current and prior side by side (1×2), each at its best-matching series, linked
        by position (or by the centre offset) as the current protocol says. The current
        side keeps the series the reader chose (the active viewport's, once the reader
        chose one), else the study's main stack (the series with the most images)."""
        found = self._protocol(current)
        protocol = found[1] if found is not None else HangingProtocol()
        window = self.window
        active = window.grid.active
        current_series = (active.series if active.series is not None and self._chosen
                          and active.study is current else first_image_series(current))
        if current_series is None:
            return
        prior_series = best_match(current_series, prior.series)
        if prior_series is None:
            self.panel.status.setText(translate("Priors", "The prior has no images to compare."))
            return
        index = active.state.index if active.series is current_series else None
        window.linker.unlink_offset()
        window.linker.set_scroll(False)
        window.set_layout("1x2")
        left, right = window.grid.visible_viewports()[:2]
        here, there = (left, right) if protocol.current == "left" else (right, left)
        if here.series is not current_series:
            here.open_series(current_series, current, index=index)
        if there.series is not prior_series:
            there.open_series(prior_series, prior)
        for viewport, preset in zip((here, there), protocol.presets, strict=True):
            if preset:
                viewport.apply_preset_named(preset)
        self._link(here, there, current_series, prior_series, protocol.link)
        window.grid.activate(here)
        self.pair = (here, there)
        window._maybe_settled()

    def _link(self, here: Viewport, there: Viewport, current: Series, prior: Series,
              on: bool) -> None:
        window = self.window
        if on:
            link = comparison_link(current, prior)
            if link.by_position:
                window.linker.set_scroll(True, here)
            elif link.offset is not None:
                window.linker.set_offset(link.offset, here, there)
        window._actions["link_scroll"].setChecked(window.linker.scroll)
        window._actions["link_offset"].setChecked(window.linker.offset is not None)

    def _hang_alone(self, protocol: HangingProtocol) -> None:
        if protocol.presets[0]:
            self.window.viewport.apply_preset_named(protocol.presets[0])

    # -- protocols ---------------------------------------------------------------------------

    def _facts(self, study: Study) -> tuple[str, str]:
        series = first_image_series(study)
        facts = StudyFacts.of(study)
        return (series.modality if series is not None else ""), facts.body_part

    def _protocol(self, study: Study) -> tuple[str, HangingProtocol] | None:
        modality, body_part = self._facts(study)
        return protocol_for(self.window.settings.hanging_protocols, modality, body_part)

    def save_hanging(self) -> str | None:
        """Save what is on screen as the protocol of the current study's modality and body
        part; the key it was saved under."""
        window = self.window
        if self.current is None:
            return None
        modality, body_part = self._facts(self.current)
        key = protocol_key(modality, body_part)
        pair = self.pair if self.pair is not None and all(
            v in window.grid.visible_viewports() and v.series is not None
            for v in self.pair) else None
        if pair is None:
            protocol = HangingProtocol(comparison=False,
                                       presets=(window.viewport.window_name() or "", ""))
        else:
            here, there = pair
            slots = window.grid.visible_viewports()
            protocol = HangingProtocol(
                comparison=True,
                current="left" if slots.index(here) < slots.index(there) else "right",
                link=window.linker.scroll or window.linker.offset is not None,
                presets=(here.window_name() or "", there.window_name() or ""))
        protocols = {**window.settings.hanging_protocols, key: protocol}
        try:
            save_user_preferences({"hanging_protocols": protocols_json(protocols)},
                                  window.settings)
        except (LightboxError, OSError) as exc:
            window.boundary.report(exc, "saving the hanging")
            return None
        window._preferences_saved()  # the one place the window reads preferences again
        self.model.settings = window.settings
        self.panel.status.setText(
            translate("Priors", "Saved: {} studies open beside their most recent comparable prior").format(key)
            if protocol.comparison else translate("Priors", "Saved: {} studies open alone").format(key))
        return key

    def shutdown(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()
        self.model.shutdown()
        self.background.close()
