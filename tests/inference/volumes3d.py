"""A tiny 3-D volume model built through viewer.modelkit, and synthetic CT volumes for it.

The model (a 3-D conv net with weights set by hand, so its answer is known) reads CT in a
window of 40 / 400 HU (x in 0..1) and labels each voxel:

* 0 background; 1 "bright" where x > 0.5 (above 40 HU);
* 2 "top" on the SUPERIOR surface of a bright object: a depth gradient g = x[d−1] − x[d+1]
  with depth running toward superior (manifest axes "SPL") is large there, and negative on
  the inferior surface. A volume read upside down would put label 2 at the bottom, so the
  label tells whether the reorientation is right, not only the resampling.

Logits: l0 = 0, l1 = 20x − 10, l2 = 40g + 40x − 40.

The phantom: −100 HU everywhere, a box of 200 HU at x ∈ [−16, −4], y ∈ [−10, 12],
z ∈ [−8, 12] mm (LPS), i.e. 5.28 mL, inside a 48 mm cube centred on the origin. It is
written as real DICOM CT, acquired axially (1 mm pixels, 2 mm slices, head first) or
sagittally (1 mm pixels, 1.5 mm slices, right to left).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom

from tests.imaging.volumes import AXIAL, SAGITTAL, write_series

BOX = ((-16.0, -4.0), (-10.0, 12.0), (-8.0, 12.0))  # x, y, z extents (mm)
BOX_ML = 12 * 22 * 20 / 1000
PATCH = 16
BACKGROUND_HU, BRIGHT_HU = -100, 200

MODEL_SOURCE = '''
class SurfaceNet(nn.Module):
    """Bright voxels, and the superior surface of bright objects (weights set by hand)."""

    def __init__(self):
        super().__init__()
        self.grad = nn.Conv3d(1, 1, (3, 1, 1), bias=False)
        self.head = nn.Conv3d(2, 3, 1)

    def forward(self, x):
        g = self.grad(F.pad(x, (0, 0, 0, 0, 1, 1), mode="replicate"))
        return self.head(torch.cat([x, g], dim=1))
'''


def volume_spec(model_id: str = "surface-3d", patch: int = PATCH) -> dict:
    return {
        "id": model_id,
        "name": "Surface 3-D (test)",
        "version": "0.1.0",
        "description": "A tiny 3-D model with hand-set weights, built by the tests.",
        "not_for_clinical_use": True,
        "seed": 0,
        "intended_use": {"modality": ["CT"], "body_part": [], "population": "test phantoms",
                         "input": "volume"},
        "model": {"class": "SurfaceNet", "kwargs": {}},
        "inputs": [{
            "name": "image", "shape": ["batch", 1, patch, patch, patch], "dtype": "float32",
            "channels": 1, "intensity": {"kind": "window", "center": 40, "width": 400},
        }],
        "outputs": [{
            "name": "logits", "kind": "mask", "shape": ["batch", 3, patch, patch, patch],
            "activation": "softmax",
            "labels": [{"value": 0, "name": "background"},
                       {"value": 1, "name": "bright", "color": "#FFB300"},
                       {"value": 2, "name": "top", "color": "#00B0FF"}],
        }],
        "volume": {"spacing_mm": [2.0, 2.0, 2.0], "axes": "SPL",
                   "patch_size": [patch, patch, patch], "overlap": 0.5,
                   "blending": "gaussian", "pad_value": -1024.0, "interpolation": "linear"},
        "tolerance": {"atol": 1e-4, "rtol": 1e-3},
        "golden": {"generated": ["low", "high", "noise", "smooth"]},
        "training_data": "none: weights set by hand",
    }


def build_volume_model(root: Path, work: Path, **kw) -> Path:
    """The artifact folder, built by the real modelkit path and signed with the demo key."""
    import torch
    import yaml

    from tests.inference.artifacts import DEMO_KEY
    from viewer.modelkit import build_artifact, load_recipe

    spec = volume_spec(**kw)
    recipe = work / f"recipe-{spec['id']}"
    recipe.mkdir(parents=True, exist_ok=True)
    (recipe / "model.py").write_text(
        "import torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n" + MODEL_SOURCE,
        encoding="utf-8")
    (recipe / "spec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    (recipe / "train.py").write_text("# weights are set by hand in the tests\n",
                                     encoding="utf-8")
    model = load_recipe(recipe).instantiate()
    with torch.no_grad():
        model.grad.weight.copy_(torch.tensor([1.0, 0.0, -1.0]).reshape(1, 1, 3, 1, 1))
        model.head.weight.copy_(torch.tensor([[0.0, 0.0], [20.0, 0.0], [40.0, 40.0]])
                                .reshape(3, 2, 1, 1, 1))
        model.head.bias.copy_(torch.tensor([0.0, -10.0, -40.0]))
    weights = work / f"{spec['id']}.pt"
    torch.save(model.state_dict(), weights)
    return build_artifact(recipe, weights, root, key=DEMO_KEY)


def hu_at(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The phantom's HU at patient points (mm, LPS)."""
    (x0, x1), (y0, y1), (z0, z1) = BOX
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1) & (z >= z0) & (z <= z1)
    return np.where(inside, BRIGHT_HU, BACKGROUND_HU).astype(np.int16)


