"""The Search PACS model without Qt, against the real Orthanc (tests/conftest.py): a newer
search drops an older one's late answer, series listed once, retrieves queued one at a
time and each opened at its first stored image (once), cancel empties the queue and
opens nothing; the date presets."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.pacs_server import MARKED, site_file
from tests.tasks.test_jobs import Manual
from viewer.host.settings import Settings, load_settings
from viewer.state.pacs_search import PacsSearch, SearchForm

TODAY = date(2026, 12, 7)


@pytest.fixture
def settings(orthanc, tmp_path) -> Settings:
    loaded = load_settings(site_file(tmp_path / "site.toml", orthanc, tmp_path / "store"))
    assert loaded.problems == ()
    return loaded


class Recorder:
    def __init__(self) -> None:
        self.errors: list[tuple[BaseException, str]] = []
        self.opened: list[Path] = []
        self.changes: list[str] = []


@pytest.fixture
def model(settings) -> tuple[PacsSearch, Manual, Recorder]:
    loop, seen = Manual(), Recorder()
    search = PacsSearch(settings, loop.submit, loop.post,
                        report=lambda e, c: seen.errors.append((e, c)),
                        open_study=seen.opened.append, today=lambda: TODAY)
    search.changed.subscribe(seen.changes.append)
    return search, loop, seen


def test_the_date_presets_become_date_keys() -> None:
    form = SearchForm("pacs")
    assert form.study_date(TODAY) == ""
    assert SearchForm("pacs", dates="today").study_date(TODAY) == "20261207"
    assert SearchForm("pacs", dates="week").study_date(TODAY) == "20261201-20261207"
    ranged = SearchForm("pacs", dates="range", date_from=date(2024, 3, 1),
                        date_to=date(2024, 3, 31))
    assert ranged.study_date(TODAY) == "20240301-20240331"


def test_the_default_node_is_preselected(model) -> None:
    search, _, _ = model
    assert search.nodes == ["orthanc"] and search.default_node == "orthanc"


def test_a_newer_search_drops_the_older_ones_answer(model, orthanc) -> None:
    search, loop, seen = model
    search.search(SearchForm("orthanc"))  # everything: its answer comes late
    search.search(SearchForm("orthanc", patient_id=MARKED["PatientID"]))
    loop.run_all()
    assert [s.study_uid for s in search.studies] == [orthanc.studies["marked"]]
    assert seen.changes.count("results") == 1 and seen.errors == []


def test_series_listed_once_then_retrieves_queue_open_and_cancel(model, orthanc) -> None:
    search, loop, seen = model
    search.search(SearchForm("orthanc"))
    loop.run_all()
    assert len(search.studies) >= 9 and not search.more
    phantom, marked = orthanc.studies["phantom"], orthanc.studies["marked"]
    search.list_series(phantom)
    search.list_series(phantom)  # asked once
    assert len(loop.pending) == 1
    loop.run_all()
    assert [s.instance_count for s in search.series[phantom]] == [64]

    search.retrieve(marked)
    search.retrieve(phantom)
    search.retrieve(phantom)  # already queued: once
    assert search.retrieves[marked].state == "running"
    assert search.retrieves[phantom].state == "queued"
    loop.run_all()  # the first retrieve ends and starts the second, which runs too
    loop.run_all()
    assert search.retrieves[marked].state == "complete"
    assert search.retrieves[phantom].state == "complete"
    assert search.retrieves[phantom].done == search.retrieves[phantom].total == 64
    assert seen.opened == [search.study_folder(marked), search.study_folder(phantom)]

    search.retrieve(marked)  # again: everything already here, a queue behind it
    search.retrieve(phantom)
    search.cancel_retrieves()
    loop.run_all()
    assert search.retrieves[marked].state == "cancelled"
    assert search.retrieves[phantom].state == "cancelled"
    assert len(seen.opened) == 2 and seen.errors == [] and not search.retrieving


def test_a_series_retrieved_alone_does_not_make_the_study_whole(model, orthanc) -> None:
    search, loop, seen = model
    search.search(SearchForm("orthanc", patient_id=MARKED["PatientID"]))
    loop.run_all()
    marked = orthanc.studies["marked"]
    search.list_series(marked)
    loop.run_all()
    (series,) = search.series[marked]
    search.retrieve(marked, series.series_uid)
    loop.run_all()
    status = search.retrieves[marked]
    assert status.state == "complete" and status.series_uid == series.series_uid
    assert not status.whole_study_here  # a double-click on the study retrieves it whole
    assert seen.opened == [search.study_folder(marked)]
    search.retrieve(marked)
    loop.run_all()
    assert search.retrieves[marked].whole_study_here


def test_a_retrieve_opens_its_study_at_its_first_image_not_at_the_end(settings, orthanc):
    loop = Manual()
    phantom = orthanc.studies["phantom"]
    at_open: list[tuple[str, int, int]] = []

    def opened(_folder: Path) -> None:
        status = search.retrieves[phantom]
        at_open.append((status.state, status.done, status.total))

    search = PacsSearch(settings, loop.submit, loop.post, report=lambda e, c: None,
                        open_study=opened, today=lambda: TODAY)
    search.search(SearchForm("orthanc"))
    loop.run_all()
    search.retrieve(phantom)
    loop.run_all()
    assert search.retrieves[phantom].state == "complete"
    [(state, done, total)] = at_open  # once, while it was still running
    assert state == "running" and 1 <= done < total == 64
