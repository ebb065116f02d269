"""Measurements drawn, edited and deleted with the mouse; exports from the window."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import PHANTOM_SIZE, PHANTOM_SLICES, open_and_wait
from tests.ui.helpers import click_item, drag, grab_array, hover
from viewer.imaging.measure import Kind
from viewer.io.atomic import ExportError
from viewer.io.demo import HU, NAMES, phantom_regions
from viewer.io.scan import scan
from viewer.state.view import Tool
from viewer.ui.viewport.measure_tools import LINE, SELECTED

SPACING = 0.8  # the phantom's pixel spacing, mm
L = Qt.MouseButton.LeftButton


def screen(viewport, x: float, y: float) -> QPoint:
    p = viewport.image_to_screen().map(QPointF(x, y))
    return QPoint(round(p.x()), round(p.y()))


def image(viewport, p: QPoint) -> tuple[float, float]:
    inverse, _ = viewport.image_to_screen().inverted()
    q = inverse.map(QPointF(p))
    return q.x(), q.y()


def draw(viewport, key, a: QPoint, b: QPoint) -> None:
    QTest.keyClick(viewport, key)
    drag(viewport, L, a, b)


def green_pixels(array: np.ndarray) -> int:
    """Pixels in a measurement's colour (plain or selected): nothing else on screen has it."""
    r, g, b = (array[..., i].astype(int) for i in range(3))
    count = 0
    for colour in (LINE, SELECTED):
        count += int(np.sum((abs(r - colour.red()) < 40) & (abs(g - colour.green()) < 40)
                            & (abs(b - colour.blue()) < 40)))
    return count


def test_distance_drawn_with_the_mouse_reads_mm(phantom_window, qtbot):
    v = phantom_window.viewport
    before = green_pixels(grab_array(v))
    a, b = screen(v, 20, 30), screen(v, 100, 90)
    draw(v, Qt.Key.Key_D, a, b)
    assert v.state.tool is Tool.DISTANCE
    assert phantom_window.reading.tool_label.text() == "Tool: Distance"
    [m] = v.measure.on_frame()
    (x0, y0), (x1, y1) = image(v, a), image(v, b)
    assert m.kind is Kind.DISTANCE and m.result.unit == "mm"
    assert m.result.value == pytest.approx(math.hypot(x1 - x0, y1 - y0) * SPACING, rel=1e-6)
    assert m.result.value == pytest.approx(100 * SPACING, rel=0.03)  # 80 × 60 px → 100 px
    assert green_pixels(grab_array(v)) > before + 50  # the line and its label are drawn


def test_handles_edit_and_delete_key_removes(phantom_window):
    v = phantom_window.viewport
    a, b = screen(v, 20, 64), screen(v, 60, 64)
    draw(v, Qt.Key.Key_D, a, b)
    [m] = v.measure.on_frame()
    QTest.keyClick(v, Qt.Key.Key_W)  # handles still answer with another tool
    c = screen(v, 100, 64)
    drag(v, L, b, c)
    [edited] = v.measure.on_frame()
    assert edited.id == m.id
    assert edited.result.value == pytest.approx(80 * SPACING, rel=0.03)
    assert v.state.window == phantom_window.viewport.state.window  # no window drag happened
    QTest.keyClick(v, Qt.Key.Key_D)
    QTest.mouseClick(v, L, Qt.KeyboardModifier.NoModifier, screen(v, 50, 64))  # on the line
    assert v.measure.selected == m.id
    QTest.keyClick(v, Qt.Key.Key_Delete)
    assert v.measure.on_frame() == []


def test_angle_is_a_drag_and_a_click(phantom_window):
    v = phantom_window.viewport
    QTest.keyClick(v, Qt.Key.Key_G)
    drag(v, L, screen(v, 90, 40), screen(v, 40, 40))  # first arm, ends at the vertex
    assert v.measure.drawing and v.measure.on_frame() == []
    hover(v, screen(v, 40, 100))
    QTest.mouseClick(v, L, Qt.KeyboardModifier.NoModifier, screen(v, 40, 100))
    [m] = v.measure.on_frame()
    assert m.kind is Kind.ANGLE and m.result.value == pytest.approx(90, abs=1.5)
    assert m.result.text().endswith("°")


@pytest.mark.parametrize(("key", "name"), [(Qt.Key.Key_B, "liver"), (Qt.Key.Key_E, "lung")])
def test_roi_on_the_phantom_reads_its_hu(phantom_window, qtbot, key, name):
    v = phantom_window.viewport
    region = phantom_regions(PHANTOM_SLICES, PHANTOM_SIZE)[name]
    v.state.index = region.slice_index
    qtbot.waitUntil(lambda: v.current_stored() is not None, timeout=10_000)
    v.repaint()
    a = screen(v, region.cols.start + 0.2, region.rows.start + 0.2)
    b = screen(v, region.cols.stop - 0.2, region.rows.stop - 0.2)
    draw(v, key, a, b)
    [m] = v.measure.on_frame()
    expected = int(HU[NAMES.index(name)])
    assert m.result.value_unit == "HU" and m.result.pixels > 10
    assert m.result.mean == pytest.approx(expected, abs=8)
    assert 3 < m.result.sd < 14  # the phantom's noise, 8 HU
    (x0, y0), (x1, y1) = image(v, a), image(v, b)
    area = abs(x1 - x0) * abs(y1 - y0) * SPACING ** 2
    assert m.result.area == pytest.approx(area if key == Qt.Key.Key_B else math.pi * area / 4)
    assert m.result.area_unit == "mm²" and "HU" in m.result.text()


