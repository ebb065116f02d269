"""``service_mutual_tls``: https with the site's certificate, and only clients whose
certificate the site's CA signed get an answer (a real uvicorn process, real certificates
made by the openssl command)."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import urllib.error
from pathlib import Path

import pytest

from tests.service.server import running_service
from viewer.service.config import ServiceConfig, bind_problem

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _certificates(folder: Path) -> None:
    """A CA, the server's certificate (for 127.0.0.1) and a client's, all signed by it."""
    folder.mkdir(parents=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=Lightbox test CA", cwd=folder)
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, subject in (("server", "/CN=127.0.0.1"), ("client", "/CN=ehr-gateway")):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject,
                 cwd=folder)
        ext = ["-extfile", "server.ext"] if name == "server" else []
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", *ext, cwd=folder)


def test_only_clients_with_a_certificate_of_the_site_ca_are_answered(tmp_path):
    certs = tmp_path / "certs"
    _certificates(certs)
    site = (f'service_mutual_tls = true\ntls_ca_file = "{certs / "ca.pem"}"\n'
            f'tls_cert_file = "{certs / "server.pem"}"\ntls_key_file = "{certs / "server.key"}"\n')
    with_cert = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    with_cert.load_cert_chain(str(certs / "client.pem"), str(certs / "client.key"))
    with running_service(tmp_path / "home", site=site, context=with_cert) as server:
        assert server.url.startswith("https://")
        models = server.get("/v1/models")
        assert models.status == 200 and models.json()["models"]
        infer = server.post_json("/v2/models/ct-lesion-cls/infer", {"inputs": [
            {"name": "image", "shape": [1, 1, 128, 128], "datatype": "FP32",
             "data": [0.0] * (128 * 128)}]})
        assert infer.status == 200
        without = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        server.context = without
        with pytest.raises((ssl.SSLError, urllib.error.URLError, ConnectionError)):
            server.get("/v1/models")
        records = [json.loads(line) for p in (server.home / "audit").glob("*.jsonl")
                   for line in p.read_text().splitlines()]
        assert [r["client"] for r in records if r.get("model_id") == "ct-lesion-cls"] == \
            ["tls:127.0.0.1"]


def test_keys_or_mutual_tls_open_the_network(tmp_path):
    assert bind_problem("0.0.0.0", ServiceConfig()) is not None
    assert bind_problem("192.168.1.20", ServiceConfig()) is not None
    assert bind_problem("server.hospital.local", ServiceConfig()) is not None
    for local in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"):
        assert bind_problem(local, ServiceConfig()) is None
    assert bind_problem("0.0.0.0", ServiceConfig(mutual_tls=True)) is None
    assert bind_problem("0.0.0.0", ServiceConfig(key_hashes=("sha256:" + "0" * 64,))) is None


def test_mutual_tls_without_its_files_does_not_start(tmp_path, monkeypatch, capsys):
    from viewer.cli.serve import main

    site = tmp_path / "site.toml"
    site.write_text("service_mutual_tls = true\n")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    assert main([]) == 1
    assert "service_mutual_tls is on but tls_cert_file is not set" in capsys.readouterr().err
