"""Golden inputs: the images an artifact is proven on, then verified with at every start.

Given inputs come first: typical images from the recipe's ``golden_inputs.npz`` (or
``--golden FILE``), else drawn from the recipe's own data generator (``golden.generator``,
by default the ``reference.generator`` it already has). Generated ones follow, within the
input's value range and including its edges: the low and the high end, their middle,
uniform noise, and smooth random blobs.

The edge cases are near-constant, not constant: each holds the extreme value itself (so
saturation at the range's edge is still proven) under a faint smooth texture of
:data:`EDGE_TEXTURE` of the range. A perfectly flat image has zero variance, and a network
that normalises each image (InstanceNorm, GroupNorm, LayerNorm) divides its rounding noise
by ~0: PyTorch and ONNX Runtime then disagree by a large share of the output, on an image
no scanner produces, and a correct model is refused (MONAI's BasicUNet differs by over half
its output scale on an all-zero image, by a few millionths of it on the textured one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from viewer.modelkit.errors import BuildError
from viewer.modelkit.recipe import import_file

KINDS = ("low", "high", "middle", "noise", "smooth")
DEFAULT_KINDS = ("low", "high", "noise", "smooth")
#: Amplitude of the edge cases' texture, as a share of the input's value range.
EDGE_TEXTURE = 0.1
#: Typical samples drawn from the recipe's generator when it gives no golden_inputs.npz.
GENERATOR_SAMPLES = 2
_DESCRIBED = {
    "low": "near-constant at the input's low end, with a faint texture",
    "high": "near-constant at the input's high end, with a faint texture",
    "middle": "near-constant mid-range, with a faint texture",
    "noise": "uniform noise over the input's range",
    "smooth": "smooth random blobs over the input's range",
}


@dataclass(frozen=True)
class Golden:
    """One array per input, [n, ...], and where each of the n samples came from."""

    inputs: list[np.ndarray]
    origins: list[str]


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
    faint = EDGE_TEXTURE * (high - low)
    for kind in kinds:
        if kind == "low":
            img = low + faint * _unit(_smooth(shape, rng))
        elif kind == "high":
            img = high - faint * _unit(_smooth(shape, rng))
        elif kind == "middle":
            img = (low + high) / 2 + faint * (_unit(_smooth(shape, rng)) - 0.5)
        elif kind == "noise":
            img = rng.uniform(low, high, size=shape)
        elif kind == "smooth":
            img = low + (high - low) * _smooth(shape, rng)
        else:
            raise BuildError("recipe", f"golden: unknown generated kind {kind!r}; use {KINDS}")
        images.append(img)
    return np.stack(images).astype(np.float32) if images else np.zeros((0, *shape), np.float32)


def _unit(image: np.ndarray) -> np.ndarray:
    """Stretched to exactly [0, 1], so the edge cases hold the extreme value itself."""
    span = float(image.max() - image.min()) if image.size else 0.0
    return (image - image.min()) / span if span > 0 else np.zeros_like(image)


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


def from_generator(spec: dict[str, Any], folder: Path, seed: int) -> tuple[np.ndarray, str] | None:
    """Typical samples from the recipe's data generator, or None when it declares none.

    ``golden.generator`` (``file.py:function``, relative to the recipe), else
    ``reference.generator`` (which describes the first input: models with one input only):
    called ``function(samples, seed, spec)``, it returns dicts whose ``image`` is the
    model input as the viewer prepares it (docs/modelkit.md). ``golden.samples: 0`` draws
    none.
    """
    settings = spec.get("golden") or {}
    source = settings.get("generator")
    count = int(settings.get("samples", GENERATOR_SAMPLES))
    if source and len(spec["inputs"]) != 1:
        raise BuildError("recipe", "golden.generator gives images for one input; a model "
                         "with several inputs needs golden_inputs.npz")
    if not source and len(spec["inputs"]) == 1:
        source = (spec.get("reference") or {}).get("generator")
    if not source or count <= 0:
        return None
    if ":" not in str(source):
        raise BuildError("recipe", "golden.generator must read 'file.py:function'")
    file, function = str(source).rsplit(":", 1)
    path = folder / file
    if not path.is_file():
        raise BuildError("recipe", f"golden.generator: {path} is not a file")
    generate = getattr(import_file(path, f"lightbox_golden_{path.stem}"), function, None)
    if not callable(generate):
        raise BuildError("recipe", f"golden.generator: {file} defines no {function}()")
    shape = tuple(int(d) for d in spec["inputs"][0]["shape"][1:])
    try:
        images = [np.asarray(s["image"], np.float32) for s in generate(count, seed, spec)]
        stacked = np.stack([x.reshape(shape) for x in images])
    except (KeyError, TypeError, ValueError) as exc:
        raise BuildError("recipe", f"golden.generator {function}() gave bad samples "
                         f"(each needs an 'image' of shape {shape}): {exc!r}") from exc
    if stacked.shape[0] != count or not np.all(np.isfinite(stacked)):
        raise BuildError("recipe", f"golden.generator {function}() must give {count} finite images")
    return stacked, f"{Path(file).name}:{function}, seed {seed}"


def golden_samples(
    spec: dict[str, Any], given: str | Path | None, seed: int = 0, folder: Path | None = None
) -> Golden:
    """Given samples (the npz, else the recipe's generator), then generated edge cases."""
    settings = spec.get("golden") or {}
    kinds = tuple(settings.get("generated", DEFAULT_KINDS))
    inputs = spec["inputs"]
    given_arrays: list[np.ndarray] = []
    origins: list[str] = []
    if given is not None:
        given_arrays = load_given(given, inputs)
        origins = [f"given, {Path(given).name} #{i}" for i in range(given_arrays[0].shape[0])]
    elif folder is not None:
        drawn = from_generator(spec, folder, int(settings.get("seed", seed + 30000)))
        if drawn is not None:
            given_arrays = [drawn[0]]
            origins = [f"given, drawn from {drawn[1]} #{i}" for i in range(drawn[0].shape[0])]
    out = []
    for k, item in enumerate(inputs):
        made = generated(item, kinds, seed + k)
        out.append(np.concatenate([given_arrays[k], made]) if given_arrays else made)
    origins += [f"generated {kind!r}: {_DESCRIBED.get(kind, kind)}" for kind in kinds]
    if out[0].shape[0] < 2:
        raise BuildError("recipe", "golden: at least two golden samples are needed")
    return Golden(out, origins)


def golden_inputs(
    spec: dict[str, Any], given: str | Path | None, seed: int = 0
) -> list[np.ndarray]:
    """One array per input, [n, ...]: given samples first, then generated ones."""
    return golden_samples(spec, given, seed).inputs
