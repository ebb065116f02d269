"""The running viewer receives what the PACS pushes (receive_pushes), against the real
Orthanc (tests/conftest.py): the pushed study appears in the study list, the reader is
told (without the name when identity is hidden), and it opens; the port taken is said in
the status bar without a box, and the viewer works on; a C-MOVE retrieve while it listens
arrives through the same listener; closing the window frees the port; a caller that is
not a configured node stores nothing; a study opened while it arrives is shown at once,
says "receiving", and fills in keeping the reader's image and window."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from tests.pacs_server import LIGHTBOX_AET, MARKED, site_file
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import click_item, grab_array
from tests.ui.test_pacs_search import SCREENSHOTS, STATUS, WAIT, open_search, row_of, search
from viewer.imaging.window import Window
from viewer.net.store import LocalStore

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _site(orthanc, tmp_path: Path, monkeypatch, extra: str = "") -> Path:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    text = site.read_text().replace("[dicom_nodes.orthanc]",
                                    "receive_pushes = true\n[dicom_nodes.orthanc]")
    site.write_text(text + extra)
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    return site


@pytest.fixture
def listening(make_main_window, qtbot, orthanc, tmp_path, monkeypatch):
    _site(orthanc, tmp_path, monkeypatch)
    w = make_main_window(load_models=False)
    assert w.settings.receive_pushes
    qtbot.waitUntil(lambda: w.receiving.listener is not None and w.receiving.label.isVisible(),
                    timeout=WAIT)
    assert w.receiving.label.text() == "Receiving from the PACS" and w.receiving.problem == ""
    return w


def _push(orthanc, study: str) -> threading.Thread:
    """Orthanc's push, from a thread: the GUI thread keeps running meanwhile."""
    pushing = threading.Thread(target=orthanc.push, args=(study,))
    pushing.start()
    return pushing


def test_a_pushed_study_is_listed_announced_and_opens(listening, qtbot, orthanc) -> None:
    w = listening
    study = orthanc.studies["phantom"]
    _push(orthanc, study).join(120)
    qtbot.waitUntil(lambda: bool(w.receiving.notices), timeout=WAIT)
    [notice] = w.receiving.notices
    assert notice.startswith("Study received from orthanc: ") and notice.endswith(
        ", 64 images")
    qtbot.waitUntil(lambda: [r.study_uid for r in w.study_list.rows] == [study],
                    timeout=WAIT)
    [row] = w.study_list.rows
    assert (row.images, row.partial, row.source) == (64, False, "received")

    # Identity hidden: the next notice names no one.
    w._actions["hide_identity"].trigger()
    assert w.viewport.state.hide_identity
    _push(orthanc, orthanc.studies["marked"]).join(120)
    qtbot.waitUntil(lambda: len(w.receiving.notices) == 2, timeout=WAIT)
    assert w.receiving.notices[1] == "Study received from orthanc: 1 images"
    assert MARKED["PatientName"].split("^")[0] not in " ".join(w.receiving.notices)

    # Opened from the list (Enter on its row), complete: no "receiving" line.
    qtbot.waitUntil(lambda: len(w.study_list.rows) == 2, timeout=WAIT)
    number = next(i for i, r in enumerate(w.study_list.rows) if r.study_uid == study)
    w.study_list.table.selectRow(number)
    w.study_list.table.setFocus()
    QTest.keyClick(w.study_list.table, "\r")
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled(), timeout=WAIT)
    assert w.viewport.series.study_uid == study and len(w.viewport.series.frames) == 64
    assert grab_array(w.viewport).std() > 10
    assert not w.arriving.label.isVisible()
    assert w.boundary.messages == []


def test_a_stranger_stores_nothing_and_closing_frees_the_port(listening, qtbot) -> None:
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage

    w = listening
    stranger = AE(ae_title="STRANGER")
    stranger.add_requested_context(CTImageStorage)
    assoc = stranger.associate("127.0.0.1", w.settings.storage_port, ae_title=LIGHTBOX_AET)
    assert assoc.is_rejected
    assert w.receiving.notices == [] and not list(w.settings.pacs_store_dir.glob("*/*/*.dcm"))
    w.close()
    with socket.socket() as probe:  # nobody listens there any more
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("", w.settings.storage_port))
        probe.listen(1)


def test_the_port_taken_is_said_without_a_box_and_the_viewer_works_on(
        make_main_window, qtbot, orthanc, tmp_path, monkeypatch, phantom_dir) -> None:
    _site(orthanc, tmp_path, monkeypatch)
    with socket.socket() as other:  # another program on the storage port
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("", orthanc.storage_port))
        other.listen(1)
        w = make_main_window(load_models=False)
        qtbot.waitUntil(lambda: bool(w.receiving.problem), timeout=WAIT)
        assert f"port {orthanc.storage_port} is in use" in w.receiving.problem
        assert w.receiving.label.isVisible() and "in use" in w.receiving.label.text()
        assert w.receiving.listener is None and w.boundary.messages == []
        open_and_wait(qtbot, w, phantom_dir)
        assert w.viewport.series is not None


