"""The reading session without Qt, tested against fake views (ndv's habit): each fake view
subscribes to the part it would draw and records what it was told."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from tests.state.test_ai_results import mask_output, result
from viewer.imaging.measure import Kind
from viewer.io.demo import write_phantom_series
from viewer.io.model import FrameGeometry, Instance, PixelInfo, Series, Study
from viewer.io.scan import scan
from viewer.io.series import order_series
from viewer.state.measurements import Measurement
from viewer.state.session import ObjectShown, Session
from viewer.state.slots import ACTIVE_CHANGED
from viewer.state.studies import StudiesAdded


@dataclass
class FakeViewport:
    """What a viewport of slot ``slot`` would draw: its series' overlays and run line."""

    session: Session
    slot: int
    series_uid: str | None = None
    redraws: int = 0
    run_lines: list[str] = field(default_factory=list)
    cleared_for: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.session.results.subscribe(lambda changed: self._redraw())
        self.session.slots.subscribe(self._slot_changed)
        self.session.runs.subscribe(self._run_changed)
        self.session.objects.subscribe(self._object)

    def _redraw(self) -> None:
        self.redraws += 1

    def _slot_changed(self, slot: int) -> None:
        if slot == self.slot:
            self.series_uid = self.session.slots.shown(slot)

    def _run_changed(self, series_uid: str) -> None:
        if series_uid == self.series_uid:
            self.run_lines.append(self.session.runs.text_for(series_uid))

    def _object(self, event: ObjectShown) -> None:
        if event.slot == self.slot:
            self.cleared_for.append(event.instance.modality)

    def overlay(self, frame: int) -> np.ndarray | None:
        return self.session.results.overlay_rgba(self.series_uid, frame, (8, 10))

    def findings(self) -> int:
        return len(self.session.results.findings(self.series_uid))


def instance(sop: str, series: str = "1.2.3", z: float = 0.0, study: str = "9") -> Instance:
    return Instance(Path(f"/x/{sop}.dcm"), "dicom", sop, study_uid=study, series_uid=series,
                    modality="CT", pixel=PixelInfo(10, 8),
                    geometry=[FrameGeometry((0.0, 0.0, z), (1, 0, 0, 0, 1, 0), (1.0, 1.0))])


def study_of(*instances: Instance, uid: str = "9") -> Study:
    by_series: dict[str, Series] = {}
    for inst in instances:
        by_series.setdefault(inst.series_uid, Series(inst.series_uid, uid, "CT")).instances.append(inst)
    for series in by_series.values():
        order_series(series)
    return Study(uid, "Doe^Jane", series=list(by_series.values()))


def record_added(session: Session) -> list[StudiesAdded]:
    events: list[StudiesAdded] = []
    session.studies.subscribe(events.append)
    return events


# -- open studies ------------------------------------------------------------------------------

def test_opening_the_same_folder_twice_adds_nothing(tmp_path):
    write_phantom_series(tmp_path, slices=4, size=16)
    session = Session()
    events = record_added(session)
    first = session.open(scan([tmp_path]).studies)
    again = session.open(scan([tmp_path]).studies)
    assert len(first.studies) == 1 and first.instances == 4
    assert again.empty and len(events) == 1
    assert len(session.studies) == 1
    (series, _study), = session.studies.all_series()
    assert len(series.frames) == 4


def test_a_folder_holding_open_files_adds_only_the_new_ones():
    session = Session()
    session.open([study_of(instance("a", z=0), instance("b", z=2))])
    events = record_added(session)
    added = session.open([study_of(instance("b", z=2), instance("c", z=1))])
    assert added.instances == 1 and not added.studies and not added.series
    (grown,) = added.grown
    # Merged and ordered again along the slice normal, each instance once.
    assert [f.instance.sop_instance_uid for f in grown.frames] == ["a", "c", "b"]
    assert events == [added]


def test_a_new_series_of_an_open_study_is_announced_with_its_study():
    session = Session()
    session.open([study_of(instance("a"))])
    added = session.open([study_of(instance("x", series="7.7"))])
    ((series, study),) = added.series
    assert series.uid == "7.7" and study is next(iter(session.studies))
    assert [s.uid for s in study.series] == ["1.2.3", "7.7"]


def test_a_study_whose_files_are_all_open_under_another_object_adds_nothing():
    session = Session()
    session.open([study_of(instance("a"))])
    assert session.open([study_of(instance("a", study="other"), uid="other")]).empty
    assert len(session.studies) == 1


