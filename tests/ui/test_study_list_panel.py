"""The study list's panel: in front at start, searching as the reader types, an AI
badge, identity hidden with the rest of the window, a study stored by another process
appearing by itself, and Enter (or a double-click) opening a study."""

from __future__ import annotations

from pydicom.uid import generate_uid
from PySide6.QtCore import Qt

from tests.net.study_files import SEG, dicom_bytes, store_study
from viewer.net.store import LocalStore
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN


def test_the_study_list_panel(make_main_window, qtbot, tmp_path, monkeypatch) -> None:
    site = tmp_path / "site.toml"
    site.write_text(f'pacs_store_dir = "{tmp_path / "store"}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    store = LocalStore(tmp_path / "store")
    jane = store_study(store, images=2, patient="Doe^Jane", patient_id="P1")
    ken = store_study(store, images=2, patient="Sato^Ken", patient_id="P2", modality="MR")
    series, sop = generate_uid(), generate_uid()
    store.write(ken, series, sop, dicom_bytes(ken, series, sop, sop_class=SEG,
                                              modality="SEG"))
    store.close()
    window = make_main_window()
    panel = window.study_list
    assert not panel.visibleRegion().isEmpty(), "the study list is in front at start"
    assert window.browser.visibleRegion().isEmpty()
    qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
    table = panel.table

    def column(number: int) -> list[str]:
        return [table.item(r, number).text() for r in range(table.rowCount())]

    assert sorted(column(1)) == ["Doe, Jane", "Sato, Ken"]
    by_name = dict(zip(column(2), column(8), strict=True))
    assert by_name == {"P1": "", "P2": "AI"}
    # Searching as the reader types.
    qtbot.keyClicks(panel.search_field, "P2")
    qtbot.waitUntil(lambda: [r.study_uid for r in panel.rows] == [ken], timeout=10_000)
    panel.search_field.clear()
    qtbot.waitUntil(lambda: len(panel.rows) == 2, timeout=10_000)
    # Identity hidden with the rest of the window.
    window.toggle_identity()
    assert column(1) == column(2) == [IDENTITY_HIDDEN] * 2
    window.toggle_identity()
    assert sorted(column(2)) == ["P1", "P2"]
    # Another process stores a study: it appears by itself.
    other = LocalStore(tmp_path / "store")
    pushed = store_study(other, images=1, patient="New^Arrival", patient_id="P3")
    other.close()
    qtbot.waitUntil(lambda: pushed in [r.study_uid for r in panel.rows], timeout=10_000)
    # Enter (or a double-click) opens the study, and the open studies come to the front.
    row = [r.study_uid for r in panel.rows].index(jane)
    rect = table.visualItemRect(table.item(row, 0))
    asked: list[str] = []
    panel.open_requested.connect(asked.append)
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert asked == [str(tmp_path / "store" / jane)], (asked, window.problems)
    qtbot.waitUntil(window.is_settled, timeout=20_000)
    qtbot.waitUntil(lambda: window.viewport.series is not None, timeout=20_000)
    assert window.viewport.study.uid == jane
    assert window.tabifiedDockWidgets(window.browser_dock) == [window.study_list_dock,
                                                               window.priors.dock]
    assert panel.visibleRegion().isEmpty() and not window.browser.visibleRegion().isEmpty()
