"""docs/pacs.md runs as written: its configuration against the tests' Orthanc, then
every command of its "Commands" block, the self-test, and "Sending results back"."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.pacs_server import LIGHTBOX_AET, ORTHANC_AET, needs_dicomweb
from viewer.host.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pacs.md"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"^```{kind}\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                      re.DOTALL | re.MULTILINE)


def test_the_configuration_and_every_command_run(orthanc, tmp_path) -> None:
    # The TLS block runs in tests/net/test_tls.py, the DICOMweb one below.
    config, _tls, _web = _blocks("toml")
    documented = load_settings(_write(tmp_path / "doc.toml", config))
    assert documented.problems == () and list(documented.dicom_nodes) == ["pacs"]
    assert documented.dicom_nodes["pacs"].port == 104
    # The same file, pointed at the tests' Orthanc.
    site = _write(tmp_path / "site.toml", config
                  .replace('"LIGHTBOX_WS1"', f'"{LIGHTBOX_AET}"')
                  .replace("11112", str(orthanc.storage_port))
                  .replace('"/srv/lightbox/studies"', f'"{tmp_path / "store"}"')
                  .replace('"HOSPITAL_PACS"', f'"{ORTHANC_AET}"')
                  .replace('"pacs.hospital.local"', '"127.0.0.1"')
                  .replace("port = 104", f"port = {orthanc.dicom_port}"))
    assert load_settings(site).problems == ()
    study = orthanc.studies["phantom"]
    _, commands, self_test, sending, studies = _blocks("sh")
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site)}
    lines = [line for line in commands.splitlines() if line.strip()]
    assert len(lines) == 8
    series = None
    for line in lines:
        args = shlex.split(line.replace("1.2.840.99999.1.2", "SERIES")
                           .replace("1.2.840.99999.1", study))
        assert args[:2] == ["lightbox", "pacs"]
        if "SERIES" in args:
            args[args.index("SERIES")] = series or ""
        done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (line, done.stderr)
        if "--level" in args:
            series = done.stdout.split()[-1]
    assert len(list((tmp_path / "store" / study).glob("*/*.dcm"))) == 64
    args = shlex.split(self_test)
    assert args[0] == "lightbox"
    done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^OK +DICOM node pacs: .* answers C-ECHO", done.stdout, re.MULTILINE)
    # Sending results back: an AI run on the retrieved study, its SR sent, then again.
    sent = []
    try:
        for line in [line for line in sending.splitlines() if line.strip()]:
            args = shlex.split(line.replace("/srv/lightbox/studies", str(tmp_path / "store"))
                               .replace("1.2.840.99999.1", study)
                               .replace("results", str(tmp_path / "results")))
            assert args[0] == "lightbox"
            done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=ROOT,
                                  env=env, capture_output=True, text=True, timeout=300)
            assert done.returncode == 0, (line, done.stderr)
            assert "1 object(s) sent to pacs" in done.stderr, done.stderr
            sent = list((tmp_path / "results").glob("*-sr.dcm"))
    finally:
        import pydicom

        for path in sent:
            orthanc.forget_series(pydicom.dcmread(path).SeriesInstanceUID)

    # "The local study list": each command as written, the last removing the study.
    outputs = []
    for line in studies.splitlines():
        args = shlex.split(line.replace("--evict-to 20", "--evict-to 0"))
        assert args[:2] == ["lightbox", "studies"]
        done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (line, done.stderr)
        outputs.append(done.stdout)
    assert study in outputs[1] and "retrieved from pacs" in outputs[0]
    assert not (tmp_path / "store" / study).exists()


@needs_dicomweb
def test_the_dicomweb_configuration_and_commands_run(orthanc, tmp_path) -> None:
    """"DICOMweb nodes": its table (pointed at the tests' Orthanc, no credentials), then
    each of its commands."""
    _, _tls, config = _blocks("toml")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "dicomweb-password").write_text("x\n")
    documented = load_settings(_write(tmp_path / "doc.toml", config))
    assert documented.problems == () and list(documented.dicomweb_nodes) == ["web"]
    assert documented.dicomweb_nodes["web"].password_file == (
        tmp_path / "secrets" / "dicomweb-password")
    site = _write(tmp_path / "site.toml", f'pacs_store_dir = "{tmp_path / "store"}"\n'
                  + config.replace("https://pacs.hospital.local/dicom-web",
                                   orthanc.dicomweb_url)
                  .replace('auth = "basic"', 'auth = "none"')
                  .replace('username = "lightbox"\n', "")
                  .replace('password_file = "secrets/dicomweb-password"\n', ""))
    assert load_settings(site).problems == ()
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(site)}
    study = orthanc.studies["phantom"]
    web_commands = _blocks("sh")[0]
    for line in [line for line in web_commands.splitlines() if line.strip()]:
        args = shlex.split(line.replace("1.2.840.99999.1", study))
        assert args[:2] == ["lightbox", "pacs"] and args[-1] == "web"
        done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (line, done.stderr)
    assert len(list((tmp_path / "store" / study).glob("*/*.dcm"))) == 64


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
