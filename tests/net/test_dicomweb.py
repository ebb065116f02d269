"""DICOMweb against the real Orthanc and its DICOMweb plugin (tests/conftest.py): QIDO-RS
search by each key giving what C-FIND gives, WADO-RS retrieve into the same store (files
equal to Orthanc's, opened by the viewer's loader), a cancelled retrieve resumed image by
image, STOW-RS of what ``lightbox infer --dicom`` wrote found again by a query and
audited; credentials refused by an Orthanc that asks for them, nothing listening, a base
path that is not the service's, the site file's rules for ``dicomweb_nodes``."""

from __future__ import annotations

import dataclasses
import json
import os
import urllib.request
from pathlib import Path

import pydicom
import pytest

from tests.pacs_server import (
    MARKED,
    WEB_PASSWORD,
    WEB_USER,
    Orthanc,
    free_port,
    needs_dicomweb,
    site_file,
)
from viewer.audit.log import AuditLog
from viewer.cli.ai import infer_main
from viewer.cli.pacs import main as pacs_main
from viewer.errors import Cancelled
from viewer.host.dicomweb_nodes import DicomWebNode
from viewer.host.settings import Settings, load_settings
from viewer.net.errors import (
    AssociationRefusedError,
    NodeFailureError,
    NodeNotConfiguredError,
    NodeTimeoutError,
    NodeUnreachableError,
    TransferBrokenError,
)
from viewer.net.nodes import echo, find, node_named, retrieve
from viewer.net.query import Query, SeriesMatch, StudyMatch
from viewer.net.receiver import Progress
from viewer.net.store import PARTIAL, LocalStore
from viewer.net.web import CHUNK
from viewer.tasks.cancel import CancelToken

pytestmark = [pytest.mark.usefixtures("private_audit"), needs_dicomweb]
MODELS = Path(__file__).resolve().parents[2] / "models"


