"""The reader's measurements for the session, keyed by UIDs, without Qt.

A measurement belongs to one frame of one image: (SOP Instance UID, frame). Series and
study objects are rebuilt every time a study is opened, but their UIDs are not, so
measurements made before closing a study are there again when it is reopened in the same
session (each :class:`viewer.state.session.Session` holds one store). The store is evented like the view state: listeners hear what changed and the
viewports redraw. Exports (CSV, JSON) carry UIDs and values, never patient identity.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from viewer.imaging.measure import Calibration, Kind, Point, Result, calibration_of, measure
from viewer.state.events import Listeners
from viewer.state.history import History

if TYPE_CHECKING:
    import numpy as np

    from viewer.io.model import Instance

FrameKey = tuple[str, int]  # (SOP Instance UID, frame)
Listener = Callable[[FrameKey], None]
CSV_COLUMNS = ("id", "kind", "study_uid", "series_uid", "sop_instance_uid", "frame",
               "value", "unit", "area", "area_unit", "mean", "sd", "min", "max",
               "value_unit", "pixels", "note", "points")
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Measurement:
    kind: Kind
    points: tuple[Point, ...]
    sop_instance_uid: str
    frame: int = 0
    series_uid: str = ""
    study_uid: str = ""
    result: Result = field(default_factory=Result)
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def key(self) -> FrameKey:
        return (self.sop_instance_uid, self.frame)

    def as_dict(self) -> dict[str, object]:
        r = self.result
        return {
            "id": self.id, "kind": self.kind.value, "study_uid": self.study_uid,
            "series_uid": self.series_uid, "sop_instance_uid": self.sop_instance_uid,
            "frame": self.frame, "value": r.value, "unit": r.unit, "area": r.area,
            "area_unit": r.area_unit, "mean": r.mean, "sd": r.sd, "min": r.minimum,
            "max": r.maximum, "value_unit": r.value_unit, "pixels": r.pixels,
            "note": r.note, "points": [list(p) for p in self.points],
        }


def value_unit_of(instance: Instance) -> str:
    """What ROI statistics are in: HU for CT, otherwise the file's own rescale type."""
    if instance.modality == "CT":
        return "HU"
    header = instance.header
    rescale_type = header.get("RescaleType", "") if header is not None else ""
    return str(rescale_type or "")


def evaluate(kind: Kind | str, points: tuple[Point, ...], instance: Instance, frame: int,
             stored: np.ndarray | None) -> Result:
    """Measure on a frame: modality values (HU for CT) from its stored pixels."""
    from viewer.imaging.lut import modality_values

    kind = Kind(kind)
    cal: Calibration = calibration_of(instance.frame_geometry(frame))
    values = None
    if stored is not None and stored.ndim == 2 and kind in (Kind.ELLIPSE, Kind.RECTANGLE):
        values = modality_values(stored, instance, frame)
    return measure(kind, points, cal, values, value_unit_of(instance))


