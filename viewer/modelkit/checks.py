"""Eval-mode checks: what would change between training and inference, and proof it doesn't.

A model that is exported in training mode, that draws random numbers at inference
(Monte-Carlo dropout), or whose answer for one image depends on the other images of the
batch gives the radiologist something other than what was validated. Each is refused
here with the cause named; what passes is recorded in the manifest's ``checks``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.dropout import _DropoutNd
from torch.nn.modules.instancenorm import _InstanceNorm

from viewer.inference.agreement import Tolerance, agreement
from viewer.modelkit.errors import BuildError

MC_DROPOUT = (
    "Export to ONNX keeps only the inference graph: random dropout at inference "
    "(Monte-Carlo dropout, F.dropout(x, training=True), or a module that puts itself in "
    "training mode) is silently removed, so the artifact would not compute what was "
    "validated. Lightbox runs deterministic models only: drop the sampling from forward() "
    "(run several models or test-time augmentation outside the graph if you need an "
    "uncertainty estimate)."
)


@dataclass(frozen=True)
class EvalChecks:
    train_mode_modules: list[str]  # class names, sorted, unique
    exported_in_eval_mode: bool = True
    deterministic: bool = True
    batch_independent: bool = True


def train_mode_modules(model: nn.Module) -> list[tuple[str, str]]:
    """(path, class name) of every module that behaves differently in training."""
    found = []
    for path, module in model.named_modules():
        if _differs_in_training(module):
            found.append((path or "(model)", type(module).__name__))
    return found


def _differs_in_training(module: nn.Module) -> bool:
    if isinstance(module, _DropoutNd | _BatchNorm):
        return True
    if isinstance(module, _InstanceNorm):
        return bool(module.track_running_stats)
    if isinstance(module, nn.MultiheadAttention | nn.RNNBase):
        return bool(getattr(module, "dropout", 0))
    if type(module).__module__.startswith("torch."):
        return False
    # An author's own module that reads self.training in forward().
    try:
        source = inspect.getsource(type(module).forward)
    except (OSError, TypeError):
        return False
    return "self.training" in source


def per_image_normalisers(model: nn.Module) -> list[str]:
    """Class names (sorted, unique) of the layers that divide by one image's own spread.

    On a flat image that spread is ~0 and the division amplifies float rounding, so two
    correct implementations disagree: a parity refusal on such an input names them.
    """
    kinds = (_InstanceNorm, nn.GroupNorm, nn.LayerNorm, nn.LocalResponseNorm)
    return sorted({type(m).__name__ for m in model.modules() if isinstance(m, kinds)})


def put_in_eval(model: nn.Module) -> None:
    """``model.eval()`` and prove every module took it."""
    model.eval()
    stubborn = [path or "(model)" for path, m in model.named_modules() if m.training]
    if stubborn:
        raise BuildError(
            "eval_mode",
            f"after model.eval() these modules are still in training mode: "
            f"{', '.join(stubborn)}. Their train() must not ignore mode=False.",
        )


def as_outputs(result: object, names: Sequence[str]) -> list[torch.Tensor]:
    """A forward's result as one tensor per declared output, in the spec's order."""
    if isinstance(result, torch.Tensor):
        tensors = [result]
    elif isinstance(result, dict):
        missing = [n for n in names if n not in result]
        if missing:
            raise BuildError("recipe", f"forward() returned no output named {', '.join(missing)}")
        tensors = [result[n] for n in names]
    elif isinstance(result, list | tuple) and all(isinstance(t, torch.Tensor) for t in result):
        tensors = list(result)
    else:
        raise BuildError(
            "recipe", f"forward() must return tensors; it returned {type(result).__name__}"
        )
    if len(tensors) != len(names):
        raise BuildError(
            "recipe",
            f"forward() returns {len(tensors)} outputs, spec.yaml declares {len(names)} "
            f"({', '.join(names)})",
        )
    return tensors


def run(model: nn.Module, inputs: Sequence[np.ndarray], names: Sequence[str]) -> list[np.ndarray]:
    with torch.no_grad():
        result = model(*(torch.from_numpy(np.ascontiguousarray(x)) for x in inputs))
    return [t.detach().cpu().numpy() for t in as_outputs(result, names)]


def check_deterministic(
    model: nn.Module, inputs: Sequence[np.ndarray], names: Sequence[str]
) -> None:
    """Two runs on the same input are identical; nothing switched itself to training."""
    first = run(model, inputs, names)
    awake = [path or "(model)" for path, m in model.named_modules() if m.training]
    if awake:
        raise BuildError(
            "determinism",
            f"forward() put these modules in training mode: {', '.join(awake)}. {MC_DROPOUT}",
        )
    second = run(model, inputs, names)
    differing = [n for n, a, b in zip(names, first, second, strict=True) if not _same(a, b)]
    if not differing:
        return
    # Same seed, same answer: the difference comes from random sampling in forward().
    with torch.random.fork_rng():
        torch.manual_seed(0)
        seeded_a = run(model, inputs, names)
        torch.manual_seed(0)
        seeded_b = run(model, inputs, names)
    if all(_same(a, b) for a, b in zip(seeded_a, seeded_b, strict=True)):
        raise BuildError(
            "determinism",
            f"output {', '.join(differing)} changes between two runs on the same input in "
            f"eval mode because forward() draws random numbers. {MC_DROPOUT}",
        )
    raise BuildError(
        "determinism",
        f"output {', '.join(differing)} changes between two runs on the same input in eval "
        "mode, even with the random seed fixed; the artifact could not be verified. "
        "Remove the nondeterministic operation from forward().",
    )


def check_batch_independent(
    model: nn.Module,
    inputs: Sequence[np.ndarray],
    names: Sequence[str],
    tolerance: Tolerance,
    value_ranges: Sequence[tuple[float, float]],
    rows: Mapping[str, str] | None = None,
) -> None:
    """Sample 0's output alone equals its output inside a batch of random others.

    ``rows``: variable-length outputs → the output naming each row's image; their rows of
    the sample are compared (alone: image 0; in the batch: image 2)."""
    rng = np.random.default_rng(1234)
    alone = run(model, [x[:1] for x in inputs], names)
    mixed_inputs = []
    for x, (low, high) in zip(inputs, value_ranges, strict=True):
        others = rng.uniform(low, high, size=(3, *x.shape[1:])).astype(x.dtype)
        # the sample sits in the middle: a model that mixes neighbours shows it either way
        mixed_inputs.append(np.concatenate([others[:2], x[:1], others[2:]]))
    mixed = run(model, mixed_inputs, names)
    owners = dict(rows or {})
    for name, a, b in zip(names, alone, mixed, strict=True):
        if name in owners:
            index = list(names).index(owners[name])
            a = a[alone[index].reshape(-1) == 0][None]
            b = b[mixed[index].reshape(-1) == 2]
            if a.shape[1:] != b.shape:
                raise BuildError(
                    "batch_independence",
                    f"output {name!r} gives {a.shape[1]} rows for a sample alone but "
                    f"{b.shape[0]} for it among others: the model mixes information across "
                    "the batch. A viewer batches images as it likes; each image's answer "
                    "must be its own.",
                )
            if owners[name] == name:
                continue  # the image numbers themselves differ by design (0 alone, 2 here)
            b = np.concatenate([np.zeros_like(b)[None]] * 2 + [b[None]])
        if a.shape[1:] != b.shape[1:] or (name not in owners and b.shape[0] != 4):
            raise BuildError(
                "batch_independence",
                f"output {name!r} has shape {a.shape} for one sample but {b.shape} for four: "
                "the batch axis must stay the first axis of every output",
            )
        found = agreement(b[2:3], a[:1], tolerance)  # the parity rule, alone as reference
        if not found.agrees:
            raise BuildError(
                "batch_independence",
                f"output {name!r} of a sample changes with the other samples in its batch "
                f"(max difference {found.max_abs:.3g}, output scale {found.scale:.3g}; "
                f"allowed {tolerance.describe()}): the model mixes information "
                "across the batch axis, e.g. normalising over the batch or a BatchNorm "
                "running in training mode. A viewer batches images as it likes; each "
                "image's answer must be its own.",
            )


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