def web_site(tmp_path: Path, orthanc: Orthanc, *, url: str | None = None, node: str = "",
             top: str = "") -> Settings:
    """The tests' site file (the DICOM node "orthanc") plus the DICOMweb node "web"."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    path.write_text(top + path.read_text(encoding="utf-8")
                    + f'[dicomweb_nodes.web]\nurl = "{url or orthanc.dicomweb_url}"\n' + node,
                    encoding="utf-8")
    return load_settings(path, tmp_path / "user.toml")


@pytest.fixture
def settings(orthanc, tmp_path) -> Settings:
    loaded = web_site(tmp_path, orthanc)
    assert loaded.problems == ()
    return loaded


def test_qido_finds_by_each_key_what_c_find_finds(settings, orthanc) -> None:
    web, dimse = node_named(settings, "web"), node_named(settings, "orthanc")
    assert isinstance(web, DicomWebNode)
    echo(web, settings)
    every = find(web, Query(), settings).matches
    assert sorted(every, key=lambda m: m.study_uid) == sorted(
        find(dimse, Query(), settings).matches, key=lambda m: m.study_uid)
    demo = next(m for m in every if m.study_uid == orthanc.studies["phantom"])
    assert isinstance(demo, StudyMatch) and demo.modalities == ("CT",)
    assert demo.instance_count == 64
    marked = orthanc.studies["marked"]
    by = {"name": Query(patient_name="Zzqmark*"),
          "name ?": Query(patient_name="Zzqmarker?Patient"),
          "id": Query(patient_id=MARKED["PatientID"]),
          "accession": Query(accession=MARKED["AccessionNumber"]),
          "date": Query(study_date="20240301-20240331"),
          "date from": Query(study_date="20240315-"),
          "modality": Query(modality="MR", patient_id=MARKED["PatientID"])}
    for key, query in by.items():
        found = [m.study_uid for m in find(web, query, settings).matches]
        assert marked in found and len(found) < len(every), key
    assert find(web, Query(patient_id="no-such-patient"), settings).matches == ()
    series = find(web, Query(level="series", study_uid=demo.study_uid), settings).matches
    assert series == find(dimse, Query(level="series", study_uid=demo.study_uid),
                          settings).matches
    assert isinstance(series[0], SeriesMatch) and series[0].instance_count == 64
    capped = find(web, Query(), settings, limit=2)
    assert len(capped.matches) == 2 and capped.more and "narrow" in capped.advice


def test_wado_retrieve_stores_orthancs_files_and_the_viewer_opens_them(settings,
                                                                       orthanc) -> None:
    from viewer.io.frames import frame_source
    from viewer.io.scan import scan

    study = orthanc.studies["phantom"]
    seen: list[Progress] = []
    outcome = retrieve(node_named(settings, "web"), settings, study, progress=seen.append)
    assert (outcome.stored, outcome.total, outcome.complete) == (64, 64, True)
    assert seen[-1] == Progress(64, 0, 0, 64)
    folder = settings.pacs_store_dir / study
    files = sorted(folder.glob("*/*.dcm"))
    assert len(files) == 64 and not (folder / PARTIAL).exists()
    assert not list(folder.rglob("*.part"))
    for path in files[:: 16]:
        (found,) = orthanc.rest("/tools/lookup", path.stem.encode())  # type: ignore[misc]
        url = f"http://127.0.0.1:{orthanc.http_port}/instances/{found['ID']}/file"
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert answer.read() == path.read_bytes(), path.name
    opened = scan([folder])
    (series,) = opened.all_series()
    assert opened.problems == [] and len(series.frames) == 64
    assert frame_source()(series.frames[32]).std() > 10  # the phantom's pixels decode
    again = retrieve(node_named(settings, "web"), settings, study)
    assert (again.stored, again.skipped, again.complete) == (0, 64, True)


def test_a_cancelled_wado_retrieve_is_partial_and_resumes_the_missing_images(
        settings, orthanc) -> None:
    study, node, token = orthanc.studies["phantom"], node_named(settings, "web"), CancelToken()

    def cancel_at_20(p: Progress) -> None:
        if p.stored >= 20:
            token.cancel()

    with pytest.raises(Cancelled):
        retrieve(node, settings, study, progress=cancel_at_20, token=token)
    store = LocalStore(settings.pacs_store_dir)
    kept = len(store.instances(study))
    assert 20 <= kept < 64 and store.is_partial(study)
    resumed = retrieve(node, settings, study)
    assert (resumed.skipped, resumed.stored, resumed.complete) == (kept, 64 - kept, True)
    assert not store.is_partial(study)


def test_stow_sends_what_infer_wrote_and_a_query_finds_it(orthanc, tmp_path, capsys) -> None:
    settings = web_site(tmp_path, orthanc, top='results_destination = "web"\n')
    assert settings.problems == () and settings.results_destination == "web"
    study = orthanc.studies["phantom"]
    assert retrieve(node_named(settings, "web"), settings, study).complete
    out, sent = tmp_path / "out", []
    try:
        code = infer_main([str(settings.pacs_store_dir / study), "--model", "ct-body-seg",
                           "--frame", "5", "--out", str(out), "--models-dir", str(MODELS),
                           "--accept-warnings", "--send"], settings=settings)
        err = capsys.readouterr().err
        assert code == 0, err
        assert f"1 object(s) sent to web ({orthanc.dicomweb_url})" in err
        seg = out / "ct-body-seg-seg.dcm"
        sent.append(seg)
        written = pydicom.dcmread(seg)
        found = find(node_named(settings, "web"),
                     Query(level="series", study_uid=study, modality="SEG"), settings).matches
        assert [m.series_uid for m in found] == [written.SeriesInstanceUID]
        (record,) = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        assert record["node"] == "web" and record["outcome"] == "ok"
        assert record["address"] == orthanc.dicomweb_url and record["ae_title"] == ""
        assert record["objects"][0]["status"] == "sent"
        # The command sends by the same path; an image is not something Lightbox sends.
        assert pacs_main(["send", "web", str(seg)], settings) == 0
        image = next((settings.pacs_store_dir / study).rglob("*.dcm"))
        assert pacs_main(["send", "web", str(image)], settings) == 2
        assert "not a kind of object Lightbox sends" in capsys.readouterr().err
    finally:
        for path in sent:
            orthanc.forget_series(pydicom.dcmread(path).SeriesInstanceUID)


def test_the_commands_and_the_self_test_take_a_dicomweb_node(settings, orthanc,
                                                             capsys) -> None:
    from viewer.cli.selftest import check_network

    assert pacs_main(["nodes"], settings) == 0
    listed = capsys.readouterr().out
    assert f"web: DICOMweb {orthanc.dicomweb_url}" in listed and "orthanc: ORTHANCTEST@" in listed
    assert pacs_main(["echo", "web"], settings) == 0
    assert "answers (QIDO-RS)" in capsys.readouterr().out
    assert pacs_main(["find", "--accession", MARKED["AccessionNumber"], "web"], settings) == 0
    by_web = capsys.readouterr().out
    assert orthanc.studies["marked"] in by_web
    # The same study line as C-FIND's, the name as the viewer writes it (not "Zzq^…").
    assert pacs_main(["find", "--accession", MARKED["AccessionNumber"], "orthanc"],
                     settings) == 0
    assert capsys.readouterr().out == by_web
    assert "\tZzqmarker, Patient\t" in by_web and "^" not in by_web
    assert pacs_main(["get", "--study", orthanc.studies["marked"], "web"], settings) == 0
    assert capsys.readouterr().out.strip() == str(
        settings.pacs_store_dir / orthanc.studies["marked"])
    assert pacs_main(["get", "--study", orthanc.studies["marked"], "--move", "web"],
                     settings) == 2
    assert "--move (C-MOVE) is for DICOM nodes" in capsys.readouterr().err
    checks = {c.name: c for c in check_network(settings)}
    assert checks["DICOMweb node web"].status == "OK", checks
    assert checks["DICOM node orthanc"].status == "OK", checks


def test_credentials_an_orthanc_asks_for(tmp_path) -> None:
    """A second, small Orthanc with authentication on (the shared one stays open)."""
    from tests.pacs_server import ORTHANC

    if ORTHANC is None:
        pytest.skip("Orthanc is not installed")
    server = Orthanc(tmp_path / "auth", free_port(), free_port(), free_port(),
                     users={WEB_USER: WEB_PASSWORD})
    server.folder.mkdir()
    server.write_config()
    server.start()
    try:
        for name, text in (("password", WEB_PASSWORD), ("wrong", "not-it")):
            (tmp_path / name).write_text(text + "\n")
            (tmp_path / name).chmod(0o640)  # readable by the owner and its group only
        base = tmp_path / "s"
        anonymous = web_site(base / "a", server)
        with pytest.raises(AssociationRefusedError, match="HTTP 401.*asks for credentials"):
            echo(node_named(anonymous, "web"), anonymous)
        wrong = web_site(base / "w", server, node=(
            f'auth = "basic"\nusername = "{WEB_USER}"\npassword_file = "{tmp_path}/wrong"\n'))
        with pytest.raises(AssociationRefusedError, match=f"user name '{WEB_USER}'.*refused"):
            find(node_named(wrong, "web"), Query(), wrong)
        right = web_site(base / "r", server, node=(
            f'auth = "basic"\nusername = "{WEB_USER}"\npassword_file = "{tmp_path}/password"\n'))
        assert right.problems == ()
        echo(node_named(right, "web"), right)
        bearer = web_site(base / "b", server, node=(
            f'auth = "bearer"\ntoken_file = "{tmp_path}/wrong"\n'))
        with pytest.raises(AssociationRefusedError, match="token was refused"):
            echo(node_named(bearer, "web"), bearer)
        missing = web_site(base / "m", server, node=(
            f'auth = "bearer"\ntoken_file = "{tmp_path}/absent"\n'))
        with pytest.raises(NodeNotConfiguredError, match="token file .* cannot be read"):
            echo(node_named(missing, "web"), missing)
        (tmp_path / "password").chmod(0o644)
        if os.name == "posix":  # the secret is everyone's: refused before any connection
            with pytest.raises(NodeNotConfiguredError, match="readable by every account"):
                echo(node_named(right, "web"), right)
    finally:
        server.stop()


def test_nothing_listening_and_a_wrong_base_path_say_so(orthanc, tmp_path) -> None:
    closed = web_site(tmp_path / "c", orthanc, url=f"http://127.0.0.1:{free_port()}/dicom-web")
    with pytest.raises(NodeUnreachableError, match="cannot be reached.*not running"):
        echo(node_named(closed, "web"), closed)
    wrong = web_site(tmp_path / "w", orthanc,
                     url=f"http://127.0.0.1:{orthanc.http_port}/not-dicom-web")
    with pytest.raises(NodeFailureError, match="404.*base"):
        find(node_named(wrong, "web"), Query(), wrong)
    with pytest.raises(NodeFailureError, match="404"):
        retrieve(node_named(wrong, "web"), wrong, orthanc.studies["phantom"])
    assert not (wrong.pacs_store_dir / orthanc.studies["phantom"]).exists()


@pytest.mark.parametrize(("node", "problem"), [
    ('url = "ftp://pacs/dicom-web"\n', "http:// or https://"),
    ('url = "http://user:pw@pacs/dicom-web"\n', "may not hold a user name"),
    ('url = "http://pacs/dicom-web"\nauth = "basic"\nusername = "x"\n',
     "needs username and password_file"),
    ('url = "http://pacs/dicom-web"\nauth = "bearer"\n', "needs token_file"),
    ('url = "http://pacs/dicom-web"\nauth = "digest"\n', "auth must be"),
    ('url = "http://pacs/dicom-web"\nproxy = "http://p:3128"\n', "unknown field"),
])
def test_a_wrong_dicomweb_node_leaves_none(tmp_path, node, problem) -> None:
    path = tmp_path / "site.toml"
    path.write_text(f"[dicomweb_nodes.web]\n{node}", encoding="utf-8")
    loaded = load_settings(path, tmp_path / "user.toml")
    assert loaded.dicomweb_nodes == {}
    assert any(problem in p for p in loaded.problems), loaded.problems


def test_one_namespace_for_both_kinds_of_node(orthanc, tmp_path) -> None:
    path = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    path.write_text('default_node = "web"\n' + path.read_text()
                    + '[dicomweb_nodes.web]\nurl = "http://pacs/dicom-web"\nauth = "bearer"\n'
                    'token_file = "secret/token"\n[dicomweb_nodes.orthanc]\n'
                    'url = "http://pacs/dicom-web"\n', encoding="utf-8")
    loaded = load_settings(path, tmp_path / "user.toml")
    assert any("both in dicom_nodes and in dicomweb_nodes" in p for p in loaded.problems)
    assert "orthanc" not in loaded.dicom_nodes and "orthanc" not in loaded.dicomweb_nodes
    web = node_named(loaded, None)  # default_node names the DICOMweb node
    assert isinstance(web, DicomWebNode) and web.token_file == tmp_path / "secret" / "token"
    assert (web.host, web.port) == ("pacs", 80)


def _certificates(folder: Path) -> tuple[Path, Path]:
    """A CA (its PEM) and, signed by it, a certificate for 127.0.0.1 with its key (one
    PEM, as Orthanc's SslCertificate wants): made with the openssl command."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    folder.mkdir()

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
            "/CN=Lightbox test CA", "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
            "server.key", "-out", "server.csr")
    (folder / "ext.cnf").write_text("subjectAltName = IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
    both = folder / "orthanc.pem"
    both.write_text((folder / "server.pem").read_text() + (folder / "server.key").read_text())
    return folder / "ca.pem", both


def test_https_trusts_the_sites_ca_and_names_an_untrusted_certificate(orthanc,
                                                                       tmp_path) -> None:
    """Debian's Orthanc 1.10 crashes on its first HTTPS request (civetweb with OpenSSL 3),
    so the HTTPS end is Python's own server with a certificate of the test CA, answering
    a QIDO-RS search with no match: what is tested is whom Lightbox trusts."""
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    ca, pem = _certificates(tmp_path / "tls")

    class Qido(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = json.dumps([]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/dicom+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Qido)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pem)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}/dicom-web"
    try:
        system = web_site(tmp_path / "sys", orthanc, url=url)
        with pytest.raises(NodeUnreachableError, match="TLS connection failed.*tls_ca_file"):
            echo(node_named(system, "web"), system)
        trusted = web_site(tmp_path / "ca", orthanc, url=url, top=f'tls_ca_file = "{ca}"\n')
        assert trusted.problems == () and trusted.tls_ca_file == ca
        echo(node_named(trusted, "web"), trusted)
        assert find(node_named(trusted, "web"), Query(), trusted).matches == ()
    finally:
        server.shutdown()
        server.server_close()


