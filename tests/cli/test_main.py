"""`lightbox info` and `lightbox render`, as a script or IT would run them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from viewer.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def run_lightbox(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command, in a fresh interpreter, as a user types it."""
    return subprocess.run(
        [sys.executable, "-m", "viewer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_version():
    done = run_lightbox("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("Lightbox ")


def test_info_lists_series_and_names_unusable_files(tmp_path, pydicom_files):
    for name in ("CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "MR_truncated.dcm"):
        shutil.copy(pydicom_files / name, tmp_path / name)
    (tmp_path / "notes.dcm").write_bytes(b"this is not DICOM at all" * 10)

    done = run_lightbox("info", str(tmp_path))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("Study ") >= 2
    assert "CT" in out and "MR" in out
    assert "no image to display" in out  # the RT plan
    problem_lines = [line for line in out.splitlines() if line.startswith("cannot use")]
    named = " ".join(problem_lines)
    assert "notes.dcm" in named and "MR_truncated.dcm" in named
    # patient identity is not printed unless asked for
    assert "CompressedSamples" not in out


def test_info_json_is_machine_readable_and_identity_on_request(tmp_path, pydicom_files, capsys):
    shutil.copy(pydicom_files / "CT_small.dcm", tmp_path / "ct.dcm")
    assert main(["info", str(tmp_path), "--json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    (study,) = tree["studies"]
    assert "patient_name" not in study
    (series,) = study["series"]
    assert series["modality"] == "CT" and series["images"] == 1
    assert series["size"] == [128, 128]
    assert tree["problems"] == []

    assert main(["info", str(tmp_path), "--json", "--identity"]) == 0
    study = json.loads(capsys.readouterr().out)["studies"][0]
    assert study["patient_name"] == "CompressedSamples^CT1"


def test_info_on_nothing_usable_fails(tmp_path, capsys):
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 4)
    assert main(["info", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "No studies found" in out and "junk.bin" in out


def test_render_writes_native_size_with_the_file_window(tmp_path, pydicom_files):
    out = tmp_path / "ct.png"
    done = run_lightbox("render", str(pydicom_files / "CT_small.dcm"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    image = np.asarray(Image.open(out))
    assert image.shape == (128, 128) and image.dtype == np.uint8
    assert image.min() < 30 and image.max() > 200  # a real window, not a flat grey


def test_render_window_option_changes_the_image(tmp_path, pydicom_files):
    ct = str(pydicom_files / "CT_small.dcm")
    narrow, wide = tmp_path / "narrow.png", tmp_path / "wide.png"
    assert main(["render", ct, "-o", str(narrow), "--window", "40,80"]) == 0
    assert main(["render", ct, "-o", str(wide), "--window", "40,4000"]) == 0
    a = np.asarray(Image.open(narrow)).astype(int)
    b = np.asarray(Image.open(wide)).astype(int)
    # a narrow window spreads the same tissue over more grey levels
    assert a.std() > b.std()


def test_render_colour_and_frames(tmp_path, pydicom_files):
    out = tmp_path / "rgb.png"
    assert main(["render", str(pydicom_files / "SC_rgb_rle_2frame.dcm"), "-o", str(out),
                 "--frame", "1"]) == 0
    image = np.asarray(Image.open(out))
    assert image.ndim == 3 and image.shape[2] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rtplan.dcm"], "no image to display"),
        (["MR_truncated.dcm"], "MR_truncated.dcm"),
        (["does_not_exist.dcm"], "no such file"),
    ],
)
def test_render_bad_input_says_what_is_wrong(tmp_path, pydicom_files, capsys, args, message):
    out = tmp_path / "x.png"
    argv = ["render", str(pydicom_files / args[0]), "-o", str(out), *args[1:]]
    assert main(argv) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # nothing half-written
