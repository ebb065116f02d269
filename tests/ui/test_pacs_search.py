"""The Search PACS window against the real Orthanc (the session fixture in tests/conftest.py):
search by name and by date, series listed under a study, a retrieve with progress that
opens the study in the viewer, cancel mid-retrieve then resume, a refused node's message
at the error boundary, "narrow the search", the menu item without nodes, Japanese."""

from __future__ import annotations

import errno
import re
import socket
import threading
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.pacs_server import MARKED, Orthanc, free_port, needs_dicomweb, site_file
from tests.ui.helpers import click_item, grab_array
from viewer.net.store import LocalStore, _store_error
from viewer.ui.i18n import install_translators, remove_translators
from viewer.ui.window.main_window import MainWindow
from viewer.ui.window.pacs_search import (
    COLUMNS,
    DATE,
    IMAGES,
    MODALITIES,
    PATIENT,
    SORT,
    STATUS,
    UIDS,
    PacsSearchWindow,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
WAIT = 60_000


def open_search(window: MainWindow) -> PacsSearchWindow:
    window._actions["search_pacs"].trigger()
    assert window.pacs_search is not None and window.pacs_search.isVisible()
    return window.pacs_search


@pytest.fixture
def pacs_window(make_main_window, orthanc, tmp_path, monkeypatch) -> MainWindow:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    return make_main_window(load_models=False)


def search(qtbot, dialog: PacsSearchWindow, **fields: str) -> list:
    for name, value in fields.items():
        getattr(dialog, name).setText(value)
    dialog.search_button.click()
    qtbot.waitUntil(lambda: not dialog.model.searching, timeout=WAIT)
    return dialog.study_rows()


def row_of(dialog: PacsSearchWindow, study_uid: str):
    return next(r for r in dialog.study_rows() if r.data(0, UIDS)[0] == study_uid)


def test_search_by_name_and_by_date_then_series_then_retrieve_opens_the_study(
        pacs_window, qtbot, orthanc: Orthanc) -> None:
    w = pacs_window
    dialog = open_search(w)
    assert dialog.node.currentText() == "orthanc"  # the only node, preselected
    rows = search(qtbot, dialog, patient_name="Zzqmark*")
    assert [r.text(PATIENT) for r in rows] == ["Zzqmarker, Patient"]
    assert rows[0].text(DATE) == "2024-03-15" and rows[0].text(MODALITIES) == "MR"
    assert dialog.status.text() == "1 study(ies) found" and not dialog.narrow.isVisible()

    # By date: a range that holds 2024-03-15, then today's (the marked study is older).
    dialog.patient_name.clear()
    dialog.dates.setCurrentIndex(dialog.dates.findData("range"))
    dialog.date_from.setDate(QDate(2024, 3, 1))
    dialog.date_to.setDate(QDate(2024, 3, 31))
    found = [r.data(0, UIDS)[0] for r in search(qtbot, dialog)]
    assert orthanc.studies["marked"] in found and orthanc.studies["phantom"] not in found
    dialog.dates.setCurrentIndex(dialog.dates.findData("today"))
    assert orthanc.studies["marked"] not in [r.data(0, UIDS)[0] for r in search(qtbot, dialog)]

    # The phantom by modality; its series listed when the study is expanded.
    dialog.dates.setCurrentIndex(dialog.dates.findData("any"))
    dialog.modality.setCurrentText("CT")
    search(qtbot, dialog)
    row = row_of(dialog, orthanc.studies["phantom"])
    assert row.text(IMAGES) == "64"
    row.setExpanded(True)
    qtbot.waitUntil(lambda: row.childCount() == 1, timeout=WAIT)
    assert row.child(0).text(MODALITIES) == "CT" and row.child(0).text(IMAGES) == "64"

    # Retrieve it: progress per study, then the study is open in the viewer.
    seen: list[tuple[int, int]] = []
    dialog.model.changed.subscribe(lambda change: seen.append(
        (dialog.progress.value(), dialog.progress.maximum())) if dialog.progress.isVisible()
        else None)
    click_item(dialog.results, row)
    dialog.retrieve_button.click()
    assert dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: row.text(STATUS) == "Complete · opened", timeout=WAIT)
    assert seen and seen[-1] == (64, 64) and all(t == 64 for _, t in seen[1:])
    assert not dialog.progress.isVisible() and not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled(), timeout=WAIT)
    items = w.browser.series_items()
    assert len(items) == 1 and "64 images" in items[0].text(0)
    assert w.viewport.series.study_uid == orthanc.studies["phantom"]
    image = grab_array(w.viewport)
    assert image.std() > 10  # the phantom painted, not a blank viewport
    assert not LocalStore(w.settings.pacs_store_dir).is_partial(orthanc.studies["phantom"])

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "pacs-search.png"))


