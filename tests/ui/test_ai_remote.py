"""The AI panel's "Run on <server>" against a REAL ``lightbox serve`` process: the same
overlay as "Run here" on the demo study, marked with where it ran; a server that serves
another build, or is down, disables its button with the reason and the panel still runs
here."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.service.server import KEY, free_port, running_service
from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ready_window,
    run_and_wait,
)
from tests.ui.test_ai_panel import demo_dir as demo_dir  # noqa: F401 - a fixture
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from viewer.service.keys import hash_key

    site = f'service_api_keys = ["{hash_key(KEY)}"]\n'
    with running_service(tmp_path_factory.mktemp("serve-ui"), site=site, key=KEY) as s:
        yield s


def configure(tmp_path, monkeypatch, servers):
    """A site file naming ``servers`` (name → url), each with the test key."""
    key_file = tmp_path / "server.key"
    key_file.write_text(KEY)
    lines = [f'[inference_servers.{name}]\nurl = "{url}"\napi_key_file = "{key_file}"\n'
             for name, url in servers.items()]
    site = tmp_path / "site.toml"
    site.write_text("".join(lines))
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))


def masks_of(window):
    (run,) = window.session.results.runs(window.viewport.series.uid)
    return run, {i: r.masks[0].mask for i, r in run.results.items()}


def test_run_on_a_server_gives_the_overlay_of_a_run_here(make_main_window, qtbot, demo_dir,
                                                         server, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, {"gpu1": server.url,
                                      "down": f"http://127.0.0.1:{free_port()}"})
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    panel = window.ai_panel
    assert run_and_wait(qtbot, panel, "ct-body-seg", whole_series=True) == "ok"
    here_run, here = masks_of(window)
    assert "on gpu1" not in here_run.title

    gpu1, down = panel.remote.buttons["gpu1"], panel.remote.buttons["down"]
    assert gpu1.text() == "Run on gpu1"
    qtbot.waitUntil(lambda: gpu1.isEnabled(), timeout=30_000)
    assert "CPUExecutionProvider" in gpu1.toolTip()
    qtbot.waitUntil(lambda: "cannot be reached" in down.toolTip(), timeout=30_000)
    assert not down.isEnabled() and "inference server down (127.0.0.1:" in down.toolTip()

    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        qtbot.mouseClick(gpu1, Qt.MouseButton.LeftButton)
    assert finished.args[0] == "ok"
    there_run, there = masks_of(window)
    assert there_run.title == f"{here_run.title} · on gpu1 (CPU)"
    assert there.keys() == here.keys() and any(np.count_nonzero(m) for m in here.values())
    for index, mask in here.items():
        assert np.array_equal(mask, there[index]), index
    result = next(iter(there_run.results.values()))
    assert result.provenance.label.endswith("· on gpu1 (CPU)")
    # the local audit says where it ran, as it records a run here
    records = AuditLog.of(load_settings()).records()
    assert [r["outcome"] for r in records[-2:]] == ["ok", "ok"]
    assert "inference server gpu1" in records[-1]["runtime"]
    assert "CPUExecutionProvider" in records[-1]["runtime"]
    # the About box no longer promises "no connection, ever": it names where
    about = window.about_text()
    assert "no network connection, ever" not in about
    assert f"connects only to what your IT configured (127.0.0.1:{server.url.rsplit(':', 1)[1]}" \
        in about
    # and the panel still runs here
    assert run_and_wait(qtbot, panel, "ct-body-seg", whole_series=True) == "ok"
    assert "on gpu1" not in masks_of(window)[0].title


def test_a_server_with_a_wrong_key_disables_its_button_with_the_reason(
        make_main_window, qtbot, demo_dir, server, tmp_path, monkeypatch):
    configure(tmp_path, monkeypatch, {"gpu1": server.url})
    (tmp_path / "server.key").write_text("not-the-key")
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    panel = window.ai_panel
    assert panel.select_model("ct-body-seg")
    button = panel.remote.buttons["gpu1"]
    qtbot.waitUntil(lambda: "API key" in button.toolTip(), timeout=30_000)
    assert not button.isEnabled()
    assert "does not accept this workstation's API key" in button.toolTip()


def test_what_a_server_answers_reads_in_japanese(qapp, server, tmp_path):
    """Every server failure a reader meets, made for real, reads in Japanese."""
    from viewer.inference.registry import ModelRegistry
    from viewer.inference.remote import check_server
    from viewer.net.errors import ServerError
    from viewer.ui.i18n import install_translators, remove_translators
    from viewer.ui.problem_text import problem_text

    wrong, site = tmp_path / "wrong.key", tmp_path / "site.toml"
    wrong.write_text("not-the-key")
    site.write_text(f'[inference_servers.down]\nurl = "http://127.0.0.1:{free_port()}"\n'
                    f'[inference_servers.nokey]\nurl = "{server.url}"\n'
                    f'[inference_servers.wrong]\nurl = "{server.url}"\n'
                    f'api_key_file = "{wrong}"\n')
    settings = load_settings(site)
    entry = ModelRegistry(None, settings=settings).get("ct-lesion-cls")
    messages = []
    for name in ("down", "nokey", "wrong"):
        with pytest.raises(ServerError) as failed:
            check_server(settings, name, entry)
        messages.append(str(failed.value))
    assert [problem_text(m) for m in messages] == messages
    translators = install_translators(qapp, "ja")
    try:
        shown = [problem_text(m) for m in messages]
    finally:
        remove_translators(qapp, translators)
    assert all(s.startswith("推論サーバー ") for s in shown), shown
    assert "wrong.key" in shown[2]  # the file IT must look at stays named


def test_a_run_on_a_server_cancelled_adds_nothing(make_main_window, qtbot, demo_dir, server,
                                                  tmp_path, monkeypatch):
    """Cancel, through the one job mechanism: whatever the server had done by then, no
    result of that run is shown."""
    configure(tmp_path, monkeypatch, {"gpu1": server.url})
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    panel = window.ai_panel
    assert panel.select_model("ct-body-seg")
    button = panel.remote.buttons["gpu1"]
    qtbot.waitUntil(button.isEnabled, timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert panel.running and panel.cancel_button.isVisible()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] == "cancelled"
    assert window.session.results.runs() == []
    assert "added nothing" in panel.run_label.text()


def test_a_model_reading_other_series_runs_here_only(make_main_window, qtbot, server,
                                                     tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from tests.inference.multi_series import MODEL_ID, POST_OTHER_FRAME, build_model, write_study
    from tests.ui.test_ai_series_choice import _show_pre

    models = build_model(tmp_path / "multi-model")
    configure(tmp_path, monkeypatch, {"gpu1": server.url})
    write_study(tmp_path / "study", POST_OTHER_FRAME)
    window = ready_window(make_main_window, qtbot, models, tmp_path / "study")
    _show_pre(window)
    panel = window.ai_panel
    assert panel.select_model(MODEL_ID)
    button = panel.remote.buttons["gpu1"]
    assert not button.isEnabled()
    assert button.toolTip() == "This model reads other series of the study: it runs here only."
    assert panel.run_image_button.isEnabled()  # here it runs
