"""AI overlays on screen: in the right place whatever the view, marked as AI output, toggled
by key, legend and finding, filtered by the score slider, and bound to their series."""
# The shared fixtures come from test_ai_panel; pytest passes them in as arguments.
# ruff: noqa: F811

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt

from tests.ui.helpers import grab_array
from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    DEMO_SIZE,
    DEMO_SLICES,
    _private_dirs,
    ai_models,
    demo_dir,
    frame_of,
    mr_sample,
    ready_window,
    run_and_wait,
)
from viewer.inference import bundled_models_dir
from viewer.io.demo import phantom_regions

REGIONS = phantom_regions(DEMO_SLICES, DEMO_SIZE)
LESION_FILE = f"CT{REGIONS['lesion'].slice_index + 1:04d}.dcm"
BUNDLED = ("ct-body-seg", "ct-lesion-cls", "ct-lesion-det")


def centre(region) -> tuple[int, int]:
    """(row, column) of a region's middle pixel."""
    return ((region.rows.start + region.rows.stop) // 2,
            (region.cols.start + region.cols.stop) // 2)


def on_screen(viewport, row: int, col: int) -> tuple[int, int]:
    """(y, x) of the widget pixel showing image pixel (row, col)."""
    point = viewport.image_to_screen().map(QPointF(col + 0.5, row + 0.5))
    return int(point.y()), int(point.x())


def pixel(screen: np.ndarray, viewport, region_name: str) -> np.ndarray:
    y, x = on_screen(viewport, *centre(REGIONS[region_name]))
    return screen[y, x].astype(int)


def blended(base: np.ndarray, colour: str, opacity: float) -> np.ndarray:
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return np.rint(base * (1 - opacity) + rgb * opacity)


def show_lesion_slice(window, qtbot) -> None:
    viewport = window.viewport
    viewport.state.update(index=frame_of(viewport, LESION_FILE))
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None)


@pytest.fixture
def demo_window(make_main_window, qtbot, ai_models, demo_dir):
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    show_lesion_slice(window, qtbot)
    return window


@pytest.fixture
def bundled_window(make_main_window, qtbot, demo_dir):
    missing = [m for m in BUNDLED if not (bundled_models_dir() / m / "manifest.json").is_file()]
    # The artifacts are committed: a missing one is a failure, never a skip.
    assert not missing, f"bundled models missing: {', '.join(missing)}"
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    show_lesion_slice(window, qtbot)
    return window


# -- the bundled demonstration models on the phantom's lesion slice ------------------------------


def test_segmentation_colours_the_liver_and_the_lesion_and_leaves_the_image_alone(
        bundled_window, qtbot) -> None:
    viewport = bundled_window.viewport
    image_before = viewport.displayed_image().copy()
    before = grab_array(viewport)
    assert run_and_wait(qtbot, bundled_window.ai_panel, "ct-body-seg") == "ok"
    viewport.repaint()
    after = grab_array(viewport)
    (run,) = viewport.overlays.runs(viewport.series.uid)
    mask = run.results[viewport.state.index].masks[0]
    opacity = viewport.overlays.opacity
    for name, colour in (("liver", "#A1887F"), ("lesion", "#FF5252")):
        assert mask.mask[centre(REGIONS[name])] == mask.label_named(name).value
        expected = blended(pixel(before, viewport, name), colour, opacity)
        assert np.abs(pixel(after, viewport, name) - expected).max() <= 3, name
    assert np.array_equal(pixel(after, viewport, "air"), pixel(before, viewport, "air"))
    # The source image as displayed is exactly what it was: the overlay lies on top.
    assert np.array_equal(viewport.displayed_image(), image_before)
    drawn = viewport.ai_layer.drawn
    assert drawn.demo
    assert drawn.banner[0] == "AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE"
    assert "AI · CT body segmentation (demo) 1.1.0" in drawn.banner
    assert {"liver", "lesion"} <= set(drawn.legend)