class _Archive:
    """A small HTTP server of the test's own (Python's http.server, in a thread) for what
    Orthanc never does: redirect elsewhere, send a malformed multipart answer. ``answer``
    maps a path's start to (status, headers, body)."""

    def __init__(self, answer, *, cut: bool = False) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                status, headers, body = answer(self.path)
                self.send_response(status)
                # cut: announce twice the body, send it, close: the connection drops.
                multipart = headers.get("Content-Type", "").startswith("multipart")
                length = len(body) * (2 if cut and multipart else 1)
                for key, value in {**headers, "Content-Length": str(length)}.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dicom-web"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_redirect_to_another_host_is_refused(orthanc, tmp_path) -> None:
    elsewhere = f"http://127.0.0.1:{orthanc.http_port}/dicom-web/studies"
    archive = _Archive(lambda path: (302, {"Location": elsewhere}, b""))
    try:
        settings = web_site(tmp_path, orthanc, url=archive.url, node=(
            f'auth = "bearer"\ntoken_file = "{tmp_path}/token"\n'))
        (tmp_path / "token").write_text("t0ken\n")
        (tmp_path / "token").chmod(0o600)
        with pytest.raises(NodeFailureError, match="redirected to another address"):
            echo(node_named(settings, "web"), settings)
    finally:
        archive.close()


