"""Overlay rendering (no Qt): exact pixels for masks, heatmaps, boxes and blending."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.imaging.ai_layers import (
    COLORMAPS,
    blend,
    boundary,
    boxes_rgba,
    colormap_table,
    heatmap_rgba,
    label_colors,
    mask_rgba,
    parse_color,
    stack_rgba,
)
from viewer.inference.manifest import Label


@pytest.fixture
def mask():
    m = np.zeros((8, 8), np.uint8)
    m[1:5, 1:5] = 1
    m[5:7, 5:8] = 2
    return m


def test_fill_colours_each_label_and_never_the_background(mask):
    colors = {1: (255, 0, 0), 2: (0, 0, 255)}
    rgba = mask_rgba(mask, colors, opacity=0.5)
    assert tuple(rgba[2, 2]) == (255, 0, 0, 128)
    assert tuple(rgba[6, 6]) == (0, 0, 255, 128)
    assert not rgba[mask == 0].any()


def test_labels_can_be_hidden_one_by_one(mask):
    rgba = mask_rgba(mask, {1: (255, 0, 0), 2: (0, 0, 255)}, visible={2})
    assert not rgba[mask == 1].any() and rgba[mask == 2, 3].min() > 0


def test_contour_draws_only_the_edge(mask):
    rgba = mask_rgba(mask, {1: (255, 0, 0)}, opacity=1.0, style="contour", visible={1})
    drawn = rgba[..., 3] > 0
    assert drawn[1, 1] and drawn[1, 3] and drawn[4, 4]
    assert not drawn[2, 2] and not drawn[3, 3]  # the inside stays clear
    assert drawn.sum() == 12  # the 4 × 4 square's ring
    assert np.array_equal(boundary(mask == 1), drawn)


def test_label_colours_come_from_the_manifest_or_the_palette():
    colors = label_colors(
        [Label("background", 0), Label("liver", 1, "#4FC3F7"), Label("lesion", 2)]
    )
    assert colors[1] == (0x4F, 0xC3, 0xF7) and 0 not in colors and len(colors[2]) == 3
    assert parse_color("#zzzzzz") == parse_color(None)


def test_heatmap_through_a_colour_map():
    heat = np.array([[0.0, 1.0], [0.5, np.nan]], np.float32)
    rgba = heatmap_rgba(heat, "inferno", opacity=0.25)
    assert tuple(rgba[0, 0, :3]) == (0, 0, 4) and tuple(rgba[0, 1, :3]) == (252, 255, 164)
    assert (rgba[..., 3] == 64).all()
    assert tuple(rgba[1, 1, :3]) == (0, 0, 4)  # NaN reads as no heat
    faint = heatmap_rgba(heat, "jet", floor=0.6)
    assert faint[0, 0, 3] == 0 and faint[0, 1, 3] > 0
    assert np.array_equal(heatmap_rgba(heat, "no-such-map"), heatmap_rgba(heat, "inferno"))


def test_every_colour_map_runs_from_its_first_to_its_last_anchor():
    for name, anchors in COLORMAPS.items():
        table = colormap_table(name)
        assert table.shape == (256, 3)
        assert tuple(table[0]) == anchors[0][1] and tuple(table[-1]) == anchors[-1][1]
    with pytest.raises(ValueError, match="known: inferno"):
        colormap_table("rainbow")


def test_box_outlines_stay_inside_the_image():
    rgba = boxes_rgba(
        (20, 30), [(2, 3, 12, 10, (255, 179, 0)), (25, 15, 40, 40, (0, 255, 0))], thickness=1
    )
    assert tuple(rgba[3, 2]) == (255, 179, 0, 255) and tuple(rgba[9, 11]) == (255, 179, 0, 255)
    assert rgba[5, 5, 3] == 0  # inside is clear
    assert rgba[19, 29, 3] == 255  # the clipped box's corner


def test_blend_leaves_the_image_alone_and_composites():
    base = np.full((2, 2), 100, np.uint8)
    layer = np.zeros((2, 2, 4), np.uint8)
    layer[0, 0] = (200, 0, 0, 255)
    layer[1, 1] = (200, 0, 0, 128)
    out = blend(base, layer)
    assert tuple(out[0, 0]) == (200, 0, 0) and tuple(out[0, 1]) == (100, 100, 100)
    assert tuple(out[1, 1]) == (150, 50, 50)
    assert (base == 100).all()
    with pytest.raises(ValueError, match="differs from the image"):
        blend(base, np.zeros((3, 3, 4), np.uint8))


def test_stack_keeps_a_transparent_background():
    a = np.zeros((1, 2, 4), np.uint8)
    a[0, 0] = (255, 0, 0, 255)
    b = np.zeros((1, 2, 4), np.uint8)
    b[0, 0] = (0, 0, 255, 128)
    out = stack_rgba(a, b)
    assert tuple(out[0, 1]) == (0, 0, 0, 0)
    assert tuple(out[0, 0]) == (127, 0, 128, 255)


def _stack_everywhere(*layers: np.ndarray) -> np.ndarray:
    """The compositing formula applied to every pixel (what stack_rgba must equal)."""
    color = np.zeros((*layers[0].shape[:2], 3), dtype=np.float32)
    alpha = np.zeros((*layers[0].shape[:2], 1), dtype=np.float32)
    for layer in layers:
        a = layer[..., 3:4].astype(np.float32) / 255.0
        new_alpha = a + alpha * (1.0 - a)
        safe = np.where(new_alpha > 0, new_alpha, 1.0)
        color = (layer[..., :3] * a + color * alpha * (1.0 - a)) / safe
        alpha = new_alpha
    return np.clip(np.rint(np.concatenate([color, alpha * 255.0], axis=2)), 0, 255).astype(
        np.uint8)


@pytest.mark.parametrize("count", [1, 2, 3])
def test_stack_of_sparse_layers_equals_the_formula_everywhere(count):
    rng = np.random.default_rng(count)
    layers = []
    for _ in range(count):
        layer = rng.integers(0, 256, (40, 50, 4), dtype=np.uint8)
        layer[rng.random((40, 50)) < 0.6, 3] = 0  # mostly clear, as AI layers are
        layers.append(layer)
    assert np.array_equal(stack_rgba(*layers), _stack_everywhere(*layers))
    with pytest.raises(ValueError, match="differ in size"):
        stack_rgba(layers[0], np.zeros((3, 3, 4), np.uint8))
