"""``lightbox --self-test``: a line per check, and a failure for each thing that is wrong."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from viewer.cli.selftest import FAIL, OK, SKIP, check_decoders, run_self_test, samples_dir
from viewer.host.settings import Settings, load_settings


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


def report(**kwargs) -> tuple[int, list[str]]:
    out = io.StringIO()
    kwargs.setdefault("settings", load_settings())
    code = run_self_test(out, **kwargs)
    return code, out.getvalue().splitlines()


def test_a_good_install_passes_every_check(tmp_path) -> None:
    code, lines = report()
    assert code == 0, "\n".join(lines)
    assert lines[0].startswith("Lightbox 0.1.0 self-test (Python 3.")
    names = [line.split(":")[0] for line in lines[1:-1]]
    assert names == [
        "OK    configuration", "OK    Qt", "OK    ONNX Runtime",
        "OK    model ct-body-seg", "OK    model ct-body-seg3d", "OK    model ct-lesion-cls",
        "OK    model ct-lesion-det", "OK    model mr-brain-tissue",
        "OK    decoder JPEG baseline", "OK    decoder JPEG-LS", "OK    decoder JPEG 2000",
        "OK    decoder RLE", "OK    log file", "OK    audit log", "OK    audit head",
        "OK    audit key state", "OK    audit key", "OK    audit chain", "OK    preferences",
    ]
    assert "built the main window" in lines[2]
    assert "verified (golden outputs replayed)" in lines[4]
    assert lines[-1] == "Self-test passed: 19 checks OK."


def test_site_restrictions_and_a_missing_model_are_reported(tmp_path, monkeypatch) -> None:
    site = tmp_path / "lightbox.toml"
    site.write_text('allowed_models = ["ct-body-seg", "ct-brain-bleed"]\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    code, lines = report(qt=False)
    assert code == 1
    assert "SKIP  Qt: --no-qt" in lines
    assert "SKIP  model ct-lesion-det: not allowed by the site configuration" in lines
    assert any(line.startswith("OK    model ct-body-seg: ") for line in lines)
    assert any(line.startswith("FAIL  model ct-brain-bleed: allowed by the site "
                               "configuration but not found in ") for line in lines)
    assert lines[-1].startswith("Self-test FAILED: 1 of ")


def test_a_broken_site_file_fails_with_its_line(tmp_path, monkeypatch) -> None:
    site = tmp_path / "lightbox.toml"
    site.write_text('language = "en"\nhide_identity = 1\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    code, lines = report(qt=False)
    assert code == 1
    assert f"FAIL  configuration: {site}: line 2: hide_identity must be true or false" \
        in lines
    # hide_identity is policy: the whole configuration fails closed, and says so.
    assert any(line.startswith(f"FAIL  configuration: {site}: the site configuration has a "
                               "mistake") for line in lines)
    assert any(line.startswith("SKIP  model ct-body-seg: the site configuration has a "
                               "mistake, so no model runs") for line in lines)
    assert not any(line.startswith("OK    model ") for line in lines)


def test_a_missing_model_folder_is_reported(tmp_path, monkeypatch) -> None:
    site = tmp_path / "lightbox.toml"
    site.write_text(f'model_dirs = ["{tmp_path / "not-mounted"}"]\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    code, lines = report(qt=False)
    assert code == 1
    assert f"FAIL  model folder: {tmp_path / 'not-mounted'} does not exist (model_dirs): " \
        "create it, correct the path, or remove it from the configuration" in lines


def test_an_unwritable_log_folder_fails(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, lines = report(qt=False, settings=Settings(log_dir=blocker / "logs",
                                                     audit_dir=tmp_path / "audit"))
    assert code == 1
    assert f"FAIL  log file: {blocker / 'logs'} cannot be made: {blocker} is not a folder" \
        in lines
    assert any(line.startswith("OK    audit log") for line in lines)


def test_wrong_pixels_fail_the_decoder_check(tmp_path) -> None:
    folder = tmp_path / "samples"
    shutil.copytree(samples_dir(), folder)
    expected = json.loads((folder / "expected.json").read_text())
    expected["samples"][1]["sha256"] = "0" * 64
    expected["samples"][0]["block_means"][0][0][0] += 10
    (folder / "expected.json").write_text(json.dumps(expected))
    (folder / "rle.dcm").write_bytes((folder / "rle.dcm").read_bytes()[:1500])
    checks = {c.name: c for c in check_decoders(folder)}
    assert checks["decoder JPEG baseline"].status == FAIL
    assert "block means off by 10" in checks["decoder JPEG baseline"].detail
    assert checks["decoder JPEG-LS"].status == FAIL
    assert checks["decoder JPEG-LS"].detail == "jpeg-ls.dcm decoded to different pixels"
    assert checks["decoder JPEG 2000"].status == OK
    assert checks["decoder RLE"].status == FAIL  # truncated: the error is the reason


def test_the_samples_are_pydicoms_files_small_and_lossless_where_claimed() -> None:
    folder = samples_dir()
    total = sum(p.stat().st_size for p in folder.iterdir())
    assert total < 100_000
    for ours, theirs in (("jpeg-baseline.dcm", "SC_rgb_jpeg_dcmtk.dcm"),
                         ("jpeg-ls.dcm", "MR_small_jpeg_ls_lossless.dcm"),
                         ("rle.dcm", "MR_small_RLE.dcm")):
        source = get_testdata_file(theirs, download=False)
        assert (folder / ours).read_bytes() == Path(source).read_bytes(), ours
    original = pydicom.dcmread(get_testdata_file("MR_small.dcm", download=False)).pixel_array
    for name in ("jpeg-ls.dcm", "jpeg2000.dcm", "rle.dcm"):
        ds = pydicom.dcmread(folder / name)
        assert np.array_equal(ds.pixel_array, original), name
    syntaxes = {pydicom.dcmread(p, stop_before_pixels=True).file_meta.TransferSyntaxUID.name
                for p in folder.glob("*.dcm")}
    assert syntaxes == {"JPEG Baseline (Process 1)", "JPEG-LS Lossless Image Compression",
                        "JPEG 2000 Image Compression (Lossless Only)", "RLE Lossless"}


def test_json_report_for_scripts(tmp_path) -> None:
    out = io.StringIO()
    assert run_self_test(out, settings=load_settings(), qt=False, as_json=True) == 0
    data = json.loads(out.getvalue())
    assert data["passed"] is True
    statuses = {c["name"]: c["status"] for c in data["checks"]}
    assert statuses["Qt"] == SKIP and statuses["decoder JPEG-LS"] == OK
    assert load_settings().problems == ()


def test_the_json_report_says_which_machine_user_version_and_when(tmp_path) -> None:
    import getpass
    import platform
    import socket
    from datetime import UTC, datetime

    out = io.StringIO()
    run_self_test(out, settings=load_settings(), qt=False, as_json=True)
    data = json.loads(out.getvalue())
    assert data["host"] == socket.gethostname() and data["user"] == getpass.getuser()
    assert data["version"] == "0.1.0" and platform.system() in data["os"]
    when = datetime.fromisoformat(data["time"].replace("Z", "+00:00"))
    assert when.tzinfo is not None and abs((datetime.now(UTC) - when).total_seconds()) < 300


def _shared_settings(tmp_path, monkeypatch, audit: Path) -> Settings:
    site = tmp_path / "lightbox.toml"
    site.write_text(f'audit_dir = "{audit}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    monkeypatch.delenv("LIGHTBOX_AUDIT_DIR", raising=False)
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    return load_settings()


def test_checks_are_per_file_and_create_nothing(tmp_path, monkeypatch) -> None:
    """A missing shared audit folder fails with the command IT runs, and the self-test
    (run as root in CI) creates neither it nor the per-user folders."""
    from viewer.cli.selftest import check_files

    audit = tmp_path / "shared" / "audit"
    settings = _shared_settings(tmp_path, monkeypatch, audit)
    checks = {c.name: c for c in check_files(settings)}
    assert checks["audit log"].status == FAIL
    assert f"the shared folder {audit} does not exist: ask IT to run: " in checks["audit log"].detail
    assert "setup-shared-folders.sh --audit" in checks["audit log"].detail
    assert checks["audit key state"].status == OK
    assert not (tmp_path / "shared").exists() and not (tmp_path / "config").exists()
    assert not (tmp_path / "logs").exists()


def test_a_log_file_of_another_account_fails_with_a_remedy(tmp_path, monkeypatch) -> None:
    import os

    from viewer.audit.log import AuditLog
    from viewer.cli.selftest import check_files

    if os.getuid() != 0:
        pytest.skip("needs root to make a file owned by another account")
    audit = tmp_path / "audit"
    audit.mkdir(mode=0o3770)
    os.chmod(audit, 0o3770)
    settings = _shared_settings(tmp_path, monkeypatch, audit)
    log = AuditLog.of(settings).path
    log.write_text("")
    os.chown(log, 65534, 65534)  # nobody: made under this account's name by someone else
    checks = {c.name: c for c in check_files(settings)}
    assert checks["audit folder"].status == OK
    assert checks["audit log"].status == FAIL
    assert "belongs to another account (uid 65534): ask IT to check it" in checks["audit log"].detail


def test_a_shared_audit_folder_without_the_sticky_bit_fails(tmp_path, monkeypatch) -> None:
    import os

    from viewer.cli.selftest import check_files

    audit = tmp_path / "audit"
    audit.mkdir()
    os.chmod(audit, 0o777)
    checks = {c.name: c for c in check_files(_shared_settings(tmp_path, monkeypatch, audit))}
    assert checks["audit folder"].status == FAIL
    assert f"ask IT to run: chmod 3770 {audit}" in checks["audit folder"].detail


def test_the_self_test_as_a_command_creates_no_folder(tmp_path) -> None:
    """``lightbox --self-test --json`` in a fresh HOME with a shared audit folder not set up
    yet (CI runs it as root): it fails with the remedy, says who and where, and leaves
    neither the shared folder nor any Lightbox folder in HOME behind."""
    import os
    import subprocess
    import sys

    home, audit = tmp_path / "home", tmp_path / "var" / "audit"
    home.mkdir()
    site = tmp_path / "lightbox.toml"
    site.write_text(f'audit_dir = "{audit}"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LIGHTBOX_", "XDG_"))} | {
        "HOME": str(home), "LIGHTBOX_SITE_CONFIG": str(site)}
    result = subprocess.run([sys.executable, "-m", "viewer", "--self-test", "--no-qt", "--json"],
                            capture_output=True, text=True, env=env, timeout=300,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert {"host", "user", "time", "version", "os"} <= set(data)
    failed = {c["name"]: c["detail"] for c in data["checks"] if c["status"] == FAIL}
    assert set(failed) == {"audit log", "audit head"}
    assert "ask IT to run: " in failed["audit log"]
    assert not (tmp_path / "var").exists()
    assert not [p for p in home.rglob("*") if "lightbox" in str(p).lower()]