def write_axial(folder: Path, *, size: int = 48, thickness: float = 2.0, pixel: float = 1.0,
                positions: list[float] | None = None, shear: float = 0.0) -> list[Path]:
    """Axial slices head first; ``positions`` (z of each slice) may break the spacing and
    ``shear`` (mm per slice along y) tilts the stack."""
    half = size * pixel / 2
    count = round(2 * half / thickness)
    zs = positions if positions is not None else [half - thickness * (k + 0.5)
                                                  for k in range(count)]
    centres = -half + pixel * (np.arange(size) + 0.5)
    slices, where = [], []
    for k, z in enumerate(zs):
        y, x = np.meshgrid(centres + k * shear, centres, indexing="ij")
        slices.append(hu_at(x, y, np.full_like(x, z)))
        where.append((centres[0], centres[0] + k * shear, z))
    return _complete(write_series(folder, slices, where, orientation=AXIAL,
                                  spacing=(pixel, pixel), description="Phantom axial"), thickness)


def write_sagittal(folder: Path, *, size: int = 48, thickness: float = 1.5,
                   pixel: float = 1.0) -> list[Path]:
    """Sagittal slices from patient right to left; rows run inferior, columns posterior."""
    half = size * pixel / 2
    count = round(2 * half / thickness)
    centres = -half + pixel * (np.arange(size) + 0.5)
    slices, where = [], []
    for k in range(count):
        x = -half + thickness * (k + 0.5)
        z, y = np.meshgrid(centres[::-1], centres, indexing="ij")
        slices.append(hu_at(np.full_like(z, x), y, z))
        where.append((x, centres[0], centres[-1]))
    return _complete(write_series(folder, slices, where, orientation=SAGITTAL,
                                  spacing=(pixel, pixel), description="Phantom sagittal"), thickness)


def _complete(paths: list[Path], thickness: float) -> list[Path]:
    """The patient and study attributes (empty, type 2) a DICOM SEG copies from its source,
    and the slice thickness it records."""
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.SliceThickness = f"{thickness:g}"
        for keyword in ("PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
                        "ReferringPhysicianName", "StudyID", "AccessionNumber"):
            setattr(ds, keyword, "")
        ds.save_as(path, enforce_file_format=True)
    return paths


def voxel_centres(series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Patient (x, y, z) of every voxel of ``series``, shaped [frame, row, column]."""
    points = []
    for ref in series.frames:
        g = ref.geometry
        rows, cols = ref.instance.pixel.rows, ref.instance.pixel.columns
        o = np.array(g.orientation)
        r, c = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
        p = (np.array(g.position)[:, None, None] + o[:3, None, None] * c * g.spacing[1]
             + o[3:, None, None] * r * g.spacing[0])
        points.append(p)
    stacked = np.stack(points, axis=1)  # 3, frames, rows, cols
    return stacked[0], stacked[1], stacked[2]


def distance_inside(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """How far (mm) each point lies inside the box (negative: outside, by at least that)."""
    (x0, x1), (y0, y1), (z0, z1) = BOX
    return np.minimum.reduce([x - x0, x1 - x, y - y0, y1 - y, z - z0, z1 - z])
