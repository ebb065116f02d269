"""`lightbox batch --node NAME`: the studies of a REAL PACS (Debian's Orthanc, started by
these tests, tests/pacs_server.py) run as a folder's studies are: the same outputs, the
same ledger, the same audit; a finished study is never retrieved again (Orthanc's own log
of what it sent says so), a study the node cannot send is a failure by reason, a node that
goes away fails the studies left and the next run retries only those."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.archive import ROOT, lightbox, write_archive
from tests.batch.test_batch import audit_records, results_of
from tests.pacs_server import Orthanc, needs_dicomweb, running_orthanc, site_file
from tests.test_offline import WATCH_SOCKETS
from viewer.cli.batch import main as batch_main

pytestmark = pytest.mark.usefixtures("private_audit")

MODEL = "ct-lesion-cls"  # bundled; the phantom CT studies are inside its intended use
STUDIES = 4
SLICES = 2


def _wado_retrieves(log: str) -> list[str]:
    """The studies whose series Orthanc was asked for by WADO-RS, in order."""
    return re.findall(r"\(http\) GET /dicom-web/studies/([0-9.]+)/series/[0-9.]+\s", log)


#: How many retrieve requests Orthanc's verbose log shows, by the node's kind: C-GET (a
#: line per image sent), C-MOVE (a line per request), WADO-RS (a line per series).
RETRIEVES = {
    "get": lambda log: log.count("C-GET: Sending resource"),
    "move": lambda log: log.count("Move-SCU request received"),
    "web": lambda log: len(_wado_retrieves(log)),
}


@pytest.fixture(scope="module")
def pacs(tmp_path_factory) -> Iterator[tuple[Orthanc, dict[str, Path]]]:
    """An Orthanc of this module's own (the node-goes-away test stops it) holding
    ``STUDIES`` phantom CT studies (and its marked MR study), logging every image it
    sends; the studies' folders, by Study Instance UID."""
    from pydicom import dcmread

    base = tmp_path_factory.mktemp("batch-pacs")
    archive = base / "archive"
    folders = write_archive(archive, STUDIES, slices=SLICES)
    with running_orthanc(base / "orthanc", None) as server:
        by_uid = {}
        for folder in folders:
            for path in sorted(folder.iterdir()):
                assert server.upload(path) is not None
            by_uid[str(dcmread(path, stop_before_pixels=True).StudyInstanceUID)] = folder
        _verbose(server)
        yield server, by_uid


def _verbose(server: Orthanc) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{server.http_port}/tools/log-level",
                                     data=b"verbose", method="PUT")
    urllib.request.urlopen(request, timeout=30).close()


def _log(server: Orthanc) -> str:
    return (server.folder / "orthanc.log").read_text(errors="replace")


def _site(tmp_path: Path, server: Orthanc, kind: str, name: str = "orthanc") -> Path:
    """A site configuration whose node ``name`` is Orthanc spoken to by C-GET ("get"),
    C-MOVE ("move") or DICOMweb ("web")."""
    site = site_file(tmp_path / f"site-{kind}.toml", server, tmp_path / "store",
                     node='retrieve = "move"\n' if kind == "move" else "")
    text = site.read_text(encoding="utf-8").replace("[dicom_nodes.orthanc]",
                                                    f"[dicom_nodes.{name}]")
    if kind == "web":  # the DICOMweb node alone (one namespace: another name for DICOM)
        text = text.replace(f"[dicom_nodes.{name}]", "[dicom_nodes.dimse]")
        text += f'[dicomweb_nodes.{name}]\nurl = "{server.dicomweb_url}"\n'
    site.write_text(text, encoding="utf-8")
    return site


@pytest.fixture
def folder_results(pacs, tmp_path) -> dict[str, dict[str, str]]:
    """The same studies run from a folder: each study's JSON, by study UID."""
    _, studies = pacs
    out = tmp_path / "from-folder"
    archive = next(iter(studies.values())).parent
    assert batch_main([str(archive), "--model", MODEL, "--out", str(out),
                       "--workers", "1"]) == 0
    return {uid: results_of(out / uid) for uid in studies}


