"""Query/retrieve against a real Orthanc (the session fixture in tests/conftest.py): echo, find by each key,
get, move, resumption after a cancelled retrieve and after Orthanc was killed mid-way,
refused association, unreachable and silent nodes, a full disk, hostile UIDs."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pacs_server import LIGHTBOX_AET, MARKED, Orthanc, free_port, site_file
from viewer.errors import Cancelled
from viewer.host.settings import Settings, load_settings
from viewer.net.dimse import echo, node_named
from viewer.net.errors import (
    AssociationRefusedError,
    LocalStoreError,
    NodeNotConfiguredError,
    NodeTimeoutError,
    NodeUnreachableError,
    QueryKeyError,
    TransferBrokenError,
)
from viewer.net.query import Query, SeriesMatch, StudyMatch, find
from viewer.net.receiver import Progress
from viewer.net.retrieve import retrieve
from viewer.net.store import PARTIAL, LocalStore
from viewer.tasks.cancel import CancelToken

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(orthanc, tmp_path) -> Settings:
    loaded = load_settings(site_file(tmp_path / "site.toml", orthanc, tmp_path / "store"))
    assert loaded.problems == ()
    return loaded


def phantom(orthanc: Orthanc) -> str:
    return orthanc.studies["phantom"]


def test_echo(settings) -> None:
    echo(node_named(settings, "orthanc"), settings)


def test_find_by_each_key(settings, orthanc) -> None:
    node = node_named(settings, "orthanc")
    every = find(node, Query(), settings).matches
    assert len(every) == 9 and all(isinstance(m, StudyMatch) for m in every)
    demo = next(m for m in every if m.study_uid == phantom(orthanc))
    assert isinstance(demo, StudyMatch) and demo.modalities == ("CT",)
    assert demo.instance_count == 64
    marked = orthanc.studies["marked"]
    by = {
        "name": Query(patient_name="Zzqmark*"),
        "name ?": Query(patient_name="Zzqmarker?Patient"),
        "id": Query(patient_id=MARKED["PatientID"]),
        "accession": Query(accession=MARKED["AccessionNumber"]),
        "date": Query(study_date="20240301-20240331"),
        "date from": Query(study_date="20240315-"),
        "modality": Query(modality="MR", patient_id=MARKED["PatientID"]),
    }
    for key, query in by.items():
        found = [m.study_uid for m in find(node, query, settings).matches]
        assert marked in found, key
        assert len(found) < len(every), key
    assert find(node, Query(patient_id="no-such-patient"), settings).matches == ()
    old = [m.study_uid for m in find(node, Query(study_date="-19000101"), settings).matches]
    assert marked not in old and demo.study_uid not in old
    assert demo.study_uid in [m.study_uid for m in find(node, Query(modality="CT"),
                                                         settings).matches]
    series = find(node, Query(level="series", study_uid=demo.study_uid), settings).matches
    assert len(series) == 1 and isinstance(series[0], SeriesMatch)
    assert (series[0].modality, series[0].instance_count) == ("CT", 64)


def test_a_query_matching_more_than_the_limit_lists_the_first_and_says_narrow(settings):
    result = find(node_named(settings, "orthanc"), Query(), settings, limit=3)
    assert len(result.matches) == 3 and result.more
    assert "narrow the search" in result.advice


@pytest.mark.parametrize("date", ["2024", "20241301", "20240201-20240101", "-", "2024-01-01"])
def test_a_date_that_is_not_a_range_is_refused_before_sending(settings, date) -> None:
    with pytest.raises(QueryKeyError, match="date"):
        find(node_named(settings, "orthanc"), Query(study_date=date), settings)


@pytest.mark.parametrize("method", ["get", "move"])
def test_retrieve_then_again_skips_everything(settings, orthanc, method) -> None:
    node = node_named(settings, "orthanc")
    seen: list[Progress] = []
    outcome = retrieve(node, settings, phantom(orthanc), method=method, progress=seen.append)
    assert (outcome.stored, outcome.total, outcome.complete) == (64, 64, True)
    assert seen[-1] == Progress(64, 0, 0, 64)
    folder = settings.pacs_store_dir / phantom(orthanc)
    files = sorted(folder.glob("*/*.dcm"))
    assert len(files) == 64 and not (folder / PARTIAL).exists()
    assert not list(folder.rglob("*.part"))
    import pydicom

    first = pydicom.dcmread(files[0])
    assert first.SOPInstanceUID == files[0].stem and first.Modality == "CT"
    again = retrieve(node, settings, phantom(orthanc), method=method)
    assert (again.stored, again.skipped, again.complete) == (0, 64, True)


def test_one_series_by_get(settings, orthanc) -> None:
    node = node_named(settings, "orthanc")
    series = find(node, Query(level="series", study_uid=phantom(orthanc)), settings).matches
    assert isinstance(series[0], SeriesMatch)
    outcome = retrieve(node, settings, phantom(orthanc), series[0].series_uid)
    assert outcome.complete and outcome.stored == 64


def test_a_cancelled_retrieve_is_marked_partial_and_resumes(settings, orthanc) -> None:
    node = node_named(settings, "orthanc")
    token = CancelToken()

    def cancel_at_20(p: Progress) -> None:
        if p.stored >= 20:
            token.cancel()

    with pytest.raises(Cancelled):
        retrieve(node, settings, phantom(orthanc), progress=cancel_at_20, token=token)
    store = LocalStore(settings.pacs_store_dir)
    kept = len(store.instances(phantom(orthanc)))
    assert 20 <= kept < 64 and store.is_partial(phantom(orthanc))
    assert not list(settings.pacs_store_dir.rglob("*.part"))
    resumed = retrieve(node, settings, phantom(orthanc))
    assert (resumed.skipped, resumed.stored, resumed.complete) == (kept, 64 - kept, True)
    assert not store.is_partial(phantom(orthanc))


def test_orthanc_killed_mid_transfer_then_restarted_and_resumed(settings, orthanc) -> None:
    node = node_named(settings, "orthanc")

    def kill_at_10(p: Progress) -> None:
        if p.stored == 10:
            orthanc.kill()

    try:
        with pytest.raises(TransferBrokenError, match="retrieve again"):
            retrieve(node, settings, phantom(orthanc), progress=kill_at_10)
    finally:
        orthanc.start()
    store = LocalStore(settings.pacs_store_dir)
    kept = len(store.instances(phantom(orthanc)))
    assert 10 <= kept < 64 and store.is_partial(phantom(orthanc))
    resumed = retrieve(node, settings, phantom(orthanc), method="move")
    assert (resumed.skipped + resumed.stored, resumed.complete) == (64, True)
    assert resumed.skipped == kept


def test_a_wrong_called_ae_title_is_refused_with_the_reason(orthanc, tmp_path) -> None:
    settings = load_settings(site_file(tmp_path / "s.toml", orthanc, tmp_path / "st",
                                       ae="NOT_ORTHANC"))
    with pytest.raises(AssociationRefusedError, match="Called AE title not recognised"):
        echo(node_named(settings, "orthanc"), settings)


def test_nothing_listening_is_unreachable(orthanc, tmp_path) -> None:
    settings = load_settings(site_file(tmp_path / "s.toml", orthanc, tmp_path / "st",
                                       port=free_port()))
    with pytest.raises(NodeUnreachableError, match="cannot be reached"):
        echo(node_named(settings, "orthanc"), settings)


def test_a_node_that_never_answers_times_out(orthanc, tmp_path) -> None:
    with socket.socket() as silent:  # accepts the connection (backlog), never speaks
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings = load_settings(site_file(tmp_path / "s.toml", orthanc, tmp_path / "st",
                                           port=silent.getsockname()[1], timeout=1))
        with pytest.raises(NodeTimeoutError, match="did not answer"):
            echo(node_named(settings, "orthanc"), settings)


def test_an_unknown_node_names_the_configured_ones(settings) -> None:
    with pytest.raises(NodeNotConfiguredError, match="configured ones are orthanc"):
        node_named(settings, "elsewhere")


def test_hostile_uids_never_become_paths(settings, orthanc, tmp_path) -> None:
    node = node_named(settings, "orthanc")
    for hostile in ("../../x", "/etc/passwd", "1.2/../..", "1.2." + "3" * 70):
        with pytest.raises(QueryKeyError, match="not a DICOM UID"):
            retrieve(node, settings, hostile)
        with pytest.raises(LocalStoreError, match="not a DICOM UID"):
            LocalStore(tmp_path / "store").path_for(hostile, "1.2", "1.3")
    assert not (tmp_path / "x").exists()


def test_an_object_with_a_hostile_uid_on_the_node_is_refused_not_stored(settings, orthanc,
                                                                        pydicom_files):
    import pydicom

    ds = pydicom.dcmread(pydicom_files / "CT_small.dcm")
    ds.StudyInstanceUID = "1.2.3.4.5.6.7.777"
    ds.SeriesInstanceUID = "../../escaped"
    ds.SOPInstanceUID = "1.2.3.4.5.6.7.778"
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    path = settings.pacs_store_dir.parent / "hostile.dcm"
    ds.save_as(path)
    assert orthanc.upload(path) is not None
    node = node_named(settings, "orthanc")
    outcome = retrieve(node, settings, "1.2.3.4.5.6.7.777")
    # The node lists an image whose series UID is no UID: it is never asked for a path.
    assert (outcome.stored, outcome.failed, outcome.complete) == (0, 1, False)
    assert "not DICOM UIDs" in outcome.problems[0]
    assert not (settings.pacs_store_dir.parent / "escaped").exists()
    assert not list(settings.pacs_store_dir.parent.rglob("escaped*"))


@pytest.mark.skipif(os.geteuid() != 0 if hasattr(os, "geteuid") else True,
                    reason="a small tmpfs for the full disk needs root (CI is root)")
def test_a_full_disk_stops_with_a_clear_message_and_resumes(orthanc, tmp_path) -> None:
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        settings = load_settings(site_file(tmp_path / "s.toml", orthanc, small / "store"))
        node = node_named(settings, "orthanc")
        with pytest.raises(LocalStoreError, match="is full"):
            retrieve(node, settings, phantom(orthanc))
        store = LocalStore(settings.pacs_store_dir)
        assert store.is_partial(phantom(orthanc))
        assert not list(small.rglob("*.part")), "a half-written file was left"
        kept = store.instances(phantom(orthanc))
        assert 0 < len(kept) < 64
        shutil.copytree(small / "store", tmp_path / "store")
    finally:
        subprocess.run(["umount", str(small)], check=False)
    settings = load_settings(site_file(tmp_path / "s2.toml", orthanc, tmp_path / "store"))
    resumed = retrieve(node_named(settings, "orthanc"), settings, phantom(orthanc))
    assert (resumed.skipped, resumed.complete) == (len(kept), True)


def test_the_cli_echo_find_get(orthanc, tmp_path) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site)}

    def lightbox(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "viewer", "pacs", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)

    assert lightbox("echo", "orthanc").returncode == 0
    found = lightbox("find", "--modality", "CT", "orthanc")
    assert found.returncode == 0 and phantom(orthanc) in found.stdout
    capped = lightbox("find", "--limit", "2", "orthanc")
    assert capped.returncode == 1 and "narrow the search" in capped.stderr
    assert len(capped.stdout.splitlines()) == 2
    got = lightbox("get", "--study", phantom(orthanc), "--move", "orthanc")
    assert got.returncode == 0, got.stderr
    assert "64/64 images" in got.stderr
    assert Path(got.stdout.strip()) == tmp_path / "store" / phantom(orthanc)
    unknown = lightbox("echo", "nowhere")
    assert unknown.returncode == 2 and "configured ones are orthanc" in unknown.stderr
    bad = lightbox("get", "--study", "../../x", "orthanc")
    assert bad.returncode == 2 and "not a DICOM UID" in bad.stderr


def test_the_storage_scp_refuses_a_caller_that_is_not_a_configured_node(settings, orthanc):
    """During a C-MOVE only the configured nodes' AE titles may store to Lightbox."""
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage

    from viewer.net.storage_scp import storage_scp

    stored: list[object] = []
    with storage_scp(settings, lambda event: stored.append(event) or 0):
        stranger = AE(ae_title="STRANGER")
        stranger.add_requested_context(CTImageStorage)
        assoc = stranger.associate("127.0.0.1", settings.storage_port, ae_title=LIGHTBOX_AET)
        assert assoc.is_rejected
    assert stored == []


