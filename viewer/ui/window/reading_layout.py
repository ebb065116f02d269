"""The main window's reading layout: viewport grid, active viewport, linking, MPR.

A mixin of ``MainWindow`` so that main_window.py stays about opening files and wiring
panels. The central widget is a stack of two pages: the viewport grid and the MPR view.
``MainWindow.viewport`` is the *active* viewport (the grid's, or the active MPR plane),
looked up when a menu or key fires, so they always act on what the reader chose. Grid
viewports are the session's slots (numbered in grid order) and tell it what they show; the
AI panel follows the active viewport, an MPR plane included (its results are the source's
masks cut into the plane; planes are never fed to a model). Patient identity hiding
applies to every viewport at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QStackedWidget

from viewer.imaging.mpr import VolumeError, VolumeTooLargeError
from viewer.imaging.reference_lines import Segment, lines_on
from viewer.state.studies import StudiesAdded
from viewer.ui.i18n import translate
from viewer.ui.viewport.grid import LAYOUT_TITLES, LAYOUTS, ViewportGrid
from viewer.ui.viewport.linking import Linker
from viewer.ui.viewport.mpr_view import MprView
from viewer.ui.viewport.viewport import Viewport

if TYPE_CHECKING:
    from viewer.ui.window.main_window import MainWindow


class ReadingLayout:
    """Grid, linking and MPR for the main window (``self`` is the MainWindow)."""

    grid: ViewportGrid
    mpr: MprView
    central: QStackedWidget
    linker: Linker

    def _build_reading(self: MainWindow) -> None:
        self._viewport_unsubscribes: list[Callable[[], None]] = []
        self.linker = Linker(lambda: self.grid.visible_viewports())
        self._slots_made = 0
        self.grid = ViewportGrid(self._new_viewport, self, session=self.session)
        self.mpr = MprView(self.cache, self.bridge, self.boundary, self.background, self,
                           session=self.session)
        self.central = QStackedWidget(self)
        self.central.addWidget(self.grid)
        self.central.addWidget(self.mpr)
        self.setCentralWidget(self.central)

    def _new_viewport(self: MainWindow) -> Viewport:
        # Slots are numbered in the order the grid makes viewports: its grid order.
        viewport = Viewport(self.cache, self.bridge, self.boundary, session=self.session,
                            slot=self._slots_made)
        self._slots_made += 1
        if hasattr(self, "settings"):
            viewport.set_display_preferences(self.settings.default_presets,
                                             self.settings.corner_text)
        if self.grid_ready:
            viewport.state.hide_identity = self.viewport.state.hide_identity
        return viewport

    @property
    def grid_ready(self: MainWindow) -> bool:
        return hasattr(self, "central")

    @property
    def viewport(self: MainWindow) -> Viewport:
        """The active viewport: what menus, keys and the title refer to."""
        if self.mpr_shown:
            return self.mpr.active
        return self.grid.active

    @property
    def mpr_shown(self: MainWindow) -> bool:
        return self.grid_ready and self.central.currentWidget() is self.mpr

    def all_viewports(self: MainWindow) -> list[Viewport]:
        return [*self.grid.viewports, *self.mpr.planes.values()]

    # -- wiring ------------------------------------------------------------------------------

    def _connect_reading(self: MainWindow) -> None:
        for viewport in self.all_viewports():
            self._wire_viewport(viewport)
        self.grid.viewport_added.connect(self._wire_viewport)
        self.grid.activated.connect(self._grid_activated)
        self.grid.series_dropped.connect(
            self.boundary.guard(self._series_dropped, "opening a dropped series"))
        self.mpr.activated.connect(self._mpr_activated)
        self.mpr.abandoned.connect(self.close_mpr)
        self.mpr.ready.connect(self._mpr_ready)
        self.mpr.close_button.clicked.connect(self.close_mpr)
        self.mpr.slab_started.connect(self._show_mpr)
        self._viewport_unsubscribes.append(self.session.studies.subscribe(self._studies_added))

    def _studies_added(self: MainWindow, added: StudiesAdded) -> None:
        """A series on screen took new images (a second scan held more of it, or more of a
        study still arriving landed, ``arriving.py``, which then finds the reader's image
        again): its viewports read it again, with the same window, zoom and pan, so no new
        slice stays unloaded and the view does not jump."""
        from viewer.ui.window.early_image import KEPT_VIEW

        for viewport in self.grid.visible_viewports():
            if viewport.series is not None and viewport.series in added.grown:
                index, series, study = viewport.state.index, viewport.series, viewport.study
                kept = {name: getattr(viewport.state, name) for name in KEPT_VIEW}
                viewport.open_series(series, study,
                                     index=min(index, max(len(series.frames) - 1, 0)))
                viewport.state.update(**kept)

    def _wire_viewport(self: MainWindow, viewport: Viewport) -> None:
        def if_active(fn: Callable[..., object]) -> Callable[..., None]:
            def call(*args: object) -> None:
                if viewport is self.viewport:
                    fn(*args)
            return call

        viewport.state_changed.connect(if_active(self._state_changed))
        viewport.probe_changed.connect(self.probe_label.setText)
        viewport.load_progress.connect(if_active(self._load_progress))
        viewport.loaded.connect(self._maybe_settled)
        self._viewport_unsubscribes.append(viewport.overlays.subscribe(
            lambda changed: self._sync_checks() if "visible" in changed else None))
        if viewport in self.grid.viewports:
            self.linker.watch(viewport)
            self._wire_reference_lines(viewport)

    def _grid_activated(self: MainWindow, viewport: Viewport) -> None:
        self.ai_panel.set_viewport(viewport)
        self._active_changed()

    def _mpr_activated(self: MainWindow, plane: Viewport) -> None:
        if self.mpr_shown:
            self.ai_panel.set_viewport(plane)
        self._active_changed()

    def _active_changed(self: MainWindow) -> None:
        viewport = self.viewport
        if viewport.series is not None and not self.mpr_shown:
            self.browser.select_series(viewport.series)
        self._rebuild_presets()
        self._update_title()
        self._sync_checks()
        if hasattr(self, "reading"):
            self.reading.show_tool()
        if self.tag_browser is not None and self.tag_browser.isVisible():
            self._update_tags()

    def _build_layout_menu(self: MainWindow, view: QMenu) -> None:
        layouts = view.addMenu(translate("WindowLayout", "Layout"))
        group = QActionGroup(self)
        for name in LAYOUTS:
            action = self._action(layouts, f"layout_{name}",
                                  functools.partial(self.set_layout, name), checkable=True,
                                  text=translate("Layout", LAYOUT_TITLES[name]))
            group.addAction(action)
        self._actions["layout_1x1"].setChecked(True)
        self._action(view, "next_viewport", self.next_viewport, text=translate("WindowLayout", "Next viewport"))
        self._action(view, "link_scroll", self.toggle_link_scroll, checkable=True,
                     text=translate("WindowLayout", "Link scrolling by position"))
        self._action(view, "link_window", self.toggle_link_window, checkable=True,
                     text=translate("WindowLayout", "Link window/level"))
        self._action(view, "link_offset", self.toggle_link_offset, checkable=True,
                     text=translate("WindowLayout", "Link with offset"))
        self._action(view, "reference_lines", self.toggle_reference_lines, checkable=True,
                     text=translate("WindowLayout", "Reference lines")).setChecked(True)
        view.addSeparator()
        mpr = self.menuBar().addMenu(translate("WindowLayout", "&MPR"))
        self._action(mpr, "mpr", self.toggle_mpr, checkable=True,
                     text=translate("WindowLayout", "MPR (axial, coronal, sagittal)"))
        self._action(mpr, "slab", self.mpr.next_slab, text=translate("WindowLayout", "Next thick-slab mode"))
        self._action(mpr, "crosshair", self.toggle_crosshair_tool,
                     text=translate("WindowLayout", "Crosshair tool (left button)"))
        self._action(mpr, "crosshair_lines",
                     lambda: self.mpr.set_crosshair_visible(
                         not self.mpr.crosshair_box.isChecked()),
                     text=translate("WindowLayout", "Show / hide crosshair lines"))

    # -- layouts -----------------------------------------------------------------------------

    def set_layout(self: MainWindow, name: str) -> None:
        """Show ``name`` ("1x1", "1x2", "2x1", "2x2"); new viewports get the next series."""
        if self.mpr_shown:
            self.close_mpr()
        self.reports.leave()
        self.grid.set_layout(name)
        self._actions[f"layout_{name}"].setChecked(True)
        shown = {id(v.series) for v in self.grid.visible_viewports() if v.series is not None}
        waiting = [e for e in self.browser.image_series() if id(e[0]) not in shown]
        for viewport, (series, study) in zip(self.grid.empty_viewports(), waiting,
                                             strict=False):
            viewport.open_series(series, study)
        self._maybe_settled()

    def next_viewport(self: MainWindow) -> None:
        shown = self.grid.visible_viewports()
        following = shown[(shown.index(self.grid.active) + 1) % len(shown)]
        self.grid.activate(following)
        following.setFocus()

    def _series_dropped(self: MainWindow, viewport: Viewport, key: int) -> None:
        entry = self.browser.entry_for_key(key)
        if entry is not None:
            self.grid.activate(viewport)
            self.open_series(*entry)

    def toggle_link_scroll(self: MainWindow) -> None:
        self.linker.set_scroll(not self.linker.scroll, self.grid.active)
        self._actions["link_scroll"].setChecked(self.linker.scroll)

    def toggle_link_window(self: MainWindow) -> None:
        self.linker.set_window(not self.linker.window, self.grid.active)
        self._actions["link_window"].setChecked(self.linker.window)

    def toggle_link_offset(self: MainWindow) -> None:
        """Link the active viewport with the next shown one at their current slices (a
        prior against a current, in different frames of reference), or unlink."""
        if self.linker.offset is not None:
            self.linker.unlink_offset()
        else:
            active = self.grid.active
            shown = [v for v in self.grid.visible_viewports() if v.series is not None]
            others = shown[shown.index(active) + 1:] + shown[:shown.index(active)] \
                if active in shown else []
            if not others or self.linker.link_with_offset(active, others[0]) is None:
                self.statusBar().showMessage(translate(
                    "WindowLayout", "Link with offset needs two viewports showing images: "
                    "bring both to the same anatomy, then link."), 10_000)
        self._actions["link_offset"].setChecked(self.linker.offset is not None)

    # -- reference lines ---------------------------------------------------------------------

    def _wire_reference_lines(self: MainWindow, viewport: Viewport) -> None:
        viewport.reference_lines = lambda: self._reference_lines_on(viewport)
        viewport.show_reference_lines = self._actions["reference_lines"].isChecked() \
            if "reference_lines" in self._actions else True

        def moved(changed: frozenset[str]) -> None:
            if changed & {"index", "count"}:
                for other in self.grid.visible_viewports():
                    if other is not viewport:
                        other.update()

        viewport.state_changed.connect(moved)

    def _reference_lines_on(self: MainWindow, target: Viewport) -> list[tuple[Segment, str]]:
        ref = target.current_ref()
        if ref is None:
            return []
        sources = []
        for other in self.grid.visible_viewports():
            other_ref = other.current_ref()
            if other is not target and other_ref is not None and other.series is not None:
                name = other.series.description[:24] or translate("WindowLayout", "Series")
                sources.append((other_ref, translate("WindowLayout", "{} · Im {}").format(
                    name, other.state.index + 1)))
        return lines_on(ref, sources)

    def toggle_reference_lines(self: MainWindow) -> None:
        on = self._actions["reference_lines"].isChecked()
        for viewport in self.grid.viewports:
            viewport.show_reference_lines = on
            viewport.update()

    # -- MPR ---------------------------------------------------------------------------------

    def toggle_mpr(self: MainWindow) -> None:
        if self.mpr_shown:
            self.close_mpr()
        else:
            self.open_mpr()

    def open_mpr(self: MainWindow) -> None:
        """Axial, coronal and sagittal planes of the active viewport's series."""
        source = self.grid.active
        try:
            if source.series is None:
                raise VolumeError(translate("WindowLayout", "Open a CT or MR series first, then choose MPR."))
            self.mpr.start(source.series, source.study, source.state.window,
                           source.state.hide_identity, index=source.state.index)
        except VolumeTooLargeError as too_large:
            if too_large.slab is None or source.series is None:
                raise
            # Larger than the memory budget: say so, and offer the slab that fits.
            self.mpr.offer_slab(too_large, source.series, source.study, source.state.window,
                                source.state.hide_identity, source.state.index)
            return
        finally:
            self._actions["mpr"].setChecked(self.mpr.building)
        self._show_mpr()

    def _show_mpr(self: MainWindow) -> None:
        self._actions["mpr"].setChecked(self.mpr.building or self.mpr.volume is not None)
        self.central.setCurrentWidget(self.mpr)
        self.mpr.active.setFocus()
        self._active_changed()

    def toggle_crosshair_tool(self: MainWindow) -> None:
        self.mpr.toggle_crosshair_tool()
        self.reading.show_tool()

    def _mpr_ready(self: MainWindow) -> None:
        # "This image" shows the plane on screen (a derived image: no other slice's results).
        self.ai_panel.set_viewport(self.mpr.active)
        self._active_changed()
        self._maybe_settled()

    def close_mpr(self: MainWindow) -> None:
        if not self.grid_ready:
            return
        was_shown = self.mpr_shown
        self.mpr.cancel()
        self.mpr.clear()
        self.central.setCurrentWidget(self.grid)
        self._actions["mpr"].setChecked(False)
        self.ai_panel.set_viewport(self.grid.active)
        if was_shown:
            self.grid.active.setFocus()
            self._active_changed()

    def _reading_settled(self: MainWindow) -> bool:
        return not self.mpr.building and all(
            v.series is None or v.is_loaded for v in self.grid.visible_viewports())

    def _set_identity_everywhere(self: MainWindow, hide: bool) -> None:
        for viewport in self.all_viewports():
            viewport.state.hide_identity = hide
        self.reports.set_hide_identity(hide)
        self.study_list.set_identity_hidden(hide)

    def _shutdown_reading(self: MainWindow) -> None:
        self.mpr.shutdown()
        self.grid.shutdown()
        for unsubscribe in self._viewport_unsubscribes:
            unsubscribe()
        self._viewport_unsubscribes.clear()
        for viewport in self.grid.viewports:
            viewport.shutdown()
