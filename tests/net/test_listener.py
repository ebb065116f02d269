"""The viewer's own Storage SCP (viewer.net.listener) against the real Orthanc: a pushed
study is stored, listed incomplete while it arrives and complete when the node closes the
association, with one arrival report naming the node; a C-MOVE retrieve while it listens
goes through it (the port is not opened twice); the port taken says so; stopping frees
the port; a caller that is not a configured node stores nothing."""

from __future__ import annotations

import socket
import threading

import pytest

from tests.net.test_pacs import phantom
from tests.pacs_server import LIGHTBOX_AET, site_file
from viewer.host.settings import Settings, load_settings
from viewer.net.dimse import node_named
from viewer.net.errors import NetworkError
from viewer.net.index import StudyIndex
from viewer.net.listener import Arrival, Listener, running
from viewer.net.retrieve import retrieve
from viewer.net.store import LocalStore


@pytest.fixture
def settings(orthanc, tmp_path) -> Settings:
    loaded = load_settings(site_file(tmp_path / "site.toml", orthanc, tmp_path / "store"))
    assert loaded.problems == ()
    return loaded


def _partial(settings: Settings, study: str) -> bool | None:
    with StudyIndex.open(settings.pacs_store_dir, reconcile=False) as index:
        row = index.study(study)
        return None if row is None else row.partial


def test_a_push_is_stored_listed_incomplete_while_arriving_then_complete(settings, orthanc):
    study = phantom(orthanc)
    arrivals: list[Arrival] = []
    while_arriving: list[bool | None] = []
    lock = threading.Lock()

    def heard(arrival: Arrival) -> None:
        with lock:
            if not arrival.done and not while_arriving:
                while_arriving.append(_partial(settings, study))
            arrivals.append(arrival)

    listener = Listener(settings, on_arrival=heard)
    listener.start()
    try:
        assert running(settings) is listener
        orthanc.push(study)
        for _ in range(200):  # Orthanc's answer may come before its association closes
            if any(a.done for a in arrivals):
                break
            threading.Event().wait(0.05)
    finally:
        listener.stop()
    assert running(settings) is None
    assert while_arriving == [True]  # listed, marked incomplete, from its first image
    done = [a for a in arrivals if a.done]
    assert [(a.study_uid, a.node, a.images) for a in done] == [(study, "orthanc", 64)]
    assert done[0].patient_name  # the viewer decides whether to show it
    assert len(LocalStore(settings.pacs_store_dir).instances(study)) == 64
    assert _partial(settings, study) is False
    assert listener.stored == 64


def test_a_c_move_while_listening_goes_through_the_listener(settings, orthanc):
    arrivals: list[Arrival] = []
    listener = Listener(settings, on_arrival=arrivals.append)
    listener.start()
    try:
        outcome = retrieve(node_named(settings, "orthanc"), settings,
                           orthanc.studies["marked"], method="move")
    finally:
        listener.stop()
    assert outcome.complete and outcome.stored == 1
    assert arrivals == []  # the retrieve's images, not a push


def test_the_port_taken_says_so_and_stopping_frees_it(settings):
    first = Listener(settings)
    first.start()
    try:
        second = Listener(settings)
        with pytest.raises(NetworkError, match=f"cannot listen on its storage port "
                                               f"{settings.storage_port}.*another program"):
            second.start()
        assert running(settings) is first
    finally:
        first.stop()
    with socket.socket() as probe:  # free again: a server can listen there (as any does)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("", settings.storage_port))
        probe.listen(1)


def test_a_caller_that_is_not_a_configured_node_stores_nothing(settings):
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage

    arrivals: list[Arrival] = []
    listener = Listener(settings, on_arrival=arrivals.append)
    listener.start()
    try:
        stranger = AE(ae_title="STRANGER")
        stranger.add_requested_context(CTImageStorage)
        assoc = stranger.associate("127.0.0.1", settings.storage_port, ae_title=LIGHTBOX_AET)
        assert assoc.is_rejected
    finally:
        listener.stop()
    assert arrivals == [] and listener.stored == 0
    assert not settings.pacs_store_dir.exists() or not any(settings.pacs_store_dir.glob("*/*/*.dcm"))


def test_a_push_of_a_study_a_retrieve_left_partial_leaves_it_for_the_retrieve(settings,
                                                                            orthanc):
    """A partial retrieve's marker is the retrieve's: a push does not say it is complete
    (here every image does arrive; the next retrieve finds them and completes it)."""
    from viewer.net.store import PARTIAL

    study = phantom(orthanc)
    store = LocalStore(settings.pacs_store_dir)
    store.mark_partial(study, "orthanc")
    marker = (store.study_dir(study) / PARTIAL).read_text()
    listener = Listener(settings, store=store)
    listener.start()
    try:
        orthanc.push(study)
    finally:
        listener.stop()
    assert store.is_partial(study) and (store.study_dir(study) / PARTIAL).read_text() == marker
    outcome = retrieve(node_named(settings, "orthanc"), settings, study, store=store)
    assert outcome.complete and outcome.skipped == 64 and not store.is_partial(study)
    store.close()
