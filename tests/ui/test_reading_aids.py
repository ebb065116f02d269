"""Reading aids a reader sees on the image: reference lines, a manual link with an offset,
the cine rate, LOSSY, the window's name, MPR at the slice being read, zoom about the
pointer."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from tests.imaging.volumes import SAGITTAL, write_series
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import drag, grab_array
from viewer.imaging.mpr import Plane
from viewer.imaging.presets import presets_for
from viewer.ui.viewport.painting import REFERENCE

FOR_UID = "1.2.826.0.1.3680043.8.498.501"


@pytest.fixture(scope="module")
def axial_and_sagittal(tmp_path_factory) -> Path:
    """An axial stack and a sagittal stack on one frame of reference."""
    folder = tmp_path_factory.mktemp("ax-sag")
    ramp = np.linspace(-100, 100, 48 * 48, dtype=np.float32).reshape(48, 48)
    write_series(folder / "ax", [(ramp + k).astype(np.int16) for k in range(10)],
                 [(-24.0, -24.0, -2.0 * k) for k in range(10)], spacing=(1.0, 1.0),
                 for_uid=FOR_UID, series_number=1, description="Axial")
    write_series(folder / "sag", [ramp.astype(np.int16) for _ in range(12)],
                 [(-22.0 + 4.0 * k, -24.0, 4.0) for k in range(12)], orientation=SAGITTAL,
                 spacing=(1.0, 1.0), for_uid=FOR_UID, series_number=2, description="Sagittal")
    return folder


@pytest.fixture
def two_views(main_window, qtbot, axial_and_sagittal):
    open_and_wait(qtbot, main_window, axial_and_sagittal)
    main_window._actions["layout_1x2"].trigger()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    return main_window


def _by_description(window, text: str):
    return next(v for v in window.grid.visible_viewports()
                if v.series is not None and v.series.description == text)


def _reference_pixels(viewport) -> np.ndarray:
    """Columns and rows of the viewport painted in the reference-line colour."""
    image = grab_array(viewport).astype(int)
    colour = np.array([REFERENCE.red(), REFERENCE.green(), REFERENCE.blue()])
    return np.argwhere(np.abs(image - colour).sum(axis=2) < 30)


def test_the_sagittal_slice_shows_as_a_labelled_line_on_the_axial_image(two_views, qtbot) -> None:
    axial, sagittal = _by_description(two_views, "Axial"), _by_description(two_views, "Sagittal")
    sagittal.state.update(index=3)  # x = -22 + 12 = -10: column 14 of the axial image
    lines = axial.reference_lines()
    assert len(lines) == 1 and lines[0][1] == "Sagittal · Im 4"
    segment = lines[0][0]
    assert segment.start[0] == pytest.approx(14.0) and segment.end[0] == pytest.approx(14.0)
    found = _reference_pixels(axial)
    assert len(found) > 50  # a line across the image, drawn
    transform = axial.image_to_screen()
    x = transform.map(QPointF(14.5, 24.0)).x()
    assert np.median(found[:, 1]) == pytest.approx(x, abs=2)
    # The axial slice shows on the sagittal image as a horizontal line; scrolling moves it.
    before = sagittal.reference_lines()[0][0].start[1]
    axial.state.step(2)
    assert sagittal.reference_lines()[0][0].start[1] == pytest.approx(before + 4.0)
    # View > Reference lines hides them everywhere.
    two_views._actions["reference_lines"].trigger()
    assert len(_reference_pixels(axial)) == 0
    two_views._actions["reference_lines"].trigger()
    assert len(_reference_pixels(axial)) > 50


def test_parallel_series_draw_no_reference_line(main_window, qtbot, tmp_path) -> None:
    ramp = np.zeros((16, 16), np.int16)
    for n in (1, 2):
        write_series(tmp_path / f"s{n}", [ramp] * 4, [(0.0, 0.0, -2.0 * k) for k in range(4)],
                     for_uid=FOR_UID, series_number=n, description=f"Axial {n}")
    open_and_wait(qtbot, main_window, tmp_path)
    main_window._actions["layout_1x2"].trigger()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert all(v.reference_lines() == [] for v in main_window.grid.visible_viewports())


@pytest.fixture(scope="module")
def prior_and_current(tmp_path_factory) -> Path:
    """A prior and a current axial CT in different frames of reference."""
    folder = tmp_path_factory.mktemp("prior-current")
    ramp = np.zeros((24, 24), np.int16)
    write_series(folder / "prior", [ramp + k for k in range(20)],
                 [(0.0, 0.0, 100.0 - 2.0 * k) for k in range(20)], for_uid="1.2.3.100",
                 series_number=1, description="Prior", study_uid="1.2.3.900")
    write_series(folder / "current", [ramp + k for k in range(40)],
                 [(0.0, 0.0, -1.0 * k) for k in range(40)], for_uid="1.2.3.200",
                 series_number=2, description="Current", study_uid="1.2.3.901")
    return folder


def test_link_with_offset_keeps_two_frames_of_reference_together(
        main_window, qtbot, prior_and_current) -> None:
    open_and_wait(qtbot, main_window, prior_and_current)
    main_window._actions["layout_1x2"].trigger()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    prior = _by_description(main_window, "Prior")
    current = _by_description(main_window, "Current")
    main_window._actions["link_scroll"].trigger()  # by position: nothing to link
    prior.state.update(index=5)
    current.state.update(index=12)
    main_window.grid.activate(prior)
    main_window._actions["link_offset"].trigger()
    assert main_window._actions["link_offset"].isChecked()
    prior.state.update(index=6)  # 2 mm on in the prior...
    assert current.state.index == 14  # ...2 mm on in the current (1 mm slices)
    current.state.update(index=20)
    assert prior.state.index == 9
    main_window._actions["link_offset"].trigger()  # unlink: each scrolls alone again
    assert not main_window._actions["link_offset"].isChecked()
    prior.state.update(index=0)
    assert current.state.index == 20


def test_brackets_change_the_cine_rate_shown_on_the_image(phantom_window, qtbot) -> None:
    viewport = phantom_window.viewport
    qtbot.keyClick(viewport, Qt.Key.Key_C)
    assert "Cine 10 fps" in viewport.corner_text().bottom_right
    qtbot.keyClick(viewport, Qt.Key.Key_BracketRight)
    assert "Cine 12 fps" in viewport.corner_text().bottom_right
    assert viewport._cine.interval() == round(1000 / 12)
    for _ in range(20):
        qtbot.keyClick(viewport, Qt.Key.Key_BracketLeft)
    assert "Cine 1 fps" in viewport.corner_text().bottom_right
    qtbot.keyClick(viewport, Qt.Key.Key_Space)
    assert not any("Cine" in line for line in viewport.corner_text().bottom_right)
    # The View menu offers the same control, acting on the viewport active when chosen.
    phantom_window._actions["cine"].trigger()
    phantom_window._actions["cine_faster"].trigger()
    assert "Cine 2 fps" in viewport.corner_text().bottom_right
    phantom_window._actions["cine_slower"].trigger()
    assert "Cine 1 fps" in viewport.corner_text().bottom_right
    phantom_window._actions["cine"].trigger()


def test_the_window_shows_the_preset_name_until_dragged(phantom_window, qtbot) -> None:
    viewport = phantom_window.viewport
    lung = next(p for p in presets_for("CT") if p.key == 4)
    qtbot.keyClick(viewport, Qt.Key.Key_4)
    assert viewport.corner_text().bottom_right[0] == \
        f"{lung.name}  W: {lung.width:.0f} L: {lung.center:.0f}"
    centre = QPoint(viewport.width() // 2, viewport.height() // 2)
    drag(viewport, Qt.MouseButton.LeftButton, centre, centre + QPoint(30, 0))
    assert viewport.corner_text().bottom_right[0].startswith("W: ")
    qtbot.keyClick(viewport, Qt.Key.Key_0)
    assert viewport.corner_text().bottom_right[0] == "SOFT TISSUE  W: 400 L: 40"


def test_lossy_images_say_so_with_their_ratio(main_window, qtbot, tmp_path) -> None:
    from pydicom.data import get_testdata_file
    shutil.copy(get_testdata_file("SC_rgb_jpeg_dcmtk.dcm"), tmp_path / "lossy.dcm")
    open_and_wait(qtbot, main_window, tmp_path)
    assert "LOSSY 17.4:1 ISO_10918_1" in main_window.viewport.corner_text().bottom_right


def test_a_lossless_image_is_not_marked(phantom_window) -> None:
    assert not any("LOSSY" in line for line in phantom_window.viewport.corner_text().all_lines())


def test_ctrl_wheel_zooms_about_the_pointer(phantom_window) -> None:
    viewport = phantom_window.viewport
    point = QPointF(viewport.width() * 0.3, viewport.height() * 0.4)
    before = viewport.image_to_screen().inverted()[0].map(point)
    zoom = viewport.state.zoom
    event = QWheelEvent(point, viewport.mapToGlobal(point), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    index = viewport.state.index
    QApplication.sendEvent(viewport, event)
    assert viewport.state.zoom == pytest.approx(zoom * 1.21)
    assert viewport.state.index == index  # zoomed, not scrolled
    after = viewport.image_to_screen().inverted()[0].map(point)
    assert (after.x(), after.y()) == pytest.approx((before.x(), before.y()), abs=1.0)


def test_mpr_opens_at_the_slice_being_read(phantom_window, qtbot) -> None:
    w = phantom_window
    w.viewport.state.update(index=3)
    w._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: w.mpr.volume is not None and w.is_settled(), timeout=20_000)
    assert w.mpr.point[0] == 3.0
    axial = w.mpr.planes[Plane.AXIAL]
    # The axial plane shows the same anatomy as the acquired slice 4 (its Loc matches).
    source_loc = [x for x in w.grid.active.corner_text().bottom_left if x.startswith("Loc")]
    assert source_loc and source_loc[0] in axial.corner_text().bottom_left