def test_a_c_move_while_listening_arrives_through_the_listener(
        make_main_window, qtbot, orthanc, tmp_path, monkeypatch) -> None:
    _site(orthanc, tmp_path, monkeypatch, 'retrieve = "move"\n')
    w = make_main_window(load_models=False)
    qtbot.waitUntil(lambda: w.receiving.listener is not None, timeout=WAIT)
    dialog = open_search(w)
    rows = search(qtbot, dialog, patient_id=MARKED["PatientID"])
    click_item(dialog.results, rows[0])
    dialog.retrieve_button.click()
    qtbot.waitUntil(lambda: rows[0].text(STATUS) == "Complete · opened", timeout=WAIT)
    qtbot.waitUntil(lambda: w.viewport.series is not None and w.is_settled(), timeout=WAIT)
    assert w.viewport.series.study_uid == orthanc.studies["marked"]
    assert w.boundary.messages == [] and w.receiving.notices == []  # a retrieve, not a push


class PausingStore(LocalStore):
    """The real local store, holding its writer after the 5th image until let go."""

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


def test_a_study_still_arriving_shows_at_once_and_fills_in_keeping_the_view(
        listening, qtbot, orthanc) -> None:
    w = listening
    study = orthanc.studies["phantom"]
    dialog = open_search(w)
    dialog.modality.setCurrentText("CT")
    search(qtbot, dialog)
    store = PausingStore(w.settings.pacs_store_dir)
    dialog.model.store = store
    click_item(dialog.results, row_of(dialog, study))
    dialog.retrieve_button.click()
    qtbot.waitUntil(store.paused.is_set, timeout=WAIT)
    # Shown at its first images, never as complete.
    qtbot.waitUntil(lambda: w.viewport.series is not None
                    and w.viewport.displayed_image() is not None, timeout=WAIT)
    assert w.viewport.series.study_uid == study
    qtbot.waitUntil(lambda: len(w.viewport.series.frames) == 5, timeout=WAIT)  # all landed
    assert w.arriving.label.isVisible()
    assert w.arriving.label.text() == "Receiving 5 / 64 images…"
    # In the viewport too, under the image number: never "Im: 5 / 5" alone.
    lines = w.viewport.corner_text().bottom_left
    assert lines[:2] == ["Im: 5 / 5", "Receiving 5 / 64 images…"], lines
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert w.grab().save(str(SCREENSHOTS / "study-arriving.png"))
    chosen = Window(40.0, 123.0)
    w.viewport.state.update(window=chosen)
    ref = w.viewport.current_ref()
    assert ref is not None
    store.go.set()
    qtbot.waitUntil(lambda: len(w.viewport.series.frames) == 64
                    and not w.arriving.label.isVisible(), timeout=WAIT)
    assert "Receiving 5 / 64 images…" not in w.viewport.corner_text().bottom_left
    assert w.viewport.current_ref().key == ref.key  # the same image, the same window
    assert w.viewport.state.window == chosen
    assert not store.is_partial(study)
    assert w.boundary.messages == []


def test_a_push_opened_from_the_list_while_arriving_fills_in(listening, qtbot, orthanc):
    w = listening
    study = orthanc.studies["phantom"]
    listener = w.receiving.listener
    assert listener is not None
    store = PausingStore(w.settings.pacs_store_dir)
    listener.store = store  # the real store, holding its writer after the 5th image
    pushing = _push(orthanc, study)
    qtbot.waitUntil(store.paused.is_set, timeout=WAIT)
    # Listed while it arrives, marked incomplete; opened from the list.
    qtbot.waitUntil(lambda: [(r.study_uid, r.partial) for r in w.study_list.rows]
                    == [(study, True)], timeout=WAIT)
    assert "incomplete" in w.study_list.table.item(0, 7).text()
    w.study_list.table.selectRow(0)
    w.study_list.table.setFocus()
    QTest.keyClick(w.study_list.table, "\r")
    qtbot.waitUntil(lambda: w.viewport.series is not None
                    and w.viewport.displayed_image() is not None
                    and len(w.viewport.series.frames) == 5, timeout=WAIT)
    qtbot.waitUntil(lambda: w.arriving.label.text() == "Receiving: 5 images so far…",
                    timeout=WAIT)
    assert not w.is_settled()  # not done while images are on their way
    store.go.set()
    pushing.join(120)
    qtbot.waitUntil(lambda: len(w.viewport.series.frames) == 64
                    and not w.arriving.label.isVisible() and w.is_settled(), timeout=WAIT)
    assert w.receiving.notices[-1].endswith(", 64 images")
    qtbot.waitUntil(lambda: [(r.images, r.partial) for r in w.study_list.rows] == [(64, False)],
                    timeout=WAIT)
