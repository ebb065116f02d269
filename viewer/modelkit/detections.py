"""Detection networks that return a variable number of boxes per image.

torchvision's detectors (Faster R-CNN, RetinaNet, FCOS) return a list with one dict per
image, ``{"boxes": [n, 4], "scores": [n], "labels": [n]}``. An ONNX graph returns tensors,
so the artifact holds them concatenated over the batch, with a ``box_batch`` output that
says which image each row belongs to (docs/model-artifact.md, "Output kinds": the
variable-length layout). :class:`VariableBoxes` wraps such a model so that everything the
build does (checks, export, parity, golden outputs) sees that layout; a model that already
returns the four tensors passes through unchanged.

The export still needs a graph with a dynamic batch: a ``forward()`` that loops over the
images in Python is captured at the export's batch of 2, and the build refuses it (the
batch axis frozen) rather than write an artifact that is wrong for other batch sizes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from viewer.modelkit.errors import BuildError

#: Keys of a torchvision-style per-image result, per companion.
KEYS = {"boxes": ("boxes",), "scores": ("scores",), "classes": ("labels", "classes")}


def variable_boxes(spec: Mapping[str, Any]) -> dict[str, str] | None:
    """{"boxes", "scores", "classes", "batch_index"} → output names, for a spec with a
    variable-length boxes output (None without one)."""
    for output in spec.get("outputs") or []:
        if output.get("kind") == "boxes" and output.get("layout") == "variable":
            return {"boxes": str(output["name"]), "scores": str(output.get("scores")),
                    "classes": str(output.get("classes_output")),
                    "batch_index": str(output.get("batch_index"))}
    return None


class VariableBoxes(nn.Module):
    """``model``, with a list of per-image detections turned into the artifact's layout.

    Returns the spec's outputs in the spec's order: the four box tensors concatenated over
    the images (``batch_index`` as int64) and any other output the model returned in a
    dict beside them."""

    def __init__(self, model: nn.Module, names: Sequence[str], roles: Mapping[str, str]):
        super().__init__()
        self.model = model
        self.names = list(names)
        self.roles = dict(roles)

    def forward(self, *inputs: torch.Tensor) -> Any:
        result = self.model(*inputs)
        if not isinstance(result, list | tuple) or not result or not all(
                isinstance(item, dict) for item in result):
            return result  # already tensors: the model gives the layout itself
        return tuple(self._concatenated(result)[name] for name in self.names)

    def _concatenated(self, images: Sequence[dict[str, Any]]) -> dict[str, torch.Tensor]:
        found: dict[str, list[torch.Tensor]] = {name: [] for name in self.names}
        for k, image in enumerate(images):
            tensors: dict[str, torch.Tensor] = {}
            for role, keys in KEYS.items():
                key = next((key for key in keys if key in image), None)
                if key is None:
                    raise BuildError("recipe", f"forward() returned a detection dict for image "
                                     f"{k} without {' or '.join(repr(x) for x in keys)}")
                tensors[self.roles[role]] = image[key]
            rows = tensors[self.roles["boxes"]].shape[0]
            tensors[self.roles["batch_index"]] = torch.full(
                (rows,), k, dtype=torch.int64, device=tensors[self.roles["boxes"]].device)
            for name in self.names:
                value = tensors[name] if name in tensors else image.get(name)
                if not isinstance(value, torch.Tensor):
                    raise BuildError("recipe", f"forward() returned no tensor named {name!r} "
                                     f"for image {k}")
                found[name].append(value)
        per_box = set(self.roles.values())  # one row per box; any other output per image
        return {name: torch.cat(parts) if name in per_box else torch.stack(parts)
                for name, parts in found.items()}


def wrap(model: nn.Module, spec: Mapping[str, Any]) -> nn.Module:
    """``model`` wrapped for the variable-length box layout when the spec declares it."""
    roles = variable_boxes(spec)
    if roles is None:
        return model
    names = [str(o["name"]) for o in spec["outputs"]]
    return VariableBoxes(model, names, roles)


def rows_of(name: str, spec: Mapping[str, Any]) -> str | None:
    """The ``box_batch`` output that says which image each row of ``name`` belongs to
    (None for an output whose first axis is the batch)."""
    roles = variable_boxes(spec)
    if roles is None or name not in roles.values():
        return None
    return roles["batch_index"]
