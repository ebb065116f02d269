"""A folder opened in the viewer enters the local study list by reference, and a study
of the local store open on screen is never evicted while the viewer runs."""

from __future__ import annotations

from tests.net.study_files import store_study
from tests.ui.conftest import open_and_wait
from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
    ready_window,
    run_and_wait,
)
from viewer.net import cache
from viewer.net.index import StudyIndex
from viewer.net.store import LocalStore


def test_an_opened_study_is_listed_and_never_evicted_while_on_screen(
        make_main_window, qtbot, tmp_path, monkeypatch, phantom_dir) -> None:
    site = tmp_path / "site.toml"
    site.write_text(f'pacs_store_dir = "{tmp_path / "store"}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    store = LocalStore(tmp_path / "store")
    shown, other = store_study(store, images=3), store_study(store, images=3)
    store.close()
    window = make_main_window()
    assert window.settings.pacs_store_dir == tmp_path / "store"
    open_and_wait(qtbot, window, tmp_path / "store" / shown)
    open_and_wait(qtbot, window, phantom_dir)

    def listed() -> bool:  # entered on a worker once the series is on its way to the screen
        with StudyIndex.open(tmp_path / "store") as index:
            rows = index.search()
        return (any(r.source == "opened" for r in rows)
                and any(r.study_uid == shown and r.last_opened is not None for r in rows))

    qtbot.waitUntil(listed, timeout=10_000)
    with StudyIndex.open(tmp_path / "store") as index:
        rows = {r.study_uid: r for r in index.search()}
        assert rows[shown].source == "received" and rows[shown].last_opened is not None
        assert rows[other].last_opened is None
        [opened] = [r for r in rows.values() if r.source == "opened"]
        assert opened.folder == str(phantom_dir) and opened.images > 0
        # Over any size: the study on screen stays, the other goes; the opened folder
        # is a reference, not the cache's to remove.
        assert cache.evict_to(index, 0) == [other]
        assert (tmp_path / "store" / shown).is_dir()
        assert phantom_dir.is_dir() and any(phantom_dir.iterdir())


def test_an_ai_run_with_results_shows_in_the_study_list(make_main_window, qtbot, tmp_path,
                                                       monkeypatch, ai_models, demo_dir):  # noqa: F811
    site = tmp_path / "site.toml"
    site.write_text(f'pacs_store_dir = "{tmp_path / "store"}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    with StudyIndex.open(tmp_path / "store") as index:
        assert [r.ai for r in index.search()] == [False]
    assert run_and_wait(qtbot, window.ai_panel, "classify") == "ok"
    with StudyIndex.open(tmp_path / "store") as index:
        assert [r.ai for r in index.search()] == [True]
