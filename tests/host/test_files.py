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
