"""Widgets as views of one reading session (issue 9): results follow the series, not the
viewport; objects without pixels clear the viewport; menus act on the active viewport; a
drag opens only where it is dropped; opening twice adds nothing; no stale text."""
# The shared fixtures come from other test modules; pytest passes them in as arguments.
# ruff: noqa: F811

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import open_and_wait
from tests.ui.helpers import click_item, grab_array
from tests.ui.test_ai_overlays import bundled_window  # noqa: F401 - fixture
from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
    mr_sample,
    ready_window,
    run_and_wait,
)
from tests.ui.test_layout import two_series  # noqa: F401 - fixture
from viewer.imaging.mpr import Plane
from viewer.ui.viewport.grid import SERIES_MIME


def drop_on(window, viewport, item) -> None:
    """Drop the browser row ``item`` on ``viewport``'s frame, as a finished drag does."""
    mime = window.browser.mimeData([item])
    assert mime.hasFormat(SERIES_MIME)
    frame = window.grid.frame_of(viewport)
    drop = QDropEvent(QPointF(frame.width() / 2, frame.height() / 2), Qt.DropAction.CopyAction,
                      mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    frame.dropEvent(drop)


# -- 1. AI results belong to the series, shown in every viewport showing it -----------------

def test_results_show_in_a_second_viewport_showing_the_same_series(bundled_window, qtbot):
    w = bundled_window
    first = w.viewport
    assert run_and_wait(qtbot, w.ai_panel, "ct-body-seg") == "ok"
    assert run_and_wait(qtbot, w.ai_panel, "ct-lesion-det") == "ok"
    w._actions["layout_1x2"].trigger()
    second = w.grid.visible_viewports()[1]
    drop_on(w, second, w.browser.series_items()[0])
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    second.state.update(index=first.state.index)
    qtbot.waitUntil(lambda: second.displayed_image() is not None)
    assert w.viewport is second
    layer = second.ai_layer_image()
    assert layer is not None and layer[..., 3].max() > 0
    assert (layer == first.ai_layer_image()).all()
    assert w.ai_panel.results.finding_items()
    assert w.ai_panel.results.clear_button.isEnabled()
    w.ai_panel.results.clear_button.click()  # clearing there clears the series everywhere
    assert first.ai_layer_image() is None


# -- 2. an object without pixels clears the viewport first ------------------------------------

@pytest.mark.parametrize(("name", "modality"), [("test-SR.dcm", "SR"),
                                                ("rtstruct.dcm", "RTSTRUCT"),
                                                ("waveform_ecg.dcm", "ECG")])
def test_selecting_an_object_without_pixels_clears_the_viewport_first(
        phantom_window, qtbot, pydicom_files, name, modality):
    w = phantom_window
    v = w.viewport
    open_and_wait(qtbot, w, pydicom_files / name)
    assert v.series is not None and v.displayed_image() is not None
    seen_when_tags_open: list[object] = []
    real_show_tags, real_show_report = w.show_tags_of, w.reports.show

    def show_tags_of(instance):
        seen_when_tags_open.append((v.series, v.displayed_image()))
        real_show_tags(instance)

    def show_report(report):
        seen_when_tags_open.append((v.series, v.displayed_image()))
        real_show_report(report)

    # An SR is read as a report in place of the images; other objects show their tags.
    w.show_tags_of, w.reports.show = show_tags_of, show_report
    item = next(i for i in w.browser.series_items() if modality in i.text(0))
    click_item(w.browser, item)
    assert seen_when_tags_open == [(None, None)]  # cleared before anything else was drawn
    assert w.reports.shown == (modality == "SR")
    text = v.object_text()
    assert text.endswith(f"{modality} · no image to display")
    assert v._message() == text
    assert not any(v.corner_text().top_left)  # no one's corner text stays
    screen = grab_array(v)
    assert screen[: v.height() // 3].max() < 60  # no image, no corner text at the top


def test_the_neutral_panel_hides_identity_when_asked(phantom_window, qtbot, pydicom_files):
    w = phantom_window
    open_and_wait(qtbot, w, pydicom_files / "test-SR.dcm")
    w._actions["hide_identity"].trigger()
    click_item(w.browser, next(i for i in w.browser.series_items() if "SR" in i.text(0)))
    assert w.viewport.object_text().startswith("Identity hidden · SR")


def test_an_object_referring_to_images_not_open_says_so_and_changes_nothing(
        phantom_window, qtbot, pydicom_files):
    w = phantom_window
    open_and_wait(qtbot, w, pydicom_files / "test-SR.dcm")
    studies = len(w.session.studies)
    click_item(w.browser, next(i for i in w.browser.series_items() if "SR" in i.text(0)))
    assert "not open" in w.statusBar().currentMessage()
    assert len(w.session.studies) == studies


# -- 3. menus act on the viewport active when they fire ----------------------------------------

@pytest.fixture
def window_4(main_window, qtbot, two_series):
    w = main_window
    open_and_wait(qtbot, w, two_series)
    w._actions["layout_2x2"].trigger()
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    first, _second, third, _fourth = w.grid.visible_viewports()
    drop_on(w, third, w.browser.series_items()[0])
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    QTest.mouseClick(third, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert w.viewport is third and third.series is not None
    return w


@pytest.mark.parametrize(("action", "field"), [
    ("invert", "invert"), ("rotate", "rotation"), ("flip_h", "flip_h"), ("flip_v", "flip_v"),
    ("annotations", "annotations"), ("actual_size", "zoom")])
def test_view_menu_acts_on_the_active_viewport(window_4, action, field):
    w = window_4
    first, third = w.grid.visible_viewports()[0], w.grid.visible_viewports()[2]
    before_first = getattr(first.state, field)
    before_third = getattr(third.state, field)
    w._actions[action].trigger()
    assert getattr(third.state, field) != before_third
    assert getattr(first.state, field) == before_first


def test_fit_reset_and_cine_act_on_the_active_viewport(window_4):
    w = window_4
    first, third = w.grid.visible_viewports()[0], w.grid.visible_viewports()[2]
    for v in (first, third):
        v.state.update(zoom=3.0, fit=False, invert=True)
    w._actions["fit"].trigger()
    assert third.state.fit and not first.state.fit
    w._actions["reset"].trigger()
    assert not third.state.invert and first.state.invert
    w._actions["cine"].trigger()
    assert third.cine_running and not first.cine_running
    w._actions["cine"].trigger()
    assert not third.cine_running
    assert w._actions["invert"].isChecked() is False  # the checks show the active viewport


def test_measure_menu_acts_on_the_active_viewport(window_4):
    w = window_4
    first, third = w.grid.visible_viewports()[0], w.grid.visible_viewports()[2]
    w._actions["tool_distance"].trigger()
    assert third.state.tool.value == "distance" and first.state.tool.value == "window"


# -- 4. a drag opens only where it is dropped --------------------------------------------

def test_pressing_a_thumbnail_to_drag_it_leaves_the_active_viewport_alone(
        main_window, qtbot, two_series):
    w = main_window
    open_and_wait(qtbot, w, two_series)
    w._actions["layout_2x2"].trigger()
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    first, _second, third, _fourth = w.grid.visible_viewports()
    shown = first.series
    thick = w.browser.series_items()[1]
    tree = w.browser
    QTest.mousePress(tree.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, tree.visualItemRect(thick).center())
    assert first.series is shown  # the press (the start of a drag) opened nothing
    drop_on(w, third, thick)
    # The button comes up over the viewport, not over the row: no click on the row.
    QTest.mouseRelease(tree.viewport(), Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier, QPoint(tree.viewport().width() - 2,
                                                              tree.viewport().height() - 2))
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    assert third.series.description == "Thick 5 mm"
    assert first.series is shown
    assert w.session.slots.shown(0) == shown.uid


def test_a_click_or_enter_still_opens_a_series(main_window, qtbot, two_series):
    w = main_window
    open_and_wait(qtbot, w, two_series)
    thick = w.browser.series_items()[1]
    click_item(w.browser, thick)
    assert w.viewport.series.description == "Thick 5 mm"
    thin = w.browser.series_items()[0]
    w.browser.setCurrentItem(thin)
    assert w.viewport.series.description == "Thick 5 mm"  # arrow keys only move the mark
    QTest.keyClick(w.browser, Qt.Key.Key_Return)
    assert w.viewport.series.description == "Thin 1 mm"


# -- 5. opening twice adds nothing ------------------------------------------------------------

def test_opening_the_same_folder_twice_lists_every_study_once(phantom_window, qtbot,
                                                             phantom_dir):
    w = phantom_window
    rows = [i.text(0) for i in w.browser.series_items()]
    open_and_wait(qtbot, w, phantom_dir)
    assert w.browser.topLevelItemCount() == 1
    assert [i.text(0) for i in w.browser.series_items()] == rows
    assert "already open" in w.statusBar().currentMessage()


def test_a_folder_holding_open_sample_files_adds_only_the_rest(main_window, qtbot,
                                                              pydicom_files, tmp_path):
    w = main_window
    for name in ("CT_small.dcm", "MR_small.dcm", "test-SR.dcm"):
        shutil.copyfile(pydicom_files / name, tmp_path / name)
    open_and_wait(qtbot, w, tmp_path / "CT_small.dcm", tmp_path / "test-SR.dcm")
    before = [i.text(0) for i in w.browser.series_items()]
    open_and_wait(qtbot, w, tmp_path)
    after = [i.text(0) for i in w.browser.series_items()]
    assert len(after) == len(before) + 1 and after[: len(before)] == before
    assert sum(len(s.instances) for s, _ in w.session.studies.all_series()) == 3


# -- 6. no stale text ------------------------------------------------------------------------

def test_the_run_line_belongs_to_the_series_shown(make_main_window, qtbot, ai_models,
                                                  demo_dir):
    w = ready_window(make_main_window, qtbot, ai_models, demo_dir, mr_sample())
    panel = w.ai_panel
    assert run_and_wait(qtbot, panel, "threshold") == "ok"
    line = panel.run_label.text()
    assert "1 image done" in line
    ct, mr = w.browser.series_items()[0], w.browser.series_items()[-1]
    click_item(w.browser, mr)
    assert w.viewport.series.modality == "MR"
    assert panel.run_label.text() == ""
    click_item(w.browser, ct)
    assert panel.run_label.text() == line


def test_focus_returns_to_the_viewport_after_an_ai_button(make_main_window, qtbot, ai_models,
                                                          demo_dir):
    w = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    w.activateWindow()
    assert run_and_wait(qtbot, w.ai_panel, "threshold") == "ok"
    assert QApplication.focusWidget() is w.viewport
    index = w.viewport.state.index
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Down)
    assert w.viewport.state.index != index


def test_mpr_shows_no_other_slices_results_and_names_the_crosshair_tool(
        make_main_window, qtbot, ai_models, demo_dir):
    w = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    ran = w.viewport.state.index
    assert run_and_wait(qtbot, w.ai_panel, "threshold") == "ok"
    assert w.ai_panel.results.image_texts()  # the slice it ran on
    w._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: not w.mpr.building and w.mpr.active.series is not None,
                    timeout=30_000)
    axial = w.mpr.planes[Plane.AXIAL]
    assert w.ai_panel.results.viewport is axial
    assert not w.ai_panel.run_image_button.isEnabled()  # planes are never fed to a model
    for index in range(axial.state.count):
        axial.state.update(index=index)
        acquired = round(axial.reformat.to_volume(index, 0, 0)[0])
        # The plane cut through the slice the model ran on shows its mask; others nothing.
        assert bool(w.ai_panel.results.image_texts()) == (acquired == ran)
        assert (axial.ai_layer_image() is not None) == (acquired == ran)
    coronal = w.mpr.planes[Plane.CORONAL]
    assert coronal.ai_layer_image() is None  # a one-slice run is not cut across slices
    assert w.reading.tool_label.text() == "Tool: Crosshair"
    w._actions["crosshair"].trigger()
    assert w.reading.tool_label.text() == "Tool: Window/level"
    w._actions["mpr"].trigger()
    assert w.ai_panel.results.image_texts()
    assert all(r.provenance.series_uid == w.viewport.series.uid
               for run in w.session.results.runs() for r in run.results.values())


def test_mpr_planes_show_a_whole_series_run_resampled(make_main_window, qtbot, ai_models,
                                                      demo_dir):
    w = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    assert run_and_wait(qtbot, w.ai_panel, "threshold", whole_series=True) == "ok"
    w._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: not w.mpr.building and w.mpr.active.series is not None,
                    timeout=30_000)
    for plane in Plane:
        viewport = w.mpr.planes[plane]
        layer = viewport.ai_layer_image()
        assert layer is not None and layer[..., 3].max() > 0, plane
    assert not w.ai_panel.results.clear_button.isEnabled()  # cleared on the source only
    w.session.results.clear()
    assert w.mpr.planes[Plane.CORONAL].ai_layer_image() is None  # cleared with the source