def test_the_self_test_echoes_each_node_only_when_asked(orthanc, tmp_path) -> None:
    from viewer.cli.selftest import check_network, run_checks

    good = load_settings(site_file(tmp_path / "s.toml", orthanc, tmp_path / "st"))
    (check,) = check_network(good)
    assert (check.name, check.status) == ("DICOM node orthanc", "OK"), check.detail
    wrong = load_settings(site_file(tmp_path / "w.toml", orthanc, tmp_path / "st", ae="NOPE"))
    (check,) = check_network(wrong)
    assert check.status == "FAIL" and "refused" in check.detail, check.detail
    assert check_network(load_settings(tmp_path / "absent.toml"))[0].status == "SKIP"
    assert not any("DICOM node" in c.name for c in run_checks(good, qt=False))


def test_a_malformed_or_foreign_object_sent_to_the_scp_is_refused_not_stored(
        settings, tmp_path, pydicom_files) -> None:
    """What a node sends is checked before it is stored: a malformed data set (a Study
    Instance UID with a path after it) and an object of another study are refused with a
    failure status, counted and named, and nothing is written outside the store."""
    import pydicom
    from pynetdicom import AE
    from pynetdicom.sop_class import CTImageStorage

    from tests.pacs_server import ORTHANC_AET
    from viewer.net.receiver import Receiver
    from viewer.net.storage_scp import storage_scp

    ds = pydicom.dcmread(pydicom_files / "CT_small.dcm")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3.4", "1.2.3.4.1"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.1.1"
    ds.save_as(tmp_path / "good.dcm")
    ds.StudyInstanceUID = "1.2.3.999"
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.1.2"
    ds.save_as(tmp_path / "foreign.dcm")
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = "1.2.3.4.1.3"
    ds.StudyInstanceUID = "1.2.3.4\x00/../../../x"  # garbage after the UID: a path
    ds.save_as(tmp_path / "broken.dcm")

    store = LocalStore(tmp_path / "store")
    receiver = Receiver(store, "1.2.3.4", None, 3, 0, CancelToken(), None)
    receiver.start()
    with storage_scp(settings, receiver.on_store):
        node = AE(ae_title=ORTHANC_AET)
        node.add_requested_context(CTImageStorage)
        assoc = node.associate("127.0.0.1", settings.storage_port, ae_title=LIGHTBOX_AET)
        assert assoc.is_established
        statuses = [assoc.send_c_store(tmp_path / name).Status
                    for name in ("good.dcm", "foreign.dcm", "broken.dcm")]
        assoc.release()
    receiver.finish()
    assert statuses[0] == 0x0000 and statuses[1] != 0x0000 and statuses[2] != 0x0000
    assert store.instances("1.2.3.4") == {("1.2.3.4.1", "1.2.3.4.1.1")}
    assert (receiver.stored, receiver.failed) == (1, 2)
    assert any("another study" in p for p in receiver.problems)
    assert any("not DICOM UIDs" in p for p in receiver.problems), receiver.problems
    assert not list((tmp_path / "store").rglob("*.part"))
    assert not (tmp_path / "x").exists() and not list(tmp_path.parent.glob("x"))


