"""A real PACS for the network tests: Debian's Orthanc, started on 127.0.0.1 by the tests.

:func:`running_orthanc` (used by the session fixture in tests/conftest.py and by
tests/test_offline.py) writes a temporary Orthanc configuration (free ports for DICOM and
HTTP, its own storage and index folders, remote access off, the DICOMweb plugin (QIDO-RS,
WADO-RS, STOW-RS under ``/dicom-web``) and no other, the called AE
title checked, the tests' Lightbox AE listed as a modality for C-MOVE, every transfer
syntax accepted over DICOM but deflate; DICOM over TLS only where asked), starts Orthanc,
waits until its local HTTP port answers, loads the demo study (the CT phantom and
pydicom's samples) through that port's REST API, and stops Orthanc at the end. Where
Orthanc is not installed the tests skip and say so (CI installs it: .ci/run).
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from viewer.io.demo import build_demo

ORTHANC = shutil.which("Orthanc") or next(
    (p for p in ("/usr/sbin/Orthanc", "/usr/bin/Orthanc") if Path(p).is_file()), None)
ORTHANC_AET = "ORTHANCTEST"
LIGHTBOX_AET = "LBTEST"
DICOMWEB_PLUGIN = Path("/usr/share/orthanc/plugins/libOrthancDicomWeb.so")
#: For the DICOMweb tests: CI installs orthanc-dicomweb (.ci/run); elsewhere they skip.
needs_dicomweb = pytest.mark.skipif(not DICOMWEB_PLUGIN.is_file(), reason=(
    "Orthanc's DICOMweb plugin is not installed (Debian: apt-get install orthanc-dicomweb)"))
#: The tests' DICOMweb user, for an Orthanc started with ``users`` (authentication on).
WEB_USER, WEB_PASSWORD = "lightbox", "s3cret-web"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Orthanc:
    """A running Orthanc (restartable: the fault tests kill it mid-transfer)."""

    folder: Path
    dicom_port: int
    http_port: int
    storage_port: int
    process: subprocess.Popen[bytes] | None = None
    studies: dict[str, str] = field(default_factory=dict)  # demo part → StudyInstanceUID
    #: DICOM TLS (tests/net/test_tls.py): None, plain DICOM (the session's Orthanc); else
    #: the PEM files {"certificate", "key", "trusted"} and "client_required" (bool).
    tls: dict[str, object] | None = None
    #: Orthanc's RegisteredUsers; not empty: HTTP (REST and DICOMweb) asks for them.
    users: dict[str, str] = field(default_factory=dict)

    @property
    def dicomweb_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/dicom-web"

    @property
    def config(self) -> Path:
        return self.folder / "orthanc.json"

    def write_config(self) -> None:
        config = {
            "Name": "LightboxTests",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "index"),
            "DicomAet": ORTHANC_AET,
            "DicomPort": self.dicom_port,
            "HttpPort": self.http_port,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": bool(self.users),
            "RegisteredUsers": self.users,
            "DicomCheckCalledAet": True,
            "DicomModalities": {"lightbox": {
                "AET": LIGHTBOX_AET, "Host": "127.0.0.1", "Port": self.storage_port,
                "UseDicomTls": self.tls is not None}},
            "Plugins": [str(DICOMWEB_PLUGIN)] if DICOMWEB_PLUGIN.is_file() else [],
            "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False,
                         "Ssl": False, "StudiesMetadata": "MainDicomTags",
                         "SeriesMetadata": "MainDicomTags"},
            "ConcurrentJobs": 2,
            "SaveJobs": False,
            "DicomScuTimeout": 10,
            "LimitFindResults": 0,
            "LimitFindInstances": 0,
            # Every transfer syntax but deflate: an archive that refuses one (the results
            # sent back in it are refused by context, tests/net/test_send.py).
            "AcceptedTransferSyntaxes": ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1",
                                         "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.4.*",
                                         "1.2.840.10008.1.2.5"],
        }
        if self.tls is not None:
            config.update({
                "DicomTlsEnabled": True,
                "DicomTlsCertificate": str(self.tls["certificate"]),
                "DicomTlsPrivateKey": str(self.tls["key"]),
                "DicomTlsTrustedCertificates": str(self.tls["trusted"]),
                "DicomTlsRemoteCertificateRequired": bool(self.tls["client_required"]),
            })
        self.config.write_text(json.dumps(config, indent=1), encoding="utf-8")

    def start(self) -> None:
        assert ORTHANC is not None
        log = open(self.folder / "orthanc.log", "ab")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen([ORTHANC, str(self.config)], stdout=log,
                                        stderr=subprocess.STDOUT, cwd=self.folder)
        log.close()
        for _ in range(600):  # up to a minute: a cold start on a loaded machine
            if self.process.poll() is not None:
                raise RuntimeError("Orthanc stopped at start:\n" + self.log_tail())
            with contextlib.suppress(OSError):
                self.rest("/system")
                with socket.create_connection(("127.0.0.1", self.dicom_port), timeout=1):
                    return
            time.sleep(0.1)
        raise RuntimeError("Orthanc did not answer:\n" + self.log_tail())

    def kill(self) -> None:
        """As a crash would: SIGKILL, no goodbye to the peers."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self) -> str:
        path = self.folder / "orthanc.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def rest(self, path: str, data: bytes | None = None) -> object:
        request = urllib.request.Request(f"http://127.0.0.1:{self.http_port}{path}", data=data)
        if self.users:
            import base64

            user, password = next(iter(self.users.items()))
            request.add_header("Authorization", "Basic " + base64.b64encode(
                f"{user}:{password}".encode()).decode())
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def forget_series(self, series_uid: str) -> None:
        """Delete a series (what a test sent), so the session's Orthanc stays as the other
        tests expect it (the demo study: one series)."""
        found = self.rest("/tools/lookup", series_uid.encode())
        for item in found if isinstance(found, list) else []:
            request = urllib.request.Request(
                f"http://127.0.0.1:{self.http_port}{item['Path']}", method="DELETE")
            urllib.request.urlopen(request, timeout=30).close()

    def push(self, study_uid: str) -> object:
        """C-STORE the study to the tests' Lightbox (the "lightbox" modality), as a PACS
        routing rule would; returns when Orthanc has sent it."""
        found = self.rest("/tools/lookup", study_uid.encode())
        assert isinstance(found, list) and found, found
        return self.rest("/modalities/lightbox/store", found[0]["ID"].encode())

    def upload(self, path: Path) -> dict[str, str] | None:
        try:
            answer = self.rest("/instances", path.read_bytes())
        except urllib.error.HTTPError:
            return None  # not DICOM Orthanc takes (a plain image, a damaged sample)
        return answer if isinstance(answer, dict) else None


