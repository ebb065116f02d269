"""Tiny recipes written on the fly: real nn.Modules, real exports, small inputs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

SIZE = 32


def write_recipe(
    folder: Path,
    source: str,
    cls: str,
    outputs: list[dict],
    *,
    kwargs: dict | None = None,
    channels: int = 1,
    size: int = SIZE,
    recipe_id: str = "tiny-model",
    golden: list[str] | None = None,
) -> Path:
    """A recipe folder with ``model.py`` from ``source`` and a matching spec.yaml."""
    import yaml  # a build-time dependency, like torch: the core suite runs without it

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.py").write_text(
        "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n"
        + textwrap.dedent(source),
        encoding="utf-8",
    )
    spec = {
        "id": recipe_id,
        "name": f"{recipe_id} (test)",
        "version": "0.1.0",
        "description": "A tiny model built by the tests.",
        "not_for_clinical_use": True,
        "seed": 0,
        "intended_use": {"modality": ["CT"], "body_part": [], "pixel_spacing_mm": [0.5, 2.0],
                         "input": "slice"},
        "model": {"class": cls, "kwargs": kwargs or {}},
        "inputs": [{
            "name": "image", "shape": ["batch", channels, size, size], "dtype": "float32",
            "channels": channels,
            "resize": {"size": [size, size], "keep_aspect": True, "pad_value": 0.0,
                       "interpolation": "linear"},
            "intensity": {"kind": "window", "center": 40, "width": 400},
        }],
        "outputs": outputs,
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "golden": {"generated": golden or ["low", "high", "noise", "smooth"]},
        "training_data": "none: random weights",
    }
    (folder / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (folder / "train.py").write_text("# the tests save random weights instead\n", encoding="utf-8")
    return folder


def save_weights(recipe_dir: Path, path: Path, *, seed: int = 0, tweak=None) -> Path:
    """Seeded random weights as a state_dict (``tweak(model)`` may change them first)."""
    import torch

    from viewer.modelkit import load_recipe

    torch.manual_seed(seed)
    model = load_recipe(recipe_dir).instantiate()
    if tweak is not None:
        tweak(model)
    torch.save(model.state_dict(), path)
    return path


@pytest.fixture
def recipe_factory(tmp_path):
    def make(name: str, source: str, cls: str, outputs: list[dict], **kw) -> tuple[Path, Path]:
        folder = write_recipe(tmp_path / name, source, cls, outputs, **kw)
        weights = save_weights(folder, tmp_path / f"{name}.pt", tweak=kw.get("tweak"))
        return folder, weights

    return make


LABELS = {"name": "probs", "kind": "labels", "shape": ["batch", 2], "activation": "softmax",
          "labels": [{"name": "no"}, {"name": "yes"}]}


def mask(classes: int = 3, size: int = SIZE) -> dict:
    return {"name": "logits", "kind": "mask", "shape": ["batch", classes, size, size],
            "activation": "softmax",
            "labels": [{"value": i, "name": f"label{i}"} for i in range(classes)]}
