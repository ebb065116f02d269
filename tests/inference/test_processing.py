"""Pre- and post-processing on their own: letterbox, intensity, channels, NMS."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.inference.manifest import Intensity, Label, OutputSpec, Resize
from viewer.inference.postprocess import (
    _source_coords,
    activate,
    boxes_output,
    mask_output,
    nms,
    sample_linear,
    sample_nearest,
)
from viewer.inference.preprocess import (
    apply_intensity,
    fit,
    letterbox,
    neighbours,
    to_channels,
)


def test_letterbox_keeps_the_aspect_and_centres():
    box = letterbox((100, 200), Resize((64, 64)))
    assert box.inner == (32, 64) and box.offset == (16, 0)
    x, y = box.to_source(np.array([0.0, 64.0]), np.array([16.0, 48.0]))
    assert list(x) == [0, 200] and list(y) == [0, 100]
    stretched = letterbox((100, 200), Resize((64, 64), keep_aspect=False))
    assert stretched.offset == (0, 0) and stretched.scale == (0.64, 0.32)


def test_fit_pads_with_the_pad_value():
    planes = np.ones((1, 10, 20), np.float32)
    box = letterbox((10, 20), Resize((8, 8), pad_value=-1.0))
    out = fit(planes, box, Resize((8, 8), pad_value=-1.0))
    assert out.shape == (1, 8, 8)
    assert np.all(out[0, :2] == -1) and np.all(out[0, 6:] == -1) and np.allclose(out[0, 2:6], 1)


def test_intensity_kinds():
    hu = np.array([-1000.0, -160.0, 40.0, 240.0, 3000.0], np.float32)
    assert list(apply_intensity(hu, Intensity("window", center=40, width=400))) == [0, 0, 0.5, 1, 1]
    assert list(apply_intensity(hu[:3], Intensity("normalize", mean=40, std=100))) == [-10.4, -2, 0]
    assert apply_intensity(hu, Intensity("minmax"))[[0, -1]].tolist() == [0, 1]
    assert not apply_intensity(np.full(4, 7.0), Intensity("minmax")).any()  # flat: no contrast


def test_channels_grey_and_rgb():
    grey = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert to_channels(grey, 3).shape == (3, 2, 3)
    rgb = np.zeros((2, 3, 3), np.uint8)
    rgb[..., 1] = 100
    assert np.allclose(to_channels(rgb, 1), 58.7)
    assert to_channels(rgb, 3)[1, 0, 0] == 100


def test_neighbours_repeat_at_the_edges():
    assert neighbours(0, 3, 10) == [0, 0, 1]
    assert neighbours(9, 3, 10) == [8, 9, 9]
    assert neighbours(5, 4, 10) == [4, 5, 6, 7]


def test_nms_keeps_the_best_of_overlapping_boxes_per_class():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 10, 10], [50, 50, 60, 60]], float)
    scores = np.array([0.6, 0.9, 0.8, 0.5])
    classes = np.array([0, 0, 1, 0])
    assert nms(boxes, scores, classes, 0.5) == [1, 2, 3]


def test_the_pairwise_nms_keeps_what_one_box_at_a_time_keeps(monkeypatch):
    """The matrix path (and its shortcut for boxes that overlap nothing) against the
    one-row-at-a-time path, on random boxes with ties, duplicates and empty boxes; the
    matrix's IoU equals :func:`iou` row by row, to the bit."""
    import viewer.inference.postprocess as post

    rng = np.random.default_rng(13)
    for trial in range(200):
        n = int(rng.integers(0, 120))
        boxes = rng.uniform(0, 100, (n, 4))
        boxes[:, 2:] = boxes[:, :2] + rng.uniform(-5, 30, (n, 2))
        if trial % 3 == 0:
            boxes[: n // 2] = boxes[n // 2 : 2 * (n // 2)]
        scores = np.round(rng.uniform(0, 1, n), 1 if trial % 2 else 6)
        classes = rng.integers(0, 3, n)
        matrix = post.pairwise_iou(boxes, boxes)
        for i in range(n):
            assert np.array_equal(matrix[i], post.iou(boxes[i], boxes))
        kept = nms(boxes, scores, classes, 0.3)
        monkeypatch.setattr(post, "NMS_MATRIX_LIMIT", -1)
        assert nms(boxes, scores, classes, 0.3) == kept
        monkeypatch.undo()


def test_a_box_made_the_fast_way_is_the_box():
    from viewer.inference.postprocess import _box
    from viewer.inference.results import Box

    values = (1.5, 2.0, 30.25, 40.0, 0.75, 2, "lesion", "#FF0000")
    fast, plain = _box(*values), Box(*values)
    assert fast == plain and hash(fast) == hash(plain) and repr(fast) == repr(plain)
    with pytest.raises(AttributeError):
        fast.score = 0.1  # type: ignore[misc]
    with pytest.raises(ValueError):
        _box(*values[:-1])


def test_boxes_with_several_classes_take_the_best_class():
    spec = OutputSpec(
        "boxes",
        "boxes",
        ("batch", "n", 4),
        scores="s",
        classes=(Label("a"), Label("b", color="#00FF00")),
        score_threshold=0.5,
        nms_iou=0.5,
    )
    box = letterbox((32, 32), Resize((32, 32)))
    out = boxes_output(
        spec, np.array([[1, 2, 5, 6], [3, 3, 2, 9]], float), np.array([[0.1, 0.7], [0.9, 0.0]]), box
    )
    (only,) = out.boxes  # the second box has x1 < x0: not a box
    assert (only.class_name, only.color, only.score) == ("b", "#00FF00", pytest.approx(0.7))


def test_a_single_channel_sigmoid_mask_uses_the_last_label():
    spec = OutputSpec(
        "m",
        "mask",
        ("batch", 1, 4, 4),
        activation="sigmoid",
        labels=(Label("background", 0), Label("lesion", 3, "#FF0000")),
    )
    logits = np.full((1, 4, 4), -5.0, np.float32)
    logits[0, :2, :2] = 5.0
    out = mask_output(spec, logits, letterbox((8, 8), Resize((4, 4))))
    assert out.counts == {0: 48, 3: 16}
    assert np.all(out.mask[:4, :4] == 3)


def test_softmax_is_stable_for_large_logits():
    p = activate(np.array([1000.0, 0.0], np.float32), "softmax")
    assert p.tolist() == [1.0, 0.0]


@pytest.mark.parametrize("values", [(0, 1, 2), (0, 300, 7), (0, 65535, 256, 9)])
@pytest.mark.parametrize("source", [(37, 53), (512, 384), (5, 3)])
def test_a_mask_equals_sampling_the_class_index_first_and_counting_by_sorting(values, source):
    """Labels are looked up on the model's grid and counted: the very map (values and type)
    and counts of argmax → label values at the original size → np.unique."""
    labels = tuple(Label(f"c{v}", v) for v in values)
    spec = OutputSpec("m", "mask", ("batch", len(values), 16, 16), activation="softmax",
                      labels=labels)
    logits = np.random.default_rng(5).standard_normal((len(values), 16, 16)).astype(np.float32)
    logits[1:, :3, :5] = -9.0  # a corner of background whatever the rest says
    box = letterbox(source, Resize((16, 16)))
    out = mask_output(spec, logits, box)
    table = np.array(values, dtype=np.int64)
    expected = table[sample_nearest(np.argmax(activate(logits, "softmax"), axis=0), box)]
    expected = expected.astype(np.uint8 if expected.max() < 256 else np.uint16)
    assert out.mask.dtype == expected.dtype and out.mask.shape == source
    np.testing.assert_array_equal(out.mask, expected)
    found, counts = np.unique(expected, return_counts=True)
    assert out.counts == {int(v): int(n) for v, n in zip(found, counts, strict=True)}
    assert list(out.counts) == sorted(out.counts)


@pytest.mark.parametrize("source", [(37, 53), (512, 384), (3, 700)])
def test_a_heatmap_is_the_four_corner_bilinear_mix_to_the_bit(source):
    """Sampled separably (columns on the model's grid, then rows): every pixel is the same
    float32 mix of its four neighbours as one formula over the whole image gives."""
    plane = np.random.default_rng(6).random((16, 11), dtype=np.float32)
    box = letterbox(source, Resize((16, 11)))
    gy, gx = _source_coords(box, plane.shape)

    def weights(g, size):
        g = np.clip(g - 0.5, 0, size - 1)
        lo = np.floor(g).astype(np.intp)
        return lo, np.minimum(lo + 1, size - 1), (g - lo).astype(np.float32)

    r0, r1, fy = weights(gy, 16)
    c0, c1, fx = weights(gx, 11)
    top = plane[np.ix_(r0, c0)] * (1 - fx) + plane[np.ix_(r0, c1)] * fx
    bottom = plane[np.ix_(r1, c0)] * (1 - fx) + plane[np.ix_(r1, c1)] * fx
    expected = top * (1 - fy)[:, None] + bottom * fy[:, None]
    got = sample_linear(plane, box)
    assert got.dtype == np.float32 and got.shape == source
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("value_range", [(0.0, 1.0), (-2.0, 3.5), (0.25, 0.3)])
def test_a_heatmap_output_is_the_clipped_scaled_mix_to_the_bit(value_range):
    """Scaled and clipped in place: the same float32 values as the expression."""
    from viewer.inference.postprocess import heatmap_output

    plane = np.random.default_rng(7).normal(size=(1, 16, 16)).astype(np.float32)
    box = letterbox((512, 384), Resize((16, 16)))
    spec = OutputSpec("cam", "heatmap", ("batch", 1, 16, 16), value_range=value_range)
    lo, hi = value_range
    expected = np.clip((sample_linear(plane[0], box) - lo) / (hi - lo), 0.0, 1.0)
    got = heatmap_output(spec, plane, box).heatmap
    assert got.dtype == np.float32 and not got.flags.writeable
    np.testing.assert_array_equal(got, expected)


def test_a_heatmap_stays_on_the_model_grid_until_it_is_shown():
    """A run over a series keeps each heatmap as the model gave it (16² here, not the
    image's 512 × 384); the image-size map is made on first use, the same to the bit."""
    from viewer.inference.postprocess import heatmap_output

    plane = np.random.default_rng(3).normal(size=(1, 16, 16)).astype(np.float32)
    box = letterbox((512, 384), Resize((16, 16)))
    spec = OutputSpec("cam", "heatmap", ("batch", 1, 16, 16), value_range=(0.0, 1.0))
    out = heatmap_output(spec, plane, box)
    assert out.grid is not None and out.grid.shape == (16, 16) and "heatmap" not in vars(out)
    first = out.heatmap
    assert first.shape == (512, 384) and out.heatmap is first  # made once, then kept
    expected = np.clip(sample_linear(plane[0], box), 0.0, 1.0)
    np.testing.assert_array_equal(first, expected)