#: A study with every search key set, and a marker patient no log may ever hold.
MARKED = {"PatientName": "Zzqmarker^Patient", "PatientID": "MRK-98765",
          "AccessionNumber": "ACC20240315", "StudyDate": "20240315", "Modality": "MR"}


def _upload_marked(server: Orthanc, path: Path) -> str:
    import pydicom
    from pydicom.data import get_testdata_file
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(get_testdata_file("MR_small.dcm", download=False))
    for keyword, value in MARKED.items():
        setattr(ds, keyword, value)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.save_as(path)
    assert server.upload(path) is not None
    return str(ds.StudyInstanceUID)


def site_file(path: Path, orthanc: Orthanc, store: Path, *, ae: str = ORTHANC_AET,
              port: int | None = None, host: str = "127.0.0.1", timeout: float = 10,
              top: str = "", node: str = "") -> Path:
    """``top``: more site keys (lines); ``node``: more fields of the node (lines)."""
    path.write_text(
        f'local_ae_title = "{LIGHTBOX_AET}"\nstorage_port = {orthanc.storage_port}\n'
        f'pacs_store_dir = "{store}"\ndicom_timeout_s = {timeout}\n{top}'
        f'[dicom_nodes.orthanc]\nae_title = "{ae}"\nhost = "{host}"\n'
        f"port = {port or orthanc.dicom_port}\n{node}", encoding="utf-8")
    return path


@contextlib.contextmanager
def running_orthanc(folder: Path, demo_folder: Path | None,
                    tls: dict[str, object] | None = None) -> Iterator[Orthanc]:
    """A started Orthanc in ``folder`` holding the demo study (unless ``demo_folder`` is
    None) and the marked study; ``tls``: DICOM TLS only (see :attr:`Orthanc.tls`)."""
    if ORTHANC is None:
        pytest.skip("Orthanc is not installed (Debian: apt-get install orthanc; CI does)")
    folder.mkdir(parents=True, exist_ok=True)
    server = Orthanc(folder, free_port(), free_port(), free_port(), tls=tls)
    server.write_config()
    server.start()
    try:
        if demo_folder is None:
            server.studies["marked"] = _upload_marked(server, folder / "marked.dcm")
            yield server
            return
        demo = build_demo(demo_folder)
        for path in sorted(demo.rglob("*")):
            if path.is_file():
                answer = server.upload(path)
                if answer and path.parent.name == "phantom":
                    study = server.rest(f"/studies/{answer['ParentStudy']}")
                    assert isinstance(study, dict)
                    server.studies["phantom"] = study["MainDicomTags"]["StudyInstanceUID"]
        assert "phantom" in server.studies, server.log_tail()
        server.studies["marked"] = _upload_marked(server, folder / "marked.dcm")
        yield server
    finally:
        server.stop()
