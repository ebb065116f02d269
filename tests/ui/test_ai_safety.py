"""What keeps an AI result safe to read: the model card, the demonstration banner that no
toggle hides, and the warning that an image is unlike the model's training data."""
# The shared fixtures come from test_ai_panel; pytest passes them in as arguments.
# ruff: noqa: F811

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    demo_dir,
    mr_sample,
    ready_window,
    run_and_wait,
)
from viewer.inference import bundled_models_dir
from viewer.inference.manifest import read_manifest

DEMO_MARK = "not for clinical use"


def test_the_model_card_shows_use_limits_data_validation_and_identity(
        make_main_window, qtbot) -> None:
    window = ready_window(make_main_window, qtbot, None)
    panel = window.ai_panel
    assert panel.select_model("ct-lesion-cls")
    qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
    dialog = panel.card_dialog
    assert dialog is not None and dialog.isVisible()
    manifest = read_manifest(bundled_models_dir() / "ct-lesion-cls")
    assert dialog.banner.isVisible() and DEMO_MARK in dialog.banner.text()
    text = dialog.view.toPlainText()
    for heading in ("Intended use", "Limitations", "Training data", "Validation (held-out)",
                    "Compared with the training data", "Version and digest"):
        assert heading in text
    assert "Modality: CT" in text
    assert "Trained and tested on generated phantom slices only" in text
    assert "1500 randomised 2-D variants" in text
    assert "sensitivity: 1" in text and "held out: 400" in text
    assert f"Version: {manifest.version}" in text and manifest.digest in text
    assert "Pixel spacing seen: 0.33" in text
    assert dialog.tabs.count() == 2  # the generated CARD.md is one tab further


def test_the_demonstration_banner_survives_every_toggle(
        make_main_window, qtbot, demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    viewport = window.viewport
    assert run_and_wait(qtbot, window.ai_panel, "ct-body-seg") == "ok"
    overlays = viewport.overlays

    def marked() -> bool:
        viewport.repaint()
        drawn = viewport.ai_layer.drawn
        return drawn.demo and any(DEMO_MARK in line.lower() for line in drawn.banner)

    assert marked()
    overlays.opacity = 0.0  # the mask fades out; the banner does not
    overlays.heatmap_opacity = 0.0
    assert marked()
    qtbot.keyClick(viewport, Qt.Key.Key_I)  # annotations off
    assert not viewport.state.annotations and marked()
    qtbot.keyClick(viewport, Qt.Key.Key_A)  # AI results hidden: still says what they are
    assert not overlays.visible and marked()
    qtbot.keyClick(viewport, Qt.Key.Key_A)
    assert marked()
    head = window.ai_panel.results.image_texts()[0]
    assert "demonstration, not for clinical use" in head


def test_an_image_unlike_the_training_data_is_flagged_in_panel_and_banner(
        make_main_window, qtbot) -> None:
    window = ready_window(make_main_window, qtbot, None, mr_sample())
    panel = window.ai_panel
    panel.select_model("ct-lesion-cls")
    qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.use_dialog is not None, timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(panel.use_dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["ok"]
    notes = [t for t in panel.results.image_texts()
             if t.startswith("⚠ This image is unlike the model's training data:")]
    assert len(notes) == 1 and "modality is MR; the training data were CT" in notes[0]
    window.viewport.repaint()
    banner = window.viewport.ai_layer.drawn.banner
    assert any(line.startswith("⚠ Unlike the model's training data: ") for line in banner)


def test_alike_images_carry_no_such_warning(make_main_window, qtbot, demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    assert run_and_wait(qtbot, window.ai_panel, "ct-lesion-cls") == "ok"
    assert not [t for t in window.ai_panel.results.image_texts() if "unlike" in t]
    window.viewport.repaint()
    assert not [b for b in window.viewport.ai_layer.drawn.banner if "Unlike" in b]