class PausingStore(LocalStore):
    """The real local store, which holds its writer after the 5th image until the test
    lets it go: the retrieve is then surely mid-way when the reader presses Cancel (the
    receiver's short queue makes the node wait too)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.written = 0
        self.paused, self.go = threading.Event(), threading.Event()

    def write(self, study_uid: str, series_uid: str, sop_uid: str, data: bytes) -> Path:
        if self.written == 5:
            self.paused.set()
            self.go.wait(60)
        self.written += 1
        return super().write(study_uid, series_uid, sop_uid, data)


def retrieve_phantom(window, qtbot, study: str, store):
    """Search the CT studies, retrieve ``study`` into ``store`` (a real local store that
    pauses or fills up): the window and the study's row."""
    dialog = open_search(window)
    dialog.modality.setCurrentText("CT")
    search(qtbot, dialog)
    dialog.model.store = store
    row = row_of(dialog, study)
    click_item(dialog.results, row)
    dialog.retrieve_button.click()
    return dialog, row


def test_cancel_mid_retrieve_leaves_a_partial_study_that_a_second_retrieve_completes(
        pacs_window, qtbot, orthanc: Orthanc) -> None:
    w = pacs_window
    study = orthanc.studies["phantom"]
    store = PausingStore(w.settings.pacs_store_dir)
    dialog, row = retrieve_phantom(w, qtbot, study, store)
    qtbot.waitUntil(store.paused.is_set, timeout=WAIT)
    qtbot.waitUntil(lambda: row.text(STATUS).endswith(" / 64 images"), timeout=WAIT)
    assert dialog.progress.isVisible() and dialog.progress.maximum() == 64
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SCREENSHOTS / "pacs-search-retrieving.png"))
    dialog.cancel_button.click()
    store.go.set()
    qtbot.waitUntil(lambda: not dialog.model.retrieving, timeout=WAIT)
    assert row.text(STATUS) == "Cancelled (retrieve again to resume)"
    assert w.boundary.messages == []  # cancelled is not an error
    kept = len(store.instances(study))
    assert 5 <= kept < 64 and store.is_partial(study)
    # Shown from its first images on, and never as complete: the line says what is missing.
    qtbot.waitUntil(lambda: w.arriving.label.text() == f"⚠ Incomplete: {kept} / 64 images",
                    timeout=WAIT)
    assert w.viewport.series is not None and len(w.viewport.series.frames) == kept

    dialog.model.store = LocalStore(w.settings.pacs_store_dir)
    dialog.results.scrollToItem(row)  # a double-click on the study retrieves the rest
    QTest.mouseDClick(dialog.results.viewport(), Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier,
                      dialog.results.visualItemRect(row).center())
    qtbot.waitUntil(lambda: row.text(STATUS) == "Complete · opened", timeout=WAIT)
    assert len(store.instances(study)) == 64 and not store.is_partial(study)
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled()
                    and len(w.viewport.series.instances) == 64, timeout=WAIT)
    qtbot.waitUntil(lambda: not w.arriving.label.isVisible(), timeout=WAIT)
    with qtbot.waitSignal(w.scan_finished, timeout=WAIT):  # complete: a double-click opens
        QTest.mouseDClick(dialog.results.viewport(), Qt.MouseButton.LeftButton,
                          Qt.KeyboardModifier.NoModifier,
                          dialog.results.visualItemRect(row).center())
    assert "already open" in w.statusBar().currentMessage()
    assert row.text(STATUS) == "Complete · opened" and not dialog.model.retrieving


def test_a_node_set_to_c_move_retrieves_through_the_storage_port(
        make_main_window, qtbot, orthanc, tmp_path, monkeypatch) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    site.write_text(site.read_text() + 'retrieve = "move"\n')  # in [dicom_nodes.orthanc]
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    w = make_main_window(load_models=False)
    assert w.settings.dicom_nodes["orthanc"].retrieve == "move"
    dialog = open_search(w)
    rows = search(qtbot, dialog, patient_id=MARKED["PatientID"])
    click_item(dialog.results, rows[0])
    dialog.retrieve_button.click()
    qtbot.waitUntil(lambda: rows[0].text(STATUS) == "Complete · opened", timeout=WAIT)
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled(), timeout=WAIT)
    assert w.viewport.series.study_uid == orthanc.studies["marked"]
    assert w.boundary.messages == []


