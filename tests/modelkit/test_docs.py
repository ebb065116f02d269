"""docs/modelkit.md's examples run as written: its Python snippet and its spec.yaml."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from viewer.inference import verify_artifact  # noqa: E402
from viewer.inference.digest import manifest_digest  # noqa: E402

DEMO_KEY = Path(__file__).resolve().parents[2] / "models" / "keys" / "DEMO-ONLY-model-signing-key.pem"

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "modelkit.md"


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"),
                      re.DOTALL | re.MULTILINE)


def test_the_python_snippet_builds_a_verified_artifact(tmp_path, monkeypatch) -> None:
    (snippet,) = blocks("python")
    recipe_id = re.search(r'"models/recipes/([a-z0-9-]+)"', snippet).group(1)
    recipes = tmp_path / "models" / "recipes"
    shutil.copytree(ROOT / "models" / "recipes" / recipe_id, recipes / recipe_id)
    shutil.copytree(ROOT / "models" / "recipes" / "common", recipes / "common",
                    ignore=shutil.ignore_patterns("__pycache__"))
    # The snippet is about building: seeded untrained weights stand in for train.py's.
    from viewer.modelkit import load_recipe

    torch.manual_seed(0)
    torch.save(load_recipe(recipes / recipe_id).instantiate().state_dict(),
               tmp_path / "weights.pt")
    shutil.copytree(ROOT / "models" / "keys", tmp_path / "models" / "keys")
    metrics = {"held_out": 400, "accuracy": 0.5}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    namespace: dict[str, object] = {}
    exec(compile(snippet, str(DOC), "exec"), namespace)  # noqa: S102 - our own docs

    folder = Path(str(namespace["folder"]))
    assert folder.resolve() == (tmp_path / "models" / recipe_id).resolve()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provenance"]["evaluation"] == metrics
    assert manifest["digest"] == manifest_digest(manifest)
    # the viewer accepts what the snippet built and signed
    verified = verify_artifact(folder)
    assert verified.manifest.id == recipe_id


TEMPLATE_MODEL = """
import torch
from torch import nn


class MyNet(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, stride=4, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(width, 2)

    def forward(self, image):
        return torch.softmax(self.fc(self.features(image).flatten(1)), dim=1)
"""


def test_the_spec_yaml_template_builds(tmp_path) -> None:
    """The documented spec.yaml, unchanged, with the smallest model.py that fits it."""
    from viewer.modelkit import build_artifact, load_recipe

    (template,) = [b for b in blocks("yaml") if b.startswith("id: my-model")]
    recipe = tmp_path / "recipes" / "my-model"
    recipe.mkdir(parents=True)
    (tmp_path / "recipes" / "common").mkdir()  # the template's depends_on: [../common]
    (recipe / "spec.yaml").write_text(template, encoding="utf-8")
    (recipe / "model.py").write_text(TEMPLATE_MODEL, encoding="utf-8")
    (recipe / "train.py").write_text("# python train.py --out weights.pt\n", encoding="utf-8")
    torch.manual_seed(0)
    torch.save(load_recipe(recipe).instantiate().state_dict(), tmp_path / "w.pt")

    folder = build_artifact(recipe, tmp_path / "w.pt", tmp_path / "models", key=DEMO_KEY)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["id"] == "my-model" and manifest["not_for_clinical_use"] is True
    assert manifest["inputs"][0]["intensity"] == {"kind": "window", "center": 40, "width": 400}
    assert [o["name"] for o in manifest["outputs"]] == ["probs"]
    assert verify_artifact(folder).manifest.id == "my-model"