def test_detector_draws_a_box_round_the_lesion_with_model_and_score(
        bundled_window, qtbot) -> None:
    viewport = bundled_window.viewport
    assert run_and_wait(qtbot, bundled_window.ai_panel, "ct-lesion-det") == "ok"
    viewport.repaint()
    screen = grab_array(viewport)
    row, col = centre(REGIONS["lesion"])
    ((box, caption),) = viewport.ai_layer.drawn.boxes
    assert box.x0 < col < box.x1 and box.y0 < row < box.y1
    assert caption.startswith("AI · CT liver lesion detection (demo) 1.1.0 · liver lesion ")
    assert caption.endswith("%")
    # The amber outline on screen, on the left edge of the mapped box.
    edge = viewport.image_to_screen().mapRect(QRectF(box.x0, box.y0, box.x1 - box.x0,
                                                     box.y1 - box.y0))
    y, x = round(edge.center().y()), round(edge.left())
    near = screen[y, x - 2:x + 3].astype(int)
    assert (np.abs(near - (255, 179, 0)).max(axis=1) <= 40).any(), near


def test_classifier_shows_probabilities_with_model_and_a_heatmap_on_the_lesion(
        bundled_window, qtbot) -> None:
    viewport = bundled_window.viewport
    panel = bundled_window.ai_panel
    assert run_and_wait(qtbot, panel, "ct-lesion-cls") == "ok"
    viewport.repaint()
    (run,) = viewport.overlays.runs(viewport.series.uid)
    labels = run.results[viewport.state.index].labels[0]
    assert labels.probability("lesion") > 0.5
    caption = f"AI · CT liver lesion classifier with heatmap (demo) 1.1.0 · lesion " \
              f"{labels.probability('lesion') * 100:.0f}%"
    assert caption in panel.results.image_texts()
    assert caption in viewport.ai_layer.drawn.banner
    layer = viewport.ai_layer_image()
    assert layer[centre(REGIONS["lesion"])][3] > 0  # heat over the lesion
    assert layer[centre(REGIONS["air"])][3] == 0  # and none outside the body


def test_heatmap_opacity_slider_and_colour_map_change_what_is_drawn(bundled_window,
                                                                   qtbot) -> None:
    viewport = bundled_window.viewport
    results = bundled_window.ai_panel.results
    assert run_and_wait(qtbot, bundled_window.ai_panel, "ct-lesion-cls") == "ok"
    y, x = on_screen(viewport, *centre(REGIONS["lesion"]))
    viewport.repaint()
    hot = viewport.ai_layer_image()[centre(REGIONS["lesion"])]
    r, g, b = hot[:3].astype(int)
    assert hot[3] == round(255 * results.heat_slider.value() / 100)
    assert r > b  # inferno, the model's own map: warm where the lesion is

    results.heat_slider.setValue(100)  # opaque: the screen shows the colour map itself
    assert viewport.overlays.heatmap_opacity == 1.0
    viewport.repaint()
    assert np.abs(grab_array(viewport)[y, x].astype(int) - hot[:3]).max() <= 2
    results.colormap_box.setCurrentText("gray")
    assert viewport.overlays.heatmap_colormap == "gray"
    viewport.repaint()
    grey = grab_array(viewport)[y, x].astype(int)
    assert grey[0] == grey[1] == grey[2] and grey[0] > 100
    results.colormap_box.setCurrentIndex(0)  # as the model says
    assert viewport.overlays.heatmap_colormap is None
    results.heat_slider.setValue(0)  # no heat at all: the image as it was
    viewport.repaint()
    faded = grab_array(viewport)[y, x]
    viewport.overlays.visible = False
    viewport.repaint()
    assert np.array_equal(faded, grab_array(viewport)[y, x])


# -- placement and toggles (tiny test models) ---------------------------------------------------


