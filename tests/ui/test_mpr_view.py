"""MPR in the main window: three planes, orientation, aspect, crosshair, slab, refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.imaging.volumes import bar_volume, write_series
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import grab_array
from viewer.imaging.mpr import Plane, Slab
from viewer.imaging.orientation import orientation_labels

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture
def mpr_window(phantom_window, qtbot):
    w = phantom_window
    w._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: w.mpr.volume is not None and w.is_settled(), timeout=20_000)
    return w


def letters(viewport) -> dict[str, str]:
    return orientation_labels(viewport.current_ref().geometry.orientation)


def test_mpr_shows_three_planes_with_their_letters_and_spacing(mpr_window) -> None:
    w = mpr_window
    assert w.mpr_shown and w.mpr.isVisible()
    axial, coronal, sagittal = (w.mpr.planes[p] for p in Plane)
    assert len(axial.series.frames) == 20 and len(coronal.series.frames) == 128
    assert letters(axial) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert letters(coronal)["top"] == "H" and letters(coronal)["right"] == "L"
    assert letters(sagittal) == {"left": "A", "right": "P", "top": "H", "bottom": "F"}
    # The phantom has 0.8 mm pixels and 2.5 mm slices: coronal rows are 2.5/0.8 as tall.
    assert coronal._aspect() == pytest.approx(2.5 / 0.8)
    image = coronal.displayed_image()
    assert image.shape == (20, 128)
    transform = coronal.image_to_screen()
    top_left, bottom_right = transform.map(QPoint(0, 0)), transform.map(QPoint(128, 20))
    height, width = bottom_right.y() - top_left.y(), bottom_right.x() - top_left.x()
    assert height / width == pytest.approx(20 * 2.5 / (128 * 0.8), rel=0.02)
    # Axial MPR equals the acquired slice it came from (same HU, same display).
    source = w.grid.active
    assert w.viewport is axial and axial.state.window == source.state.window
    assert "Axial MPR" in " ".join(axial.corner_text().top_right)


def test_the_crosshair_moves_the_other_planes(mpr_window, qtbot) -> None:
    w = mpr_window
    axial, coronal, sagittal = (w.mpr.planes[p] for p in Plane)
    transform = axial.image_to_screen()
    target = transform.map(QPoint(30, 90)) + QPoint(0, 0)  # column 30, row 90 of the axial
    QTest.mouseClick(axial, Qt.MouseButton.LeftButton, pos=target)
    assert coronal.state.index in (89, 90)  # coronal planes are the axial rows
    assert sagittal.state.index in (29, 30)  # sagittal planes are the axial columns
    row, col = axial.crosshair
    assert (round(row), round(col)) in {(r, c) for r in (89, 90) for c in (29, 30)}
    # The sagittal crosshair's horizontal line is at the axial slice, its vertical at the row.
    assert round(sagittal.crosshair[0]) == axial.state.index
    before = grab_array(sagittal)
    coronal.setFocus()
    QTest.keyClick(coronal, Qt.Key.Key_Down)  # scrolling coronal moves the crosshair in y
    assert round(axial.crosshair[0]) == coronal.state.index
    assert not np.array_equal(grab_array(sagittal), before)  # its vertical line moved


def test_thick_slab_changes_the_image_and_says_so(mpr_window) -> None:
    w = mpr_window
    coronal = w.mpr.planes[Plane.CORONAL]
    thin = coronal.displayed_image().copy()
    w.mpr.set_slab(Slab.MIP, 10.0)
    assert "Slab: MIP" in coronal.corner_text().bottom_left
    thick = next(line for line in coronal.corner_text().bottom_left if "Thick" in line)
    # Whole coronal planes (0.8 mm apart) as near 10 mm as they come: 12 planes, 9.6 mm.
    assert thick == "Thick: 9.6 mm"
    mip = coronal.displayed_image()
    assert mip.shape == thin.shape and (mip >= thin).all() and (mip > thin).any()
    w._actions["slab"].trigger()  # MIP -> MinIP
    assert w.mpr.slab is Slab.MINIP
    assert (coronal.displayed_image() <= thin).all()


def test_screenshots_of_mpr_and_2x2(mpr_window, qtbot) -> None:
    """Writes build/screenshots/*.png for a person to look at; asserts they are not blank."""
    w = mpr_window
    w.mpr.set_slab(Slab.OFF)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    mpr = w.grab()
    mpr.save(str(SCREENSHOTS / "mpr.png"))
    w._actions["mpr"].trigger()  # back to the layout
    assert not w.mpr_shown
    w._actions["layout_2x2"].trigger()
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    w.grab().save(str(SCREENSHOTS / "layout-2x2.png"))
    assert grab_array(w.grid).std() > 10


def test_a_tilted_series_is_refused_with_the_reason(main_window, qtbot, tmp_path) -> None:
    volume = bar_volume(slices=8, rows=24, cols=24)
    tilted = [(-10.0, -8.0 + 0.5 * k, -2.0 * k) for k in range(8)]
    write_series(tmp_path, list(volume), tilted)
    open_and_wait(qtbot, main_window, tmp_path)
    main_window._actions["mpr"].trigger()
    assert not main_window.mpr_shown and not main_window._actions["mpr"].isChecked()
    assert any("gantry tilt" in m and "tilt-corrected" in m
               for m in main_window.boundary.messages)


def test_mpr_without_a_series_says_what_to_do(main_window) -> None:
    main_window._actions["mpr"].trigger()
    assert not main_window.mpr_shown
    assert "Open a CT or MR series first" in main_window.boundary.messages[-1]


def test_a_series_over_the_memory_budget_is_offered_as_a_slab(make_main_window, qtbot,
                                                              phantom_dir) -> None:
    from PySide6.QtWidgets import QMessageBox

    slice_bytes = 128 * 128 * 2
    w = make_main_window(cache_bytes=10 * slice_bytes)  # room for 10 of the 20 slices
    open_and_wait(qtbot, w, phantom_dir)
    reading = w.grid.active.state.index
    w._actions["mpr"].trigger()
    box = w.mpr.slab_offer
    assert box is not None and not w.mpr_shown and not w._actions["mpr"].isChecked()
    assert "MPR needs" in box.text() and "slab of 10 slices" in box.text()
    assert w.cache.held_bytes == 0  # nothing read before the reader chooses
    start = min(max(0, reading - 5), 10)
    take = next(b for b in box.buttons()
                if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    assert f"images {start + 1} to {start + 10}" in take.text()
    take.click()
    qtbot.waitUntil(lambda: w.mpr.volume is not None and w.is_settled(), timeout=20_000)
    assert w.mpr_shown and w._actions["mpr"].isChecked()
    axial, coronal = w.mpr.planes[Plane.AXIAL], w.mpr.planes[Plane.CORONAL]
    assert len(axial.series.frames) == 10 and coronal.displayed_image().shape == (10, 128)
    assert axial.state.index == reading - start  # on the slice being read
    # The volume is counted in the frame cache's budget while MPR is open, and only then.
    assert w.cache.held_bytes == w.mpr.volume.data.nbytes == 10 * slice_bytes
    assert w.cache.nbytes <= w.cache.max_bytes
    w._actions["mpr"].trigger()
    assert not w.mpr_shown and w.cache.held_bytes == 0
    # Declining the offer leaves the reading as it was.
    w._actions["mpr"].trigger()
    box = w.mpr.slab_offer
    assert box is not None
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert w.mpr.slab_offer is None and not w.mpr_shown and w.cache.held_bytes == 0


def test_the_planes_open_at_once_and_fill_in_as_slices_arrive(phantom_window, qtbot) -> None:
    w = phantom_window
    w._actions["mpr"].trigger()
    # Still reading (the outcome has not reached the GUI thread), yet the planes are there.
    assert w.mpr.building and w.mpr_shown
    coronal = w.mpr.planes[Plane.CORONAL]
    assert coronal.series is not None and len(coronal.series.frames) == 128
    qtbot.waitUntil(lambda: not w.mpr.building and w.is_settled(), timeout=20_000)
    shown = coronal.displayed_image()
    assert shown.shape == (20, 128) and shown.std() > 10  # every slice arrived, drawn again
    assert w.cache.held_bytes == w.mpr.volume.data.nbytes  # counted while MPR is open
