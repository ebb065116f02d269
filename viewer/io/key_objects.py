"""Key images as a Key Object Selection document (KOS, TID 2010 "Of Interest"), both ways.

One KOS per study: PACS and other viewers list it as the study's key images. A frame of
a multi-frame image is referenced by its frame number, as PS3.3 C.17.3 allows. Plain
(SOP Instance UID, 0-based frame) pairs in and out; the key image store is one layer up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from viewer.io.atomic import write_bytes_atomic
from viewer.io.presentation_state import (
    MANUFACTURER,
    PARSE_ERRORS,
    AnnotationFileError,
    check_class,
    damaged,
    encode,
    image_header,
    read_dataset,
    short_hash,
)

if TYPE_CHECKING:  # highdicom (and pydicom.sr's code tables) load when a KOS is written:
    import highdicom as hd  # the viewer's start-up never needs them (bench_startup.py)
    from pydicom import Dataset

KOS_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.88.59"
#: CID 7010 document title: (113000, DCM, "Of Interest"), as (value, scheme, meaning).
OF_INTEREST = ("113000", "DCM", "Of Interest")

FrameKey = tuple[str, int]


@dataclass(frozen=True)
class KeySelection:
    path: Path
    sop_instance_uid: str
    study_uid: str
    title: str
    images: list[FrameKey]  # (SOP Instance UID, 0-based frame)


def is_key_object_selection(sop_class_uid: str) -> bool:
    return sop_class_uid == KOS_SOP_CLASS


def default_name(study_uid: str) -> str:
    """From the study's UID only, never the patient; the same study, the same file."""
    return f"lightbox-key-images-{short_hash(study_uid)}.dcm"


def build_kos(keys: Sequence[FrameKey], headers: Mapping[str, Dataset]) -> hd.ko.KeyObjectSelectionDocument:
    if not keys:
        raise AnnotationFileError("Nothing to save: no key images in this study.")
    import highdicom as hd
    from pydicom.sr.coding import Code
    from pydicom.uid import generate_uid

    ordered = sorted(set(keys))
    referenced = [headers[uid] for uid, _ in ordered]
    try:
        content = hd.ko.KeyObjectSelection(document_title=Code(*OF_INTEREST),
                                           referenced_objects=referenced,
                                           description="Key images marked by the reader")
        kos = hd.ko.KeyObjectSelectionDocument(
            evidence=list({h.SOPInstanceUID: h for h in referenced}.values()),
            content=content, series_instance_uid=generate_uid(), series_number=9101,
            sop_instance_uid=generate_uid(), instance_number=1, manufacturer=MANUFACTURER,
            specific_character_set="ISO_IR 192",
        )
    except (ValueError, TypeError, AttributeError) as exc:
        raise AnnotationFileError(f"Cannot save the key images as DICOM: {exc}.") from exc
    images = [item for item in kos.ContentSequence if item.ValueType == "IMAGE"]
    for item, (uid, frame) in zip(images, ordered, strict=True):
        if int(headers[uid].get("NumberOfFrames", 1) or 1) > 1:
            item.ReferencedSOPSequence[0].ReferencedFrameNumber = frame + 1
    kos.SeriesDescription = "Key images"
    return kos


def write_kos(keys: Sequence[FrameKey], image_paths: Mapping[str, Path], path: str | Path) -> Path:
    headers = {uid: image_header(image_paths[uid]) for uid in {k[0] for k in keys}}
    return write_bytes_atomic(path, encode(build_kos(keys, headers)))


def read_kos(path: str | Path) -> KeySelection:
    path = Path(path)
    ds = read_dataset(path, "key images")
    check_class(ds, path, KOS_SOP_CLASS, "key images",
                "is not a key image selection; open it as a study instead.")
    try:
        title = str(ds.ConceptNameCodeSequence[0].CodeMeaning)
        images: list[FrameKey] = []
        for item in ds.ContentSequence:
            if item.get("ValueType") != "IMAGE":
                continue
            ref = item.ReferencedSOPSequence[0]
            numbers = ref.get("ReferencedFrameNumber")
            frames = [0] if numbers in (None, "") else [
                int(n) - 1 for n in (numbers if isinstance(numbers, Sequence)
                                     and not isinstance(numbers, str) else [numbers])]
            images.extend((str(ref.ReferencedSOPInstanceUID), f) for f in frames)
        evidence = {str(i.ReferencedSOPInstanceUID)
                    for study in ds.CurrentRequestedProcedureEvidenceSequence
                    for series in study.ReferencedSeriesSequence
                    for i in series.ReferencedSOPSequence}
        # pydicom reads a truncated file silently; the evidence list comes before the
        # content, so a content cut short misses images the evidence names.
        if evidence != {uid for uid, _ in images}:
            raise damaged(path, "key images: the end of the file is missing")
        return KeySelection(path, str(ds.SOPInstanceUID), str(ds.StudyInstanceUID), title,
                            images)
    except PARSE_ERRORS as exc:
        raise damaged(path, f"key images: {type(exc).__name__}") from exc
