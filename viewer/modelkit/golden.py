"""Golden inputs: the images an artifact is proven on, then verified with at every start.

Given inputs (the recipe's ``golden_inputs.npz`` or ``--golden FILE``; typical images)
come first; generated ones follow, within the input's value range and including its edges:
the low and the high extreme as constant images, their middle, uniform noise, and smooth
random blobs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from viewer.modelkit.errors import BuildError

KINDS = ("low", "high", "middle", "noise", "smooth")
DEFAULT_KINDS = ("low", "high", "noise", "smooth")


def value_range(spec_input: dict[str, Any]) -> tuple[float, float]:
    """What the model sees after pre-processing, unless the spec says ``value_range``."""
    if "value_range" in spec_input:
        low, high = spec_input["value_range"]
        return float(low), float(high)
    kind = (spec_input.get("intensity") or {}).get("kind")
    if kind in ("window", "minmax"):
        return 0.0, 1.0
    return -4.0, 4.0  # normalised: four standard deviations either side


def generated(spec_input: dict[str, Any], kinds: Sequence[str], seed: int) -> np.ndarray:
    shape = tuple(int(d) for d in spec_input["shape"][1:])
    low, high = value_range(spec_input)
    rng = np.random.default_rng(seed)
    images = []
    for kind in kinds:
        if kind == "low":
            img = np.full(shape, low)
        elif kind == "high":
            img = np.full(shape, high)
        elif kind == "middle":
            img = np.full(shape, (low + high) / 2)
        elif kind == "noise":
            img = rng.uniform(low, high, size=shape)
        elif kind == "smooth":
            img = low + (high - low) * _smooth(shape, rng)
        else:
            raise BuildError("recipe", f"golden: unknown generated kind {kind!r}; use {KINDS}")
        images.append(img)
    return np.stack(images).astype(np.float32) if images else np.zeros((0, *shape), np.float32)


def _smooth(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Blobs: coarse noise, bilinearly enlarged over the last two axes, in [0, 1]."""
    if len(shape) < 2:
        return rng.uniform(size=shape)
    h, w = shape[-2:]
    coarse = rng.uniform(size=(*shape[:-2], max(h // 16, 2), max(w // 16, 2)))
    rows = np.linspace(0, coarse.shape[-2] - 1, h)
    cols = np.linspace(0, coarse.shape[-1] - 1, w)
    r0, c0 = np.floor(rows).astype(int), np.floor(cols).astype(int)
    r1, c1 = np.minimum(r0 + 1, coarse.shape[-2] - 1), np.minimum(c0 + 1, coarse.shape[-1] - 1)
    fr, fc = (rows - r0)[:, None], (cols - c0)[None, :]
    top = coarse[..., r0, :][..., c0] * (1 - fc) + coarse[..., r0, :][..., c1] * fc
    bottom = coarse[..., r1, :][..., c0] * (1 - fc) + coarse[..., r1, :][..., c1] * fc
    return top * (1 - fr) + bottom * fr


def load_given(path: str | Path, spec_inputs: Sequence[dict[str, Any]]) -> list[np.ndarray]:
    """Typical inputs from an npz holding ``input:<name>`` per input (no pickles)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError) as exc:
        raise BuildError("recipe", f"{path.name}: not a readable .npz of golden inputs: {exc}") from exc
    out, count = [], None
    for item in spec_inputs:
        key = f"input:{item['name']}"
        if key not in arrays:
            raise BuildError("recipe", f"{path.name}: has no {key!r} array")
        x = arrays[key].astype(np.float32)
        want = tuple(int(d) for d in item["shape"][1:])
        if x.shape[1:] != want:
            raise BuildError(
                "recipe", f"{path.name}: {key} has shape {x.shape}, expected (n, {want})"
            )
        if count is not None and x.shape[0] != count:
            raise BuildError("recipe", f"{path.name}: inputs have different sample counts")
        count = x.shape[0]
        out.append(x)
    return out


def golden_inputs(
    spec: dict[str, Any], given: str | Path | None, seed: int = 0
) -> list[np.ndarray]:
    """One array per input, [n, ...]: given samples first, then generated ones."""
    settings = spec.get("golden") or {}
    kinds = tuple(settings.get("generated", DEFAULT_KINDS))
    inputs = spec["inputs"]
    given_arrays = load_given(given, inputs) if given is not None else None
    out = []
    for k, item in enumerate(inputs):
        made = generated(item, kinds, seed + k)
        out.append(made if given_arrays is None else np.concatenate([given_arrays[k], made]))
    if out[0].shape[0] < 2:
        raise BuildError("recipe", "golden: at least two golden samples are needed")
    return out
