"""The AI panel as a reader uses it: which models apply, the model card, running one on an
image or a whole series with progress and cancel, and the intended-use question."""

from __future__ import annotations

from pathlib import Path

import pydicom.data
import pytest
from PySide6.QtCore import Qt

from tests.inference.artifacts import build
from tests.ui.conftest import open_and_wait
from viewer.audit.log import log_name
from viewer.io.demo import write_phantom_series

DEMO_SLICES, DEMO_SIZE = 20, 256  # the models are made for demo-sized images


@pytest.fixture(autouse=True)
def _private_dirs(private_audit, tmp_path, monkeypatch):
    """An audit of the test's own (tests/conftest.py), its own cache, no extra model folders
    (the other AI window tests import this fixture)."""
    monkeypatch.setenv("LIGHTBOX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("LIGHTBOX_MODEL_DIRS", raising=False)


@pytest.fixture(scope="session")
def ai_models(tmp_path_factory) -> Path:
    """Tiny real artifacts (tests/inference/artifacts.py), plus one made for MR only and
    one whose graph was changed after it was sealed."""
    root = tmp_path_factory.mktemp("ai-models")
    for kind in ("threshold", "classify", "detect"):
        build(root, kind)
    build(root, "threshold", "mr-only", modality=["MR"])
    tampered = build(root, "classify", "tampered")
    data = bytearray((tampered / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tampered / "model.onnx").write_bytes(bytes(data))
    return root


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo-phantom")
    write_phantom_series(folder, slices=DEMO_SLICES, size=DEMO_SIZE)
    return folder


def mr_sample() -> Path:
    return Path(pydicom.data.get_testdata_file("MR_small.dcm", download=False))


def frame_of(viewport, file_name: str) -> int:
    """Where the series put a file (the phantom numbers files in writing order)."""
    return next(i for i, f in enumerate(viewport.series.frames)
                if f.instance.path.name == file_name)


def ready_window(make_main_window, qtbot, models: Path | None, *paths: Path):
    """A main window showing ``paths`` with the models of ``models`` (None: bundled)."""
    window = make_main_window()
    panel = window.ai_panel
    if models is not None:
        panel.load_models([models])
    qtbot.waitUntil(lambda: panel.is_ready, timeout=30_000)
    if paths:
        open_and_wait(qtbot, window, *paths)
    return window


def run_and_wait(qtbot, panel, model_id: str, whole_series: bool = False) -> str:
    assert panel.select_model(model_id)
    button = panel.run_series_button if whole_series else panel.run_image_button
    assert button.isEnabled(), button.toolTip()
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    return finished.args[0]


# -- the list of models ---------------------------------------------------------------------


def test_says_verifying_then_greys_models_that_do_not_apply_with_the_reason(
        make_main_window, qtbot, ai_models, demo_dir) -> None:
    window = make_main_window()
    panel = window.ai_panel
    panel.load_models([ai_models])
    assert panel.status_label.text() == "Verifying models…"
    assert not panel.run_image_button.isEnabled()
    qtbot.waitUntil(lambda: panel.is_ready, timeout=30_000)
    open_and_wait(qtbot, window, demo_dir)

    rows = {model_id: (looks, text) for model_id, looks, text in panel.model_rows()}
    for model_id in ("threshold", "classify", "detect"):
        looks, text = rows[model_id]
        assert looks, text
        assert f"Test {model_id}" in text and "1.0.0" in text
        assert "DEMO · NOT FOR CLINICAL USE" in text
    looks, text = rows["mr-only"]
    assert not looks
    assert "Not made for this series: modality is CT; the model is meant for MR" in text
    looks, text = rows["tampered"]
    assert not looks
    assert "Unavailable" in text and "model.onnx" in text
    # Applicable models first, models that cannot run last.
    assert [r[0] for r in panel.model_rows()][-1] == "tampered"
    assert "3 of 5 model(s) apply" in panel.status_label.text()

    panel.select_model("tampered")
    assert not panel.run_image_button.isEnabled() and not panel.run_series_button.isEnabled()
    assert "model.onnx" in panel.run_image_button.toolTip()
    panel.select_model("mr-only")  # outside intended use: may still run after a yes
    assert panel.run_image_button.isEnabled()


def test_model_card_opens_as_formatted_text(make_main_window, qtbot, ai_models) -> None:
    window = ready_window(make_main_window, qtbot, ai_models)
    panel = window.ai_panel
    assert panel.select_model("detect")
    qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
    dialog = panel.card_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Test detect" in dialog.windowTitle()
    assert "Demonstration, not for clinical use." in dialog.text()
    assert "#" not in dialog.text()  # the Markdown heading is rendered, not shown raw


# -- running ----------------------------------------------------------------------------------


def test_whole_series_run_shows_progress_and_adds_every_image(
        make_main_window, qtbot, ai_models, demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    panel = window.ai_panel
    seen: list[int] = []
    panel.progress_bar.valueChanged.connect(seen.append)
    assert run_and_wait(qtbot, panel, "classify", whole_series=True) == "ok"
    assert seen and seen[-1] == DEMO_SLICES and seen == sorted(seen)
    assert panel.progress_bar.maximum() == DEMO_SLICES
    assert not panel.progress_bar.isVisible() and not panel.cancel_button.isVisible()
    (run,) = window.viewport.overlays.runs(window.viewport.series.uid)
    assert run.frames() == list(range(DEMO_SLICES))
    assert "20 images done" in panel.run_label.text()
    # One row per label the classifier named, over its slices, not one per slice.
    groups = panel.results.finding_groups()
    assert len(panel.results.finding_items()) == len(groups) <= 2
    assert sum(len(g.frames) for g in groups) == DEMO_SLICES


def test_cancelling_a_series_run_adds_nothing(make_main_window, qtbot, ai_models,
                                              demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    panel = window.ai_panel
    panel.select_model("threshold")
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(panel.run_series_button, Qt.MouseButton.LeftButton)
        assert panel.running and panel.cancel_button.isVisible()
        assert not panel.run_series_button.isEnabled()  # one run at a time
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"]
    assert window.viewport.overlays.runs() == []
    assert window.viewport.ai_layer_image() is None
    assert "Cancelled" in panel.run_label.text()
    assert not panel.cancel_button.isVisible() and panel.run_series_button.isEnabled()
    assert not window.boundary.messages  # cancelling is not an error
    # The panel is usable again at once.
    assert run_and_wait(qtbot, panel, "threshold") == "ok"


def test_a_ct_model_on_an_mr_image_asks_first_and_declining_runs_nothing(
        make_main_window, qtbot, ai_models) -> None:
    window = ready_window(make_main_window, qtbot, ai_models, mr_sample())
    panel = window.ai_panel
    rows = {model_id: (looks, text) for model_id, looks, text in panel.model_rows()}
    assert not rows["threshold"][0]
    assert "modality is MR; the model is meant for CT" in rows["threshold"][1]
    assert rows["mr-only"][0]

    panel.select_model("threshold")
    qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.use_dialog is not None, timeout=30_000)
    dialog = panel.use_dialog
    assert "modality is MR" in dialog.informativeText()
    assert dialog.defaultButton() is dialog.decline_button  # Enter does not run it
    assert not panel.run_image_button.isEnabled()
    with qtbot.waitSignal(panel.run_finished) as finished:
        qtbot.mouseClick(dialog.decline_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["declined"]
    assert window.viewport.overlays.runs() == []

    qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.use_dialog is not None, timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=30_000) as finished:
        qtbot.mouseClick(panel.use_dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["ok"]
    (run,) = window.viewport.overlays.runs()
    assert any("modality is MR" in w for w in run.warnings)
    window.viewport.repaint()
    banner = window.viewport.ai_layer.drawn.banner
    assert any(line.startswith("⚠ Outside intended use (accepted)") for line in banner)
    assert any("Accepted outside intended use: modality is MR" in text
               for text in panel.results.image_texts())


def test_a_run_that_cannot_be_audited_adds_nothing_and_says_so(
        make_main_window, qtbot, ai_models, demo_dir, tmp_path) -> None:
    """The disk is full when the record is written (/dev/full answers ENOSPC): the results
    are not shown, the panel says the run was not recorded, the boundary reports it."""
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    panel = window.ai_panel
    (tmp_path / "audit").mkdir(exist_ok=True)
    (tmp_path / "audit" / log_name()).symlink_to("/dev/full")
    assert run_and_wait(qtbot, panel, "threshold") == "error"
    assert window.viewport.overlays.runs() == []
    assert window.viewport.ai_layer_image() is None
    assert "was not recorded in the audit log" in panel.run_label.text()
    assert window.boundary.messages and "free disk space" in str(window.boundary.messages)


def test_an_unsigned_model_in_developer_mode_is_marked_in_its_row_and_result(
        make_main_window, qtbot, tmp_path, monkeypatch, demo_dir) -> None:
    """docs/security.md, "Signed models": the site file's developer mode runs an unsigned
    model, and the row and every result say so; without it the row says to ask IT."""
    import json

    from tests.inference.artifacts import seal
    from viewer.inference import UNSIGNED_MARK

    models = tmp_path / "dev-models"
    folder = build(models, "threshold", "local")
    seal(folder, json.loads((folder / "manifest.json").read_text()), key=None)
    window = ready_window(make_main_window, qtbot, models, demo_dir)
    (row,) = window.ai_panel.model_rows()
    assert not row[1] and "not signed by a key this site trusts — ask IT" in row[2]

    site = tmp_path / "site.toml"
    site.write_text("developer_mode = true\n", encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    window = ready_window(make_main_window, qtbot, models, demo_dir)
    panel = window.ai_panel
    (row,) = panel.model_rows()
    assert row[1] and UNSIGNED_MARK in row[2]
    run_and_wait(qtbot, panel, "local")
    (run,) = window.session.results.runs(window.viewport.series.uid)
    assert UNSIGNED_MARK in run.title  # the overlay line and the legend name it so
    assert run.results and all(UNSIGNED_MARK in r.provenance.label for r in run.results.values())


def test_a_series_run_reads_the_frames_the_viewer_holds_not_the_files(
        make_main_window, qtbot, ai_models, demo_dir, tmp_path) -> None:
    """Once the series is shown, its frames are in the frame cache: a run on the whole
    series takes them from there, so it succeeds even when the files are gone."""
    import shutil

    folder = tmp_path / "series"
    shutil.copytree(demo_dir, folder)
    window = ready_window(make_main_window, qtbot, ai_models, folder)
    series = window.viewport.series
    qtbot.waitUntil(lambda: all(f.key in window.cache for f in series.frames), timeout=30_000)
    shutil.rmtree(folder)  # any read from disk would now fail
    assert run_and_wait(qtbot, window.ai_panel, "threshold", whole_series=True) == "ok"
    (run,) = window.viewport.overlays.runs()
    assert len(run.results) == DEMO_SLICES
    assert not window.boundary.messages
