"""Writing files and folders so that a failure leaves nothing half-written.

A file is written by :func:`viewer.host.files.write_atomic`, the one helper for that (a
hidden temporary file beside the destination, flushed, renamed into place). A folder is filled under a hidden temporary
name beside its destination and renamed as a whole; on failure the temporary folder goes.
Every OSError becomes a ``LightboxError`` that names the place and the reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from viewer.errors import LightboxError
from viewer.host.files import (
    NotRegularFileError,
    check_replaceable,
    link_problem,
    special_kind,
    write_atomic,
)


class ExportError(LightboxError):
    """Something could not be written; nothing was left behind."""


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _what(path: Path) -> str:
    try:
        return special_kind(os.stat(path).st_mode) or "a file"
    except OSError as exc:  # a broken link or a link loop
        return link_problem(path, exc) or "unreadable"


def check_writable_folder(folder: Path) -> None:
    """Raise ``ExportError`` unless files can be created in ``folder``."""
    if not folder.is_dir():
        raise ExportError(f"Cannot export to {folder}: the folder does not exist.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"Cannot export to {folder}: the folder is read-only "
                          "(permission denied). Choose another folder.")


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """An export file, through :func:`viewer.host.files.write_atomic` (private to the
    user, as exports always were); failures become an ``ExportError``."""
    path = Path(path)
    try:
        check_replaceable(path)  # first: "a device" says more than "a read-only folder"
    except NotRegularFileError as exc:
        raise ExportError(f"Cannot write {path}: {exc.reason}.") from exc
    check_writable_folder(path.parent)
    try:
        return write_atomic(path, data, mode=0o600)
    except OSError as exc:
        raise ExportError(f"Cannot write {path.name} in {path.parent}: {_reason(exc)}.") from exc


def write_text_atomic(path: str | Path, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


@contextlib.contextmanager
def staged_folder(dest: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; on success it becomes ``dest``.

    ``dest`` must not exist yet (or be an empty folder): an export never mixes with or
    overwrites older files. On any exception the temporary folder is removed.
    """
    dest = Path(dest)
    if os.path.lexists(dest) and not dest.is_dir():
        what = _what(dest)
        raise ExportError(f"Cannot export to {dest}: it is {what}, not a folder. "
                          "Choose a new folder name.")
    if dest.exists() and not (dest.is_dir() and not any(dest.iterdir())):
        raise ExportError(f"Cannot export to {dest}: it already exists and is not empty. "
                          "Choose a new folder name.")
    check_writable_folder(dest.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent))
    except OSError as exc:
        raise ExportError(f"Cannot export to {dest.parent}: {_reason(exc)}.") from exc
    try:
        yield tmp
        if dest.exists():
            dest.rmdir()  # the empty folder the reader chose
        os.replace(tmp, dest)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise ExportError(f"Cannot export to {dest}: {_reason(exc)}.") from exc
        raise
