"""A small hospital PKI for the DICOM TLS tests, made by the ``openssl`` command line.

:func:`make_pki` writes, into one folder: the hospital's CA (``ca.pem``), the PACS's
certificate for 127.0.0.1 and localhost signed by it (``server.pem`` + ``server.key``),
a workstation certificate signed by it (``client.pem`` + ``client.key``), and another CA
that signed none of them (``other-ca.pem``): the "wrong CA" a site could be given.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

OPENSSL = shutil.which("openssl")


@dataclass(frozen=True)
class Pki:
    folder: Path

    @property
    def ca(self) -> Path:
        return self.folder / "ca.pem"

    @property
    def other_ca(self) -> Path:
        return self.folder / "other-ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.folder / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.folder / "server.key"

    @property
    def client_cert(self) -> Path:
        return self.folder / "client.pem"

    @property
    def client_key(self) -> Path:
        return self.folder / "client.key"


def _openssl(folder: Path, *args: str) -> None:
    assert OPENSSL is not None
    subprocess.run([OPENSSL, *args], cwd=folder, check=True, capture_output=True,
                   timeout=120)


def _ca(folder: Path, name: str, subject: str) -> None:
    _openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
             "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", subject,
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")


def _leaf(folder: Path, name: str, subject: str, extensions: str) -> None:
    _openssl(folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
             "-out", f"{name}.csr", "-subj", subject)
    (folder / f"{name}.ext").write_text(extensions, encoding="ascii")
    _openssl(folder, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey",
             "ca.key", "-CAcreateserial", "-days", "30", "-out", f"{name}.pem",
             "-extfile", f"{name}.ext")


def make_pki(folder: Path) -> Pki:
    if OPENSSL is None:
        pytest.skip("the openssl command is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    _ca(folder, "ca", "/O=Test Hospital/CN=Test Hospital CA")
    _ca(folder, "other-ca", "/O=Elsewhere/CN=Another CA")
    _leaf(folder, "server", "/O=Test Hospital/CN=pacs",
          "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n")
    _leaf(folder, "client", "/O=Test Hospital/CN=LBTEST workstation",
          "basicConstraints=CA:FALSE\n")
    return Pki(folder)
