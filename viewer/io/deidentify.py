"""De-identified copies of DICOM files (PS3.15 Annex E basic profile), without Qt.

What happens to each attribute is the table in :mod:`viewer.io.deid_profile`. UIDs are
remapped through one :class:`UidMap` per export, so a study stays one study and a series
one series in the copy, references between files still point at each other, and nothing
leads back to the originals (the map is salted with a random secret that is never
written). Pixel data is copied byte for byte: text burned into the pixels is *not*
removed, so an image flagged "Burned In Annotation: YES" gets a warning for the reader.

Whole exports are staged (see :mod:`viewer.io.atomic`): a failed or cancelled export
leaves no partial folder behind.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pydicom.uid
from pydicom import dcmread
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.errors import InvalidDicomError
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID, generate_uid

from viewer.errors import UnreadableFileError
from viewer.host.files import NotRegularFileError, link_problem, open_regular
from viewer.io.atomic import ExportError, staged_folder
from viewer.io.deid_profile import BY_TAG, GROUP_ACTIONS, STRICTER, resolve
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

METHOD = "Lightbox: DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile"
BASIC_PROFILE_CODE = ("113100", "DCM", "Basic Application Confidentiality Profile")
BURNED_IN = ("Burned In Annotation is YES: text burned into the pixels (names, IDs, dates) "
             "is NOT removed. Check these images before sharing them.")
DICOMDIR_SOP_CLASS = "1.2.840.10008.1.3.10"
#: Non-empty dummy values by VR for the "D" action.
_DUMMY = {
    "PN": "ANONYMOUS", "LO": "ANONYMIZED", "SH": "ANONYMIZED", "LT": "ANONYMIZED",
    "ST": "ANONYMIZED", "UT": "ANONYMIZED", "UC": "ANONYMIZED", "CS": "ANONYMIZED",
    "AE": "ANONYMOUS", "DA": "19000101", "TM": "000000", "DT": "19000101000000",
    "AS": "000Y", "IS": "0", "DS": "0",
}


class UidMap:
    """Old UID → new UID, the same answer every time within one export."""

    def __init__(self, secret: str | None = None) -> None:
        self._secret = secret or secrets.token_hex(16)
        self._map: dict[str, str] = {}

    def __call__(self, uid: str) -> str:
        uid = str(uid).strip("\x00 ")
        if not uid:
            return uid
        new = self._map.get(uid)
        if new is None:
            new = str(generate_uid(prefix=None, entropy_srcs=[self._secret, uid]))
            self._map[uid] = new
        return new

    def __len__(self) -> int:
        return len(self._map)


def _registered(uid: str) -> bool:
    """A UID the standard defines (SOP class, transfer syntax...): not about anyone."""
    return str(uid).strip("\x00 ") in pydicom.uid.UID_dictionary  # type: ignore[attr-defined]  # no __all__


def _code_for(element: DataElement) -> str | None:
    tag = element.tag
    code = BY_TAG.get(tag) or STRICTER.get(tag)
    if code is not None:
        return code
    group = tag.group & 0xFF00
    for (g, e), action in GROUP_ACTIONS.items():
        if group == g and (e is None or tag.element == e) and tag.group % 2 == 0:
            return action
    if element.VR == "PN":
        return "Z"  # a person's name the table does not list: stricter than the profile
    if element.VR == "UI":
        return "U"
    return None


def _new_uids(value: object, uids: UidMap) -> object:
    if isinstance(value, MultiValue | list):
        return [v if _registered(v) else uids(v) for v in value]
    if value is None or value == "" or _registered(str(value)):
        return value
    return uids(str(value))


def _apply(ds: Dataset, element: DataElement, action: str, uids: UidMap) -> None:
    tag, vr = element.tag, element.VR
    if action == "X":
        del ds[tag]
    elif action == "Z" or (action == "D" and vr not in _DUMMY and vr != "UI"):
        element.value = Sequence() if vr == "SQ" else None
    elif action == "D":
        element.value = uids(str(element.value)) if vr == "UI" else _DUMMY[vr]
    elif action == "U":
        if vr == "SQ":
            for item in element.value:
                clean_dataset(item, uids)
        else:
            element.value = _new_uids(element.value, uids)
    elif vr == "SQ":  # K or C on a sequence: its items are still cleaned
        for item in element.value:
            clean_dataset(item, uids)


def clean_dataset(ds: Dataset, uids: UidMap) -> None:
    """Apply the profile to ``ds`` and every nested item, in place."""
    for tag in list(ds.keys()):
        element = ds[tag]
        if tag.is_private:
            del ds[tag]  # the basic profile removes all private attributes
            continue
        code = _code_for(element)
        if code is None:
            if element.VR == "SQ":
                for item in element.value:
                    clean_dataset(item, uids)
            continue
        _apply(ds, element, resolve(code), uids)


def _mark(ds: Dataset) -> None:
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = BASIC_PROFILE_CODE
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    ds.LongitudinalTemporalInformationModified = "REMOVED"


def _new_meta(ds: Dataset, old: FileMetaDataset | None) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = UID(str(ds.get("SOPClassUID") or (
        old.get("MediaStorageSOPClassUID") if old is not None else "")))
    meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "")
    syntax = old.get("TransferSyntaxUID") if old is not None else None
    meta.TransferSyntaxUID = UID(str(syntax)) if syntax else UID("1.2.840.10008.1.2")
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "LIGHTBOX"
    return meta


@dataclass
class Copied:
    """One file written: where, and what the reader should know about it."""

    source: Path
    dest: Path
    study_uid: str
    series_uid: str
    warnings: list[str] = field(default_factory=list)


def deidentify_file(source: Path, uids: UidMap) -> tuple[Dataset, list[str]]:
    """Read ``source`` whole and return its de-identified dataset and warnings.

    Raises ``UnreadableFileError`` for files that are not DICOM objects to copy.
    """
    try:
        with open_regular(source) as f:  # a named pipe or a device is refused, not read
            ds = dcmread(f, force=False)
    except NotRegularFileError as exc:
        raise UnreadableFileError(source, exc.reason) from exc
    except OSError as exc:
        raise UnreadableFileError(source, link_problem(source, exc) or
                                  f"cannot be opened ({exc.strerror or exc})") from exc
    except InvalidDicomError as exc:
        raise UnreadableFileError(source, "not a DICOM file") from exc
    except Exception as exc:  # pydicom raises many types on damaged files
        raise UnreadableFileError(source, "cannot be read (damaged or truncated)") from exc
    meta = getattr(ds, "file_meta", None)
    sop_class = str(ds.get("SOPClassUID", "") or (
        meta.get("MediaStorageSOPClassUID", "") if meta is not None else ""))
    if sop_class == DICOMDIR_SOP_CLASS:
        raise UnreadableFileError(source, "a DICOMDIR index, not an object: not copied")
    if not sop_class or "SOPInstanceUID" not in ds:
        raise UnreadableFileError(source, "not a DICOM object (no SOP Class or Instance UID)")
    old_meta = getattr(ds, "file_meta", None)
    warnings: list[str] = []
    if str(ds.get("BurnedInAnnotation", "")).upper() == "YES":
        warnings.append(BURNED_IN)
    clean_dataset(ds, uids)
    _mark(ds)
    ds.file_meta = _new_meta(ds, old_meta)
    if old_meta is not None:
        clean_dataset(ds.file_meta, uids)
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return ds, warnings


def write_dataset(ds: Dataset, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(dest, enforce_file_format=True)


@dataclass
class ExportReport:
    written: list[Copied] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return sorted({w for c in self.written for w in c.warnings})


def export_files(sources: Iterable[Path], dest: str | Path, *,
                 name: Callable[[int, Dataset], str] | None = None,
                 progress: Callable[[int, int], None] | None = None,
                 cancel: CancelToken | None = None, uids: UidMap | None = None,
                 skip_unreadable: bool = True) -> ExportReport:
    """De-identify ``sources`` into the new folder ``dest``; all or nothing.

    ``name(i, ds)`` gives each file's path inside ``dest`` (default: by new UIDs, never by
    anything from the original names, which may hold a patient's name). Unreadable files
    are listed in the report (or, with ``skip_unreadable`` False, abort the export).
    """
    sources = list(sources)
    uids = uids or UidMap()
    report = ExportReport()
    naming = name or _uid_path
    total = len(sources)
    if progress:
        progress(0, total)
    with staged_folder(dest) as tmp:
        for i, source in enumerate(sources):
            if cancel is not None:
                cancel.check()
            try:
                ds, warnings = deidentify_file(Path(source), uids)
            except UnreadableFileError as exc:
                if not skip_unreadable:
                    raise
                report.skipped.append((Path(source), exc.reason))
            else:
                relative = naming(i, ds)
                write_dataset(ds, tmp / relative)
                report.written.append(Copied(
                    Path(source), Path(dest) / relative, str(ds.get("StudyInstanceUID", "")),
                    str(ds.get("SeriesInstanceUID", "")), warnings))
            if progress:
                progress(i + 1, total)
        if not report.written:
            raise ExportError(f"Nothing to export to {Path(dest).name}: none of the "
                              f"{total} file(s) is a DICOM object that can be copied.")
    log.info("de-identified %d file(s), skipped %d", len(report.written), len(report.skipped))
    return report


def _uid_path(i: int, ds: Dataset) -> str:
    study = str(ds.get("StudyInstanceUID", "") or "study")
    series = str(ds.get("SeriesInstanceUID", "") or "series")
    return f"{study}/{series}/{ds.SOPInstanceUID}.dcm"


def export_series(paths: Iterable[Path], dest: str | Path, *,
                  progress: Callable[[int, int], None] | None = None,
                  cancel: CancelToken | None = None, uids: UidMap | None = None) -> ExportReport:
    """One series into ``dest`` as IM00001.dcm, IM00002.dcm... (in the given order)."""
    return export_files(paths, dest, name=lambda i, ds: f"IM{i + 1:05d}.dcm",
                        progress=progress, cancel=cancel, uids=uids, skip_unreadable=False)
