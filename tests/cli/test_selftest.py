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
        "OK    model ct-body-seg", "OK    model ct-lesion-cls", "OK    model ct-lesion-det",
        "OK    decoder JPEG baseline", "OK    decoder JPEG-LS", "OK    decoder JPEG 2000",
        "OK    decoder RLE", "OK    log folder", "OK    audit folder",
    ]
    assert "built the main window" in lines[2]
    assert "verified (golden outputs replayed)" in lines[4]
    assert lines[-1] == "Self-test passed: 12 checks OK."


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
    assert any(line.startswith(f"FAIL  log folder: {blocker / 'logs'} is not writable")
               for line in lines)
    assert any(line.startswith("OK    audit folder") for line in lines)


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