def test_mask_stays_on_its_pixels_when_rotated_flipped_and_zoomed(demo_window, qtbot) -> None:
    viewport = demo_window.viewport
    assert run_and_wait(qtbot, demo_window.ai_panel, "threshold") == "ok"
    opacity = viewport.overlays.opacity
    for changes in ({}, {"rotation": 90}, {"flip_h": True}, {"zoom": 3.0, "pan": (40.0, 30.0)}):
        viewport.state.update(**changes)
        qtbot.keyClick(viewport, Qt.Key.Key_A)  # hide: the bare image in this view
        assert not viewport.overlays.visible
        base = grab_array(viewport)
        qtbot.keyClick(viewport, Qt.Key.Key_A)
        viewport.repaint()
        shown = grab_array(viewport)
        expected = blended(pixel(base, viewport, "liver"), "#FF0000", opacity)
        assert np.abs(pixel(shown, viewport, "liver") - expected).max() <= 3, changes
        assert np.array_equal(pixel(shown, viewport, "air"), pixel(base, viewport, "air"))


def test_key_a_hides_everything_and_the_banner_survives_hidden_annotations(
        demo_window, qtbot) -> None:
    viewport = demo_window.viewport
    before = grab_array(viewport)
    assert run_and_wait(qtbot, demo_window.ai_panel, "threshold") == "ok"
    assert run_and_wait(qtbot, demo_window.ai_panel, "detect") == "ok"
    viewport.repaint()
    assert viewport.ai_layer.drawn.boxes
    qtbot.keyClick(viewport, Qt.Key.Key_A)
    viewport.repaint()
    assert viewport.ai_layer.drawn.banner == [
        "AI results hidden · press A to show · demonstration, not for clinical use"]
    assert not viewport.ai_layer.drawn.boxes
    hidden = grab_array(viewport)
    assert np.array_equal(pixel(hidden, viewport, "liver"), pixel(before, viewport, "liver"))
    assert not demo_window.ai_panel.results.visible_box.isChecked()  # the panel follows
    qtbot.keyClick(viewport, Qt.Key.Key_A)
    qtbot.keyClick(viewport, Qt.Key.Key_I)  # annotations off...
    assert not viewport.state.annotations
    viewport.repaint()
    drawn = viewport.ai_layer.drawn
    assert drawn.banner[0] == "AI OUTPUT · DEMONSTRATION, NOT FOR CLINICAL USE"  # ...banner stays
    screen = grab_array(viewport)
    top = screen[30:60, viewport.width() // 2 - 20:viewport.width() // 2 + 20].astype(int)
    assert (np.abs(top - (120, 72, 0)).max(axis=2) <= 50).mean() > 0.3  # amber banner


def test_legend_toggles_a_label_and_contour_draws_edges_only(demo_window, qtbot) -> None:
    viewport = demo_window.viewport
    results = demo_window.ai_panel.results
    assert run_and_wait(qtbot, demo_window.ai_panel, "threshold") == "ok"
    filled = int((viewport.ai_layer_image()[..., 3] > 0).sum())
    box = results.legend_boxes[("threshold", 1)]
    assert box.text() == "object" and box.isChecked() and results.legend_group.isVisible()
    box.click()
    assert not viewport.overlays.label_visible("threshold", 1)
    assert viewport.ai_layer_image() is None
    box.click()
    results.contour_button.click()
    assert viewport.overlays.style == "contour"
    edges = int((viewport.ai_layer_image()[..., 3] > 0).sum())
    assert 0 < edges < filled / 3


def test_findings_list_jumps_to_a_slice_and_toggles_one_finding(demo_window, qtbot) -> None:
    viewport = demo_window.viewport
    results = demo_window.ai_panel.results
    assert run_and_wait(qtbot, demo_window.ai_panel, "detect", whole_series=True) == "ok"
    groups = results.finding_groups()
    items = results.finding_items()
    # One row per finding, not one per slice: the spots seen on neighbouring slices are one.
    assert len(items) == len(groups) < DEMO_SLICES
    assert sum(len(g.frames) for g in groups) == DEMO_SLICES  # one box per slice
    group = groups[0]
    assert items[0].text(0).startswith(f"spot · Im {group.first + 1}")
    assert "best 90%" in items[0].text(0)
    assert items[0].toolTip(0).startswith("AI · Test detect 1.0.0 · spot")
    tree = results.findings_tree
    target = items[0]
    tree.scrollToItem(target)
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton,
                     pos=tree.visualItemRect(target).center())
    assert viewport.state.index == group.best_frame  # the slice with the largest box
    viewport.repaint()
    assert len(viewport.ai_layer.drawn.boxes) == 1
    target.setCheckState(0, Qt.CheckState.Unchecked)  # this finding, on all its slices
    for frame in group.frames:
        viewport.state.update(index=frame)
        viewport.repaint()
        assert viewport.ai_layer.drawn.boxes == []
    other = next((f for f in range(DEMO_SLICES) if f not in group.frames), None)
    if other is not None:  # other findings stay on
        viewport.state.update(index=other)
        viewport.repaint()
        assert len(viewport.ai_layer.drawn.boxes) == 1


