"""The viewport as a reader uses it: open, scroll, window, zoom, pan, presets, reset."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.io.conftest import ct_slice, write
from tests.ui.conftest import PHANTOM_SLICES, open_and_wait
from tests.ui.helpers import drag, grab_array, hover, wheel
from viewer.imaging.presets import presets_for
from viewer.imaging.window import Window
from viewer.state.view import Tool
from viewer.ui.bindings import BINDINGS, Scope


@pytest.fixture
def viewport(phantom_window):
    return phantom_window.viewport


def centre(widget) -> QPoint:
    return QPoint(widget.width() // 2, widget.height() // 2)


def test_opens_on_the_middle_slice_fitted_with_the_file_window(viewport) -> None:
    s = viewport.state
    assert s.index == PHANTOM_SLICES // 2
    assert f"Im: {PHANTOM_SLICES // 2 + 1} / {PHANTOM_SLICES}" in viewport.corner_text().bottom_left
    assert s.fit and s.rotation == 0 and not s.invert
    assert s.window == Window(40, 400)  # the phantom's own Window Center/Width
    # The file names its window ("SOFT TISSUE"), so the reader sees which one is on.
    assert "SOFT TISSUE  W: 400 L: 40" in viewport.corner_text().bottom_right
    assert viewport.displayed_image() is not None


def test_wheel_and_arrow_keys_scroll(viewport, qtbot) -> None:
    s = viewport.state
    start = s.index
    before = grab_array(viewport)
    wheel(viewport, -1)  # towards the reader: next slice
    assert s.index == start + 1
    assert f"Im: {start + 2} / {PHANTOM_SLICES}" in viewport.corner_text().bottom_left
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None)
    assert not np.array_equal(grab_array(viewport), before)
    wheel(viewport, 2)
    assert s.index == start - 1
    for key, expected in ((Qt.Key.Key_Down, start), (Qt.Key.Key_Right, start + 1),
                          (Qt.Key.Key_Up, start), (Qt.Key.Key_Left, start - 1),
                          (Qt.Key.Key_PageDown, start + 1), (Qt.Key.Key_PageUp, start - 1),
                          (Qt.Key.Key_End, PHANTOM_SLICES - 1), (Qt.Key.Key_Home, 0)):
        qtbot.keyClick(viewport, key)
        assert s.index == expected, key


def test_left_drag_changes_the_window_the_usual_way(viewport) -> None:
    s = viewport.state
    image_before = viewport.displayed_image().astype(float).mean()
    drag(viewport, Qt.MouseButton.LeftButton, centre(viewport), centre(viewport) + QPoint(0, 80))
    assert s.window.center > 40  # dragged down: higher level...
    assert s.window.width == 400
    assert viewport.displayed_image().astype(float).mean() < image_before  # ...darker image
    drag(viewport, Qt.MouseButton.LeftButton, centre(viewport), centre(viewport) + QPoint(60, 0))
    assert s.window.width > 400  # dragged right: wider window
    assert f"W: {s.window.width:.0f}" in viewport.corner_text().bottom_right[0]


def test_right_drag_zooms_and_middle_drag_pans(viewport) -> None:
    s = viewport.state
    fitted = s.zoom
    drag(viewport, Qt.MouseButton.RightButton, centre(viewport), centre(viewport) - QPoint(0, 50))
    assert s.zoom > fitted and not s.fit  # dragged up: zoomed in
    assert f"Zoom: {s.zoom * 100:.0f}%" in viewport.corner_text().bottom_right
    drag(viewport, Qt.MouseButton.MiddleButton, centre(viewport), centre(viewport) + QPoint(30, -20))
    assert s.pan == pytest.approx((30.0, -20.0))


def test_letter_keys_choose_the_left_button_tool(viewport, qtbot) -> None:
    s = viewport.state
    qtbot.keyClick(viewport, Qt.Key.Key_T)
    assert s.tool is Tool.PAN
    drag(viewport, Qt.MouseButton.LeftButton, centre(viewport), centre(viewport) + QPoint(10, 10))
    assert s.pan == pytest.approx((10.0, 10.0))
    qtbot.keyClick(viewport, Qt.Key.Key_S)
    start = s.index
    drag(viewport, Qt.MouseButton.LeftButton, centre(viewport), centre(viewport) + QPoint(0, 32))
    assert s.index == start + 4  # one slice per 8 px
    qtbot.keyClick(viewport, Qt.Key.Key_Z)
    assert s.tool is Tool.ZOOM
    qtbot.keyClick(viewport, Qt.Key.Key_W)
    assert s.tool is Tool.WINDOW


def test_number_keys_apply_the_modality_presets(viewport, qtbot) -> None:
    presets = {p.key: p for p in presets_for("CT")}
    qtbot.keyClick(viewport, Qt.Key.Key_4)
    assert viewport.state.window == presets[4].window
    qtbot.keyClick(viewport, Qt.Key.Key_8)
    assert viewport.state.window == presets[8].window


def test_zero_goes_back_to_the_file_window_and_the_menu_offers_it(phantom_window, qtbot) -> None:
    viewport = phantom_window.viewport
    qtbot.keyClick(viewport, Qt.Key.Key_4)  # lung
    assert viewport.state.window != Window(40, 400)
    qtbot.keyClick(viewport, Qt.Key.Key_0)
    assert viewport.state.window == Window(40, 400)  # the phantom's own window
    assert viewport.state.fit  # only the window changed, not the view
    phantom_window.presets_menu.aboutToShow.emit()
    texts = [a.text() for a in phantom_window.presets_menu.actions()]
    assert texts[0] == "SOFT TISSUE  (W 400 L 40)\t0"  # its Window Explanation
    assert any(t.startswith("Lung") for t in texts)
    viewport.apply_preset(8)
    phantom_window.presets_menu.actions()[0].trigger()
    assert viewport.state.window == Window(40, 400)


def test_zero_steps_through_several_file_windows(main_window, qtbot, tmp_path) -> None:
    ds = ct_slice((0, 0, 0), size=(16, 16))
    ds.WindowCenter, ds.WindowWidth = [40, 400], [400, 1800]
    ds.WindowCenterWidthExplanation = ["SOFT", "BONE"]
    write(ds, tmp_path / "two_windows.dcm")
    open_and_wait(qtbot, main_window, tmp_path)
    viewport = main_window.viewport
    viewport.setFocus()
    assert viewport.state.window == Window(40, 400)  # opens with the first
    qtbot.keyClick(viewport, Qt.Key.Key_0)
    assert viewport.state.window == Window(400, 1800)
    qtbot.keyClick(viewport, Qt.Key.Key_0)
    assert viewport.state.window == Window(40, 400)
    main_window.presets_menu.aboutToShow.emit()
    texts = [a.text() for a in main_window.presets_menu.actions()]
    assert texts[:2] == ["SOFT  (W 400 L 40)\t0", "BONE  (W 1800 L 400)"]


def test_escape_resets_rotation_flip_invert_zoom_and_window(viewport, qtbot) -> None:
    s = viewport.state
    for key in (Qt.Key.Key_R, Qt.Key.Key_H, Qt.Key.Key_V, Qt.Key.Key_N, Qt.Key.Key_4):
        qtbot.keyClick(viewport, key)
    qtbot.keyClick(viewport, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)  # 1:1
    assert (s.rotation, s.flip_h, s.flip_v, s.invert, s.zoom, s.fit) == (
        90, True, True, True, 1.0, False)
    qtbot.keyClick(viewport, Qt.Key.Key_Escape)
    assert (s.rotation, s.flip_h, s.flip_v, s.invert, s.fit) == (0, False, False, False, True)
    assert s.window == Window(40, 400)
    assert s.pan == (0.0, 0.0)


def test_rotation_turns_the_picture(viewport, qtbot) -> None:
    def body_extent() -> tuple[int, int]:
        grey = grab_array(viewport).mean(axis=2)
        grey[:, :10] = grey[:, -10:] = 0  # ignore the edge letters
        rows, cols = np.nonzero(grey > 60)
        return cols.max() - cols.min(), rows.max() - rows.min()

    qtbot.keyClick(viewport, Qt.Key.Key_I)  # annotations off: measure the image only
    width, height = body_extent()
    assert width > height  # the phantom's trunk is wider than deep
    qtbot.keyClick(viewport, Qt.Key.Key_R)
    width, height = body_extent()
    assert height > width


def test_invert_turns_air_white(viewport, qtbot) -> None:
    corner_before = viewport.displayed_image()[2, 2]
    qtbot.keyClick(viewport, Qt.Key.Key_N)
    assert corner_before == 0 and viewport.displayed_image()[2, 2] == 255


def test_annotations_toggle_removes_the_corner_text(viewport, qtbot) -> None:
    with_text = grab_array(viewport)
    qtbot.keyClick(viewport, Qt.Key.Key_I)
    without = grab_array(viewport)
    corner = (slice(0, 40), slice(0, 200))
    assert with_text[corner].max() > 150 and without[corner].max() == 0


def test_probe_reports_hounsfield_units(viewport) -> None:
    hover(viewport, centre(viewport))
    text = viewport.probe_text(viewport.width() / 2, viewport.height() / 2)
    assert "HU" in text and "value" in text
    assert viewport.probe_text(2, 2) == ""  # black border outside the image


def test_cine_plays_and_pauses(viewport, qtbot) -> None:
    start = viewport.state.index
    qtbot.keyClick(viewport, Qt.Key.Key_C)
    assert viewport.cine_running
    qtbot.waitUntil(lambda: viewport.state.index != start, timeout=3000)
    qtbot.keyClick(viewport, Qt.Key.Key_Space)
    assert not viewport.cine_running


def test_every_viewport_key_in_the_table_does_something(viewport) -> None:
    """The binding table and the viewport's dispatcher agree (no dead entries)."""
    for binding in BINDINGS.values():
        if binding.scope is Scope.VIEWPORT and binding.keys:
            for position in range(len(binding.keys)):
                assert viewport.trigger(binding.action, position), binding.action
            if binding.action == "cine":
                viewport.toggle_cine() if viewport.cine_running else None


def test_a_decoder_panic_shows_its_reason_and_never_stays_loading(main_window, qtbot,
                                                                  tmp_path) -> None:
    """An RLE stream that makes the decoder panic (issue 10): the viewport says why, the
    boundary reports it once, and the frame does not stay "loading"."""
    from tests.io.test_fuzz import panicking_rle

    panicking_rle(tmp_path / "panic.dcm")
    main_window.open_paths([tmp_path])
    viewport = main_window.viewport
    qtbot.waitUntil(lambda: viewport.series is not None
                    and "decoder crashed" in viewport._message(), timeout=20_000)
    qtbot.waitUntil(lambda: "decoder crashed" in dict(main_window.problems.problems())
                    .get("panic.dcm", ""), timeout=5_000)
    assert not main_window.boundary.messages  # a file problem, not an "unexpected error"
