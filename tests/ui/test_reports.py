"""Structured reports on the main window (issue 9): choosing an SR clears the viewport and
shows it as a report in place of the images; its links open their image in the active
viewport; links to images not open and unreadable reports change nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl

from tests.ai_reports import phantom_series, write_ai_report
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import click_item
from viewer.io.locate import locate


def _sr_item(window):
    return next(i for i in window.browser.series_items() if "\nSR ·" in i.text(0))


def _follow(window, sop_uid: str) -> None:
    """Click the report's link to ``sop_uid`` (as a click on the anchor does)."""
    view = window.reports.view
    index = next(i for i, ref in enumerate(view.links()) if ref.sop_instance_uid == sop_uid)
    view.browser.anchorClicked.emit(QUrl(f"ref:{index}"))


@pytest.fixture(scope="module")
def lightbox_study(tmp_path_factory):
    """The phantom and the TID 1500 SR Lightbox writes for an AI run on it."""
    folder = tmp_path_factory.mktemp("sr-window")
    series = phantom_series(folder / "ct", slices=6)
    path, _ = write_ai_report(series, "ct-lesion-cls", folder / "sr", folder / "audit")
    return folder / "ct", path


def test_choosing_the_sr_sample_clears_the_viewport_and_shows_the_report(
        phantom_window, qtbot, pydicom_files):
    w = phantom_window
    v = w.viewport
    open_and_wait(qtbot, w, pydicom_files / "test-SR.dcm")
    assert v.series is not None and not w.reports.shown
    click_item(w.browser, _sr_item(w))
    # The viewport under the report is the neutral panel, no one's image or corner text.
    assert v.series is None and v.displayed_image() is None
    assert v.object_text().endswith("SR · no image to display")
    assert w.reports.shown and w.central.currentWidget() is w.reports.page
    text = w.reports.view.browser.toPlainText()
    assert "Diagnosis" in text and "Code: Sample Text" in text  # headings and findings
    assert "Patient: Test, S R" in text
    assert "(not open)" in text  # its image is not open here
    # Identity follows the window's toggle, both ways.
    w._actions["hide_identity"].trigger()
    assert "Patient: (hidden)" in w.reports.view.browser.toPlainText()
    assert "Test, S R" not in w.reports.view.browser.toPlainText()
    w._actions["hide_identity"].trigger()
    assert "Patient: Test, S R" in w.reports.view.browser.toPlainText()
    # Back to the images: the grid, its viewport still the neutral panel.
    w.reports.back_button.click()
    assert not w.reports.shown and w.central.currentWidget() is w.grid


def test_identity_hidden_before_choosing_is_hidden_in_the_report(phantom_window, qtbot,
                                                                 pydicom_files):
    w = phantom_window
    open_and_wait(qtbot, w, pydicom_files / "test-SR.dcm")
    w._actions["hide_identity"].trigger()
    click_item(w.browser, _sr_item(w))
    text = w.reports.view.browser.toPlainText()
    assert "Patient: (hidden)" in text and "Test, S R" not in text


def test_a_link_opens_its_image_in_the_active_viewport(main_window, qtbot, lightbox_study):
    w = main_window
    ct, sr = lightbox_study
    open_and_wait(qtbot, w, ct, sr)
    click_item(w.browser, _sr_item(w))
    assert w.reports.shown and w.viewport.series is None
    text = w.reports.view.browser.toPlainText()
    assert text.startswith("Imaging Measurement Report") and "AI-generated content" in text
    assert "(not open)" not in text
    (series, _study) = next((s, st) for s, st in w.session.studies.all_series()
                            if s.has_images)
    middle = len(series.frames) // 2
    target = next(f.instance.sop_instance_uid for i, f in enumerate(series.frames)
                  if i != middle)  # not where the series opens by itself
    expected = locate(w.session.studies, target).index
    assert expected != middle
    _follow(w, target)
    assert not w.reports.shown and w.central.currentWidget() is w.grid
    v = w.viewport
    assert v.series.uid == series.uid
    assert v.state.index == expected
    assert v.current_ref().instance.sop_instance_uid == target
    qtbot.waitUntil(w.is_settled, timeout=20_000)
    assert v.displayed_image() is not None


def test_links_follow_what_the_session_opens(main_window, qtbot, lightbox_study):
    w = main_window
    ct, sr = lightbox_study
    open_and_wait(qtbot, w, sr)
    click_item(w.browser, _sr_item(w))
    view = w.reports.view
    assert "(not open)" in view.browser.toPlainText()
    target = view.links()[0].sop_instance_uid
    _follow(w, target)  # not open: the report says so and nothing changes
    assert view.message.isVisibleTo(view) and "not open" in view.message.text()
    assert w.reports.shown and w.viewport.series is None
    slots_before = [w.session.slots.shown(i) for i in range(4)]
    open_and_wait(qtbot, w, ct)  # the images arrive: the links say so at once
    assert w.reports.shown  # opening more files does not take the reader out of the report
    assert "(not open)" not in view.browser.toPlainText()
    assert [w.session.slots.shown(i) for i in range(4)] == slots_before
    _follow(w, target)
    assert not w.reports.shown
    assert w.viewport.current_ref().instance.sop_instance_uid == target


def test_an_unreadable_report_is_told_and_changes_nothing(phantom_window, qtbot,
                                                           pydicom_files, tmp_path):
    w = phantom_window
    v = w.viewport
    sr = tmp_path / "report.dcm"
    sr.write_bytes((pydicom_files / "test-SR.dcm").read_bytes())
    open_and_wait(qtbot, w, sr)
    shown = v.series
    sr.write_bytes(sr.read_bytes()[:400])  # damaged after it was listed
    click_item(w.browser, _sr_item(w))
    assert any("report.dcm" in path for path, _reason in w.problems.problems())
    assert not w.reports.shown and w.reports.view.report is None
    assert v.series is shown and v.shown_object is None  # the session is unchanged
    assert w.session.slots.shown(v.slot) == shown.uid