def test_a_refused_node_says_why_at_the_error_boundary(make_main_window, qtbot, orthanc,
                                                       tmp_path, monkeypatch) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store", ae="NOT_ORTHANC")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    w = make_main_window(load_models=False)
    dialog = open_search(w)
    search(qtbot, dialog, patient_id="X")
    assert len(w.boundary.messages) == 1
    assert "refused to talk to this workstation" in w.boundary.messages[0]
    assert "'NOT_ORTHANC'" in w.boundary.messages[0]
    assert dialog.study_rows() == []
    w.boundary._box.close()  # noqa: SLF001 - the non-modal box the reader would close
    translators = install_translators(QApplication.instance(), "ja")
    try:  # the core's English, as the boundary shows it to a Japanese reader
        search(qtbot, dialog, patient_id="Y")
        shown = w.boundary.messages[-1]
        assert shown.startswith("DICOMノード 'orthanc'") and "拒否しました" in shown
        assert "'NOT_ORTHANC'" in shown
    finally:
        remove_translators(QApplication.instance(), translators)
    w.boundary._box.close()  # noqa: SLF001


def test_unreachable_and_silent_nodes_say_so_at_the_boundary(make_main_window, qtbot,
                                                             orthanc, tmp_path,
                                                             monkeypatch) -> None:
    with socket.socket() as silent:  # accepts the connection (backlog), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        for port, expected in ((free_port(), "cannot be reached"),
                               (silent.getsockname()[1], "did not answer")):
            site = site_file(tmp_path / f"site{port}.toml", orthanc, tmp_path / "store",
                             port=port, timeout=1)
            monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
            w = make_main_window(load_models=False)
            dialog = open_search(w)
            assert search(qtbot, dialog, patient_id="X") == []
            assert len(w.boundary.messages) == 1 and expected in w.boundary.messages[0]
            assert dialog.search_button.isEnabled()  # the window stays usable
            w.boundary._box.close()  # noqa: SLF001