def _job(out: Path, *more: str, node: str = "orthanc") -> list[str]:
    return ["--node", node, "--modality", "CT", "--date", "20240101", "--model", MODEL,
            "--out", str(out), "--workers", "2", *more]


@pytest.mark.parametrize("kind", ["get", "move", pytest.param("web", marks=needs_dicomweb)])
def test_a_job_over_the_pacs_writes_what_a_job_over_a_folder_writes(
        pacs, folder_results, kind, tmp_path, monkeypatch, capsys):
    server, studies = pacs
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(_site(tmp_path, server, kind)))
    out = tmp_path / "out"
    before = len(audit_records())
    asked = RETRIEVES[kind](_log(server))
    # Two studies retrieved at once where the node allows (C-GET, DICOMweb).
    assert batch_main(_job(out, *([] if kind == "move" else ["--retrieves", "2"]))) == 0
    err = capsys.readouterr().err
    assert f"batch: {STUDIES} studies found on node orthanc" in err
    assert f"{STUDIES}/{STUDIES} studies, 0 failed, {STUDIES} retrieved" in err
    for uid in studies:  # byte for byte what the folder's job wrote
        assert results_of(out / uid) == folder_results[uid]
    summary = json.loads((out / f"batch-summary-{MODEL}.json").read_text())
    assert summary["done"] == STUDIES and summary["failed"] == 0
    runs = audit_records()[before:]
    assert len(runs) == STUDIES and {r["outcome"] for r in runs} == {"ok"}
    assert not (out / "batch-spool").exists()  # nothing of the studies kept
    assert not (tmp_path / "store").exists()  # nor put in the site's store
    retrieved = RETRIEVES[kind](_log(server))
    assert retrieved - asked >= STUDIES  # each study retrieved, the node's way
    assert batch_main(_job(out)) == 0  # again: every study done, none retrieved
    err = capsys.readouterr().err
    assert f"{STUDIES} already done (skipped), 0 to run" in err
    assert RETRIEVES[kind](_log(server)) == retrieved
    assert len(audit_records()) == before + STUDIES


def _wait_for(condition, what: str, job) -> None:
    deadline = time.monotonic() + 300  # a bound on a hung job, not a timing assertion
    while not condition():
        assert job.poll() is None, f"the job ended before {what}: " + job.stderr.read()
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def _finished(out: Path) -> set[str]:
    """The studies the ledger holds (not the atomic writer's temporary files)."""
    ledger = out / "batch-ledger"
    return {json.loads(p.read_text())["study_uid"] for p in ledger.glob("[!.]*.json")} \
        if ledger.is_dir() else set()


@needs_dicomweb
def test_a_job_killed_and_resumed_retrieves_no_finished_study_again(pacs, tmp_path):
    server, studies = pacs
    site = _site(tmp_path, server, "web")
    out = tmp_path / "out"
    env = {"LIGHTBOX_SITE_CONFIG": str(site)}
    args = ["batch", *_job(out, node="orthanc")]
    args[args.index("--workers") + 1] = "1"
    job = _lightbox(env, *args)
    _wait_for(lambda: _finished(out), "a study finished", job)
    os.killpg(job.pid, signal.SIGKILL)  # the driver and its workers, at once
    job.wait()
    finished = _finished(out)
    assert 0 < len(finished) < STUDIES, "the job was not killed mid-way"
    start = len(_log(server))
    resumed = _lightbox(env, *args)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    skipped = int(err.split(" already done (skipped)")[0].rsplit("; ", 1)[1])
    assert skipped >= len(finished)
    asked = set(_wado_retrieves(_log(server)[start:]))
    assert asked and not asked & finished  # the finished studies: never asked for again
    assert asked | _finished(out) == set(studies) == _finished(out)
    runs = audit_records()
    assert len(runs) == STUDIES and len({r["series_hash"] for r in runs}) == STUDIES
    assert not (out / "batch-spool").exists()


