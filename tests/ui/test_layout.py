"""Viewport layouts, the active viewport, drag-and-drop of series, linked scrolling and W/L."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest

from tests.imaging.volumes import write_series
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import drag, grab_array, wheel
from viewer.ui.viewport.grid import ACTIVE_COLOUR, INACTIVE_COLOUR, SERIES_MIME


@pytest.fixture(scope="module")
def two_series(tmp_path_factory) -> Path:
    """One study, one frame of reference: 30 slices of 1 mm and 6 slices of 5 mm."""
    folder = tmp_path_factory.mktemp("two-series")
    ramp = np.linspace(-200, 200, 48 * 48, dtype=np.float32).reshape(48, 48)
    thin = [(ramp + k).astype(np.int16) for k in range(30)]
    write_series(folder / "thin", thin, [(-20.0, -20.0, -1.0 * k) for k in range(30)],
                 series_number=1, description="Thin 1 mm")
    thick = [(ramp * 2).astype(np.int16) for _ in range(6)]
    write_series(folder / "thick", thick, [(-20.0, -20.0, -5.0 * k) for k in range(6)],
                 series_number=2, description="Thick 5 mm")
    return folder


@pytest.fixture
def window_2(main_window, qtbot, two_series):
    open_and_wait(qtbot, main_window, two_series)
    main_window._actions["layout_1x2"].trigger()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    return main_window


def border(window, viewport) -> tuple[int, int, int]:
    frame = window.grid.frame_of(viewport)
    return tuple(int(v) for v in grab_array(frame)[frame.height() // 2, 0])


def test_layouts_show_the_right_number_of_viewports(main_window, qtbot) -> None:
    w = main_window
    for name, count in (("2x2", 4), ("1x2", 2), ("2x1", 2), ("1x1", 1)):
        w._actions[f"layout_{name}"].trigger()
        shown = w.grid.visible_viewports()
        assert len(shown) == count
        assert all(v.isVisible() for v in shown)
        assert sum(f.isVisible() for f in w.grid.frames) == count
    w._actions["layout_2x1"].trigger()
    top, bottom = w.grid.visible_viewports()
    assert bottom.mapTo(w, QPoint(0, 0)).y() > top.mapTo(w, QPoint(0, 0)).y()


def test_a_bigger_layout_shows_the_next_series_and_the_active_frame_is_marked(
        window_2) -> None:
    w = window_2
    first, second = w.grid.visible_viewports()
    assert first.series.description == "Thin 1 mm"
    assert second.series.description == "Thick 5 mm"
    assert w.viewport is first
    accent = (ACTIVE_COLOUR.red(), ACTIVE_COLOUR.green(), ACTIVE_COLOUR.blue())
    dark = (INACTIVE_COLOUR.red(), INACTIVE_COLOUR.green(), INACTIVE_COLOUR.blue())
    assert border(w, first) == accent and border(w, second) == dark


def test_a_click_activates_a_viewport_and_panels_and_keys_follow(window_2, qtbot) -> None:
    w = window_2
    first, second = w.grid.visible_viewports()
    QTest.mouseClick(second, Qt.MouseButton.LeftButton, pos=QPoint(10, 10))
    assert w.viewport is second and w.ai_panel.viewport is second
    assert w.ai_panel.results.viewport is second
    assert "Thick 5 mm" in " ".join(second.corner_text().top_right)
    assert w.browser.currentItem().text(0).startswith("2: Thick 5 mm")
    before = first.state.window
    second.setFocus()
    QTest.keyClick(second, Qt.Key.Key_2)  # window preset 2 (CT): only the active viewport
    assert second.state.window == second.presets[1].window
    assert first.state.window == before
    w._actions["next_viewport"].trigger()
    assert w.viewport is first and w.ai_panel.viewport is first


def test_a_series_dragged_from_the_browser_opens_in_the_viewport_it_is_dropped_on(
        window_2, qtbot) -> None:
    w = window_2
    first, second = w.grid.visible_viewports()
    thin_item = w.browser.series_items()[0]
    mime = w.browser.mimeData([thin_item])
    assert mime.hasFormat(SERIES_MIME)
    frame = w.grid.frame_of(second)
    pos = QPointF(frame.width() / 2, frame.height() / 2)
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    frame.dropEvent(drop)
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    assert second.series is first.series and second.series.description == "Thin 1 mm"
    assert w.viewport is second


def test_linked_scrolling_follows_position_not_slice_number(window_2, qtbot) -> None:
    w = window_2
    thin, thick = w.grid.visible_viewports()
    thin.state.update(index=0)
    thick.state.update(index=0)
    w._actions["link_scroll"].trigger()
    assert w.linker.scroll
    thin.setFocus()
    for _ in range(11):
        QTest.keyClick(thin, Qt.Key.Key_Down)
    z_thin = thin.current_ref().geometry.position[2]
    assert z_thin == pytest.approx(-11.0)
    assert thick.current_ref().geometry.position[2] == pytest.approx(-10.0)  # nearest 5 mm
    wheel(thick, -2)  # scrolling the thick one moves the thin one to 10 mm further
    assert thick.current_ref().geometry.position[2] == pytest.approx(-20.0)
    assert thin.current_ref().geometry.position[2] == pytest.approx(-20.0)
    w._actions["link_scroll"].trigger()
    wheel(thick, 1)
    assert thin.current_ref().geometry.position[2] == pytest.approx(-20.0)


def test_linked_window_level(window_2, qtbot) -> None:
    w = window_2
    first, second = w.grid.visible_viewports()
    w._actions["link_window"].trigger()
    centre = QPoint(first.width() // 2, first.height() // 2)
    drag(first, Qt.MouseButton.LeftButton, centre, centre + QPoint(60, 30))
    assert first.state.window != second.presets[0].window
    assert second.state.window == first.state.window
    screen = grab_array(second)
    w._actions["link_window"].trigger()
    drag(first, Qt.MouseButton.LeftButton, centre, centre + QPoint(-40, 0))
    assert second.state.window != first.state.window
    assert np.array_equal(grab_array(second), screen)