class FullStore(LocalStore):
    """The real local store on a disk that fills up after three images (ENOSPC, as the
    operating system says it; the tmpfs variant of tests/net needs root)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.written = 0

    def write(self, study_uid: str, series_uid: str, sop_uid: str, data: bytes) -> Path:
        if self.written == 3:
            raise _store_error(self.root, OSError(errno.ENOSPC, "No space left on device"))
        self.written += 1
        return super().write(study_uid, series_uid, sop_uid, data)


def test_a_full_disk_stops_the_retrieve_with_its_message_and_keeps_what_arrived(
        pacs_window, qtbot, orthanc: Orthanc) -> None:
    w = pacs_window
    study = orthanc.studies["phantom"]
    store = FullStore(w.settings.pacs_store_dir)
    dialog, row = retrieve_phantom(w, qtbot, study, store)
    qtbot.waitUntil(lambda: not dialog.model.retrieving, timeout=WAIT)
    assert row.text(STATUS) == "Failed"
    assert len(w.boundary.messages) == 1 and "is full" in w.boundary.messages[0]
    assert len(store.instances(study)) == 3 and store.is_partial(study)
    # What arrived is shown (from its first image), never as complete.
    qtbot.waitUntil(lambda: w.arriving.label.text() == "⚠ Incomplete: 3 / 64 images",
                    timeout=WAIT)
    assert len(w.viewport.series.frames) == 3
    w.boundary._box.close()  # noqa: SLF001


def test_enter_in_a_field_searches_once(pacs_window, qtbot, orthanc) -> None:
    dialog = open_search(pacs_window)
    searches: list[str] = []
    dialog.model.changed.subscribe(lambda change: searches.append(change)
                                   if change == "searching" else None)
    QTest.keyClicks(dialog.patient_id, MARKED["PatientID"])
    QTest.keyClick(dialog.patient_id, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not dialog.model.searching, timeout=WAIT)
    assert searches == ["searching"]
    assert [r.text(PATIENT) for r in dialog.study_rows()] == ["Zzqmarker, Patient"]


def test_a_search_over_the_limit_asks_to_narrow_it(make_main_window, qtbot, orthanc,
                                                   tmp_path, monkeypatch) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    site.write_text("pacs_max_results = 2\n" + site.read_text())
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    dialog = open_search(make_main_window(load_models=False))
    assert len(search(qtbot, dialog)) == 2
    assert dialog.narrow.isVisible()
    assert dialog.narrow.text().startswith("More than 2 studies match: the first 2 are listed")


def test_a_bad_date_key_is_refused_before_anything_is_sent(pacs_window, qtbot) -> None:
    dialog = open_search(pacs_window)
    dialog.dates.setCurrentIndex(dialog.dates.findData("range"))
    dialog.date_from.setDate(QDate(2024, 3, 31))
    dialog.date_to.setDate(QDate(2024, 3, 1))
    dialog.search_button.click()
    assert not dialog.model.searching
    assert "ends before it starts" in pacs_window.boundary.messages[-1]
    pacs_window.boundary._box.close()  # noqa: SLF001


def test_without_nodes_the_menu_item_is_disabled_and_says_who_configures_them(
        make_main_window) -> None:
    main_window = make_main_window(load_models=False)
    action = main_window._actions["search_pacs"]
    assert not action.isEnabled()
    assert "IT" in action.toolTip() and "docs/pacs.md" in action.toolTip()
    main_window.show_pacs_search()  # a shortcut remapped onto it still does nothing
    assert main_window.pacs_search is None


def test_the_window_reads_in_japanese(qapp, pacs_window) -> None:
    translators = install_translators(qapp, "ja")
    try:
        dialog = PacsSearchWindow(pacs_window.settings, pacs_window.bridge,
                                  pacs_window.boundary, lambda folder: None, pacs_window,
                                  today=date.today)
        try:
            headers = [dialog.results.headerItem().text(i) for i in range(len(COLUMNS))]
            assert headers[PATIENT] == "患者" and headers[STATUS] == "取得"
            assert dialog.windowTitle() == "PACS検索"
            assert dialog.search_button.text() == "検索"
            assert dialog.retrieve_button.text() == "取得"
            assert [dialog.dates.itemText(i) for i in range(4)] == [
                "全期間", "今日", "過去7日間", "期間指定"]
            labels = [w.text() for w in dialog.findChildren(type(dialog.status))
                      if w.text()]
            assert "患者名" in labels and "受付番号" in labels
            assert not any(label.isascii() and label.isalpha() for label in labels)
            dialog.show()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            assert dialog.grab().save(str(SCREENSHOTS / "pacs-search-ja.png"))
            dialog.close()
        finally:
            dialog.shutdown()
            dialog.deleteLater()
            QApplication.processEvents()
    finally:
        remove_translators(qapp, translators)


def test_the_results_sort_by_date_and_count_and_hide_identity_with_the_viewer(pacs_window, qtbot, orthanc) -> None:
    dialog = open_search(pacs_window)
    rows = search(qtbot, dialog)
    assert len(rows) >= 9  # the demo study, the samples (tests/net may add to them)
    dates = [r.data(DATE, SORT) for r in dialog.study_rows()]
    assert dates == sorted(dates, reverse=True)  # newest first, as the reader expects
    dialog.results.sortByColumn(IMAGES, Qt.SortOrder.AscendingOrder)
    counts = [int(r.text(IMAGES) or -1) for r in dialog.study_rows()]
    assert counts == sorted(counts) and counts[-1] == 64  # as numbers: 64 after 9
    marked = row_of(dialog, orthanc.studies["marked"])
    assert marked.text(COLUMNS.index("Accession")) == MARKED["AccessionNumber"]
    assert marked.text(COLUMNS.index("Patient ID")) == MARKED["PatientID"]
    pacs_window._actions["hide_identity"].trigger()  # View > Hide patient identity
    assert marked.text(PATIENT) == "Identity hidden"
    assert marked.text(COLUMNS.index("Patient ID")) == marked.text(
        COLUMNS.index("Accession")) == ""
    pacs_window._actions["hide_identity"].trigger()
    assert marked.text(PATIENT) == "Zzqmarker, Patient"


def _core_messages(settings) -> list[str]:
    """The network's messages as the core writes them (no node contacted but a closed
    local port)."""
    from viewer.host.dicom_nodes import DicomNode
    from viewer.net.dimse import _probe, broke_off, node_named
    from viewer.net.errors import QueryKeyError
    from viewer.net.query import Query

    messages = []
    for query in (Query(study_date="20240331-20240301"), Query(study_date="2024"),
                  Query(study_date="20240231"), Query(patient_name="A\\B"),
                  Query(accession="X" * 17)):
        with pytest.raises(QueryKeyError) as raised:
            query.checked()
        messages.append(str(raised.value))
    node = DicomNode("pacs", "PACS", "127.0.0.1", free_port())
    messages += [str(_probe(node, settings)), str(broke_off(node, settings, "the search")),
                 str(broke_off(node, settings, "the listing of the study's images")),
                 str(_store_error(Path("/store"), OSError(errno.ENOSPC, "No space left"))),
                 str(_store_error(Path("/store"), OSError(errno.EACCES, "Permission denied")))]
    with pytest.raises(Exception) as unknown:
        node_named(settings, "nope")
    return [*messages, str(unknown.value)]


def test_the_networks_messages_read_in_japanese(qapp, pacs_window) -> None:
    from viewer.ui.problem_text import problem_text

    messages = _core_messages(pacs_window.settings)
    translators = install_translators(qapp, "ja")
    try:
        for message in messages:
            shown = problem_text(message)
            assert shown != message, message
            # Only the values stay Latin (names, addresses, dates, the OS's reason).
            assert not re.search(r"\b(the|is|and|or|to|not)\b", shown), shown
    finally:
        remove_translators(qapp, translators)


@needs_dicomweb
def test_a_dicomweb_node_is_listed_beside_the_dicom_one_and_retrieves(
        make_main_window, qtbot, orthanc, tmp_path, monkeypatch) -> None:
    """The node box lists both kinds of node; a search and a retrieve through the
    DICOMweb one (QIDO-RS, WADO-RS) open the study as a C-GET does, and its patient
    names read as the DICOM node's do ("Family, Given", never DICOM's "^")."""
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    site.write_text(site.read_text(encoding="utf-8")
                    + f'[dicomweb_nodes.web]\nurl = "{orthanc.dicomweb_url}"\n',
                    encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    w = make_main_window(load_models=False)
    dialog = open_search(w)
    assert [dialog.node.itemText(i) for i in range(dialog.node.count())] == ["orthanc", "web"]
    dialog.node.setCurrentText("web")
    rows = search(qtbot, dialog, patient_name="Zzqmark*")
    assert [r.text(PATIENT) for r in rows] == ["Zzqmarker, Patient"]
    dialog.patient_name.clear()
    dialog.modality.setCurrentText("CT")
    search(qtbot, dialog)
    row = row_of(dialog, orthanc.studies["phantom"])
    assert row.text(IMAGES) == "64"
    click_item(dialog.results, row)
    dialog.retrieve_button.click()
    qtbot.waitUntil(lambda: row.text(STATUS) == "Complete · opened", timeout=WAIT)
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled(), timeout=WAIT)
    assert w.viewport.series.study_uid == orthanc.studies["phantom"]
    assert grab_array(w.viewport).std() > 10


def test_the_dicomweb_messages_read_in_japanese(qapp, orthanc, tmp_path) -> None:
    """Real failures of a DICOMweb node (nothing listening, a wrong base path, an unknown
    node's name) as the reader sees them in Japanese."""
    from viewer.host.settings import load_settings
    from viewer.net.errors import NetworkError
    from viewer.net.nodes import echo, find, node_named
    from viewer.net.query import Query
    from viewer.ui.problem_text import problem_text

    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    site.write_text(site.read_text(encoding="utf-8")
                    + f'[dicomweb_nodes.closed]\nurl = "http://127.0.0.1:{free_port()}/x"\n'
                    f'[dicomweb_nodes.wrong]\nurl = "http://127.0.0.1:{orthanc.http_port}/x"\n',
                    encoding="utf-8")
    settings = load_settings(site)
    messages = []
    for call in (lambda: echo(node_named(settings, "closed"), settings),
                 lambda: find(node_named(settings, "wrong"), Query(), settings),
                 lambda: node_named(settings, "nowhere")):
        with pytest.raises(NetworkError) as caught:
            call()
        messages.append(str(caught.value))
    translators = install_translators(qapp, "ja")
    try:
        for message in messages:
            shown = problem_text(message)
            assert shown != message, message
            assert not re.search(r"\b(the|is|and|or|to|not)\b", shown), shown
    finally:
        remove_translators(qapp, translators)
