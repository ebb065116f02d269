"""The session's RT structure sets without Qt: each file read once (in the background when
a submit function is given), sets matched to a series by frame of reference, a damaged
file told once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.io.rtstructs import write_phantom_rtstruct
from viewer.io.demo import write_phantom_series
from viewer.io.scan import scan
from viewer.state.session import Session
from viewer.state.structure_sets import StructureSetsRead
from viewer.tasks.jobs import Outcome


class LaterPool:
    """A submit function that runs jobs only when told to (a worker thread, made visible)."""

    def __init__(self) -> None:
        self.waiting: list[tuple[Callable[[], Any], Callable[[Outcome[Any]], None]]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Outcome[Any]], None]) -> object:
        self.waiting.append((work, done))
        return object()

    def run(self) -> None:
        while self.waiting:
            work, done = self.waiting.pop(0)
            try:
                outcome: Outcome[Any] = Outcome(value=work())
            except Exception as exc:  # noqa: BLE001 - travels with the outcome
                outcome = Outcome(error=exc)
            done(outcome)


@pytest.fixture(scope="module")
def study_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt-session")
    write_phantom_series(folder / "ct", slices=8, size=32)
    series = scan([folder / "ct"]).all_series()[0]
    (folder / "rt").mkdir()
    write_phantom_rtstruct(folder / "rt" / "good.dcm", series)
    write_phantom_rtstruct(folder / "rt" / "foreign.dcm", series,
                           frame_of_reference="1.2.826.0.1.3680043.8.498.77")
    return folder


def _open(folder, session: Session):
    session.open(scan([folder / "ct", folder / "rt"]).studies)
    ((series, study),) = [(s, st) for s, st in session.studies.all_series() if s.has_images]
    return series, study


def test_read_once_in_the_background_and_matched_by_frame_of_reference(study_files):
    session, pool = Session(), LaterPool()
    session.structure_sets.read_in_background(pool.submit)
    heard: list[StructureSetsRead] = []
    session.structure_sets.subscribe(heard.append)
    series, study = _open(study_files, session)
    assert session.structure_sets.request(study)
    assert session.structure_sets.pending == 2 and heard == []  # nothing read on this thread
    assert not session.structure_sets.request(study)  # asked already: not read twice
    assert len(pool.waiting) == 1
    pool.run()
    assert heard == [StructureSetsRead(study.uid, ())]
    assert session.structure_sets.pending == 0
    sets = session.structure_sets.for_series(series, study)
    assert [s.path.name for s in sets] == ["good.dcm"]  # the foreign one is about other images
    assert not session.structure_sets.request(study) and pool.waiting == []


def test_a_damaged_file_is_told_once(study_files, tmp_path):
    session = Session()  # no submit: read at once (a script)
    heard: list[StructureSetsRead] = []
    session.structure_sets.subscribe(heard.append)
    series = scan([study_files / "ct"]).all_series()[0]
    bad = write_phantom_rtstruct(tmp_path / "bad.dcm", series)
    session.open(scan([study_files / "ct", tmp_path]).studies)
    ((series, study),) = [(s, st) for s, st in session.studies.all_series() if s.has_images]
    bad.write_bytes(bad.read_bytes()[:-300])  # damaged after it was listed
    assert session.structure_sets.request(study)
    (event,) = heard
    assert [p.path.name for p in event.problems] == ["bad.dcm"]
    assert session.structure_sets.for_series(series, study) == []
    assert not session.structure_sets.request(study) and len(heard) == 1
    assert [p.path.name for p in session.structure_sets.problems(study.uid)] == ["bad.dcm"]


def test_reads_dropped_when_the_session_ends(study_files):
    session, pool = Session(), LaterPool()
    session.structure_sets.read_in_background(pool.submit)
    heard: list[StructureSetsRead] = []
    session.structure_sets.subscribe(heard.append)
    _series, study = _open(study_files, session)
    session.structure_sets.request(study)
    session.structure_sets.close()
    pool.run()
    assert heard == [] and session.structure_sets.pending == 0
