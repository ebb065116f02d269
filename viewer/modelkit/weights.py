"""Weights come as a state_dict, never as a pickled model.

A state_dict is a plain mapping of names to tensors. ``torch.load(weights_only=True)``
reads one without running any code from the file, and safetensors has no code in it at
all. A pickled whole model (``torch.save(model)``) is different: loading it runs whatever
the pickle says and ties the file to the exact class and module path of the day it was
saved. Lightbox refuses it rather than unpickling it.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from torch import nn

from viewer.modelkit.errors import BuildError

SUFFIXES = (".pt", ".pth", ".safetensors")
HOW_TO_SAVE = (
    "Save the weights alone: torch.save(model.state_dict(), 'weights.pt') or "
    "safetensors.torch.save_file(model.state_dict(), 'weights.safetensors'). A state_dict "
    "is plain data; a pickled model runs code when loaded and breaks when the class moves."
)


def load_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """Read a state_dict from ``.pt``/``.pth`` (weights_only) or ``.safetensors``."""
    path = Path(path)
    if not path.is_file():
        raise BuildError("weights", f"{path}: no such weights file")
    if path.suffix not in SUFFIXES:
        raise BuildError(
            "weights", f"{path.name}: weights must be {', '.join(SUFFIXES)}; got {path.suffix!r}"
        )
    if path.suffix == ".safetensors":
        return _load_safetensors(path)
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, AttributeError, TypeError) as exc:
        text = str(exc)
        if "Unsupported global" in text or "GLOBAL " in text:
            raise BuildError(
                "weights",
                f"{path.name}: this file holds a pickled Python object (a whole model or "
                f"something else), not a state_dict; Lightbox never unpickles code. {HOW_TO_SAVE}",
            ) from exc
        raise BuildError("weights", f"{path.name}: not a readable PyTorch file: {text}") from exc
    except (EOFError, OSError, ValueError) as exc:
        raise BuildError("weights", f"{path.name}: not a readable PyTorch file: {exc}") from exc
    return _as_state_dict(loaded, path)


def _load_safetensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise BuildError("weights", f"{path.name}: not a readable safetensors file: {exc}") from exc


def _as_state_dict(loaded: object, path: Path) -> dict[str, torch.Tensor]:
    if isinstance(loaded, Mapping) and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()
    ):
        return dict(loaded)
    if isinstance(loaded, Mapping):
        nested = [k for k, v in loaded.items() if isinstance(v, Mapping)]
        hint = (
            f" It looks like a training checkpoint (it holds {', '.join(map(str, nested))}); "
            "save the model's state_dict from it on its own."
            if nested
            else ""
        )
        raise BuildError(
            "weights", f"{path.name}: not a state_dict (not all values are tensors).{hint} {HOW_TO_SAVE}"
        )
    raise BuildError(
        "weights", f"{path.name}: holds a {type(loaded).__name__}, not a state_dict. {HOW_TO_SAVE}"
    )


def apply_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Load ``state`` strictly; list every missing, unexpected and mis-shaped key."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    misshaped = sorted(
        f"{k} (file {tuple(state[k].shape)}, model {tuple(expected[k].shape)})"
        for k in set(expected) & set(state)
        if tuple(state[k].shape) != tuple(expected[k].shape)
    )
    problems = []
    if missing:
        problems.append(f"missing keys: {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {', '.join(unexpected)}")
    if misshaped:
        problems.append(f"mis-shaped keys: {', '.join(misshaped)}")
    if problems:
        raise BuildError(
            "weights",
            f"{source}: the weights do not fit {type(model).__name__} as spec.yaml builds it; "
            + "; ".join(problems)
            + ". Check the model class and its kwargs in spec.yaml.",
        )
    model.load_state_dict(dict(state), strict=True)


def state_dict_digest(state: Mapping[str, torch.Tensor]) -> str:
    """``sha256:`` of the tensors themselves (names, dtypes, shapes, bytes), sorted by name.

    Unlike the file's digest it does not change with the file name or format (torch.save
    records the file's name inside the archive), so a retrained model can be compared.
    """
    h = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().cpu().contiguous()
        h.update(f"{name}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
        h.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return "sha256:" + h.hexdigest()