def test_a_malformed_part_is_refused_and_a_broken_answer_resumes(orthanc, tmp_path) -> None:
    """One part that is not DICOM: named, not stored, the study stays partial; a multipart
    body whose part has no header end: the retrieve stops and says to run it again."""
    study, series = "1.2.3.4", "1.2.3.4.5"
    listing = json.dumps([{"0020000E": {"vr": "UI", "Value": [series]},
                           "00080018": {"vr": "UI", "Value": ["1.2.3.4.5.6"]}}]).encode()
    bodies = {"garbage": b"--b\r\nContent-Type: application/dicom\r\n\r\nnot dicom\r\n--b--",
              "broken": b"--b\r\nContent-Type: application/dicom no header end--b--\r\n"}
    which = ["garbage"]

    def answer(path: str):
        if "/instances" in path:
            return 200, {"Content-Type": "application/dicom+json"}, listing
        return 200, {"Content-Type": 'multipart/related; type="application/dicom"; '
                     "boundary=b"}, bodies[which[0]]

    archive = _Archive(answer)
    try:
        settings = web_site(tmp_path, orthanc, url=archive.url)
        outcome = retrieve(node_named(settings, "web"), settings, study)
        assert (outcome.stored, outcome.failed, outcome.complete) == (0, 1, False)
        assert any("not a readable DICOM file" in p for p in outcome.problems)
        assert LocalStore(settings.pacs_store_dir).is_partial(study)
        which[0] = "broken"
        with pytest.raises(TransferBrokenError, match="malformed multipart.*retrieve again"):
            retrieve(node_named(settings, "web"), settings, study)
    finally:
        archive.close()