def _lightbox(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    with _environ(env):
        return lightbox(*args)


@contextlib.contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_a_study_the_node_cannot_send_is_a_retrieve_failure_and_the_job_goes_on(
        pacs, tmp_path, monkeypatch):
    """A study Orthanc holds as an object of a SOP class no retrieve asks for (a private
    one): C-GET cannot bring it; the other studies run."""
    from pydicom import dcmread
    from pydicom.uid import generate_uid

    server, studies = pacs
    ds = dcmread(next(iter(studies.values())) / "CT0001.dcm")
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = "1.2.826.0.1.3680043.10.9999.1"
    ds.StudyDate = "20231231"
    ds.save_as(tmp_path / "private.dcm", enforce_file_format=True)
    assert server.upload(tmp_path / "private.dcm") is not None
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(_site(tmp_path, server, "get")))
    out = tmp_path / "out"
    args = _job(out)
    args[args.index("--date") + 1] = "20231231-20240101"
    try:
        assert batch_main(args) == 1
        summary = json.loads((out / f"batch-summary-{MODEL}.json").read_text())
        assert summary["done"] == STUDIES
        assert summary["failures_by_reason"] == {"retrieve_failed": 1}
        (failure,) = summary["failures"]
        assert failure["study"] == ds.StudyInstanceUID
        assert failure["message"].startswith("retrieve failed: 1 of 1 images did not arrive")
        assert batch_main(args) == 1  # again: only that study is tried
        summary = json.loads((out / f"batch-summary-{MODEL}.json").read_text())
        assert summary["skipped_already_done"] == STUDIES and summary["failed"] == 1
    finally:
        server.forget_series(str(ds.SeriesInstanceUID))
    assert not (out / "batch-spool").exists()


def test_an_unknown_or_unreachable_node_a_bad_key_or_too_many_studies_run_nothing(
        pacs, tmp_path, monkeypatch, capsys):
    server, _ = pacs
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(_site(tmp_path, server, "get")))
    out = tmp_path / "out"
    assert batch_main(_job(out, node="nowhere")) == 2
    assert ("no node named 'nowhere' is configured; the configured ones are orthanc"
            in capsys.readouterr().err)
    args = _job(out)
    args[args.index("--date") + 1] = "2024-01-01"
    assert batch_main(args) == 2
    assert "is not a date or range" in capsys.readouterr().err
    move = _site(tmp_path, server, "move")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(move))
    assert batch_main(_job(out, "--retrieves", "2")) == 2
    assert "retrieved by C-MOVE, through this workstation's one storage port" in (
        capsys.readouterr().err)
    assert batch_main(_job(out, "--limit", "2")) == 1
    err = capsys.readouterr().err
    assert "more than 2 studies match on node orthanc; nothing ran: narrow" in err
    from tests.pacs_server import free_port

    nobody = site_file(tmp_path / "nobody.toml", server, tmp_path / "store", port=free_port())
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(nobody))
    assert batch_main(_job(out)) == 1  # the search cannot be made: nothing runs
    assert "cannot be reached" in capsys.readouterr().err
    assert not (out / "batch-ledger").exists() and audit_records() == []
    with pytest.raises(SystemExit):
        batch_main([str(tmp_path), "--node", "orthanc", "--model", MODEL, "--out", str(out)])
    with pytest.raises(SystemExit):
        batch_main([str(tmp_path), "--modality", "CT", "--model", MODEL, "--out", str(out)])


def test_a_node_that_goes_away_fails_the_studies_left_and_a_rerun_retries_only_those(
        pacs, tmp_path):
    server, studies = pacs
    env = {"LIGHTBOX_SITE_CONFIG": str(_site(tmp_path, server, "get"))}
    out = tmp_path / "out"
    args = ["batch", *_job(out)]
    args[args.index("--workers") + 1] = "1"
    job = _lightbox(env, *args)
    try:
        _wait_for(lambda: _finished(out), "a study finished", job)
        server.kill()  # the PACS goes away mid-job
        _, err = job.communicate(timeout=600)
    finally:
        server.start()
        _verbose(server)
    assert job.returncode == 1, err
    summary = json.loads((out / f"batch-summary-{MODEL}.json").read_text())
    failed = summary["failed"]
    assert 0 < failed < STUDIES, "the node did not go away mid-job"
    assert summary["failures_by_reason"] == {"retrieve_failed": failed}
    assert all(f["message"].startswith("retrieve failed: ") for f in summary["failures"])
    assert "retrieve_failed: " in err
    rerun = _lightbox(env, *args)
    _, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err
    assert f"{STUDIES - failed} already done (skipped), {failed} to run" in err
    assert _finished(out) == set(studies)
    runs = audit_records()
    assert len(runs) == STUDIES and len({r["series_hash"] for r in runs}) == STUDIES


