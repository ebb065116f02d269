"""Write a recipe's ``golden_inputs.npz``: typical slices the artifact is proven on.

    python models/recipes/common/golden_inputs.py models/recipes/<id> [--count 2]

Seeded phantom slices (one through the chest, the others through the liver with a
lesion), windowed as the recipe's spec.yaml says. ``lightbox model build`` adds generated
edge cases (constant extremes, noise, blobs) to these.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phantom2d import LUNG, sample  # noqa: E402


def typical(center: float, width: float, count: int, seed: int = 2024) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chest, liver = [], []
    while len(chest) < 1 or len(liver) < count - 1:
        s = sample(rng, center, width)
        if s.has_lesion and len(liver) < count - 1:
            liver.append(s)
        elif not s.has_lesion and not s.partial and (s.labels == LUNG).any() and not chest:
            chest.append(s)
    return np.stack([s.image for s in chest + liver])[:, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipe", type=Path)
    parser.add_argument("--count", type=int, default=2)
    args = parser.parse_args()
    spec = yaml.safe_load((args.recipe / "spec.yaml").read_text(encoding="utf-8"))
    item = spec["inputs"][0]
    intensity = item["intensity"]
    images = typical(float(intensity["center"]), float(intensity["width"]), args.count)
    np.savez_compressed(args.recipe / "golden_inputs.npz", **{f"input:{item['name']}": images})
    print(f"{args.recipe / 'golden_inputs.npz'}: {images.shape[0]} slices")


if __name__ == "__main__":
    main()
