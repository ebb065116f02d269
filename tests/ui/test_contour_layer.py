"""RT structure set contours on screen: at the right place on their slice, nowhere else;
sets on another frame of reference or damaged files leave the image alone."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from tests.io.rtstructs import lesion_pixel, lesion_slice, write_phantom_rtstruct
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import grab_array
from viewer.io.scan import scan

RADIUS_MM = 8.0


def _green(image: np.ndarray) -> np.ndarray:
    r, g, b = (image[..., k].astype(int) for k in range(3))
    return (g > 170) & (r < 110) & (b < 110)


def _show(window, qtbot, index: int) -> np.ndarray:
    viewport = window.viewport
    viewport.state.update(index=index)
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None, timeout=10_000)
    return grab_array(viewport)


@pytest.fixture
def series(phantom_dir):
    return scan([phantom_dir]).all_series()[0]


def test_contour_drawn_round_the_lesion_on_its_slice_only(main_window, qtbot, phantom_dir,
                                                          series, tmp_path):
    rt = write_phantom_rtstruct(tmp_path / "rt.dcm", series, radius_mm=RADIUS_MM)
    open_and_wait(qtbot, main_window, phantom_dir, rt)
    viewport = main_window.viewport
    assert viewport.series.modality == "CT"
    assert [s.label for s in viewport.contours.structure_sets] == ["Lesion"]

    image = _show(main_window, qtbot, lesion_slice(series))
    col, row = lesion_pixel(series)
    spacing = series.frames[0].geometry.spacing
    transform = viewport.image_to_screen()
    centre = transform.map(QPointF(col + 0.5, row + 0.5))
    right = transform.map(QPointF(col + 0.5 + RADIUS_MM / spacing[1], row + 0.5))
    below = transform.map(QPointF(col + 0.5, row + 0.5 + RADIUS_MM / spacing[0]))
    green = _green(image)
    for point in (right, below):  # on the circle, within 2 screen pixels
        x, y = round(point.x()), round(point.y())
        assert green[y - 2:y + 3, x - 2:x + 3].any(), (x, y)
    x, y = round(centre.x()), round(centre.y())
    assert not green[y - 3:y + 4, x - 3:x + 4].any()  # an outline: the lesion stays visible
    # Everything green lies on the ring round the lesion.
    ys, xs = np.nonzero(green)
    distance = np.hypot(xs - centre.x(), ys - centre.y())
    ring = right.x() - centre.x()
    assert distance.min() > ring - 4 and distance.max() < ring + 4

    for other in (0, lesion_slice(series) - 3, len(series.frames) - 1):
        assert not _green(_show(main_window, qtbot, other)).any(), other


def test_structure_set_of_another_frame_of_reference_draws_nothing(main_window, qtbot,
                                                                   phantom_dir, series,
                                                                   tmp_path):
    rt = write_phantom_rtstruct(tmp_path / "foreign.dcm", series,
                                frame_of_reference="1.2.826.0.1.3680043.8.498.77")
    open_and_wait(qtbot, main_window, phantom_dir, rt)
    assert main_window.viewport.contours.structure_sets == []
    assert not _green(_show(main_window, qtbot, lesion_slice(series))).any()
    assert main_window.boundary.messages == []


def test_damaged_structure_set_is_a_problem_and_the_image_still_shows(main_window, qtbot,
                                                                      phantom_dir, series,
                                                                      tmp_path):
    good = write_phantom_rtstruct(tmp_path / "good.dcm", series)
    study = scan([phantom_dir, good]).studies[0]
    viewport = main_window.viewport
    open_and_wait(qtbot, main_window, phantom_dir)
    # The file is cut after it was listed: reading it for the contours fails.
    good.write_bytes(good.read_bytes()[:-300])
    viewport.contours.load_for(viewport.series, study)  # read by the session, on a worker

    def told() -> list[tuple[str, str]]:
        return [(path, reason) for path, reason in main_window.problems.problems()
                if "good.dcm" in path and "exported again" in reason]

    qtbot.waitUntil(lambda: bool(told()), timeout=10_000)
    assert main_window.session.structure_sets.pending == 0
    assert viewport.contours.structure_sets == []
    assert viewport.displayed_image() is not None
    # Told once: opening the series again (here or in a second viewport) reads nothing more.
    viewport.contours.load_for(viewport.series, study)
    assert main_window.session.structure_sets.pending == 0
    main_window.set_layout("1x2")
    second = main_window.all_viewports()[1]
    second.contours.load_for(viewport.series, study)
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert len(told()) == 1


def test_structure_sets_are_read_once_off_the_gui_thread_for_every_viewport(
        main_window, qtbot, phantom_dir, series, tmp_path, monkeypatch):
    import threading

    import viewer.state.structure_sets as store_module

    threads: list[str] = []
    real = store_module.read_structure_set

    def spy(path):
        threads.append(threading.current_thread().name)
        return real(path)

    monkeypatch.setattr(store_module, "read_structure_set", spy)
    rt = write_phantom_rtstruct(tmp_path / "rt.dcm", series)
    open_and_wait(qtbot, main_window, phantom_dir, rt)
    main_window.set_layout("1x2")
    first, second = main_window.all_viewports()[:2]
    second.open_series(first.series, first.study)
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert [s.label for s in second.contours.structure_sets] == ["Lesion"]
    assert second.contours.structure_sets[0] is first.contours.structure_sets[0]
    assert len(threads) == 1 and threads[0] != threading.main_thread().name


def test_every_viewport_showing_the_series_draws_its_contours(main_window, qtbot, phantom_dir,
                                                              series, tmp_path):
    rt = write_phantom_rtstruct(tmp_path / "rt.dcm", series)
    open_and_wait(qtbot, main_window, phantom_dir, rt)
    main_window.set_layout("1x2")
    first, second = main_window.all_viewports()[:2]
    second.open_series(first.series, first.study)
    for viewport in (first, second):
        viewport.state.update(index=lesion_slice(series))
        qtbot.waitUntil(lambda v=viewport: v.displayed_image() is not None, timeout=10_000)
        assert _green(grab_array(viewport)).any()
