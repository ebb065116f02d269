"""The study list's index and the bounded cache, on real files in a real store: what
lands is listed and searchable, the same study twice is one row, a damaged or locked
database is said and rebuilt (never a crash), eviction keeps pinned and partial studies,
and a crash at every point of an eviction is repaired at the next open."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.uid import generate_uid

from tests.net.study_files import SEG, dicom_bytes, store_study
from viewer.host.settings import load_settings
from viewer.io.demo import build_demo
from viewer.io.scan import scan
from viewer.net import cache
from viewer.net.index import INDEX_NAME, Header, StudyIndex, StudyIndexError
from viewer.net.store import LocalStore

ROOT = Path(__file__).resolve().parents[2]


def _index(root: Path) -> StudyIndex:
    return StudyIndex.open(root)


def test_files_landing_in_the_store_are_listed_with_what_a_study_list_shows(tmp_path):
    store = LocalStore(tmp_path / "store")
    jane = store_study(store, images=3, series=2, patient="Doe^Jane", patient_id="P1",
                       date="20240102", accession="ACC7", modality="CT")
    ken = store_study(store, images=2, patient="山田^健", patient_id="P2", date="20231231",
                      accession="B2", modality="MR", description="Brain")
    store.close()
    with _index(tmp_path / "store") as index:
        rows = {r.study_uid: r for r in index.search()}
        assert set(rows) == {jane, ken}
        row = rows[jane]
        assert (row.patient_name, row.patient_id, row.study_date, row.accession) == (
            "Doe^Jane", "P1", "20240102", "ACC7")
        assert (row.modalities, row.series, row.images) == (("CT",), 2, 6)
        assert row.bytes == sum(p.stat().st_size for p in (tmp_path / "store" / jane)
                                .glob("*/*.dcm"))
        assert (row.source, row.partial, row.ai) == ("received", False, False)
        assert row.folder == str(tmp_path / "store" / jane)

        def found(text: str) -> set[str]:
            return {r.study_uid for r in index.search(text)}

        assert found("doe") == {jane}
        assert found("山田") == {ken}
        assert found("P2") == {ken}
        assert found("acc7") == {jane}
        assert found("2024-01-02") == {jane}
        assert found("2023") == {ken}
        assert found("mr") == {ken}
        assert found("brain mr") == {ken}
        assert found("brain ct") == set()
        assert found("%") == set() and found("_") == set()


def test_thousands_of_studies_search_by_each_key(tmp_path):
    with _index(tmp_path / "store") as index, index.transaction() as db:
        for n in range(3000):
            h = Header(f"1.2.{n}", f"1.3.{n}", f"1.4.{n}", "1.2.840.10008.5.1.4.1.1.2",
                       f"Patient^{n:04d}", f"ID{n:05d}", f"2020{1 + n % 12:02d}15", "",
                       f"ACC{n}", "MR" if n % 3 == 0 else "CT")
            index._add(db, h, tmp_path / f"{n}.dcm", 100, "opened", "", str(tmp_path))
    with _index(tmp_path / "store") as index:
        assert len(index.search()) == 3000
        assert [r.patient_id for r in index.search("Patient^0042")] == ["ID00042"]
        assert [r.accession for r in index.search("ID02999")] == ["ACC2999"]
        assert len(index.search("MR")) == 1000
        assert len(index.search("202003")) == 250
        assert len(index.search("MR 202004")) == 250  # n % 12 == 3: n % 3 == 0
        assert index.search("MR 202003") == []
        assert len(index.search(limit=20)) == 20


def test_the_same_study_stored_twice_stays_one_row(tmp_path):
    store = LocalStore(tmp_path / "store")
    study = generate_uid()
    series = generate_uid()
    sops = [generate_uid() for _ in range(4)]
    for _ in range(2):
        for sop in sops:
            store.write(study, series, sop, dicom_bytes(study, series, sop))
    assert store.index is not None
    rows = store.index.search()
    assert [(r.study_uid, r.images, r.series) for r in rows] == [(study, 4, 1)]
    store.close()


def test_seg_or_sr_in_a_study_or_a_session_result_shows_ai(tmp_path):
    store = LocalStore(tmp_path / "store")
    plain = store_study(store)
    with_seg = store_study(store)
    series, sop = generate_uid(), generate_uid()
    store.write(with_seg, series, sop, dicom_bytes(with_seg, series, sop, sop_class=SEG,
                                                   modality="SEG"))
    index = store.index
    assert index is not None
    ai = {r.study_uid: r.ai for r in index.search()}
    assert ai == {plain: False, with_seg: True}
    index.mark_ai(plain)
    assert index.study(plain).ai  # type: ignore[union-attr]
    store.close()


def test_an_opened_folder_is_indexed_by_reference_not_copied(tmp_path):
    demo = build_demo(tmp_path / "demo")
    result = scan([demo])
    with _index(tmp_path / "store") as index:
        assert index.add_opened(result) == len(result.studies)
        rows = index.search()
        assert {r.study_uid for r in rows} == {s.uid for s in result.studies}
        assert all(r.source == "opened" and Path(r.folder).is_relative_to(demo)
                   for r in rows)
        assert all(r.last_opened is not None for r in rows)
        assert index.cached_bytes() == 0
    assert [p.name for p in (tmp_path / "store").iterdir()
            if not p.name.startswith(INDEX_NAME)] == []


def test_a_stored_study_opened_from_another_copy_keeps_its_store_files(tmp_path):
    store = LocalStore(tmp_path / "store")
    study = store_study(store, images=2)
    store.close()
    shutil.copytree(tmp_path / "store" / study, tmp_path / "cd" / study)
    with _index(tmp_path / "store") as index:
        index.add_opened(scan([tmp_path / "cd"]))
        row = index.study(study)
        assert row is not None and (row.source, row.images) == ("received", 2)
        assert row.last_opened is not None
        paths = {p for (p,) in index.rows("SELECT path FROM instances")}
        assert all(Path(p).is_relative_to(tmp_path / "store") for p in paths)


def test_a_damaged_database_is_said_and_rebuilt_from_the_store(tmp_path):
    store = LocalStore(tmp_path / "store")
    study = store_study(store, images=2)
    store.close()
    (tmp_path / "store" / INDEX_NAME).write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / "store" / (INDEX_NAME + suffix)).unlink(missing_ok=True)
    with _index(tmp_path / "store") as index:
        assert "could not be read" in index.notice and "rebuilt" in index.notice
        assert [(r.study_uid, r.images) for r in index.search()] == [(study, 2)]
    assert (tmp_path / "store" / (INDEX_NAME + ".damaged")).exists()


def test_a_locked_database_is_a_clear_message(tmp_path):
    root = tmp_path / "store"
    study = store_study(LocalStore(root, indexed=False))
    StudyIndex.open(root).close()
    holder = sqlite3.connect(root / INDEX_NAME)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with StudyIndex.open(root, busy_s=0.2) as index:  # reading is never blocked (WAL)
            assert [r.study_uid for r in index.search()] == [study]
            with pytest.raises(StudyIndexError, match="held by another program"):
                index.mark_opened(study)
    finally:
        holder.rollback()
        holder.close()


def test_a_database_from_a_newer_lightbox_is_refused_with_the_reason(tmp_path):
    root = tmp_path / "store"
    StudyIndex.open(root).close()
    db = sqlite3.connect(root / INDEX_NAME)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StudyIndexError, match="newer Lightbox"):
        StudyIndex.open(root)


def test_the_cache_evicts_least_recently_opened_never_pinned_or_partial(tmp_path):
    store = LocalStore(tmp_path / "store")
    studies = [store_study(store, images=2, size=64) for _ in range(5)]
    index = store.index
    assert index is not None
    each = index.cached_bytes() // 5
    for study in (studies[1], studies[0], studies[2], studies[3], studies[4]):
        index.mark_opened(study)  # least recently opened first: 1, 0, 2, 3, 4
    index.pin(studies[1])
    store.mark_partial(studies[0], "orthanc")
    evicted = cache.evict_to(index, 2 * each, keep={studies[4]})
    # 1 is open on screen and 0 still arriving: 2 and 3 go, 4 was just stored.
    assert evicted == [studies[2], studies[3]]
    assert not (tmp_path / "store" / studies[2]).exists()
    assert {r.study_uid for r in index.search()} == {studies[0], studies[1], studies[4]}
    index.unpin(studies[1])
    assert cache.evict_to(index, 2 * each, keep={studies[4]}) == [studies[1]]
    store.close()


CHILD = """
import os, sys
from pathlib import Path
from viewer.net import cache
from viewer.net.index import StudyIndex

