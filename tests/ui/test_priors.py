"""Priors and the comparison hanging in the real main window (offscreen), with real DICOM
studies of one patient written by pydicom (a current and a prior, different dates and
frames of reference): the prior is offered in the Priors tab, "Open as comparison" hangs
it beside the current (1×2, current on the left), scrolling the current moves the prior
by the centre offset, the reader's correction of the offset holds, and a saved hanging
opens the next study of that modality and body part beside its prior by itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.priors_studies import Written, write_study
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import wheel
from viewer.io.scan import scan
from viewer.net.index import record_opened
from viewer.ui.window.main_window import MainWindow

WAIT = 20_000


@pytest.fixture
def studies(tmp_path, monkeypatch) -> tuple[Written, Written]:
    """A current CT chest (12 slices from z 0) and its prior (16 slices from z 100, another
    frame of reference), the prior already in the local study list."""
    store = tmp_path / "store"
    site = tmp_path / "site.toml"
    site.write_text(f'pacs_store_dir = "{store}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    current = write_study(tmp_path / "current", date="20261201", slices=12, z0=0.0,
                          series=("CHEST 5mm", "SCOUT"))
    prior = write_study(tmp_path / "prior", date="20250301", slices=16, z0=100.0,
                        series=("SCOUT", "CHEST 5mm"))
    record_opened(store, scan([prior.folder]))
    return current, prior


def priors_listed(qtbot, window: MainWindow, count: int) -> None:
    model = window.priors.model
    qtbot.waitUntil(lambda: not model.searching and len(model.priors) == count, timeout=WAIT)


def wait_hung(qtbot, window: MainWindow, prior_uid: str) -> None:
    def hung() -> bool:
        shown = window.grid.visible_viewports()
        return (len(shown) == 2 and shown[1].study is not None
                and shown[1].study.uid == prior_uid and window.is_settled())

    qtbot.waitUntil(hung, timeout=WAIT)


def test_the_prior_is_offered_and_hangs_beside_the_current_linked_by_offset(
        make_main_window, qtbot, studies) -> None:
    current, prior = studies
    window = make_main_window(load_models=False)
    open_and_wait(qtbot, window, current.folder)
    priors_listed(qtbot, window, 1)
    panel = window.priors.panel
    assert panel.table.rowCount() == 1
    row = [panel.table.item(0, c).text() for c in range(panel.table.columnCount())]
    assert row == ["2025-03-01", "CT", "CT CHEST 20250301", "CHEST", "This workstation"]
    assert panel.chosen_uid() == prior.study_uid  # the most recent comparable, selected
    assert "1 other study" in panel.status.text()

    panel.compare_button.click()
    wait_hung(qtbot, window, prior.study_uid)
    left, right = window.grid.visible_viewports()
    assert window._actions["layout_1x2"].isChecked()
    assert left.study.uid == current.study_uid and left.series.description == "CHEST 5mm"
    assert right.series.description == "CHEST 5mm"  # the matching series, not the scout
    assert window.linker.offset is not None and window._actions["link_offset"].isChecked()
    assert not window.linker.scroll  # two frames of reference: no linked scroll by position

    # Centres on centres: current slice i (z 5i) shows prior slice i + 2 (z 100 + 5(i+2)).
    left.setFocus()
    for notches in (1, -3, 2):
        wheel(left, notches)
        assert right.state.index == left.state.index + 2
    # The reader corrects it: unlink, bring the prior one slice on, link again: it holds.
    window._actions["link_offset"].trigger()
    assert window.linker.offset is None
    right.state.update(index=right.state.index + 1)
    window.grid.activate(left)
    window._actions["link_offset"].trigger()
    wheel(left, 1)
    assert right.state.index == left.state.index + 3


def test_a_saved_hanging_opens_the_next_study_beside_its_prior(
        make_main_window, qtbot, studies, tmp_path) -> None:
    current, prior = studies
    window = make_main_window(load_models=False)
    open_and_wait(qtbot, window, current.folder)
    priors_listed(qtbot, window, 1)
    window.priors.panel.compare_button.click()
    wait_hung(qtbot, window, prior.study_uid)
    right = window.grid.visible_viewports()[1]
    right.setFocus()
    QTest.keyClick(right, Qt.Key.Key_2)  # the second CT preset on the prior's side
    preset = right.window_name()
    assert preset
    assert window.priors.save_hanging() == "CT/CHEST"
    saved = json.loads(Path(tmp_path / "user" / "preferences.json").read_text("utf-8"))
    assert saved["hanging_protocols"] == {"CT/CHEST": {
        "comparison": True, "current": "left", "link": True,
        "presets": [window.grid.visible_viewports()[0].window_name() or "", preset]}}
    assert "CT/CHEST" in window.priors.panel.status.text()

    # Another reading session: the current study opens, and hangs beside its prior alone.
    again = make_main_window(load_models=False)
    assert "CT/CHEST" in again.settings.hanging_protocols
    open_and_wait(qtbot, again, current.folder)
    wait_hung(qtbot, again, prior.study_uid)
    left, right = again.grid.visible_viewports()
    assert left.study.uid == current.study_uid
    assert right.window_name() == preset and again.linker.offset is not None


def test_a_protocol_can_hang_the_current_on_the_right_unlinked(
        make_main_window, qtbot, studies, tmp_path) -> None:
    current, prior = studies
    site = tmp_path / "site.toml"
    site.write_text(site.read_text("utf-8") + '[hanging_protocols.CT]\ncurrent = "right"\n'
                    'link = false\n', encoding="utf-8")
    window = make_main_window(load_models=False)
    open_and_wait(qtbot, window, current.folder)  # CT/CHEST falls back to CT
    qtbot.waitUntil(lambda: window.grid.visible_viewports()[0].study is not None
                    and window.grid.visible_viewports()[0].study.uid == prior.study_uid
                    and window.is_settled(), timeout=WAIT)
    left, right = window.grid.visible_viewports()
    assert right.study.uid == current.study_uid and window.grid.active is right
    assert window.linker.offset is None and not window.linker.scroll
    index = left.state.index
    wheel(right, 2)
    assert left.state.index == index  # not linked: the prior stays


def test_a_protocol_without_a_prior_hangs_alone_and_a_locked_one_cannot_be_saved(
        make_main_window, qtbot, studies, tmp_path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(site.read_text("utf-8") + 'locked = ["hanging_protocols"]\n'
                    '[hanging_protocols."CT/CHEST"]\ncomparison = true\n'
                    'presets = ["Lung", ""]\n', encoding="utf-8")
    lonely = write_study(tmp_path / "lonely", date="20261201", patient_id="NOBODY")
    window = make_main_window(load_models=False)
    assert window.settings.problems == ()
    open_and_wait(qtbot, window, lonely.folder)
    priors_listed(qtbot, window, 0)
    panel = window.priors.panel
    assert "0 other stud" in panel.status.text()
    assert "no comparable prior" in panel.status.text()
    assert not panel.compare_button.isEnabled()
    assert len(window.grid.visible_viewports()) == 1
    assert window.viewport.study.uid == lonely.study_uid
    assert window.viewport.window_name() == "Lung"  # the protocol's preset, alone
    assert not panel.save_button.isEnabled()
    assert panel.save_button.toolTip() == "Set by your IT department"


def test_a_later_answer_keeps_the_readers_pick_else_selects_the_new_default(qtbot) -> None:
    from viewer.state.priors import Prior
    from viewer.ui.window.priors_panel import PriorsPanel

    panel = PriorsPanel()
    qtbot.addWidget(panel)
    old, older = Prior("a", "20250101", ("CT",), "old", local=True), \
        Prior("b", "20240101", ("CT",), "older", local=True)
    newer = Prior("c", "20260101", ("CT",), "newer", node="pacs")
    panel.show_priors((old, older), old)
    assert panel.chosen_uid() == "a"
    panel.show_priors((newer, old, older), newer)  # the PACS answer: a newer default
    assert panel.chosen_uid() == "c"
    panel.table.selectRow(2)  # the reader picks the older one
    assert panel.reader_pick == "b"
    panel.show_priors((newer, old, older), newer)
    assert panel.chosen_uid() == "b"
    assert panel.table.item(0, 4).text() == "PACS pacs"
    panel.reset()
    assert panel.table.rowCount() == 0 and panel.reader_pick is None
