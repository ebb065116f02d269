"""Priors and the comparison hanging without Qt: who is the same patient, which prior is
comparable and the default, the local study list's answer (real files, real SQLite), a
PACS that cannot be reached as a quiet note, the series that matches and the offset that
lays the stack centres on each other; the saved protocols (match, fallback, preference
round trip, migration to schema 5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.pacs_server import needs_dicomweb, site_file
from tests.priors_studies import PATIENT_ID, write_study
from tests.tasks.test_jobs import Manual
from viewer.host.hanging import (
    HangingProtocol,
    check_protocols,
    protocol_for,
    protocol_key,
)
from viewer.host.settings import (
    MIGRATIONS,
    SCHEMA_VERSION,
    SettingsError,
    load_settings,
    migrate,
    save_user_preferences,
)
from viewer.io.model import Study
from viewer.io.scan import scan
from viewer.net.index import record_opened
from viewer.state.hanging import best_match, centre_offset, comparison_link
from viewer.state.priors import (
    Prior,
    PriorsLookup,
    StudyFacts,
    comparable,
    find_remote,
    merged,
    most_recent_comparable,
    same_patient,
)

CURRENT = StudyFacts("1.2.3", PATIENT_ID, "", "20261201", ("CT",), "CHEST")


def prior(uid: str, date: str, modalities: tuple[str, ...] = ("CT",), body_part: str = "CHEST",
          local: bool = True) -> Prior:
    return Prior(uid, date, modalities, "", body_part, local)


def test_same_patient_needs_the_id_and_the_issuer_where_both_name_one() -> None:
    assert same_patient(CURRENT, PATIENT_ID)
    assert not same_patient(CURRENT, "PRI-0043")
    named = StudyFacts("1", PATIENT_ID, issuer="HOSP-A")
    assert same_patient(named, PATIENT_ID, "HOSP-A") and same_patient(named, PATIENT_ID, "")
    assert not same_patient(named, PATIENT_ID, "HOSP-B")
    assert not same_patient(StudyFacts("1", ""), "")  # no ID: no one is the same patient


def test_comparable_is_earlier_same_modality_same_body_part_where_known() -> None:
    assert comparable(CURRENT, prior("a", "20250101"))
    assert not comparable(CURRENT, prior("b", "20261201"))  # the same day is not a prior
    assert not comparable(CURRENT, prior("c", "20270101"))  # later
    assert not comparable(CURRENT, prior("d", "20250101", ("MR",)))
    assert not comparable(CURRENT, prior("e", "20250101", body_part="HEAD"))
    assert comparable(CURRENT, prior("f", "20250101", ("PT", "CT"), body_part=""))
    assert not comparable(CURRENT, prior("g", ""))  # no date: cannot be placed


def test_the_default_prior_is_the_most_recent_comparable_one() -> None:
    priors = [prior("old", "20200101"), prior("head", "20260101", body_part="HEAD"),
              prior("mr", "20261101", ("MR",)), prior("recent", "20250601"),
              prior("pacs", "20250601", body_part="", local=False)]
    assert most_recent_comparable(CURRENT, priors).study_uid == "recent"
    assert most_recent_comparable(CURRENT, [prior("later", "20270101")]) is None
    # A study both local and on the PACS is listed once, as local; newest first.
    both = merged([prior("x", "20240101")], [prior("x", "20240101", local=False),
                                             prior("y", "20250101", local=False)])
    assert [(p.study_uid, p.local) for p in both] == [("y", False), ("x", True)]


def _open(folder: Path) -> Study:
    [study] = scan([folder]).studies
    return study


def test_the_local_study_list_lists_the_patients_other_studies(tmp_path) -> None:
    current = write_study(tmp_path / "current", date="20261201")
    older = write_study(tmp_path / "older", date="20250301", series=("CHEST 5mm", "SCOUT"))
    head = write_study(tmp_path / "head", date="20260101", body_part="HEAD")
    stranger = write_study(tmp_path / "stranger", date="20250101", patient_id="OTHER")
    store = tmp_path / "store"
    for folder in (current.folder, older.folder, head.folder, stranger.folder):
        record_opened(store, scan([folder]))
    settings = load_settings(_site(tmp_path, f'pacs_store_dir = "{store}"\n'))
    loop = Manual()
    lookup = PriorsLookup(settings, loop.submit, loop.post)
    changes: list[str] = []
    lookup.changed.subscribe(changes.append)
    facts = StudyFacts.of(_open(current.folder))
    assert (facts.modalities, facts.body_part, facts.date) == (("CT",), "CHEST", "20261201")
    lookup.look_up(facts)
    loop.run_all()
    assert changes == ["local"]  # no node configured: the PACS is never asked
    found = {p.study_uid: p for p in lookup.priors}
    assert set(found) == {older.study_uid, head.study_uid}
    assert found[older.study_uid].local and found[older.study_uid].folder == str(older.folder)
    assert found[head.study_uid].body_part == "HEAD"
    assert lookup.default_prior().study_uid == older.study_uid
    assert lookup.note == "" and not lookup.searching


def test_a_pacs_that_cannot_be_reached_is_a_quiet_note(tmp_path) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens there once closed
    current = write_study(tmp_path / "current", date="20261201")
    older = write_study(tmp_path / "older", date="20250301")
    store = tmp_path / "store"
    record_opened(store, scan([older.folder]))
    settings = load_settings(_site(tmp_path, (
        f'pacs_store_dir = "{store}"\ndicom_timeout_s = 5\n'
        f'[dicom_nodes.pacs]\nae_title = "PACS"\nhost = "127.0.0.1"\nport = {port}\n')))
    assert settings.problems == ()
    loop = Manual()
    lookup = PriorsLookup(settings, loop.submit, loop.post)
    lookup.look_up(StudyFacts.of(_open(current.folder)))
    loop.run_all()  # the local answer, which starts the C-FIND
    assert lookup.searching and [p.study_uid for p in lookup.priors] == [older.study_uid]
    loop.run_all()
    assert lookup.node == "pacs" and not lookup.searching
    assert lookup.note.startswith("the PACS pacs could not be asked for priors")
    assert [p.study_uid for p in lookup.priors] == [older.study_uid]  # local ones stay


def _site(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_prior_series_that_matches_and_the_centre_offset(tmp_path) -> None:
    current = _open(write_study(tmp_path / "c", date="20261201", slices=12, z0=0.0,
                                series=("CHEST 5mm", "SCOUT")).folder)
    prior_study = _open(write_study(tmp_path / "p", date="20250301", slices=16, z0=100.0,
                                    series=("SCOUT", "LUNG", "CHEST 5mm")).folder)
    main = next(s for s in current.series if s.description == "CHEST 5mm")
    chosen = best_match(main, prior_study.series)
    assert chosen is not None and chosen.description == "CHEST 5mm"
    link = comparison_link(main, chosen)
    assert not link.by_position and link.offset is not None
    # Current centre z = 27.5 mm, prior centre z = 137.5 mm: 110 mm along the normal.
    assert link.offset.offset_mm == pytest.approx(110.0)
    assert link.offset.target_index(5) == 7  # z 25 → 135 (prior slice 7)
    assert link.offset.target_index(0) == 2 and link.offset.source_index(7) == 5


def test_one_frame_of_reference_scrolls_by_position(tmp_path) -> None:
    current = write_study(tmp_path / "c", date="20261201")
    again = write_study(tmp_path / "p", date="20250301",
                        frame_of_reference=current.frame_of_reference)
    a, b = _open(current.folder).series[0], _open(again.folder).series[0]
    assert comparison_link(a, b).by_position
    assert centre_offset(a, b) is not None


def test_protocols_match_by_body_part_then_modality() -> None:
    chest = HangingProtocol(presets=("Lung", "Lung"))
    ct = HangingProtocol(comparison=False)
    saved = {"CT/CHEST": chest, "CT": ct}
    assert protocol_key(" ct ", "chest") == "CT/CHEST" and protocol_key("MR") == "MR"
    assert protocol_for(saved, "CT", "CHEST") == ("CT/CHEST", chest)
    assert protocol_for(saved, "CT", "HEAD") == ("CT", ct)
    assert protocol_for(saved, "CT") == ("CT", ct)
    assert protocol_for(saved, "MR", "CHEST") is None


@pytest.mark.parametrize(("value", "message"), [
    ([], "must map"),
    ({"CT/CHEST/X": {}}, "not \"MODALITY\""),
    ({"CT": {"colour": 1}}, "unknown field(s) colour"),
    ({"CT": {"current": "top"}}, "current must be"),
    ({"CT": {"presets": ["Lung"]}}, "presets must be two"),
    ({"CT": {"link": "yes"}}, "must be true or false"),
])
def test_a_wrong_protocol_says_what_is_wrong(value, message) -> None:
    protocols, reason = check_protocols(value)
    assert protocols is None and message in reason


def test_a_saved_protocol_round_trips_through_the_preferences(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    settings = load_settings(_site(tmp_path, ""), tmp_path / "user" / "preferences.json")
    protocol = HangingProtocol(current="right", link=False, presets=("Lung", ""))
    save_user_preferences({"hanging_protocols": {"ct/chest": protocol.to_json()}}, settings)
    data = json.loads(settings.user_file.read_text(encoding="utf-8"))
    assert data["schema_version"] == SCHEMA_VERSION == 5
    again = load_settings(settings.site_file, settings.user_file)
    assert dict(again.hanging_protocols) == {"CT/CHEST": protocol} and again.problems == ()
    with pytest.raises(SettingsError, match="current must be"):
        save_user_preferences({"hanging_protocols": {"CT": {"current": "top"}}}, again)


def test_a_site_can_lock_the_protocols(tmp_path) -> None:
    site = _site(tmp_path, 'locked = ["hanging_protocols"]\n'
                           '[hanging_protocols.CT]\ncomparison = false\n')
    settings = load_settings(site, tmp_path / "prefs.json")
    assert dict(settings.hanging_protocols) == {"CT": HangingProtocol(comparison=False)}
    with pytest.raises(SettingsError, match="cannot be changed here"):
        save_user_preferences({"hanging_protocols": {}}, settings)


def test_preferences_of_schema_4_migrate_to_5() -> None:
    old = {"schema_version": 4, "default_node": "pacs"}
    assert MIGRATIONS[4](old) == {"schema_version": 5, "default_node": "pacs"}
    assert migrate(dict(old)) == {"schema_version": 5, "default_node": "pacs"}


def test_the_documented_preferences_are_read_as_written(tmp_path) -> None:
    """docs/pacs.md's preferences snippet, as a user's preferences file."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pacs.md").read_text("utf-8")
    (snippet,) = re.findall(r"^```json\n(.*?)^```", doc, re.DOTALL | re.MULTILINE)
    prefs = tmp_path / "preferences.json"
    prefs.write_text(snippet, encoding="utf-8")
    settings = load_settings(_site(tmp_path, ""), prefs)
    assert settings.problems == ()
    assert protocol_for(settings.hanging_protocols, "CT", "CHEST") == (
        "CT/CHEST", HangingProtocol(presets=("Lung", "Lung")))
    assert protocol_for(settings.hanging_protocols, "MR", "KNEE") == (
        "MR", HangingProtocol(comparison=False, link=False))


