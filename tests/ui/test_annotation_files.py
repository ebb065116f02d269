"""Key images, undo/redo, annotations saved with the study and read back, and the question
before closing with unsaved work: through the keys, menus and dialogs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import open_and_wait
from tests.ui.helpers import drag, grab_array
from viewer.imaging.measure import Kind
from viewer.io.demo import write_phantom_series
from viewer.io.key_objects import KOS_SOP_CLASS
from viewer.io.presentation_state import GSPS_SOP_CLASS, AnnotationFileError
from viewer.ui.viewport.key_marker import COLOUR

L = Qt.MouseButton.LeftButton


@pytest.fixture
def study(tmp_path) -> Path:
    """A small phantom of its own: saving beside the series writes into its folder."""
    folder = tmp_path / "study"
    folder.mkdir()
    write_phantom_series(folder, slices=4, size=64)
    return folder


@pytest.fixture
def window(main_window, qtbot, study):
    open_and_wait(qtbot, main_window, study)
    main_window.viewport.setFocus()
    return main_window


def amber(array: np.ndarray) -> int:
    r, g, b = (array[..., i].astype(int) for i in range(3))
    return int(np.sum((abs(r - COLOUR.red()) < 30) & (abs(g - COLOUR.green()) < 30)
                      & (abs(b - COLOUR.blue()) < 30)))


def _distance(window):
    return window.viewport.measure.add(Kind.DISTANCE, ((10.25, 12.5), (40.0, 30.0)))


def test_k_marks_a_key_image_with_a_marker_and_undo_unmarks(window):
    v = window.viewport
    assert amber(grab_array(v)) == 0
    QTest.keyClick(v, Qt.Key.Key_K)
    ref = v.current_ref()
    assert window.session.key_images.is_key(ref.instance.sop_instance_uid, ref.frame)
    assert amber(grab_array(v)) > 20
    QTest.keyClick(v, Qt.Key.Key_Down)  # another image: no marker
    assert amber(grab_array(v)) == 0
    QTest.keyClick(v, Qt.Key.Key_Up)
    window._actions["undo"].trigger()
    assert len(window.session.key_images) == 0 and amber(grab_array(v)) == 0


def test_undo_and_redo_of_measurements_through_the_edit_menu(window):
    actions = window._actions
    assert actions["undo"].shortcut() == QKeySequence("Ctrl+Z")
    assert {k.toString() for k in actions["redo"].shortcuts()} == {"Ctrl+Shift+Z", "Ctrl+Y"}
    assert actions["save_annotations"].shortcut() == QKeySequence("Ctrl+S")
    assert not actions["undo"].isEnabled() and not actions["redo"].isEnabled()
    m = _distance(window)
    assert window.session.measurements.dirty
    assert actions["undo"].isEnabled() and not actions["redo"].isEnabled()
    actions["undo"].trigger()
    assert len(window.session.measurements) == 0
    actions["redo"].trigger()
    assert window.session.measurements.get(m.id) == m
    actions["undo"].trigger()  # nothing left to undo: greyed out, redo offered
    assert not actions["undo"].isEnabled() and actions["redo"].isEnabled()


def test_a_handle_drag_is_one_undo_step(window):
    v = window.viewport
    m = _distance(window)
    start = v.image_to_screen().map(QPointF(*m.points[1]))
    start = QPoint(round(start.x()), round(start.y()))
    drag(v, L, start, start + QPoint(30, 20), steps=5)
    assert window.session.measurements.get(m.id).points != m.points
    window._actions["undo"].trigger()
    assert window.session.measurements.get(m.id) == m


def test_saved_beside_the_series_and_shown_again_when_the_folder_is_reopened(window, qtbot, study):
    m = _distance(window)
    QTest.keyClick(window.viewport, Qt.Key.Key_K)
    report = window.annotation_files.save()
    assert sorted(p.parent for p in report.written) == [study, study]
    kinds = {pydicom.dcmread(p).SOPClassUID for p in report.written}
    assert kinds == {GSPS_SOP_CLASS, KOS_SOP_CLASS}
    assert not window.session.measurements.dirty
    assert all("Phantom" not in p.name and "PHANTOM" not in p.name for p in report.written)
    window.session.measurements.reset()
    window.session.key_images.reset()
    open_and_wait(qtbot, window, study)  # the normal open path finds the files
    [back] = list(window.session.measurements)
    assert (back.kind, back.points, back.key, back.result) == (m.kind, m.points, m.key, m.result)
    assert len(window.session.key_images) == 1 and not window.session.measurements.dirty
    open_and_wait(qtbot, window, study)  # twice: nothing added
    assert len(window.session.measurements) == 1


def test_a_file_for_images_not_open_says_so_and_applies_once_they_are(
        make_main_window, qtbot, window, study, tmp_path):
    _distance(window)
    [gsps] = [p for p in window.annotation_files.save(tmp_path).written
              if "annotations" in p.name]
    window.session.measurements.reset()
    other = make_main_window()
    open_and_wait(qtbot, other, gsps)  # dropped alone: its images are not open here
    assert any("not open" in text for text in other.boundary.messages)
    assert len(other.session.measurements) == 0 and gsps in other.annotation_files.pending
    open_and_wait(qtbot, other, study)
    assert len(other.session.measurements) == 1 and not other.annotation_files.pending


def test_a_damaged_annotation_file_says_what_to_do_and_changes_nothing(window, qtbot, tmp_path):
    m = _distance(window)
    [gsps] = [p for p in window.annotation_files.save(tmp_path).written]
    data = gsps.read_bytes()
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / gsps.name).write_bytes(data[: int(len(data) * 0.8)])
    window.annotation_files.pending[broken / gsps.name] = GSPS_SOP_CLASS
    window.annotation_files.apply_pending()
    assert any("damaged or incomplete" in text for text in window.boundary.messages)
    assert list(window.session.measurements) == [m] and not window.annotation_files.pending


def test_saving_where_nothing_can_be_written_keeps_the_work(window):
    _distance(window)
    with pytest.raises(AnnotationFileError, match="still in this session"):
        window.annotation_files.save("/proc/lightbox")  # unwritable even as root
    assert window.session.measurements.dirty and len(window.session.measurements) == 1


def _answer(qtbot, window, button: QMessageBox.StandardButton) -> None:
    window.close()
    box = window.annotation_files.close_box
    assert box is not None and window.isVisible()
    qtbot.waitExposed(box)
    QTest.mouseClick(box.button(button), L)


def test_closing_with_unsaved_annotations_asks_and_cancel_keeps_reading(window, qtbot):
    _distance(window)
    _answer(qtbot, window, QMessageBox.StandardButton.Cancel)
    qtbot.wait(20)
    assert window.isVisible() and len(window.session.measurements) == 1
    _answer(qtbot, window, QMessageBox.StandardButton.Discard)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_save_in_the_closing_question_writes_then_closes(window, qtbot, study):
    _distance(window)
    _answer(qtbot, window, QMessageBox.StandardButton.Save)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert len(list(study.glob("lightbox-annotations-*.dcm"))) == 1


def test_nothing_unsaved_closes_without_asking(window, qtbot):
    window.close()
    assert window.annotation_files.close_box is None and not window.isVisible()
