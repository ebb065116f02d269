"""Golden inputs: edge cases that keep the range's extremes without being flat, and typical
samples drawn from the recipe's own data generator when it ships no golden_inputs.npz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from viewer.modelkit import BuildError
from viewer.modelkit.golden import EDGE_TEXTURE, generated, golden_samples

ROOT = Path(__file__).resolve().parents[2]
WINDOWED = {"name": "image", "shape": ["batch", 1, 48, 40],
            "intensity": {"kind": "window", "center": 40, "width": 400}}


def test_edge_cases_hold_the_extremes_under_a_faint_texture():
    low, high, middle = generated(WINDOWED, ("low", "high", "middle"), seed=3)
    assert low.min() == 0.0 and high.max() == 1.0  # the range's edges, inside the image
    assert low.max() == pytest.approx(EDGE_TEXTURE) and high.min() == pytest.approx(1 - EDGE_TEXTURE)
    for image in (low, high, middle):
        assert image.min() >= 0.0 and image.max() <= 1.0
        # near-constant, never flat: a per-image norm has a variance to divide by
        assert 0.01 * EDGE_TEXTURE < image.std() < EDGE_TEXTURE
    assert generated(WINDOWED, ("low",), seed=3).tobytes() == low[None].tobytes()  # seeded


def recipe_spec(recipe_id: str) -> tuple[dict, Path]:
    folder = ROOT / "models" / "recipes" / recipe_id
    return yaml.safe_load((folder / "spec.yaml").read_text(encoding="utf-8")), folder


def test_without_golden_inputs_npz_typical_samples_come_from_the_recipes_generator():
    spec, folder = recipe_spec("ct-body-seg")  # reference.generator: phantom2d.py
    golden = golden_samples(spec, None, seed=0, folder=folder)
    x = golden.inputs[0]
    assert x.shape == (5, 1, 128, 128)  # two drawn, then low, high, noise
    assert golden.origins[:2] == [
        "given, drawn from phantom2d.py:reference_samples, seed 30000 #0",
        "given, drawn from phantom2d.py:reference_samples, seed 30000 #1",
    ]
    assert golden.origins[2].startswith("generated 'low'")
    for image in x[:2]:  # windowed CT slices: air at 0, bone at 1, soft tissue between
        assert image.min() == 0.0 and image.max() == 1.0 and 0.1 < image.std() < 0.5
    again = golden_samples(spec, None, seed=0, folder=folder)
    assert np.array_equal(again.inputs[0], x)  # the generator is seeded


def test_a_given_npz_comes_first_and_is_named(tmp_path):
    spec, folder = recipe_spec("ct-body-seg")
    golden = golden_samples(spec, folder / "golden_inputs.npz", seed=0, folder=folder)
    assert golden.origins[0] == "given, golden_inputs.npz #0"
    assert len(golden.origins) == golden.inputs[0].shape[0]


def test_a_generator_that_gives_the_wrong_images_is_refused(tmp_path):
    (tmp_path / "gen.py").write_text(
        "import numpy as np\n"
        "def samples(count, seed, spec):\n"
        "    return [{'image': np.zeros((7, 7))} for _ in range(count)]\n", encoding="utf-8")
    spec = {"inputs": [WINDOWED], "golden": {"generator": "gen.py:samples"}}
    shape = r"\(each needs an 'image' of shape \(1, 48, 40\)"
    with pytest.raises(BuildError, match=r"samples\(\) gave bad samples " + shape):
        golden_samples(spec, None, folder=tmp_path)