# -- one results store: every view of a series sees the same --------------------------------

def test_every_viewport_showing_a_series_sees_the_same_results():
    session = Session()
    one, two, other = (FakeViewport(session, n) for n in range(3))
    session.slots.show(0, "1.2.3")
    session.slots.show(1, "1.2.3")
    session.slots.show(2, "4.5.6")
    session.results.add_results([result(0, mask_output())])
    assert one.overlay(0) is not None and two.overlay(0) is not None
    assert np.array_equal(one.overlay(0), two.overlay(0))
    assert one.findings() == two.findings() > 0
    assert other.overlay(0) is None and other.findings() == 0
    assert one.redraws == two.redraws == 1


def test_display_state_is_session_wide():
    session = Session()
    one, two = FakeViewport(session, 0), FakeViewport(session, 1)
    session.slots.show(0, "1.2.3")
    session.slots.show(1, "1.2.3")
    session.results.add_results([result(0, mask_output())])
    session.results.visible = False
    assert one.redraws == two.redraws == 2
    session.results.opacity = 1.0
    assert one.overlay(0)[..., 3].max() == two.overlay(0)[..., 3].max() == 255


# -- run state belongs to a series --------------------------------------------------------

def test_the_run_line_belongs_to_its_series():
    session = Session()
    view = FakeViewport(session, 0)
    session.slots.show(0, "1.2.3")
    runs = session.runs
    runs.start(1, "seg", "1.2.3", 64, "Running…")
    runs.progress(1, 10, 64)
    runs.finish(1, "ok", "64 images done")
    assert view.run_lines == ["Running…", "Running…", "64 images done"]
    assert runs.text_for("1.2.3") == "64 images done"
    assert runs.text_for("4.5.6") == ""  # another series shows no stale line
    assert not runs.running


def test_stale_run_numbers_change_nothing():
    runs = Session().runs
    runs.start(2, "seg", "1.2.3", 4, "Running…")
    runs.progress(1, 3, 4)
    assert runs.finish(1, "ok", "old") is None
    assert runs.current is not None and runs.current.done == 0


# -- measurements, slots, objects ---------------------------------------------------------

def test_measurements_belong_to_the_session_not_the_process():
    first, second = Session(), Session()
    seen: list[tuple[str, int]] = []
    first.measurements.subscribe(seen.append)
    first.measurements.add(Measurement(Kind.DISTANCE, ((0, 0), (1, 1)), "sop1"))
    assert len(first.measurements) == 1 and len(second.measurements) == 0
    assert seen == [("sop1", 0)]


def test_the_active_slot_is_asked_for_when_a_command_fires():
    session = Session()
    events: list[int] = []
    session.slots.subscribe(events.append)
    session.slots.activate(2)
    assert session.slots.active == 2 and events == [ACTIVE_CHANGED]


def test_two_viewports_closing_the_same_series_at_once_change_nothing_twice():
    session = Session()
    session.slots.show(0, "1.2.3")
    session.slots.show(1, "1.2.3")
    assert session.close_series(0, "1.2.3")
    assert not session.close_series(0, "1.2.3")  # the late second close
    assert session.slots.shown(1) == "1.2.3"  # the other viewport keeps its series


def test_an_object_without_pixels_empties_its_slot_before_views_hear_of_it():
    session = Session()
    view = FakeViewport(session, 0)
    session.slots.show(0, "1.2.3")
    sr = Instance(Path("/x/sr.dcm"), "dicom", "sr1", modality="SR")
    shown: list[str | None] = []
    session.objects.subscribe(lambda e: shown.append(session.slots.shown(e.slot)))
    session.show_object(sr)
    assert shown == [None] and view.series_uid is None and view.cleared_for == ["SR"]


def test_references_to_images_that_are_not_open_are_named():
    session = Session()
    session.open([study_of(instance("a"))])
    header = Dataset()
    item, deeper = Dataset(), Dataset()
    item.ReferencedSOPInstanceUID = "a"
    deeper.ReferencedSOPInstanceUID = "zz"
    item.ReferencedSOPSequence = [deeper]
    header.ReferencedSeriesSequence = [item]
    sr = Instance(Path("/x/sr.dcm"), "dicom", "sr1", modality="SR", header=header)
    assert session.missing_references(sr) == ["zz"]
    assert len(session.studies) == 1
