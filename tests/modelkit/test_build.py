"""modelkit on real architectures: a CNN classifier, a 2-D U-Net, a detector."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")

from tests.modelkit.conftest import LABELS, SIZE, mask  # noqa: E402
from viewer.inference.digest import manifest_digest, sha256_file  # noqa: E402
from viewer.modelkit import BuildError, build_artifact  # noqa: E402
from viewer.modelkit.cli import main  # noqa: E402
from viewer.modelkit.weights import state_dict_digest  # noqa: E402

CNN = """
class Classifier(nn.Module):
    def __init__(self, width=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, width * 2, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(width * 2, 2)

    def forward(self, image):
        return torch.softmax(self.fc(self.drop(self.features(image).flatten(1))), dim=1)
"""

UNET = """
class UNet(nn.Module):
    def __init__(self, classes=3, width=4):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU())
        self.enc1, self.enc2 = block(1, width), block(width, width * 2)
        self.up = nn.ConvTranspose2d(width * 2, width, 2, stride=2)
        self.dec = block(width * 2, width)
        self.head = nn.Conv2d(width, classes, 1)

    def forward(self, image):
        a = self.enc1(image)
        b = self.enc2(F.max_pool2d(a, 2))
        return self.head(self.dec(torch.cat([self.up(b), a], dim=1)))
"""

DETECTOR = """
class Detector(nn.Module):
    def __init__(self, size=32, stride=8):
        super().__init__()
        self.stride = stride
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 5, 1))
        cells = size // stride
        ys, xs = torch.meshgrid(torch.arange(cells), torch.arange(cells), indexing="ij")
        self.register_buffer("gx", xs.reshape(1, -1).float(), persistent=False)
        self.register_buffer("gy", ys.reshape(1, -1).float(), persistent=False)

    def forward(self, image):
        out = self.body(image).flatten(2)
        cx = (self.gx + torch.sigmoid(out[:, 1])) * self.stride
        cy = (self.gy + torch.sigmoid(out[:, 2])) * self.stride
        w = torch.exp(out[:, 3].clamp(-4, 4)) * self.stride / 2
        h = torch.exp(out[:, 4].clamp(-4, 4)) * self.stride / 2
        boxes = torch.stack([cx - w, cy - h, cx + w, cy + h], dim=2)
        return boxes, torch.sigmoid(out[:, 0]).unsqueeze(2)
"""

CELLS = (SIZE // 8) ** 2
BOXES = [
    {"name": "boxes", "kind": "boxes", "shape": ["batch", CELLS, 4], "format": "xyxy",
     "scores": "scores", "classes": [{"name": "spot", "color": "#FFB300"}],
     "score_threshold": 0.5, "nms_iou": 0.3},
    {"name": "scores", "kind": "box_scores", "shape": ["batch", CELLS, 1]},
]


def _verify(folder):
    """What the viewer checks at start-up, done independently here."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["digest"] == manifest_digest(manifest)
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk == {"model.onnx", "golden.npz", "CARD.md"}
    for name, digest in manifest["files"].items():
        assert sha256_file(folder / name) == digest
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert session.get_inputs()[0].shape[0] == "batch"
    with np.load(folder / "golden.npz", allow_pickle=False) as golden:
        feeds = {f"{i['name']}": golden[f"input:{i['name']}"] for i in manifest["inputs"]}
        got = session.run(None, feeds)
        tol = manifest["tolerance"]
        for out, value in zip(manifest["outputs"], got, strict=True):
            expected = golden[f"output:{out['name']}"]
            assert np.allclose(value, expected, atol=tol["atol"], rtol=tol["rtol"])
    return manifest


@pytest.mark.parametrize(
    ("source", "cls", "outputs", "modules"),
    [
        (CNN, "Classifier", [LABELS], ["BatchNorm2d", "Dropout"]),
        (UNET, "UNet", [mask(3)], ["BatchNorm2d"]),
        (DETECTOR, "Detector", BOXES, ["BatchNorm2d"]),
    ],
    ids=["cnn-classifier", "unet", "detector"],
)
def test_real_architectures_build_with_parity(recipe_factory, tmp_path, source, cls, outputs, modules):
    recipe, weights = recipe_factory(cls.lower(), source, cls, outputs)
    folder = build_artifact(recipe, weights, tmp_path / "models")
    assert folder == tmp_path / "models" / "tiny-model"
    manifest = _verify(folder)
    checks = manifest["checks"]
    assert checks["train_mode_modules"] == modules
    assert checks["exported_in_eval_mode"] and checks["deterministic"]
    assert checks["batch_independent"]
    assert checks["parity"]["batch_sizes"] == [1, 2, 3, 5]
    assert checks["parity"]["ort_optimizations"] == ["disabled", "all"]
    for out in outputs:
        figures = checks["parity"]["outputs"][out["name"]]
        assert figures["max_abs"] <= manifest["tolerance"]["atol"]
    assert manifest["provenance"]["exporter"] == "torch.export"
    state = torch.load(weights, weights_only=True)
    assert manifest["provenance"]["weights_digest"] == state_dict_digest(state)
    card = (folder / "CARD.md").read_text(encoding="utf-8")
    assert "not for clinical use" in card
    assert not list((tmp_path / "models").glob(".*"))  # no staging left behind


TRAIN_SCRIPT = """
import argparse, sys
from pathlib import Path
import torch
sys.path.insert(0, str(Path(__file__).resolve().parent))
from model import UNet
args = argparse.ArgumentParser()
args.add_argument("--out"); args.add_argument("--seed", type=int)
ns = args.parse_args()
torch.manual_seed(ns.seed)
torch.save(UNet().state_dict(), ns.out)
"""


def test_lightbox_model_train_then_build(tmp_path, capsys):
    from tests.modelkit.conftest import write_recipe
    from viewer.cli.main import main as lightbox

    recipe = write_recipe(tmp_path / "unet", UNET, "UNet", [mask(3)])
    (recipe / "train.py").write_text(TRAIN_SCRIPT, encoding="utf-8")
    weights, out = tmp_path / "w.pt", tmp_path / "models"
    assert lightbox(["model", "train", str(recipe), "--out", str(weights), "--seed", "3"]) == 0
    assert lightbox(["model", "build", str(recipe), "--weights", str(weights), "--out", str(out)]) == 0
    assert "built tiny-model 0.1.0" in capsys.readouterr().out
    assert (out / "tiny-model" / "manifest.json").is_file()


def test_cli_builds_and_refuses(recipe_factory, tmp_path, capsys):
    recipe, weights = recipe_factory("unet", UNET, "UNet", [mask(3)])
    out = tmp_path / "models"
    assert main(["build", str(recipe), "--weights", str(weights), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "built tiny-model 0.1.0" in printed and "parity logits" in printed

    missing = tmp_path / "absent.pt"
    assert main(["build", str(recipe), "--weights", str(missing), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "absent.pt" in err and "No artifact was written" in err


def test_a_failing_build_leaves_no_folder_and_keeps_the_old_artifact(recipe_factory, tmp_path):
    recipe, weights = recipe_factory("unet", UNET, "UNet", [mask(3)])
    out = tmp_path / "models"
    first = build_artifact(recipe, weights, out)
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    # same recipe, now declaring a shape the model does not give: refused before export
    spec = (recipe / "spec.yaml").read_text(encoding="utf-8")
    (recipe / "spec.yaml").write_text(spec.replace("- 3\n", "- 4\n", 1), encoding="utf-8")
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, out)
    assert "logits" in str(caught.value)
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert [p.name for p in out.iterdir()] == ["tiny-model"]