KILLER = """
import os, signal, sys
from viewer.host.settings import load_settings
from viewer.net.retrieve import retrieve

settings = load_settings(sys.argv[1])


def die_at_12(p):
    if p.stored == 12:
        os.kill(os.getpid(), signal.SIGKILL)  # as a crash or the task manager would


retrieve(settings.dicom_nodes["orthanc"], settings, sys.argv[2], progress=die_at_12)
"""


def test_lightbox_killed_mid_retrieve_resumes_with_the_command(orthanc, tmp_path) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    study = phantom(orthanc)
    killed = subprocess.run([sys.executable, "-c", KILLER, str(site), study], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    store = LocalStore(tmp_path / "store")
    kept = len(store.instances(study))
    assert 12 <= kept < 64 and store.is_partial(study)
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site)}
    resumed = subprocess.run([sys.executable, "-m", "viewer", "pacs", "get", "--study", study,
                              "orthanc"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({64 - kept} received, {kept} already here, 0 refused)" in resumed.stderr
    assert len(store.instances(study)) == 64 and not store.is_partial(study)
    assert not list((tmp_path / "store").rglob("*.part")), "a killed write's leftovers stay"


def test_a_workstation_the_node_does_not_know_is_told_what_to_ask_for(orthanc, tmp_path):
    """Orthanc accepts the association of an unknown AE title, then aborts its search."""
    site = site_file(tmp_path / "s.toml", orthanc, tmp_path / "st")
    site.write_text(site.read_text().replace(f'"{LIGHTBOX_AET}"', '"UNKNOWNWS"'))
    settings = load_settings(site)
    node = node_named(settings, "orthanc")
    with pytest.raises(TransferBrokenError, match="may not let Lightbox's AE title 'UNKNOWNWS'"):
        find(node, Query(), settings)
    with pytest.raises(TransferBrokenError, match="broke off the listing"):
        retrieve(node, settings, phantom(orthanc), method="move")
    assert not LocalStore(tmp_path / "st").is_partial(phantom(orthanc))


def test_a_study_pushed_by_the_pacs_is_stored(settings, orthanc) -> None:
    from viewer.net.push import receive_pushes

    seen: list[Progress] = []
    with receive_pushes(settings, progress=seen.append) as receiver:
        orthanc.push(phantom(orthanc))
    assert (receiver.stored, receiver.studies) == (64, {phantom(orthanc)})
    assert len(LocalStore(settings.pacs_store_dir).instances(phantom(orthanc))) == 64
    assert seen[-1].stored == 64
    with receive_pushes(settings) as again:  # pushed twice: nothing written twice
        orthanc.push(phantom(orthanc))
    assert (again.stored, again.skipped) == (0, 64)


def test_lightbox_pacs_listen_stores_a_push_until_ctrl_c(orthanc, tmp_path) -> None:
    import signal

    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site)}
    listener = subprocess.Popen([sys.executable, "-m", "viewer", "pacs", "listen"], cwd=ROOT,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    try:
        assert listener.stderr is not None
        first = listener.stderr.readline()
        assert first.startswith(f"listening on port {orthanc.storage_port} as {LIGHTBOX_AET}"), (
            first + listener.stderr.read())
        orthanc.push(orthanc.studies["marked"])
        listener.send_signal(signal.SIGINT)
        out, err = listener.communicate(timeout=120)
    finally:
        if listener.poll() is None:
            listener.kill()
    assert listener.returncode == 0, err
    assert "stopped: 1 images of 1 studies stored" in err
    assert out.strip() == str(tmp_path / "store" / orthanc.studies["marked"])


def test_a_move_the_node_cannot_deliver_says_where_to_look(orthanc, tmp_path) -> None:
    """Orthanc knows Lightbox at another port than the one it listens on (a firewall or a
    wrong entry at the PACS looks the same): the retrieve is incomplete and says why."""
    site = site_file(tmp_path / "s.toml", orthanc, tmp_path / "st")
    site.write_text(site.read_text().replace(f"storage_port = {orthanc.storage_port}",
                                             f"storage_port = {free_port()}"))
    settings = load_settings(site)
    outcome = retrieve(node_named(settings, "orthanc"), settings, phantom(orthanc),
                       method="move")
    assert not outcome.complete and outcome.stored == 0
    assert any("may not reach this workstation" in p for p in outcome.problems), outcome
    assert LocalStore(tmp_path / "st").is_partial(phantom(orthanc))
