"""Turn files, folders and DICOMDIRs into studies, reading headers only.

Unusable files become :class:`~viewer.io.model.FileProblem` entries and the rest still
opens. Reading is sequential on purpose: header parsing is pure Python and holds the GIL,
so a thread pool measured no faster (see docs of :func:`scan`).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path

from viewer.errors import FileProblemError
from viewer.host.files import link_problem, open_regular, special_file_reason, special_kind
from viewer.io.model import FileProblem, Instance, ScanResult
from viewer.io.quick_header import DICOMDIR_SOP_CLASS
from viewer.io.quick_instance import read_quick_instance
from viewer.io.series import build_studies, file_order_key
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

NOT_SUPPORTED = "not a DICOM file or supported image"


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _is_dicomdir_name(path: Path) -> bool:
    return path.name.upper() == "DICOMDIR"


class _Collector:
    """Regular files under the paths given, and a reason for every path left out.

    Special files (named pipes, devices, sockets) are listed as problems and never
    opened. Symbolic links are followed, but a loop or a broken link is a problem. A link
    to a folder is followed only while it stays inside the folder the reader chose (a link
    to ``..`` or ``/`` would otherwise open the whole disk), and a folder is walked once:
    folders are known by ``(st_dev, st_ino)``, which no chain of links can disguise, so a
    link back to a parent is reported, not recursed into for ever.
    """

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.problems: list[FileProblem] = []
        self._folders: set[tuple[int, int]] = set()
        self._files: set[tuple[int, int]] = set()

    def add(self, path: Path, *, explicit: bool, root: str | None = None) -> None:
        try:
            st = os.stat(path)
        except OSError as exc:
            reason = link_problem(path, exc)
            if reason is None:
                reason = "not found" if isinstance(exc, FileNotFoundError) else (
                    f"cannot be opened ({exc.strerror or type(exc).__name__})")
            self.problems.append(FileProblem(path, reason))
            return
        if stat.S_ISDIR(st.st_mode):
            before = len(self.files)
            if explicit:
                self._folder(path, st, os.path.realpath(path))
            elif root is not None and path.is_symlink():
                self._linked_folder(path, st, root)
            else:
                self._folder(path, st, root)
            if explicit:
                self.files[before:] = sorted(self.files[before:], key=file_order_key)
        elif stat.S_ISREG(st.st_mode):
            if explicit and _is_dicomdir_name(path):
                found, problems = _dicomdir_files(path)
                self.problems.extend(problems)
                for f in found:
                    self.add(f, explicit=False)
            else:
                self._file(path, st)
        else:
            kind = special_kind(st.st_mode) or "not a regular file"
            self.problems.append(FileProblem(path, f"{kind}, not a file"))

    def _file(self, path: Path, st: os.stat_result) -> None:
        key = (st.st_dev, st.st_ino)
        if key not in self._files:
            self._files.add(key)
            self.files.append(path)

    def _linked_folder(self, link: Path, st: os.stat_result, root: str) -> None:
        target = os.path.realpath(link)
        if os.path.commonpath([root, target]) != root:
            self.problems.append(FileProblem(link, "a link to a folder outside the one "
                                             "opened: not followed (open that folder too)"))
        elif (st.st_dev, st.st_ino) in self._folders:
            self.problems.append(FileProblem(link, "a link back to a folder already "
                                             "included (a loop): not read twice"))
        else:
            self._folder(link, st, root)

    def _folder(self, folder: Path, st: os.stat_result, root: str | None) -> None:
        key = (st.st_dev, st.st_ino)
        if key in self._folders:
            return  # named twice on the command line: read once
        self._folders.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name.lower())
        except OSError as exc:
            self.problems.append(
                FileProblem(folder, f"folder cannot be read ({exc.strerror or exc})"))
            return
        files: list[Path] = []
        subfolders: list[Path] = []
        for entry in entries:
            if _is_hidden(entry.name) or entry.name.upper() == "DICOMDIR":
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()  # follows links; False for a loop or broken link
            except OSError:
                is_dir = False
            (subfolders if is_dir else files).append(path)
        for path in files:
            self.add(path, explicit=False, root=root)
        for sub in subfolders:
            self.add(sub, explicit=False, root=root)


def _dicomdir_files(path: Path) -> tuple[list[Path], list[FileProblem]]:
    """Files a DICOMDIR references, inside the folder that holds it.

    A reference is a path relative to that folder: one that climbs out (``..``), is
    absolute, or resolves outside through a symbolic link is refused, so a DICOMDIR on a
    stick cannot make the viewer open files elsewhere on the machine.
    """
    from pydicom import dcmread

    try:
        with open_regular(path) as f:
            ds = dcmread(f, force=True)
        records = list(ds.DirectoryRecordSequence)
    except Exception:
        return [], [FileProblem(path, "DICOMDIR cannot be read (damaged or not a DICOMDIR)")]
    root = path.parent.resolve()
    files: list[Path] = []
    problems: list[FileProblem] = []
    for record in records:
        parts = record.get("ReferencedFileID")
        if not parts:
            continue
        parts = [str(p) for p in ([parts] if isinstance(parts, str) else list(parts))]
        target = path.parent.joinpath(*parts)
        if not _inside(root, parts, target):
            problems.append(FileProblem(target, "listed in the DICOMDIR but outside its "
                                        "folder (refused: a DICOMDIR may only point inside)"))
        elif os.path.lexists(target):
            files.append(target)
        else:
            problems.append(FileProblem(target, "listed in the DICOMDIR but missing"))
    return files, problems


def _inside(root: Path, parts: list[str], target: Path) -> bool:
    if any(p in ("", ".", "..") or "/" in p or "\\" in p or ":" in p for p in parts):
        return False
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):  # a link loop: refused here, reported as outside
        return False
    return resolved.is_relative_to(root)


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileProblem]]:
    """Expand folders (recursively) and DICOMDIRs into a de-duplicated list of regular
    files, and the paths left out with their reasons (see :class:`_Collector`)."""
    collector = _Collector()
    for item in paths:
        collector.add(Path(item), explicit=True)
    return collector.files, collector.problems


def _has_dicom_marker(path: Path) -> bool:
    try:
        with open_regular(path) as f:
            f.seek(128)
            return f.read(4) == b"DICM"
    except OSError:
        return False


def read_file(path: Path, *, regular: bool = False) -> Instance | None:
    """One file as an Instance; None for files to skip quietly (a DICOMDIR by another name).

    An ordinary image file is read quickly (:mod:`viewer.io.quick_instance`: the bytes
    before its pixel data, no pydicom); anything else, damaged files included, by the
    thorough readers, which name what is wrong. A named pipe, a device or a socket is
    refused before anything opens it: ``regular`` says the caller has just seen a regular
    file there (the scan's own ``stat``), which saves a second one; a pipe swapped in
    since then is still refused by the ``fstat`` of the open descriptor."""
    if not regular:
        reason = special_file_reason(path)
        if reason is not None:
            raise FileProblemError(path, reason)
    inst = read_quick_instance(path)
    if inst is not None:
        return inst
    from viewer.io.dicom import read_instance
    from viewer.io.images import IMAGE_SUFFIXES, looks_like_image, read_image

    reason = special_file_reason(path)
    if reason is not None:
        raise FileProblemError(path, reason)
    if path.suffix.lower() in IMAGE_SUFFIXES and not _has_dicom_marker(path):
        return read_image(path)
    try:
        inst = read_instance(path)
    except FileProblemError as exc:
        if exc.reason.startswith("not a DICOM file"):
            if looks_like_image(path):
                return read_image(path)
            raise FileProblemError(path, NOT_SUPPORTED) from exc
        raise
    if inst.sop_class_uid == DICOMDIR_SOP_CLASS:
        return None
    return inst


def _read_ahead(path: Path) -> Instance | None | BaseException:
    """``read_file``'s instance, or the exception it raised (a reader bug included), to be
    dealt with when the scan reaches the file in its order."""
    try:
        return read_file(path, regular=True)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - handled where the file's turn comes
        return exc


def _shows(inst: Instance | None | BaseException) -> bool:
    return isinstance(inst, Instance) and bool(inst.pixel) and inst.number_of_frames > 0


def scan(
    paths: Iterable[str | Path],
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
    first_image: Callable[[Instance], None] | None = None,
) -> ScanResult:
    """Read the headers of everything under ``paths`` and group them into studies.

    ``progress(done, total)`` counts files; ``cancel.check()`` may raise ``Cancelled``.
    ``first_image(instance)``, when given, is called once, as soon as a file with an image
    is read, so that image can be painted while the rest is read (a folder on a slow share
    takes minutes). The middle file is read first: the middle image of a series written
    in order, the one a series opens at once sorted, so what is painted early is what
    stays on screen. When it has no image, the first file in order that has one is given.
    Nothing else changes: every file is read once, problems are listed in file order.
    """
    files, problems = collect_files(paths)
    total = len(files)
    instances: list[Instance] = []
    if progress:
        progress(0, total)
    ahead: dict[int, Instance | None | BaseException] = {}
    if first_image is not None and files:
        if cancel is not None:
            cancel.check()
        middle = total // 2
        read = ahead[middle] = _read_ahead(files[middle])
        if isinstance(read, Instance) and _shows(read):
            first_image(read)
            first_image = None
    for done, path in enumerate(files, start=1):
        if cancel is not None:
            cancel.check()
        try:
            inst = ahead.pop(done - 1) if done - 1 in ahead else read_file(path, regular=True)
            if isinstance(inst, BaseException):
                raise inst
        except FileProblemError as exc:
            problems.append(FileProblem(path, exc.reason))
        except (KeyboardInterrupt, SystemExit):
            raise
        except MemoryError:
            problems.append(FileProblem(path, "cannot be read (too large for the available memory)"))
        except BaseException as exc:  # noqa: BLE001 - a reader bug must not stop the rest
            if isinstance(exc, GeneratorExit):
                raise
            log.exception("unexpected error reading %s", path.name)
            problems.append(FileProblem(path, f"cannot be read ({type(exc).__name__})"))
        else:
            if inst is not None:
                instances.append(inst)
                if first_image is not None and _shows(inst):
                    first_image(inst)
                    first_image = None
        if progress:
            progress(done, total)
    log.info("scanned %d files: %d usable, %d problems", total, len(instances), len(problems))
    return ScanResult(studies=build_studies(instances), problems=problems)
