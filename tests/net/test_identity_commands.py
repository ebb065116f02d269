"""``lightbox studies`` and ``lightbox pacs find`` hide patient identity as the viewer does:
where the site hides it, "Identity hidden" and no ID or accession number; where the site
leaves it to the user, ``--show-identity`` shows them; where it locked it, the flag is
refused. Finding a study by accession number or UID still works either way."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from tests.net.study_files import store_study
from tests.pacs_server import MARKED, site_file
from viewer.cli import pacs, studies
from viewer.host.settings import Settings, load_settings
from viewer.io.person_names import person_name
from viewer.net.store import LocalStore

LOCKED = 'hide_identity = true\nlocked = ["hide_identity"]\n'
LEFT_TO_USER = "hide_identity = true\n"


def _settings(tmp_path: Path, orthanc, top: str) -> Settings:
    tmp_path.mkdir(parents=True, exist_ok=True)
    settings = load_settings(site_file(tmp_path / "site.toml", orthanc, tmp_path / "store",
                                       top=top), tmp_path / "prefs.json")
    assert settings.problems == ()
    return settings


def _run(command, argv: list[str], settings: Settings, capsys) -> tuple[int, str, str]:
    code = command.main(argv, settings)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def stored(orthanc, tmp_path) -> tuple[Settings, Settings, Settings, str]:
    """One study in the local store, and the three ways a site may set identity."""
    locked, left, shown = (_settings(tmp_path / name, orthanc, top) for name, top in
                           (("locked", LOCKED), ("left", LEFT_TO_USER), ("shown", "")))
    store = LocalStore.of(locked)
    try:
        study = store_study(store, patient="Zzqmarker^Local", patient_id="LOC-4711",
                            accession="ACC-LOCAL-1")
        store.sync(study)
    finally:
        store.close()
    left = dataclasses.replace(left, pacs_store_dir=locked.pacs_store_dir)
    shown = dataclasses.replace(shown, pacs_store_dir=locked.pacs_store_dir)
    return locked, left, shown, study


def test_the_studies_command_hides_identity_where_the_site_does(stored, capsys) -> None:
    locked, left, shown, study = stored
    code, out, _ = _run(studies, [], locked, capsys)
    assert code == 0 and "Identity hidden" in out and study in out
    assert not any(s in out for s in ("Zzqmarker", "LOC-4711", "ACC-LOCAL-1"))
    # IT finds it by accession number, and the line names the study's folder (its UID).
    code, out, _ = _run(studies, ["--search", "ACC-LOCAL-1", "--json"], locked, capsys)
    row = json.loads(out)
    assert code == 0 and row["study_uid"] == study and row["identity_hidden"] is True
    assert (row["patient_name"], row["patient_id"], row["accession"]) == ("", "", "")
    code, out, err = _run(studies, ["--show-identity"], locked, capsys)
    assert code == 2 and out == "" and "hide_identity is locked" in err
    # Left to the user: hidden unless asked.
    assert "Zzqmarker" not in _run(studies, [], left, capsys)[1]
    code, out, _ = _run(studies, ["--show-identity"], left, capsys)
    assert code == 0 and "Zzqmarker, Local" in out and "LOC-4711" in out
    # A site that does not hide identity: shown, as before.
    assert "ACC-LOCAL-1" in _run(studies, [], shown, capsys)[1]


def test_pacs_find_hides_identity_where_the_site_does(orthanc, tmp_path, capsys) -> None:
    locked = _settings(tmp_path / "locked", orthanc, LOCKED)
    code, out, _ = _run(pacs, ["find", "--accession", MARKED["AccessionNumber"], "orthanc"],
                        locked, capsys)
    assert code == 0 and out.count("\n") == 1 and "Identity hidden" in out
    assert orthanc.studies["marked"] in out
    assert not any(s in out for s in ("Zzqmarker", MARKED["PatientID"],
                                      MARKED["AccessionNumber"]))
    code, out, _ = _run(pacs, ["find", "--json", "--patient-id", MARKED["PatientID"],
                               "orthanc"], locked, capsys)
    match = json.loads(out)
    assert match["identity_hidden"] is True and match["study_uid"] == orthanc.studies["marked"]
    code, out, err = _run(pacs, ["find", "--show-identity", "orthanc"], locked, capsys)
    assert code == 2 and out == "" and "--show-identity is not allowed" in err
    left = _settings(tmp_path / "left", orthanc, LEFT_TO_USER)
    code, out, _ = _run(pacs, ["find", "--show-identity", "--accession",
                               MARKED["AccessionNumber"], "orthanc"], left, capsys)
    assert code == 0 and person_name(MARKED["PatientName"]) in out and MARKED["PatientID"] in out