def test_pydicom_does_not_load_the_http_stack() -> None:
    """``import pydicom`` (its test-file downloader) would import requests: Lightbox keeps
    it out of reach there, so only a DICOMweb node loads it (and the frozen app, which
    ships requests without its text-encoding guesser, prints no warning about it)."""
    import subprocess
    import sys

    probe = ("import sys, viewer.io, pydicom, pydicom.data\n"
             "assert 'requests' not in sys.modules and 'urllib3' not in sys.modules\n"
             "from viewer.net.web import load_requests\n"
             "assert load_requests().Session\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _instance(study: str, series: str, sop: str) -> bytes:
    """A small CT image file (Part 10) with these UIDs, as an archive stores it."""
    import io

    from pydicom.data import get_testdata_file

    ds = pydicom.dcmread(get_testdata_file("CT_small.dcm", download=False))
    ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = sop
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    return out.getvalue()


def test_a_connection_dropped_mid_answer_keeps_what_arrived_and_resumes(orthanc,
                                                                         tmp_path) -> None:
    study, series = "1.2.3.7", "1.2.3.7.1"
    sops = ["1.2.3.7.1.1", "1.2.3.7.1.2"]
    listing = json.dumps([{"0020000E": {"vr": "UI", "Value": [series]},
                           "00080018": {"vr": "UI", "Value": [sop]}} for sop in sops]).encode()
    first = _instance(study, series, sops[0])
    body = (b"--b\r\nContent-Type: application/dicom\r\n\r\n" + first
            + b"\r\n--b\r\nContent-Type: application/dicom\r\n\r\n"
            + first * (2 * CHUNK // len(first)))  # more than one read, then cut

    def answer(path: str):
        if "/instances" in path and not path.rstrip("/").endswith(tuple(sops)):
            return 200, {"Content-Type": "application/dicom+json"}, listing
        return 200, {"Content-Type": 'multipart/related; type="application/dicom"; '
                     "boundary=b"}, body

    archive = _Archive(answer, cut=True)
    try:
        settings = web_site(tmp_path, orthanc, url=archive.url)
        with pytest.raises(TransferBrokenError, match="lost or timed out after 1 of 2.*again"):
            retrieve(node_named(settings, "web"), settings, study)
        store = LocalStore(settings.pacs_store_dir)
        assert store.instances(study) == {(series, sops[0])} and store.is_partial(study)
        assert not list(settings.pacs_store_dir.rglob("*.part"))
    finally:
        archive.close()


def test_a_failing_service_and_one_that_never_answers(orthanc, tmp_path) -> None:
    import socket

    archive = _Archive(lambda path: (503, {"Content-Type": "text/plain"}, b"down"))
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection, never answers
    try:
        failing = web_site(tmp_path / "f", orthanc, url=archive.url)
        with pytest.raises(NodeFailureError, match="HTTP 503.*has a problem"):
            find(node_named(failing, "web"), Query(), failing)
        mute = web_site(tmp_path / "m", orthanc,
                        url=f"http://127.0.0.1:{silent.getsockname()[1]}/dicom-web")
        mute = dataclasses.replace(mute, dicom_timeout_s=0.5)
        with pytest.raises(NodeTimeoutError, match="did not answer a search within 0.5 s"):
            echo(node_named(mute, "web"), mute)
    finally:
        archive.close()
        silent.close()
