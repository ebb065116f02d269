"""Write a 3-D recipe's ``golden_inputs.npz``: typical patches the artifact is proven on.

    python models/recipes/anatomy/golden3d.py models/recipes/<id>

Two patches of the recipe's own data as the viewer's sliding window cuts them (model
axes, target spacing, intensity as spec.yaml says): one inside the anatomy, one over its
edge, where part of the patch is the ``pad_value`` outside the volume.
mr-brain-tissue: the MNI152 template (ventricles and deep grey matter; the vertex).
ct-body-seg3d: the demo phantom's anatomy (the liver with its lesion; the lung apex).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cut(volume: np.ndarray, centre: tuple[int, ...], size: tuple[int, ...], pad: float
         ) -> np.ndarray:
    out = np.full(size, pad, dtype=np.float32)
    src, dst = [], []
    for c, n, total in zip(centre, size, volume.shape, strict=True):
        lo = c - n // 2
        a, b = max(lo, 0), min(lo + n, total)
        src.append(slice(a, b))
        dst.append(slice(a - lo, b - lo))
    out[tuple(dst)] = volume[tuple(src)]
    return out


def _intensity(values: np.ndarray, it: dict) -> np.ndarray:
    if it["kind"] == "window":
        low = it["center"] - it["width"] / 2
        return np.clip((values - low) / it["width"], 0, 1).astype(np.float32)
    return ((values - it["mean"]) / it["std"]).astype(np.float32)


def typical(spec: dict) -> np.ndarray:
    size = tuple(spec["volume"]["patch_size"])
    pad = float(spec["volume"]["pad_value"])
    if spec["id"] == "mr-brain-tissue":
        from mni152 import STORED_SCALE, load

        brain = load(resolution=2)
        volume = brain.t1 * STORED_SCALE
        inside = np.argwhere(brain.labels > 0)
        middle = tuple(int(v) for v in inside.mean(axis=0))
        top = (int(inside[:, 0].max()), middle[1], middle[2])
        centres = [middle, top]
    else:
        from phantom3d import DEMO, LESION, LUNG, render

        phantom = render(DEMO, float(spec["volume"]["spacing_mm"][0]), np.random.default_rng(7))
        volume = phantom.hu
        lesion = tuple(int(v) for v in np.argwhere(phantom.labels == LESION).mean(axis=0))
        lung = np.argwhere(phantom.labels == LUNG)
        apex = lung[lung[:, 0].argmin()]
        centres = [lesion, (0, int(apex[1]), int(apex[2]))]
    patches = [_cut(volume, c, size, pad) for c in centres]
    return np.stack([_intensity(p, spec["inputs"][0]["intensity"]) for p in patches])[:, None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("recipe", type=Path)
    args = parser.parse_args()
    spec = yaml.safe_load((args.recipe / "spec.yaml").read_text(encoding="utf-8"))
    images = typical(spec)
    name = spec["inputs"][0]["name"]
    np.savez_compressed(args.recipe / "golden_inputs.npz", **{f"input:{name}": images})
    print(f"{args.recipe / 'golden_inputs.npz'}: {images.shape[0]} patches")


if __name__ == "__main__":
    main()
