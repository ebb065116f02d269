"""A real two-input 3-D model and a two-series CT study, for volume models on several series.

The model (built through ``viewer.modelkit``, weights set by hand) reads a pre-contrast
volume (the primary: the series the reader runs it on) and a post-contrast volume (another
series of the study, found by the rule "modality CT, description matching (?i)post"), both
windowed 100 / 800 HU (x in 0..1), and marks "enhancing" where post − pre > 0.1875:
logits l0 = 0, l1 = 40 · (post − pre) − 7.5.

The study (pydicom writes the files, one frame of reference): both series show the bright
box of tests/inference/volumes3d.py (200 HU on −100 HU), which cancels out; the post-contrast
series is 300 HU brighter inside another box, ENHANCED (0.375 after the window, twice the
threshold). The pre-contrast series is acquired axially (1 mm pixels, 2 mm slices), the
post-contrast one SAGITTALLY at other pixels (1.6 mm, 2.4 mm slices), so the second input
must be resampled onto the primary's grid through patient coordinates: a voxel order or
axis mix-up puts the mask on the wrong voxels.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tests.imaging.volumes import AXIAL, SAGITTAL, write_series
from tests.inference.volumes3d import hu_at

MODEL_ID = "enhance-3d"
PATCH = 16
#: The enhancing box (x, y, z extents, mm, LPS), overlapping the bright box partly.
ENHANCED = ((-12.0, 4.0), (-6.0, 10.0), (-6.0, 8.0))
ENHANCEMENT_HU = 300
STUDY = "1.2.826.0.1.3680043.8.498.2"
FRAME = "1.2.826.0.1.3680043.8.498.1"
OTHER_FRAME = "1.2.826.0.1.3680043.8.498.77"

MODEL_SOURCE = '''
class EnhanceNet(nn.Module):
    """Logits [background, enhancing] from post − pre (weights set by hand)."""

    def __init__(self):
        super().__init__()
        self.head = nn.Conv3d(2, 2, 1)

    def forward(self, pre, post):
        return self.head(torch.cat([pre, post], dim=1))
'''

Hu = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _input(name: str, series: dict | None = None) -> dict:
    item: dict = {"name": name, "shape": ["batch", 1, PATCH, PATCH, PATCH], "dtype": "float32",
                  "channels": 1, "intensity": {"kind": "window", "center": 100, "width": 800}}
    if series is not None:
        item["series"] = series
    return item


def spec() -> dict:
    return {
        "id": MODEL_ID, "name": "Enhancement 3-D (test)", "version": "0.1.0",
        "description": "Marks where the post-contrast volume is brighter than the pre-contrast.",
        "not_for_clinical_use": True, "seed": 0,
        "intended_use": {"modality": ["CT"], "body_part": [], "population": "test phantoms",
                         "input": "volume"},
        "model": {"class": "EnhanceNet", "kwargs": {}},
        "inputs": [_input("pre"), _input("post", {"modality": ["CT"], "description": "(?i)post",
                                                  "role": "post-contrast"})],
        "outputs": [{"name": "logits", "kind": "mask",
                     "shape": ["batch", 2, PATCH, PATCH, PATCH], "activation": "softmax",
                     "labels": [{"value": 0, "name": "background"},
                                {"value": 1, "name": "enhancing", "color": "#FF5252"}]}],
        "volume": {"spacing_mm": [2.0, 2.0, 2.0], "axes": "SPL",
                   "patch_size": [PATCH, PATCH, PATCH], "overlap": 0.5,
                   "blending": "gaussian", "pad_value": -1024.0, "interpolation": "linear"},
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "golden": {"generated": ["low", "high", "noise", "smooth"]},
        "training_data": "none: weights set by hand",
    }


def build_model(work: Path) -> Path:
    """The artifact folder, built by the real modelkit path and signed with the demo key."""
    import torch
    import yaml

    from tests.inference.artifacts import DEMO_KEY
    from viewer.modelkit import build_artifact, load_recipe

    recipe = work / f"recipe-{MODEL_ID}"
    recipe.mkdir(parents=True, exist_ok=True)
    (recipe / "model.py").write_text("import torch\nfrom torch import nn\n\n" + MODEL_SOURCE,
                                     encoding="utf-8")
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec(), sort_keys=False), encoding="utf-8")
    (recipe / "train.py").write_text("# weights are set by hand in the tests\n", encoding="utf-8")
    model = load_recipe(recipe).instantiate()
    with torch.no_grad():
        model.head.weight.copy_(torch.tensor([[0.0, 0.0], [-40.0, 40.0]]).reshape(2, 2, 1, 1, 1))
        model.head.bias.copy_(torch.tensor([0.0, -7.5]))
    weights = work / f"{MODEL_ID}.pt"
    torch.save(model.state_dict(), weights)
    return build_artifact(recipe, weights, work / "models", key=DEMO_KEY)


def pre_hu(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    return hu_at(x, y, z)


def post_hu(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    (x0, x1), (y0, y1), (z0, z1) = ENHANCED
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & (z >= z0) & (z <= z1)
    return (hu_at(x, y, z) + np.where(inside, ENHANCEMENT_HU, 0)).astype(np.int16)


def write_axial(folder: Path, hu: Hu, *, description: str, number: int, size: int = 48,
                pixel: float = 1.0, thickness: float = 2.0, frame: str = FRAME,
                shift_z: float = 0.0) -> None:
    """Axial slices head first over a 48 mm cube centred on the origin (moved
    ``shift_z`` mm toward the head)."""
    half = size * pixel / 2
    centres = -half + pixel * (np.arange(size) + 0.5)
    slices, where = [], []
    for k in range(round(2 * half / thickness)):
        z = half - thickness * (k + 0.5) + shift_z
        y, x = np.meshgrid(centres, centres, indexing="ij")
        slices.append(hu(x, y, np.full_like(x, z)))
        where.append((centres[0], centres[0], z))
    write_series(folder, slices, where, orientation=AXIAL, spacing=(pixel, pixel),
                 description=description, series_number=number, for_uid=frame, study_uid=STUDY)


def write_sagittal(folder: Path, hu: Hu, *, description: str, number: int, size: int = 30,
                   pixel: float = 1.6, thickness: float = 2.4, frame: str = FRAME) -> None:
    """Sagittal slices right to left over the same cube; rows run inferior, columns
    posterior."""
    half = size * pixel / 2
    centres = -half + pixel * (np.arange(size) + 0.5)
    slices, where = [], []
    for k in range(round(2 * half / thickness)):
        x = -half + thickness * (k + 0.5)
        z, y = np.meshgrid(centres[::-1], centres, indexing="ij")
        slices.append(hu(np.full_like(z, x), y, z))
        where.append((x, centres[0], centres[-1]))
    write_series(folder, slices, where, orientation=SAGITTAL, spacing=(pixel, pixel),
                 description=description, series_number=number, for_uid=frame, study_uid=STUDY)


def distance_inside(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """How far (mm) each point lies inside the enhancing box (negative: outside)."""
    (x0, x1), (y0, y1), (z0, z1) = ENHANCED
    return np.minimum.reduce([x - x0, x1 - x, y - y0, y1 - y, z - z0, z1 - z])
