"""Priors from the real PACS (Orthanc, the session fixture in tests/conftest.py): a prior
uploaded to Orthanc only is offered when the current study opens (a study-level C-FIND by
Patient ID in the background, the body parts asked at series level: a newer head CT is
not the default), "Open as comparison" retrieves it through the Search PACS
retrieve (its progress shown in the Priors tab) and hangs it beside the current, and
scrolling the current moves the prior by the centre offset."""

from __future__ import annotations

import pytest

from tests.pacs_server import site_file
from tests.priors_studies import write_study
from tests.ui.conftest import open_and_wait
from tests.ui.helpers import wheel

WAIT = 60_000


@pytest.fixture
def pacs_prior(orthanc, tmp_path):
    """A prior of patient PRI-PACS on Orthanc (removed afterwards: the session's Orthanc
    stays as the other tests expect it)."""
    prior = write_study(tmp_path / "prior", date="20240610", slices=16, z0=-40.0,
                        patient_id="PRI-PACS", series=("CHEST 5mm",))
    head = write_study(tmp_path / "head", date="20250901", slices=3, body_part="HEAD",
                       patient_id="PRI-PACS", series=("HEAD 5mm",))
    for path in (*prior.paths, *head.paths):
        assert orthanc.upload(path) is not None
    yield prior
    for series_uid in (*prior.series_uids, *head.series_uids):
        orthanc.forget_series(series_uid)


def test_a_prior_on_the_pacs_is_offered_retrieved_and_hung(make_main_window, qtbot, orthanc,
                                                           tmp_path, monkeypatch,
                                                           pacs_prior) -> None:
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    current = write_study(tmp_path / "current", date="20261130", slices=12, z0=0.0,
                          patient_id="PRI-PACS", series=("CHEST 5mm",))
    window = make_main_window(load_models=False)
    open_and_wait(qtbot, window, current.folder)
    model = window.priors.model
    qtbot.waitUntil(lambda: not model.searching and bool(model.priors), timeout=WAIT)
    assert model.note == "" and model.node == "orthanc"
    head, offered = model.priors  # newest first
    assert (offered.study_uid, offered.local, offered.node) == (pacs_prior.study_uid, False,
                                                                "orthanc")
    # The body parts, asked of the node at series level: the newer head CT is no match.
    assert (head.body_part, offered.body_part) == ("HEAD", "CHEST")
    assert model.default_prior() == offered
    panel = window.priors.panel
    assert panel.chosen_uid() == pacs_prior.study_uid
    assert [panel.table.item(1, c).text() for c in (0, 3, 4)] == [
        "2024-06-10", "CHEST", "PACS orthanc"]

    panel.compare_button.click()
    assert window.pacs_search is not None and not window.pacs_search.isVisible()

    def hung() -> bool:
        shown = window.grid.visible_viewports()
        return (len(shown) == 2 and shown[1].study is not None
                and shown[1].study.uid == pacs_prior.study_uid and window.is_settled())

    qtbot.waitUntil(hung, timeout=WAIT)
    status = window.pacs_search.model.retrieves[pacs_prior.study_uid]
    assert status.state == "complete" and status.total == 16
    assert not panel.progress.isVisible()
    left, right = window.grid.visible_viewports()
    assert left.study.uid == current.study_uid
    assert window.linker.offset is not None
    # Centres: current z 0..55 (27.5), prior z -40..35 (-2.5): 30 mm lower, i.e. the
    # prior's slice i + 2 (z -40 + 5(i + 2) = 5i - 30).
    left.setFocus()
    for notches in (1, -2):
        wheel(left, notches)
        assert right.state.index == left.state.index + 2
