"""The tag browser: nested sequences, search by tag, keyword or value; non-image objects."""

from __future__ import annotations

import pytest

from viewer.io.scan import scan
from viewer.ui.dialogs.tag_browser import TagBrowser


@pytest.fixture
def browser(qtbot) -> TagBrowser:
    dialog = TagBrowser()
    qtbot.addWidget(dialog)
    return dialog


def _instance(path):
    result = scan([path])
    series = result.all_series()
    assert series, result.problems
    return series[0].instances[0]


def test_search_filters_by_tag_keyword_and_value(browser, qtbot, pydicom_files) -> None:
    browser.show_instance(_instance(pydicom_files / "CT_small.dcm"))
    everything = browser.visible_tags()
    assert "(0010,0010)" in everything and len(everything) > 40
    qtbot.keyClicks(browser.search, "0020,000d")
    assert browser.visible_tags() == ["(0020,000D)"]
    browser.search.setText("00280030")
    assert browser.visible_tags() == ["(0028,0030)"]
    browser.search.setText("SliceThickness")
    assert browser.visible_tags() == ["(0018,0050)"]
    browser.search.setText("CompressedSamples^CT1")  # a value: the patient's name
    assert browser.visible_tags() == ["(0010,0010)"]
    browser.search.clear()
    assert browser.visible_tags() == everything


def test_sequences_are_nested_and_searchable(browser, pydicom_files) -> None:
    browser.show_instance(_instance(pydicom_files / "test-SR.dcm"))  # no image at all
    assert browser.visible_tags()
    root = browser.tree.invisibleRootItem()
    content = next(root.child(i) for i in range(root.childCount())
                   if root.child(i).text(0) == "(0040,A730)")
    assert content.text(2) == "SQ" and content.childCount() > 0
    browser.search.setText("(0040,A160)")  # Text Value, only inside the content tree
    shown = browser.visible_tags()
    assert "(0040,A160)" in shown and "(0040,A730)" in shown  # the parent stays visible
    assert "(0010,0010)" not in shown


def test_hidden_identity_masks_every_person_name_and_cannot_be_searched(
        browser, pydicom_files) -> None:
    browser.set_hide_identity(True)
    browser.show_instance(_instance(pydicom_files / "test-SR.dcm"))
    browser.search.setText("Test^S R")  # the patient's name, as the file holds it
    assert browser.visible_tags() == []
    browser.search.setText("(0010,0010)")
    assert browser.visible_tags() == ["(0010,0010)"]
    rows = []

    def walk(item) -> None:
        for i in range(item.childCount()):
            rows.append(item.child(i))
            walk(item.child(i))

    browser.search.clear()
    walk(browser.tree.invisibleRootItem())
    person_rows = [r for r in rows if r.text(2) == "PN"]
    assert len(person_rows) > 1  # the patient, and the observers named in the report
    assert {r.text(3) for r in person_rows} == {"(hidden)"}
    browser.set_hide_identity(False)
    browser.search.setText("Test^S R")
    assert "(0010,0010)" in browser.visible_tags()