def test_two_viewports_closing_the_same_series_leave_the_session_unchanged(window_4):
    w = window_4
    first, third = w.grid.visible_viewports()[0], w.grid.visible_viewports()[2]
    assert first.series is third.series
    uid = first.series.uid
    first.close_series()
    first.close_series()  # a second close of the same series
    assert w.session.slots.shown(2) == uid and third.series is not None
    assert w.session.studies.series_by_uid(uid) is not None


def test_a_series_that_grows_is_read_again_where_it_is_shown(main_window, qtbot, phantom_dir):
    w = main_window
    files = sorted(phantom_dir.glob("*.dcm"))
    open_and_wait(qtbot, w, *files[:3])
    assert w.viewport.state.count == 3
    open_and_wait(qtbot, w, phantom_dir)
    assert w.viewport.state.count == len(files) == len(w.viewport.series.frames)
    assert len(w.browser.series_items()) == 1
    assert w.browser.series_items()[0].text(0).endswith(f"{len(files)} images")


def test_a_run_on_another_series_keeps_its_progress_and_says_where(phantom_window):
    w, panel = phantom_window, phantom_window.ai_panel
    w.session.runs.start(99, "m", "another.series", 10, "Running AI · m on 10 images…")
    w.session.runs.progress(99, 4, 10)
    assert panel.run_label.text() == "An AI run is going on another series."
    assert not panel.progress_bar.isHidden() and panel.progress_bar.value() == 4
    w.session.runs.finish(99, "ok", "AI · m: 10 images done")
    assert panel.run_label.text() == "" and panel.progress_bar.isHidden()


def test_activating_a_slot_in_the_session_activates_its_viewport(window_4):
    w = window_4
    first = w.grid.visible_viewports()[0]
    w.session.slots.activate(0)  # as a script would: the views follow the model
    assert w.viewport is first and w.ai_panel.viewport is first
    assert w.grid.frame_of(first).active
