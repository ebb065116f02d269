"""One reading session, without Qt: everything a reader has open, which every view observes.

A ``Session`` owns the open studies (each UID once), the AI results and their display state
(one store, so every viewport showing a series shows the same overlays and warnings), the
AI run state, the measurements, and which series each viewport slot shows. Widgets are
views: they subscribe to the part they draw and turn input into calls here. A script or a
test drives a session exactly as the UI does, with no widget at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from viewer.state.ai_results import OverlayState
from viewer.state.events import Listeners
from viewer.state.key_images import KeyImageStore
from viewer.state.measurements import MeasurementStore
from viewer.state.runs import RunState
from viewer.state.slots import ViewportSlots
from viewer.state.structure_sets import StructureSets
from viewer.state.studies import OpenStudies, StudiesAdded

if TYPE_CHECKING:
    from pydicom import Dataset

    from viewer.io.model import Instance, Study

#: Objects that point at images by SOP Instance UID (SR, SEG, RTSTRUCT, GSPS, KOS).
_REFERENCE_KEYWORD = "ReferencedSOPInstanceUID"


@dataclass(frozen=True)
class ObjectShown:
    """An object without pixels chosen for display in ``slot`` (the viewport clears first)."""

    slot: int
    instance: Instance
    study: Study | None


class Session:
    """The reading session's model. Parts and their events:

    * ``studies`` (:class:`OpenStudies`): :class:`StudiesAdded` after each merge;
    * ``results`` (:class:`OverlayState`): the names of the fields that changed;
    * ``runs`` (:class:`RunState`): the series UID whose run line changed;
    * ``measurements`` (:class:`MeasurementStore`): the (SOP Instance UID, frame) changed;
    * ``key_images`` (:class:`KeyImageStore`): the (SOP Instance UID, frame) toggled;
    * ``slots`` (:class:`ViewportSlots`): the slot that changed, ``-1`` for the active one;
    * ``objects``: an :class:`ObjectShown` when an object without pixels is chosen;
    * ``structure_sets`` (:class:`StructureSets`): a ``StructureSetsRead`` per read done.
    """

    def __init__(self, viewports: int = 4) -> None:
        self.studies = OpenStudies()
        self.results = OverlayState()
        self.runs = RunState()
        self.measurements = MeasurementStore()
        # One history for measurements and key images: one undo order, one "unsaved".
        self.key_images = KeyImageStore(self.measurements.history)
        self.slots = ViewportSlots(viewports)
        self.objects: Listeners[ObjectShown] = Listeners()
        # RT structure sets of the open studies, each file read once for every viewport.
        self.structure_sets = StructureSets()

    def open(self, studies: list[Study]) -> StudiesAdded:
        """Merge what a scan found; what is already open adds nothing."""
        return self.studies.add(studies)

    def show_object(self, instance: Instance, study: Study | None = None,
                    slot: int | None = None) -> ObjectShown:
        """An SR, RTSTRUCT, ECG… chosen: its slot shows no image (and no one's corner text)."""
        chosen = self.slots.active if slot is None else slot
        self.slots.show(chosen, None)
        event = ObjectShown(chosen, instance, study)
        self.objects.emit(event)
        return event

    def close_series(self, slot: int, series_uid: str) -> bool:
        """Close ``series_uid`` in ``slot``; a second, late close changes nothing."""
        return self.slots.close(slot, series_uid)

    def missing_references(self, instance: Instance) -> list[str]:
        """SOP Instance UIDs that ``instance`` refers to and that are not open."""
        header = instance.header
        if header is None:
            return []
        return sorted({uid for uid in _references(header)
                       if not self.studies.has_instance(uid)})


def _references(dataset: Dataset) -> Iterator[str]:
    """Every ReferencedSOPInstanceUID anywhere in ``dataset``'s sequences."""
    for element in dataset:
        if element.keyword == _REFERENCE_KEYWORD and element.value:
            yield str(element.value)
        elif element.VR == "SQ":
            for item in element.value or ():
                yield from _references(item)

