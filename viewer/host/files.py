"""The one way Lightbox replaces a file: write a temporary file beside it, then rename.

A rename within one folder is atomic, so a reader (or a crash, or a killed process) sees
the old file or the new one, never half of either. The data is flushed to disk before the
rename, and the folder after it, so a power cut cannot leave the new name pointing at
empty blocks. On any failure the temporary file is removed and the old file is left as it
was; the ``OSError`` goes to the caller, who knows what to tell the reader
(``viewer.io.atomic`` turns it into an ``ExportError`` for exports).

Appending (the audit log) is a different operation and does not come here; it uses
:func:`sync_folder` to make a new log's name durable.

It lives in ``host`` (this machine's file system), below every layer that writes: the
preferences (``host.settings``), the audit chain's head, the verification cache, exports,
results of ``lightbox infer`` and ``lightbox render``.

It writes only over regular files or new names. ``rename(2)`` replaces whatever the
target is, so run as root ``lightbox render -o /dev/full`` once swapped the device node
for a PNG: :func:`check_replaceable` refuses a device, a named pipe, a socket, a folder or
a symbolic link to one of them (``NotRegularFileError``, an ``OSError``). It is checked
again just before the rename; a target swapped in the instant between the two needs
write access to the folder, which could replace the file anyway.

Reading has its twin, :func:`special_file_reason`: the scanner never opens a named pipe
(an ``open()`` would wait for a writer for ever) or a device, and names why it skipped it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

#: Suffix of the temporary file (hidden: it starts with a dot, named after its target).
PART_SUFFIX = ".part"


def write_atomic(path: str | Path, data: bytes | str, *, mode: int | None = None,
                 durable: bool = True, sync_rename: bool = True) -> Path:
    """Replace ``path`` with ``data`` (``str`` is written as UTF-8), atomically and durably.

    ``mode``: the new file's permission bits before the umask (default 0o666, as
    ``open()`` creates files; ``0o600`` for private files). The folder must exist.
    ``durable=False`` leaves out the two ``fsync`` calls (the data, the folder): still
    atomic for every reader and for a crash of the process (the operating system keeps
    what was written), but a power cut may bring back the previous file. Only for copies
    that can be rebuilt from a file that was made durable (the audit chain's head and key
    state, rolled forward from the log).
    ``sync_rename=False`` leaves the rename's durability to the caller, who writes many
    files into one folder and syncs it once (:func:`sync_folder`): after a power cut a
    file may then be missing, never present with the wrong content.
    Raises ``OSError``; then ``path`` is unchanged and no temporary file is left behind.
    """
    path = Path(path)
    check_replaceable(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _create_beside(path, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        check_replaceable(path)  # again: the write may have taken a while
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable and sync_rename:
        sync_folder(path.parent)
    return path


def _create_beside(path: Path, mode: int) -> tuple[int, Path]:
    """A new, exclusive temporary file in ``path``'s folder. Not ``tempfile.mkstemp``:
    that always makes 0o600 files, and the umask cannot be read without setting it (a
    race with other threads); ``os.open`` lets the kernel apply the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}{PART_SUFFIX}")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path.name}")


def sync_folder(folder: Path) -> None:
    """Make the renames done in ``folder`` durable (POSIX; after ``write_atomic`` or
    ``write_atomic(..., sync_rename=False)``); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS journals the rename itself
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# --- what a path is -----------------------------------------------------------------------

#: What each kind of special file is called in a reason shown to the reader.
_SPECIAL = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class NotRegularFileError(OSError):
    """A path that Lightbox will not open or replace: not a regular file."""

    def __init__(self, path: str | Path, what: str, advice: str = "") -> None:
        reason = f"{what}, not a regular file" + (f"; {advice}" if advice else "")
        super().__init__(reason)
        self.path = Path(path)
        self.strerror = reason
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.strerror}"


def special_kind(mode: int) -> str | None:
    """``"a named pipe"``, ``"a character device"``...; None for files and folders."""
    for test, name in _SPECIAL:
        if test(mode):
            return name
    return None


def special_file_reason(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a file, without opening it; None when it can be
    tried (a regular file, or a path ``os.stat`` cannot see, for the reader to report)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        return link_problem(path, exc)
    kind = special_kind(st.st_mode)
    if kind is not None:
        return f"{kind}, not a file"
    if stat.S_ISDIR(st.st_mode):
        return "a folder, not a file"
    return None


def link_problem(path: Path, exc: OSError) -> str | None:
    """The reason for a failed ``os.stat`` that a symbolic link explains, else None."""
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop (the link leads back to itself); remove or fix the link"
    if isinstance(exc, FileNotFoundError) and os.path.islink(path):
        return "a broken symbolic link (its target does not exist)"
    return None


def check_replaceable(path: str | Path, advice: str = "choose a file name") -> None:
    """Raise ``NotRegularFileError`` unless ``path`` is new or a regular file (through a
    symbolic link, its target counts: a link to a device is refused)."""
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return  # a new name, or a broken link: the rename replaces the link itself
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFileError(path, "a symbolic link loop", advice) from exc
        raise
    if stat.S_ISREG(st.st_mode):
        return
    what = "a folder" if stat.S_ISDIR(st.st_mode) else special_kind(st.st_mode) or "not a file"
    raise NotRegularFileError(path, what, advice)


def open_regular(path: str | Path) -> BinaryIO:
    """``path`` opened for reading, refused unless it is a regular file.

    Opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor: a
    regular file ignores the flag, and a named pipe swapped in after a ``stat`` cannot
    make the open wait for a writer."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            what = ("a folder" if stat.S_ISDIR(st.st_mode)
                    else special_kind(st.st_mode) or "not a file")
            raise NotRegularFileError(path, what)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