def test_score_slider_hides_lower_scoring_boxes(demo_window, qtbot) -> None:
    viewport = demo_window.viewport
    results = demo_window.ai_panel.results
    assert run_and_wait(qtbot, demo_window.ai_panel, "detect") == "ok"
    slider = results.threshold_sliders["detect"]
    assert slider.minimum() == 50  # the model's own threshold is the lowest
    viewport.repaint()
    assert [b.score for b, _ in viewport.ai_layer.drawn.boxes] == [pytest.approx(0.9)]
    slider.setValue(95)
    viewport.repaint()
    assert viewport.ai_layer.drawn.boxes == []
    assert not [i for i in results.finding_items() if "spot" in i.text(0)]
    assert any("score ≥ 95%" in text for text in results.image_texts())
    slider.setValue(50)
    viewport.repaint()
    assert len(viewport.ai_layer.drawn.boxes) == 1


def test_results_show_only_on_their_own_series(make_main_window, qtbot, ai_models,
                                               demo_dir) -> None:
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir, mr_sample())
    viewport = window.viewport
    ct = viewport.series
    assert ct.modality == "CT"
    assert run_and_wait(qtbot, window.ai_panel, "threshold", whole_series=True) == "ok"
    entries = [window.browser.entry(item) for item in window.browser.series_items()]
    mr_series, mr_study = next(e for e in entries if e and e[0].modality == "MR")
    window.open_series(mr_series, mr_study)
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None)
    viewport.repaint()
    assert viewport.ai_layer_image() is None
    assert viewport.ai_layer.drawn.banner == []
    assert window.ai_panel.results.finding_items() == []
    ct_entry = next(e for e in entries if e and e[0] is ct)
    window.open_series(*ct_entry)
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None)
    viewport.repaint()
    assert viewport.ai_layer_image() is not None
    assert viewport.ai_layer.drawn.banner
    assert len(window.ai_panel.results.finding_items()) > 0


def test_a_mask_finding_shows_its_area_here_and_its_volume(demo_window, qtbot) -> None:
    from viewer.state.finding_groups import area_mm2, volume_ml
    viewport = demo_window.viewport
    results = demo_window.ai_panel.results
    assert run_and_wait(qtbot, demo_window.ai_panel, "threshold", whole_series=True) == "ok"
    (group,) = [g for g in results.finding_groups() if g.kind == "mask"]
    (item,) = results.finding_items()
    assert len(group.frames) > 1  # one row for the object on every slice it is on
    results.findings_tree.itemClicked.emit(item, 0)
    assert viewport.state.index == group.best_frame
    area = area_mm2(group, viewport.series, viewport.state.index)
    volume = volume_ml(group, viewport.series)
    assert area and volume
    assert f"{area:.0f} mm² on this image" in item.text(0)
    assert f"{volume:.1f} mL" in item.text(0)
    assert f"Im {group.first + 1}–{group.last + 1}" in item.text(0)
