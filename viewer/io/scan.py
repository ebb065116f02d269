"""Turn files, folders and DICOMDIRs into studies, reading headers only.

Unusable files become :class:`~viewer.io.model.FileProblem` entries and the rest still
opens. Reading is sequential on purpose: header parsing is pure Python and holds the GIL,
so a thread pool measured no faster (see docs of :func:`scan`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from pydicom import dcmread

from viewer.errors import FileProblemError
from viewer.io.dicom import DICOMDIR_SOP_CLASS, read_instance
from viewer.io.images import IMAGE_SUFFIXES, looks_like_image, read_image
from viewer.io.model import FileProblem, Instance, ScanResult
from viewer.io.series import build_studies, file_order_key
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

NOT_SUPPORTED = "not a DICOM file or supported image"


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _is_dicomdir_name(path: Path) -> bool:
    return path.name.upper() == "DICOMDIR"


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted((d for d in dirs if not _is_hidden(d)), key=str.lower)
        for name in names:
            if not _is_hidden(name) and name.upper() != "DICOMDIR":
                yield Path(root) / name


def _dicomdir_files(path: Path) -> tuple[list[Path], list[FileProblem]]:
    """Files a DICOMDIR references, relative to the folder that holds it."""
    try:
        ds = dcmread(path, force=True)
        records = list(ds.DirectoryRecordSequence)
    except Exception:
        return [], [FileProblem(path, "DICOMDIR cannot be read (damaged or not a DICOMDIR)")]
    files: list[Path] = []
    problems: list[FileProblem] = []
    for record in records:
        parts = record.get("ReferencedFileID")
        if not parts:
            continue
        parts = [parts] if isinstance(parts, str) else list(parts)
        target = path.parent.joinpath(*(str(p) for p in parts))
        if target.is_file():
            files.append(target)
        else:
            problems.append(FileProblem(target, "listed in the DICOMDIR but missing"))
    return files, problems


def collect_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileProblem]]:
    """Expand folders (recursively) and DICOMDIRs into a de-duplicated list of files."""
    files: list[Path] = []
    problems: list[FileProblem] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(_walk(path), key=file_order_key))
        elif path.is_file():
            if _is_dicomdir_name(path):
                found, missing = _dicomdir_files(path)
                files.extend(found)
                problems.extend(missing)
            else:
                files.append(path)
        else:
            problems.append(FileProblem(path, "not found"))
    seen: set[Path] = set()
    unique: list[Path] = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def _has_dicom_marker(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            f.seek(128)
            return f.read(4) == b"DICM"
    except OSError:
        return False


def read_file(path: Path) -> Instance | None:
    """One file as an Instance; None for files to skip quietly (a DICOMDIR by another name)."""
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


def scan(
    paths: Iterable[str | Path],
    progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> ScanResult:
    """Read the headers of everything under ``paths`` and group them into studies.

    ``progress(done, total)`` counts files; ``cancel.check()`` may raise ``Cancelled``.
    """
    files, problems = collect_files(paths)
    total = len(files)
    instances: list[Instance] = []
    if progress:
        progress(0, total)
    for done, path in enumerate(files, start=1):
        if cancel is not None:
            cancel.check()
        try:
            inst = read_file(path)
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
        if progress:
            progress(done, total)
    log.info("scanned %d files: %d usable, %d problems", total, len(instances), len(problems))
    return ScanResult(studies=build_studies(instances), problems=problems)
