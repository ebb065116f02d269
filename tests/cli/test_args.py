"""Numbers and output paths on the command line: a bad one is a usage error (exit 2) with a
sentence that says what to type, never a traceback; an output never replaces a device, a
named pipe or a folder (the CI runs these as root, where a rename could)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.inference.artifacts import build
from tests.waiting import within
from viewer.cli.ai import infer_main
from viewer.cli.main import main
from viewer.io.demo import write_phantom_series

ROOT = Path(__file__).resolve().parents[2]
DEVICES = [d for d in ("/dev/null", "/dev/full") if os.path.exists(d)]


pytestmark = pytest.mark.usefixtures("private_audit")


def usage_error(capsys, argv: list[str]) -> str:
    """Run ``lightbox ARGV``; it must stop with status 2 (argparse's exit, or a command
    that turns it into its return value). Its stderr."""
    status: object
    try:
        status = main(argv)
    except SystemExit as stop:
        status = stop.code
    assert status == 2
    return capsys.readouterr().err


@pytest.fixture
def ct(pydicom_files) -> str:
    return str(pydicom_files / "CT_small.dcm")


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ("nan,nan", "expects finite numbers such as 40,400, not 'nan,nan'"),
        ("40,inf", "expects finite numbers"),
        ("-inf,400", "expects finite numbers"),
        ("40,0", "the width must be at least 1 (such as 40,400), not 0"),
        ("40,-400", "the width must be at least 1"),
        ("40", "expects centre,width such as 40,400, not '40'"),
        ("a,b", "expects centre,width"),
        ("1,2,3", "expects centre,width"),
    ],
)
def test_render_window_must_be_two_finite_numbers(tmp_path, ct, capsys, window, message):
    out = tmp_path / "x.png"
    err = usage_error(capsys, ["render", ct, "-o", str(out), f"--window={window}"])
    assert f"argument --window: {message}" in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("frame", "message"),
    [("-1", "expects a frame number from 0 (the first), not -1"),
     ("two", "expects a frame number such as 0 (the first), not 'two'"),
     ("1.5", "expects a frame number such as 0 (the first), not '1.5'")],
)
def test_render_frame_must_be_a_whole_number_from_0(tmp_path, ct, capsys, frame, message):
    err = usage_error(capsys, ["render", ct, "-o", str(tmp_path / "x.png"), f"--frame={frame}"])
    assert f"argument --frame: {message}" in err


def test_render_frame_past_the_end_names_the_count(tmp_path, ct, pydicom_files, capsys):
    out = tmp_path / "x.png"
    assert main(["render", ct, "-o", str(out), "--frame", "3"]) == 2
    assert capsys.readouterr().err == (
        "lightbox render: --frame 3 is out of range: CT_small.dcm has 1 frame (only 0)\n")
    two = str(pydicom_files / "SC_rgb_rle_2frame.dcm")
    assert main(["render", two, "-o", str(out), "--frame", "2"]) == 2
    assert "SC_rgb_rle_2frame.dcm has 2 frames (0 to 1)" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def _special_outputs(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "folder-link.png"
    link.symlink_to(folder)
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    targets = {"a folder": folder, "a folder, through a link": link, "a named pipe": fifo}
    targets.update({f"a character device ({d})": Path(d) for d in DEVICES})
    return targets


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_render_never_replaces_a_device_a_pipe_or_a_folder(tmp_path, ct, capsys):
    for what, target in _special_outputs(tmp_path).items():
        before = os.stat(target)
        err = within(20, lambda t=target: usage_error(capsys, ["render", ct, "-o", str(t)]),
                     target)
        kind = what.split(",")[0].split(" (")[0]
        assert f"argument -o/--output: {target}: {kind}, not a regular file; choose a file name" \
            in err, err
        after = os.stat(target)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (
            before.st_mode, before.st_ino, before.st_rdev), what
    assert list((tmp_path / "folder").iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_audit_export_and_anonymize_outputs_are_checked(tmp_path, pydicom_files, capsys):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for target in (fifo, *map(Path, DEVICES), tmp_path):
        err = usage_error(capsys, ["audit", "export", "--from", "2020-01-01", "--to",
                                   "2030-01-01", "--out", str(target)])
        assert f"argument --out: {target}: " in err and "not a regular file" in err
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(pydicom_files / "CT_small.dcm", src / "a.dcm")
    for target in (fifo, *map(Path, DEVICES)):
        err = usage_error(capsys, ["anonymize", str(src), str(target)])
        assert f"argument out: {target}: " in err and "not a folder; choose a folder name" in err


def test_info_names_loops_and_pipes_and_lists_the_rest(tmp_path, ct, capsys):
    shutil.copy(ct, tmp_path / "ct.dcm")
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "scan.png")
    assert within(30, lambda: main(["info", str(tmp_path), str(tmp_path / "a")]),
                  tmp_path / "scan.png") == 0
    out = capsys.readouterr().out
    assert "1 image(s)" in out
    assert f"cannot use {tmp_path / 'a'}: a symbolic link loop" in out
    if hasattr(os, "mkfifo"):
        assert f"cannot use {tmp_path / 'scan.png'}: a named pipe, not a file" in out


# --- lightbox infer ------------------------------------------------------------------------


@pytest.fixture
def infer_args(tmp_path) -> list[str]:
    build(tmp_path / "models", "threshold")
    write_phantom_series(tmp_path / "phantom", slices=3, size=64)
    return [str(tmp_path / "phantom"), "--models-dir", str(tmp_path / "models"),
            "--model", "threshold"]


def test_infer_frame_is_checked_against_the_series(tmp_path, infer_args, capsys):
    out = tmp_path / "out"
    assert infer_main([*infer_args, "--out", str(out), "--frame", "3"]) == 2
    assert capsys.readouterr().err == (
        "lightbox infer: --frame 3 is out of range: the series has 3 images (0 to 2)\n")
    assert not out.exists()
    with pytest.raises(SystemExit) as stop:
        infer_main([*infer_args, "--out", str(out), "--frame", "-2"])
    assert stop.value.code == 2
    assert "argument --frame: expects a frame number from 0" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_infer_out_must_be_a_folder_and_never_renames_over_a_pipe(tmp_path, infer_args, capsys):
    for target in map(Path, DEVICES):
        with pytest.raises(SystemExit) as stop:
            infer_main([*infer_args, "--out", str(target)])
        assert stop.value.code == 2
        assert f"argument --out: {target}: a character device, not a folder" in \
            capsys.readouterr().err
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "threshold-frame-0001.json")
    assert within(60, lambda: infer_main([*infer_args, "--out", str(out), "--frame", "1"]),
                  out / "threshold-frame-0001.json") == 1
    err = capsys.readouterr().err
    assert err == ("lightbox infer: threshold-frame-0001.json: a named pipe, not a regular "
                   "file; move it away or choose another --out folder\n")
    assert sorted(p.name for p in out.iterdir()) == ["threshold-frame-0001.json"]  # all or nothing


# --- as a user types it ----------------------------------------------------------------------


def test_the_real_command_refuses_nan_and_dev_full_with_status_2(tmp_path, ct):
    target = DEVICES[-1] if DEVICES else str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "render", ct, "-o", target, "--window", "nan,nan"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "not a regular file; choose a file name" in done.stderr  # the first error found
    done = subprocess.run(
        [sys.executable, "-m", "viewer", "render", ct, "-o", str(tmp_path / "x.png"),
         "--window", "nan,nan"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "argument --window: expects finite numbers such as 40,400, not 'nan,nan'" in \
        done.stderr
    if os.path.exists("/dev/full"):
        assert Path("/dev/full").is_char_device()


def test_model_train_seed_and_out_are_checked(tmp_path, capsys):
    recipe = str(tmp_path)
    for seed, message in (("-1", "expects a number from 0 to 4294967295, not -1"),
                          ("2**32", "expects a whole number such as 0, not '2**32'"),
                          (str(2**32), "expects a number from 0 to 4294967295, not 4294967296")):
        err = usage_error(capsys, ["model", "train", recipe, "--out", str(tmp_path / "w.pt"),
                                   "--seed", seed])
        assert f"argument --seed: {message}" in err
    for device in DEVICES:
        err = usage_error(capsys, ["model", "train", recipe, "--out", device])
        assert f"argument --out: {device}: a character device, not a regular file" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_render_and_info_of_a_named_pipe_say_so_at_once(tmp_path, capsys):
    fifo = tmp_path / "scan.png"
    os.mkfifo(fifo)
    out = tmp_path / "out.png"
    assert within(20, lambda: main(["render", str(fifo), "-o", str(out)]), fifo) == 1
    assert capsys.readouterr().err == "lightbox render: scan.png: a named pipe, not a file\n"
    assert within(20, lambda: main(["info", str(fifo)]), fifo) == 1
    assert f"cannot use {fifo}: a named pipe, not a file" in capsys.readouterr().out
    assert not out.exists()
