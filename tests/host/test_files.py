"""The one atomic file writer: all of the new file or all of the old one, never half."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from viewer.host import files
from viewer.host.files import write_atomic


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(files.PART_SUFFIX))


def test_writes_bytes_and_text_and_replaces(tmp_path) -> None:
    target = tmp_path / "prefs.json"
    assert write_atomic(target, b"one") == target
    assert target.read_bytes() == b"one"
    write_atomic(target, "zwei — 二")
    assert target.read_text(encoding="utf-8") == "zwei — 二"
    assert _leftovers(tmp_path) == []


def test_a_failing_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "head"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new and longer")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_a_failing_rename_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(PermissionError):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path) == []


def test_an_interrupt_mid_write_is_cleaned_up_too(tmp_path, monkeypatch):
    target = tmp_path / "cache.json"
    target.write_bytes(b"old")

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old" and _leftovers(tmp_path) == []


def test_a_missing_folder_raises_and_creates_nothing(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        write_atomic(tmp_path / "absent" / "x.json", b"{}")
    assert not (tmp_path / "absent").exists()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permission bits")
def test_modes_follow_the_umask_or_stay_private(tmp_path) -> None:
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "shared.png", b"x")
        write_atomic(tmp_path / "private.jsonl.head", b"x", mode=0o600)
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "shared.png").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.jsonl.head").stat().st_mode) == 0o600


@pytest.mark.skipif(os.name == "nt", reason="SIGKILL")
def test_a_killed_writer_leaves_the_old_file_whole(tmp_path) -> None:
    """Kill -9 a process while it writes a large file: the target is the old content."""
    target = tmp_path / "big.bin"
    target.write_bytes(b"old")
    script = (
        "import sys, os\n"
        "from viewer.host import files\n"
        "real = files.os.fsync\n"
        "def stall(fd):\n"
        "    print('writing', flush=True); sys.stdin.readline()\n"
        "files.os.fsync = stall\n"
        f"files.write_atomic({str(target)!r}, b'n' * 50_000_000)\n"
    )
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen([sys.executable, "-c", script], cwd=root, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline() == "writing\n"
        child.kill()
    finally:
        child.wait(timeout=60)
    assert target.read_bytes() == b"old"
    # A killed process cannot clean up; its hidden temporary never takes the target's name.
    assert all(name.startswith(".big.bin.") for name in _leftovers(tmp_path))


# --- only regular files or new names are replaced ----------------------------------------


def _special_targets(tmp_path: Path) -> dict[str, Path]:
    """Targets a rename must never go over, with what they are called."""
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "inside.txt").write_text("kept")
    targets = {"a folder": folder}
    link = tmp_path / "link-to-folder"
    link.symlink_to(folder)
    targets["a folder (through a link)"] = link
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.png"
        os.mkfifo(fifo)
        targets["a named pipe"] = fifo
    for device in ("/dev/null", "/dev/full"):
        if os.path.exists(device):
            targets[f"a character device ({device})"] = Path(device)
    return targets


def test_write_atomic_never_replaces_a_device_a_pipe_or_a_folder(tmp_path) -> None:
    """Run as root (as the CI does), ``rename`` would replace /dev/full itself."""
    for what, target in _special_targets(tmp_path).items():
        before = os.stat(target)
        with pytest.raises(files.NotRegularFileError, match="not a regular file; choose a "
                                                            "file name") as caught:
            write_atomic(target, b"\x89PNG")
        assert what.split(" (")[0] in str(caught.value)
        after = os.stat(target)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (
            before.st_mode, before.st_ino, before.st_rdev), what
        if target.parent != Path("/dev"):
            assert _leftovers(target.parent) == []
    assert (tmp_path / "folder" / "inside.txt").read_text() == "kept"


def test_write_atomic_replaces_a_link_to_a_file_not_its_target(tmp_path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("elsewhere")
    link = tmp_path / "out.txt"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert not link.is_symlink() and link.read_text() == "new"
    assert real.read_text() == "elsewhere"


def test_a_loop_as_target_is_refused(tmp_path) -> None:
    loop = tmp_path / "loop.png"
    loop.symlink_to("loop.png")
    with pytest.raises(files.NotRegularFileError, match="symbolic link loop"):
        write_atomic(loop, b"x")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_open_regular_refuses_a_named_pipe_without_waiting(tmp_path) -> None:
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    # O_NONBLOCK: opening a pipe for reading returns at once instead of waiting for a writer
    with pytest.raises(files.NotRegularFileError, match="a named pipe, not a regular file"):
        files.open_regular(fifo)
    assert files.special_file_reason(fifo) == "a named pipe, not a file"
    assert files.special_file_reason(tmp_path) == "a folder, not a file"
    regular = tmp_path / "r"
    regular.write_bytes(b"abc")
    assert files.special_file_reason(regular) is None
    with files.open_regular(regular) as f:
        assert f.read() == b"abc"
