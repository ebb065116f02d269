"""Staged export folders: a destination that is not a folder is named, never replaced."""

from __future__ import annotations

import os

import pytest

from viewer.io.atomic import ExportError, staged_folder, write_bytes_atomic


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_an_export_folder_cannot_be_a_pipe_a_file_or_a_link_loop(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "file").write_text("kept")
    (tmp_path / "loop").symlink_to("loop")
    for name, what in (("pipe", "a named pipe"), ("file", "a file"),
                       ("loop", "a symbolic link loop")):
        with pytest.raises(ExportError, match=f"it is {what}"), staged_folder(tmp_path / name):
            pytest.fail("must not be reached")
    assert (tmp_path / "file").read_text() == "kept" and fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "loop", "pipe"]


def test_an_export_file_is_never_written_over_a_device(tmp_path):
    for device in ("/dev/null", "/dev/full"):
        if os.path.exists(device):
            with pytest.raises(ExportError, match="a character device, not a regular file"):
                write_bytes_atomic(device, b"x")
            assert os.path.exists(device) and not os.path.isfile(device)
    (tmp_path / "folder").mkdir()
    with pytest.raises(ExportError, match="a folder, not a regular file"):
        write_bytes_atomic(tmp_path / "folder", b"x")