class MeasurementStore:
    """Measurements by frame, for a whole session; evented and undoable.

    ``add``, ``replace``, ``remove`` and ``clear`` are steps of ``history`` (shared with
    the key images when the session passes one); ``load`` puts a file's measurements in
    without a step, and ``reset`` starts a new session.
    """

    def __init__(self, history: History | None = None) -> None:
        self._by_frame: dict[FrameKey, list[Measurement]] = {}
        self._listeners: Listeners[FrameKey] = Listeners()
        self.history = history if history is not None else History()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        return self._listeners.subscribe(listener)

    def _emit(self, key: FrameKey) -> None:
        self._listeners.emit(key)

    # -- the raw changes (no history): what steps call ------------------------------------

    def _insert(self, measurement: Measurement, index: int | None = None) -> None:
        items = self._by_frame.setdefault(measurement.key, [])
        items.insert(len(items) if index is None else index, measurement)
        self._emit(measurement.key)

    def _put(self, measurement: Measurement) -> None:
        items = self._by_frame.get(measurement.key, [])
        for i, old in enumerate(items):
            if old.id == measurement.id:
                items[i] = measurement
                self._emit(measurement.key)
                return

    def _delete(self, measurement_id: int) -> tuple[FrameKey, int] | None:
        for key, items in self._by_frame.items():
            for i, old in enumerate(items):
                if old.id == measurement_id:
                    del items[i]
                    self._emit(key)
                    return key, i
        return None

    def _forget(self, measurement_id: int) -> None:
        self._delete(measurement_id)

    def _restore(self, snapshot: dict[FrameKey, list[Measurement]]) -> None:
        keys = {k for k, v in self._by_frame.items() if v} | {k for k, v in snapshot.items() if v}
        self._by_frame = {k: list(v) for k, v in snapshot.items()}
        for key in keys:
            self._emit(key)

    # -- the reader's edits (undoable) --------------------------------------------------

    def add(self, measurement: Measurement) -> Measurement:
        self._insert(measurement)
        self.history.push(lambda: self._forget(measurement.id),
                          lambda: self._insert(measurement))
        return measurement

    def replace(self, measurement: Measurement, *, merge: bool = False) -> Measurement:
        """Put an edited measurement (same id) in place of the old one. ``merge``: this
        continues the previous replace of the same measurement (one drag, one undo)."""
        items = self._by_frame.get(measurement.key, [])
        old = next((m for m in items if m.id == measurement.id), None)
        if old is None:
            raise KeyError(measurement.id)
        self._put(measurement)
        self.history.push(lambda: self._put(old), lambda: self._put(measurement),
                          group=("move", measurement.id), merge=merge)
        return measurement

    def remove(self, measurement_id: int) -> bool:
        old = self.get(measurement_id)
        where = self._delete(measurement_id)
        if old is None or where is None:
            return False
        index = where[1]
        self.history.push(lambda: self._insert(old, index), lambda: self._forget(old.id))
        return True

    def clear(self) -> None:
        if not len(self):
            return
        before = {k: list(v) for k, v in self._by_frame.items()}
        self._restore({})
        self.history.push(lambda: self._restore(before), lambda: self._restore({}))

    def undo(self) -> bool:
        return self.history.undo()

    def redo(self) -> bool:
        return self.history.redo()

    @property
    def dirty(self) -> bool:
        """Unsaved changes since the last save or load (of this store or the history's
        other stores)."""
        return self.history.dirty

    # -- files and sessions (not steps) --------------------------------------------------

    def load(self, measurements: Iterable[Measurement]) -> list[Measurement]:
        """Put measurements read from a file in; not undoable, and what was saved stays
        saved. Returns those added."""
        added = list(measurements)
        for m in added:
            self._insert(m)
        return added

    def reset(self) -> None:
        """Empty, with nothing to undo and nothing unsaved (a new session, a test)."""
        self._restore({})
        self.history.reset()

    def get(self, measurement_id: int) -> Measurement | None:
        return next((m for m in self if m.id == measurement_id), None)

    def on_frame(self, sop_instance_uid: str, frame: int = 0) -> list[Measurement]:
        return list(self._by_frame.get((sop_instance_uid, frame), ()))

    def of_series(self, series_uid: str) -> list[Measurement]:
        return [m for m in self if m.series_uid == series_uid]

    def __iter__(self) -> Iterator[Measurement]:
        for items in self._by_frame.values():
            yield from items

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_frame.values())


def to_json(measurements: list[Measurement]) -> str:
    return json.dumps({"format": "lightbox-measurements", "version": 1,
                       "measurements": [m.as_dict() for m in measurements]},
                      indent=2, ensure_ascii=False)


def to_csv(measurements: list[Measurement]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in measurements:
        row = m.as_dict()
        row["points"] = " ".join(f"{x:.2f},{y:.2f}" for x, y in m.points)
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def moved(measurement: Measurement, points: tuple[Point, ...], result: Result) -> Measurement:
    return replace(measurement, points=points, result=result)