@needs_dicomweb
def test_a_dicomweb_node_offers_the_same_priors_as_c_find(orthanc, tmp_path) -> None:
    """The patient's priors from QIDO-RS (a DICOMweb node of the same Orthanc) are those a
    C-FIND finds: same studies, same body part asked at series level."""
    prior_study = write_study(tmp_path / "prior", date="20240610", slices=2,
                              patient_id="PRI-WEB", series=("CHEST 5mm",))
    for path in prior_study.paths:
        assert orthanc.upload(path) is not None
    try:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        site.write_text(site.read_text(encoding="utf-8").replace(
            "[dicom_nodes.orthanc]",
            f'[dicomweb_nodes.web]\nurl = "{orthanc.dicomweb_url}"\n[dicom_nodes.orthanc]'),
            encoding="utf-8")
        settings = load_settings(site)
        current = StudyFacts("1.2.3.4", "PRI-WEB", "", "20261201", ("CT",), "CHEST")
        by_web = find_remote(settings, "web", current)
        by_dimse = find_remote(settings, "orthanc", current)
    finally:
        for series_uid in prior_study.series_uids:
            orthanc.forget_series(series_uid)
    assert [(p.study_uid, p.date, p.body_part, p.node) for p in by_web] == [
        (prior_study.study_uid, "20240610", "CHEST", "web")]
    assert [(p.study_uid, p.body_part) for p in by_dimse] == [
        (prior_study.study_uid, "CHEST")]