def test_context_menu_deletes(phantom_window):
    v = phantom_window.viewport
    draw(v, Qt.Key.Key_B, screen(v, 30, 30), screen(v, 60, 60))
    assert len(v.measure.on_frame()) == 1
    menu = v.measure.context_menu(QPointF(screen(v, 45, 45)), v)
    assert menu is not None and v.measure.context_menu(QPointF(screen(v, 100, 100)), v) is None
    menu.actions()[0].trigger()
    menu.close()
    assert v.measure.on_frame() == []


def test_measurements_survive_closing_and_reopening(make_main_window, qtbot, phantom_dir):
    first = make_main_window()
    open_and_wait(qtbot, first, phantom_dir)
    v = first.viewport
    draw(v, Qt.Key.Key_D, screen(v, 20, 20), screen(v, 80, 20))
    index, [m] = v.state.index, v.measure.on_frame()
    v.close_series()
    click_item(first.browser, first.browser.series_items()[0])  # reopened, same session
    qtbot.waitUntil(first.is_settled, timeout=20_000)
    assert v.state.index == index
    [again] = v.measure.on_frame()
    assert again.id == m.id and again.result == m.result
    v.state.step(1)
    assert v.measure.on_frame() == []  # it belongs to its own slice
    # Measurements belong to the session, not to the process: another window has none.
    second = make_main_window()
    open_and_wait(qtbot, second, phantom_dir)
    assert second.viewport.state.index == index and second.viewport.measure.on_frame() == []


def test_uncalibrated_image_says_px(make_main_window, qtbot, tmp_path):
    Image.fromarray(np.full((64, 96), 128, np.uint8)).save(tmp_path / "photo.png")
    window = make_main_window()
    open_and_wait(qtbot, window, tmp_path / "photo.png")
    v = window.viewport
    draw(v, Qt.Key.Key_D, screen(v, 10, 10), screen(v, 50, 40))
    [m] = v.measure.on_frame()
    assert m.result.unit == "px" and m.result.value == pytest.approx(50, rel=0.03)
    assert "mm" not in m.result.text() and "px" in m.result.text()


def test_measurements_export_as_csv_and_json(phantom_window, tmp_path):
    v = phantom_window.viewport
    draw(v, Qt.Key.Key_D, screen(v, 20, 20), screen(v, 80, 20))
    draw(v, Qt.Key.Key_E, screen(v, 30, 50), screen(v, 70, 90))
    reading = phantom_window.reading
    rows = list(csv.DictReader((reading.export_measurements(tmp_path / "m.csv")).open()))
    assert [r["kind"] for r in rows] == ["distance", "ellipse"]
    assert float(rows[0]["value"]) == pytest.approx(60 * SPACING, rel=0.03)
    assert rows[1]["value_unit"] == "HU" and rows[1]["mean"] != ""
    assert rows[0]["series_uid"] == v.series.uid
    data = json.loads((reading.export_measurements(tmp_path / "m.json")).read_text())
    assert len(data["measurements"]) == 2 and data["measurements"][1]["area_unit"] == "mm²"
    with pytest.raises(ExportError, match="Cannot"):
        reading.export_measurements("/sys/m.csv")


def test_screenshot_with_and_without_overlays(phantom_window, tmp_path):
    v = phantom_window.viewport
    draw(v, Qt.Key.Key_D, screen(v, 20, 20), screen(v, 100, 100))
    reading = phantom_window.reading
    with_all = np.asarray(Image.open(reading.save_screenshot(tmp_path / "a.png")).convert("RGB"))
    plain = np.asarray(Image.open(reading.save_screenshot(tmp_path / "b", overlays=False))
                       .convert("RGB"))
    assert (tmp_path / "b.png").exists()
    assert with_all.shape[:2] == (v.height(), v.width())
    assert green_pixels(with_all) > 50 and green_pixels(plain) == 0
    corner = (slice(0, 40), slice(0, 150))  # top-left corner text over black air
    assert with_all[corner].max() > 150 and plain[corner].max() < 60
    assert v.state.annotations and v.measure.visible  # restored after the plain one
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    with pytest.raises(ExportError):
        reading.save_screenshot("/sys/shot.png")


def test_series_export_from_the_window(phantom_window, qtbot, tmp_path):
    out = tmp_path / "anon"
    phantom_window.reading.export_series(out)
    qtbot.waitUntil(lambda: phantom_window.reading.last_export is not None, timeout=20_000)
    assert len(phantom_window.reading.last_export.written) == PHANTOM_SLICES
    [series] = scan([out]).all_series()
    assert len(series.frames) == PHANTOM_SLICES
    assert all(b"Demo^Phantom" not in p.read_bytes() for p in out.iterdir())


def test_series_export_to_a_read_only_place_says_so(phantom_window, qtbot):
    phantom_window.reading.export_series("/sys/lightbox-anon")
    qtbot.waitUntil(lambda: bool(phantom_window.boundary.messages), timeout=20_000)
    assert "Cannot export" in phantom_window.boundary.messages[-1]
    box = phantom_window.boundary._box
    if box is not None:
        box.close()
