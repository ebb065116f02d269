"""modelkit stores the training inputs' reference statistics the viewer compares with."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
yaml = pytest.importorskip("yaml")

from tests.modelkit.conftest import SIZE, mask  # noqa: E402
from tests.modelkit.test_build import UNET  # noqa: E402
from viewer.inference.manifest import read_manifest  # noqa: E402
from viewer.modelkit import BuildError, build_artifact  # noqa: E402

GENERATOR = f"""
import numpy as np

def samples(count, seed, spec):
    rng = np.random.default_rng(seed)
    return [{{"image": rng.uniform(0.2, 0.6, ({SIZE}, {SIZE})).astype("float32"),
              "spacing_mm": (0.7, 0.7), "size": (256, 256)}} for _ in range(count)]
"""


def _declare(recipe, **section) -> None:
    spec = yaml.safe_load((recipe / "spec.yaml").read_text(encoding="utf-8"))
    spec["reference"] = section
    spec["limitations"] = ["Random weights: says nothing."]
    spec["intended_use"]["population"] = "none"  # read_manifest wants text here
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")


def test_the_reference_section_is_built_from_the_recipes_generator(recipe_factory, tmp_path):
    recipe, weights = recipe_factory("unet", UNET, "UNet", [mask(3)])
    (recipe / "gen.py").write_text(GENERATOR, encoding="utf-8")
    _declare(recipe, generator="gen.py:samples", samples=40, seed=7, bins=10,
             acquisition={"modality": ["CT"]}, thresholds={"psi_unlike": 0.5})
    folder = build_artifact(recipe, weights, tmp_path / "models")
    manifest = read_manifest(folder)
    ref = manifest.reference
    assert ref is not None and ref.samples == 40 and ref.bins == 10
    assert ref.value_range == (0.0, 1.0)
    # values 0.2–0.6 fill bins 2–5 only
    assert ref.histogram[:2] == (0.0, 0.0) and sum(ref.histogram[2:6]) == pytest.approx(1.0)
    assert ref.spacing_mm.min == ref.spacing_mm.max == 0.7 and ref.rows.p50 == 256
    assert ref.thresholds.psi_unlike == 0.5 and ref.thresholds.psi_shift == 0.1
    assert manifest.limitations == ("Random weights: says nothing.",)
    card = (folder / "CARD.md").read_text(encoding="utf-8")
    assert "## Limitations" in card and "## Training-data reference" in card
    again = build_artifact(recipe, weights, tmp_path / "again")  # seeded: the same stats
    assert read_manifest(again).raw["reference"] == manifest.raw["reference"]


def test_a_missing_generator_refuses_the_build(recipe_factory, tmp_path):
    recipe, weights = recipe_factory("unet", UNET, "UNet", [mask(3)])
    _declare(recipe, generator="gen.py:samples")
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    assert caught.value.check == "recipe" and "gen.py" in str(caught.value)
    assert not (tmp_path / "models" / "tiny-model").exists()