point = sys.argv[2]
cache.crash_point = lambda at: os._exit(70) if at == point else None
index = StudyIndex.open(Path(sys.argv[1]))
cache.evict_to(index, 1)
os._exit(0)
"""


@pytest.mark.parametrize("point", ["marked", "series-removed", "files-removed",
                                   "rows-deleted"])
def test_a_crash_at_every_point_of_an_eviction_is_repaired_at_the_next_open(tmp_path, point):
    root = tmp_path / "store"
    store = LocalStore(root)
    old = store_study(store, images=2, series=2)
    new = store_study(store, images=2)
    assert store.index is not None
    store.index.mark_opened(new)
    store.close()
    done = subprocess.run([sys.executable, "-c", CHILD, str(root), point], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 70, done.stderr
    with StudyIndex.open(root) as index:
        listed = {r.study_uid: r.images for r in index.search()}
        on_disk = {p.name: len(list(p.glob("*/*.dcm"))) for p in root.iterdir() if p.is_dir()}
        # The old study is gone whole (rows and files), the other intact: they agree.
        assert listed == on_disk == {new: 2} and old not in on_disk


def test_the_cache_size_is_a_typed_site_key(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text("pacs_cache_gb = 0.5\n", encoding="utf-8")
    assert load_settings(site).pacs_cache_gb == 0.5
    site.write_text('pacs_cache_gb = "lots"\n', encoding="utf-8")
    settings = load_settings(site)
    assert any("pacs_cache_gb" in p and "gigabytes" in p for p in settings.problems)
    assert load_settings(tmp_path / "none.toml").pacs_cache_gb == 50.0


def test_a_store_without_an_index_yet_is_indexed_from_its_folder(tmp_path):
    store = LocalStore(tmp_path / "store", indexed=False)
    study = store_study(store, images=3)
    store.mark_partial(study, "orthanc")
    assert not (tmp_path / "store" / INDEX_NAME).exists()
    with _index(tmp_path / "store") as index:
        row = index.study(study)
        assert row is not None
        assert (row.images, row.partial, row.source, row.node) == (3, True, "retrieved",
                                                                   "orthanc")
    os.remove(tmp_path / "store" / study / ".partial")
    with _index(tmp_path / "store") as index:
        assert index.study(study).partial is False  # type: ignore[union-attr]
