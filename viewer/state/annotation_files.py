"""The session's measurements and key images saved beside the study, and read back.

Between the stores (measurements, key images) and the DICOM files of
:mod:`viewer.io.presentation_state` (one GSPS per series) and :mod:`viewer.io.key_objects`
(one KOS per study). Saving writes every file or raises; the history is marked saved
only when all were written. Reading back adds only what is not there already, so opening
a folder twice, or the folder a file was just saved into, adds nothing.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewer.errors import LightboxError
from viewer.imaging.measure import Kind, Result
from viewer.io.key_objects import KeySelection, write_kos
from viewer.io.key_objects import default_name as kos_name
from viewer.io.model import Instance, Series
from viewer.io.presentation_state import (
    ForeignAnnotationsError,
    Graphic,
    PresentationState,
    default_name,
    write_gsps,
)
from viewer.state.key_images import KeyImage, KeyImageStore
from viewer.state.measurements import Measurement, MeasurementStore, evaluate

Window = tuple[float, float]  # (center, width)
_RESULT_FIELDS = {f.name for f in dataclasses.fields(Result)}


@dataclass
class SaveReport:
    written: list[Path] = field(default_factory=list)
    #: Annotations that cannot go into a DICOM file (MPR planes, plain images).
    left_out: int = 0


def has_unsaved(store: MeasurementStore, keys: KeyImageStore) -> bool:
    """Whether quitting would lose work: changes since the last save, and something to
    keep (deleting everything a file holds loses nothing that file does not have)."""
    return store.history.dirty and bool(len(store) or len(keys))


# --- measurements <-> graphics -------------------------------------------------------------


def graphic_of(m: Measurement) -> Graphic:
    record = {"kind": m.kind.value, "points": [list(p) for p in m.points],
              "result": dataclasses.asdict(m.result)}
    # One line: other viewers draw the text object as it is.
    return Graphic(m.kind.value, m.points, m.sop_instance_uid, m.frame,
                   m.result.text().replace("\n", "; "), record)


def _stored_result(record: Mapping[str, Any] | None) -> Result | None:
    raw = record.get("result") if record is not None else None
    if not isinstance(raw, dict):
        return None
    try:
        return Result(**{k: v for k, v in raw.items() if k in _RESULT_FIELDS})
    except TypeError:
        return None


def measurement_of(g: Graphic, instance: Instance, series_uid: str, study_uid: str) -> Measurement:
    """Lightbox's own record as it was; another viewer's graphic measured again on the
    image's geometry (ROI statistics need pixels, so those files give the area alone)."""
    result = _stored_result(g.record)
    if result is None:
        result = evaluate(g.kind, g.points, instance, g.frame, None)
    return Measurement(Kind(g.kind), g.points, g.sop_instance_uid, g.frame, series_uid,
                       study_uid, result)


def _same(a: Measurement, b: Measurement) -> bool:
    return a.kind is b.kind and len(a.points) == len(b.points) and all(
        math.isclose(p[0], q[0], abs_tol=1e-3) and math.isclose(p[1], q[1], abs_tol=1e-3)
        for p, q in zip(a.points, b.points, strict=True))


# --- reading back --------------------------------------------------------------------------


def instances_by_uid(series: Iterable[Series]) -> dict[str, tuple[Instance, Series]]:
    return {inst.sop_instance_uid: (inst, s) for s in series for inst in s.instances}


def apply_presentation_state(state: PresentationState, store: MeasurementStore,
                             open_images: Mapping[str, tuple[Instance, Series]]) -> list[Measurement]:
    """Add the file's annotations on open images to the store; returns those added.

    Raises ForeignAnnotationsError when none of the images it is about is open.
    """
    if state.image_uids and not state.image_uids & open_images.keys():
        raise ForeignAnnotationsError(
            f"{state.path.name} holds annotations for images that are not open. Open the "
            "series it belongs to (the same study, from the same place); the annotations "
            "are shown then.")
    new: list[Measurement] = []
    for g in state.graphics:
        found = open_images.get(g.sop_instance_uid)
        if found is None or g.kind not in Kind.__members__.values():
            continue
        instance, series = found
        m = measurement_of(g, instance, series.uid, series.study_uid)
        if not any(_same(m, old) for old in store.on_frame(*m.key)) \
                and not any(_same(m, n) and n.key == m.key for n in new):
            new.append(m)
    return store.load(new)


def apply_key_selection(selection: KeySelection, keys: KeyImageStore,
                        open_images: Mapping[str, tuple[Instance, Series]]) -> list[KeyImage]:
    on_open = [(uid, f) for uid, f in selection.images if uid in open_images]
    if selection.images and not on_open:
        raise ForeignAnnotationsError(
            f"{selection.path.name} marks key images that are not open. Open the study it "
            "belongs to; the key images are marked then.")
    return keys.load(KeyImage(uid, f, open_images[uid][1].uid, open_images[uid][1].study_uid)
                     for uid, f in on_open)


# --- saving --------------------------------------------------------------------------------


def _folder_of(series: Series, folder: Path | None) -> Path:
    return folder if folder is not None else series.instances[0].path.parent


def save_annotations(store: MeasurementStore, keys: KeyImageStore, series: Sequence[Series],
                     folder: str | Path | None = None,
                     windows: Mapping[str, Window] | None = None) -> SaveReport:
    """Write one GSPS per series with measurements and one KOS per study with key images,
    into ``folder`` or else beside each series' own files. Marks the history saved only
    when every file was written; raises (ExportError, AnnotationFileError) otherwise."""
    target = Path(folder) if folder is not None else None
    windows = windows or {}
    by_uid = {s.uid: s for s in series}
    report = SaveReport()
    if not len(store) and not len(keys):
        raise LightboxError("Nothing to save: no measurements or key images yet.")
    for series_uid in dict.fromkeys(m.series_uid for m in store):
        s = by_uid.get(series_uid)
        items = store.of_series(series_uid)
        dicom = {i.sop_instance_uid: i.path for i in s.instances if i.kind == "dicom"} if s else {}
        graphics = [graphic_of(m) for m in items if m.sop_instance_uid in dicom]
        report.left_out += len(items) - len(graphics)
        if s is None or not graphics:
            continue
        path = _folder_of(s, target) / default_name(s.uid, s.number)
        report.written.append(write_gsps(graphics, dicom, path, window=windows.get(s.uid)))
    images = instances_by_uid(series)
    for study_uid in dict.fromkeys(k.study_uid for k in keys):
        marked = [k for k in keys.of_study(study_uid) if k.sop_instance_uid in images
                  and images[k.sop_instance_uid][0].kind == "dicom"]
        report.left_out += len(keys.of_study(study_uid)) - len(marked)
        if not marked:
            continue
        first = images[marked[0].sop_instance_uid][1]
        paths = {k.sop_instance_uid: images[k.sop_instance_uid][0].path for k in marked}
        path = _folder_of(first, target) / kos_name(study_uid)
        report.written.append(write_kos([k.key for k in marked], paths, path))
    store.history.mark_saved()
    return report
