"""The study list with a real Orthanc (tests/net/conftest.py): what is retrieved or pushed
is listed as it lands, the same study twice stays one row, Lightbox killed mid-retrieve
shows the study partial and the resumed retrieve completes it, a full disk leaves the
list true, the cache's size evicts the oldest but never a pinned study, and the
``lightbox studies`` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.net.test_pacs import KILLER, phantom
from tests.pacs_server import site_file
from viewer.host.settings import Settings, load_settings
from viewer.net.dimse import node_named
from viewer.net.errors import LocalStoreError
from viewer.net.index import StudyIndex
from viewer.net.push import receive_pushes
from viewer.net.retrieve import retrieve
from viewer.net.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def settings(orthanc, tmp_path) -> Settings:
    loaded = load_settings(site_file(tmp_path / "site.toml", orthanc, tmp_path / "store"))
    assert loaded.problems == ()
    return loaded


def _listed(root: Path) -> dict[str, tuple[int, bool, str]]:
    with StudyIndex.open(root) as index:
        return {r.study_uid: (r.images, r.partial, r.origin) for r in index.search()}


def test_a_retrieved_study_is_listed_once_however_often_it_is_retrieved(settings, orthanc):
    node = node_named(settings, "orthanc")
    study = phantom(orthanc)
    retrieve(node, settings, study)
    retrieve(node, settings, study, method="move")
    with StudyIndex.open(settings.pacs_store_dir) as index:
        [row] = index.search()
        assert (row.study_uid, row.images, row.series, row.modalities) == (study, 64, 1,
                                                                           ("CT",))
        assert (row.origin, row.partial, row.ai) == ("retrieved from orthanc", False, False)
        assert row.bytes == sum(p.stat().st_size for p in
                                (settings.pacs_store_dir / study).glob("*/*.dcm"))
        assert [r.study_uid for r in index.search("CT")] == [study]
        assert index.search("MR") == []


def test_a_pushed_study_appears_as_it_arrives(settings, orthanc):
    study = phantom(orthanc)
    seen: list[int] = []

    def watch(_progress: object) -> None:
        if not seen:
            seen.append(len(_listed(settings.pacs_store_dir)))

    with receive_pushes(settings, progress=watch):
        orthanc.push(study)
    assert seen == [1]  # listed from its first image on
    assert _listed(settings.pacs_store_dir) == {study: (64, False, "received")}
    with receive_pushes(settings):
        orthanc.push(study)  # pushed twice: still one study of 64 images
    assert _listed(settings.pacs_store_dir) == {study: (64, False, "received")}


def test_lightbox_killed_mid_retrieve_lists_a_partial_study_the_resume_completes(
        orthanc, tmp_path):
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    study = phantom(orthanc)
    killed = subprocess.run([sys.executable, "-c", KILLER, str(site), study], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    kept = len(LocalStore(tmp_path / "store", indexed=False).instances(study))
    assert 12 <= kept < 64
    # The list agrees with the files (a row lost with the kill is added back).
    assert _listed(tmp_path / "store") == {study: (kept, True, "retrieved from orthanc")}
    settings = load_settings(site)
    outcome = retrieve(node_named(settings, "orthanc"), settings, study)
    assert outcome.complete
    assert _listed(tmp_path / "store") == {study: (64, False, "retrieved from orthanc")}


@pytest.mark.skipif(os.geteuid() != 0 if hasattr(os, "geteuid") else True,
                    reason="a small tmpfs for the full disk needs root (CI is root)")
def test_a_full_disk_leaves_the_list_true_and_the_resume_completes_it(orthanc, tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(small)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    study = phantom(orthanc)
    try:
        settings = load_settings(site_file(tmp_path / "s.toml", orthanc, small / "store"))
        with pytest.raises(LocalStoreError, match="is full"):
            retrieve(node_named(settings, "orthanc"), settings, study)
        kept = len(LocalStore(small / "store", indexed=False).instances(study))
        assert 0 < kept < 64
        listed = _listed(small / "store")
        assert listed == {study: (kept, True, "retrieved from orthanc")}
        shutil.copytree(small / "store", tmp_path / "store")
    finally:
        subprocess.run(["umount", str(small)], check=False)
    settings = load_settings(site_file(tmp_path / "s2.toml", orthanc, tmp_path / "store"))
    assert retrieve(node_named(settings, "orthanc"), settings, study).complete
    assert _listed(tmp_path / "store") == {study: (64, False, "retrieved from orthanc")}


def test_the_cache_size_evicts_the_least_recently_opened_never_a_pinned_one(orthanc,
                                                                           tmp_path):
    site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
    site.write_text(site.read_text().replace("dicom_timeout_s", "pacs_cache_gb = 0.000001\n"
                                             "dicom_timeout_s"))
    settings = load_settings(site)
    assert settings.problems == () and settings.pacs_cache_gb == 0.000001
    node = node_named(settings, "orthanc")
    ct, mr = phantom(orthanc), orthanc.studies["marked"]
    retrieve(node, settings, ct)
    with StudyIndex.open(settings.pacs_store_dir) as viewer:
        viewer.pin(ct)  # open on screen
        retrieve(node, settings, mr)
        assert set(_listed(settings.pacs_store_dir)) == {ct, mr}
        viewer.unpin(ct)
    retrieve(node, settings, mr)  # over the size: the CT study (not opened since) goes
    assert set(_listed(settings.pacs_store_dir)) == {mr}
    assert not (settings.pacs_store_dir / ct).exists()


def test_the_studies_command(settings, orthanc, tmp_path):
    retrieve(node_named(settings, "orthanc"), settings, phantom(orthanc))
    env = {**os.environ, "LIGHTBOX_SITE_CONFIG": str(settings.site_file)}

    def lightbox(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "viewer", "studies", *args], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=300)

    listed = lightbox()
    assert listed.returncode == 0, listed.stderr
    [line] = listed.stdout.splitlines()
    assert "\tCT\t1\t64\t" in line and "retrieved from orthanc\tcomplete" in line
    found = lightbox("--search", "CT", "--json")
    assert found.returncode == 0
    row = json.loads(found.stdout)
    assert (row["study_uid"], row["images"], row["partial"]) == (phantom(orthanc), 64, False)
    assert lightbox("--search", "nobody-by-this-name").stdout == ""
    evicted = lightbox("--evict-to", "0")
    assert evicted.returncode == 0 and "1 studies removed" in evicted.stderr
    assert lightbox().stdout == ""
    assert lightbox("--evict-to", "-1").returncode == 2
