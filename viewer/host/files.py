"""The one way Lightbox replaces a file: write a temporary file beside it, then rename.

A rename within one folder is atomic, so a reader (or a crash, or a killed process) sees
the old file or the new one, never half of either. The data is flushed to disk before the
rename, and the folder after it, so a power cut cannot leave the new name pointing at
empty blocks. On any failure the temporary file is removed and the old file is left as it
was; the ``OSError`` goes to the caller, who knows what to tell the reader
(``viewer.io.atomic`` turns it into an ``ExportError`` for exports).

Appending (the audit log) is a different operation and does not come here.

It lives in ``host`` (this machine's file system), below every layer that writes: the
preferences (``host.settings``), the audit chain's head, the verification cache, exports,
results of ``lightbox infer`` and ``lightbox render``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

#: Suffix of the temporary file (hidden: it starts with a dot, named after its target).
PART_SUFFIX = ".part"


def write_atomic(path: str | Path, data: bytes | str, *, mode: int | None = None) -> Path:
    """Replace ``path`` with ``data`` (``str`` is written as UTF-8), atomically and durably.

    ``mode``: the new file's permission bits before the umask (default 0o666, as
    ``open()`` creates files; ``0o600`` for private files). The folder must exist.
    Raises ``OSError``; then ``path`` is unchanged and no temporary file is left behind.
    """
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _create_beside(path, 0o666 if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(path.parent)
    return path


def _create_beside(path: Path, mode: int) -> tuple[int, Path]:
    """A new, exclusive temporary file in ``path``'s folder. Not ``tempfile.mkstemp``:
    that always makes 0o600 files, and the umask cannot be read without setting it (a
    race with other threads); ``os.open`` lets the kernel apply the umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART_SUFFIX}")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {path.name}")


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; NTFS journals the rename itself
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