def test_the_docs_command_runs(pacs, tmp_path):
    """docs/batch.md, "From the PACS": its command, as written, on a node named pacs."""
    server, studies = pacs
    doc = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"## From the PACS\n\n```sh\n(.*?)```", doc, re.S)
    site = _site(tmp_path, server, "get", name="pacs")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LIGHTBOX_SITE_CONFIG": str(site)}
    for line in block.strip().splitlines():
        args = line.split()
        assert args[:2] == ["lightbox", "batch"]
        done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600, env=env)
        assert done.returncode == 0, line + done.stderr
    summary = json.loads((tmp_path / "results" / f"batch-summary-{MODEL}.json").read_text())
    assert summary["failed"] == 0 and summary["done"] + summary["skipped_already_done"] \
        == STUDIES


BATCH_PROBE = WATCH_SOCKETS + """
import json
from viewer.cli.main import main
code = main(["batch", *sys.argv[1:]])
print(json.dumps({"code": code, "seen": seen}))
"""


@pytest.mark.parametrize("kind", ["move", pytest.param("web", marks=needs_dicomweb)])
def test_the_job_contacts_the_named_node_alone(pacs, kind, tmp_path):
    """Every connection of the job goes to the node (its DICOM port, or its HTTP port for
    DICOMweb), and the only port it listens on is the storage port of a C-MOVE."""
    server, _ = pacs
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "LIGHTBOX_SITE_CONFIG": str(_site(tmp_path, server, kind))}
    done = subprocess.run([sys.executable, "-c", BATCH_PROBE, *_job(tmp_path / "out")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["code"] == 0, done.stderr
    connects = {tuple(a) for e, a in report["seen"] if e == "socket.connect"}
    binds = {tuple(a)[1] for e, a in report["seen"] if e == "socket.bind"} - {0}
    port = server.http_port if kind == "web" else server.dicom_port
    assert connects == {("127.0.0.1", port)}, report["seen"]
    assert binds == ({server.storage_port} if kind == "move" else set()), report["seen"]


def test_a_job_over_the_pacs_runs_on_a_local_ray_instance_too(pacs, folder_results, tmp_path):
    """The retrieves in the command's process, the studies in Ray tasks reading the
    spool: the same outputs."""
    pytest.importorskip("ray")
    server, studies = pacs
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "LIGHTBOX_SITE_CONFIG": str(_site(tmp_path, server, "get"))}
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "viewer", "batch", *_job(out),
                           "--ray", "local"], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "to run on a local Ray instance" in done.stderr
    for uid in studies:
        assert results_of(out / uid) == folder_results[uid]
    assert not (out / "batch-spool").exists()


def test_ctrl_c_keeps_no_image_and_the_same_command_goes_on(pacs, tmp_path):
    _, studies = pacs
    env = {"LIGHTBOX_SITE_CONFIG": str(_site(tmp_path, pacs[0], "get"))}
    out = tmp_path / "out"
    args = ["batch", *_job(out)]
    args[args.index("--workers") + 1] = "1"
    job = _lightbox(env, *args)
    _wait_for(lambda: _finished(out), "a study finished", job)
    os.killpg(job.pid, signal.SIGINT)  # Ctrl+C in a terminal reaches the whole group
    _, err = job.communicate(timeout=600)
    assert job.returncode == 130, err
    assert not (out / "batch-spool").exists()  # the retrieved, not yet run: gone too
    resumed = _lightbox(env, *args)
    _, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err
    assert _finished(out) == set(studies)
    runs = audit_records()
    assert len(runs) == STUDIES and len({r["series_hash"] for r in runs}) == STUDIES
