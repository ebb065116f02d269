"""PyTorch → verified Lightbox model artifact (build time only).

The only package that imports torch; the viewer and its executable never import it.
See docs/modelkit.md for the recipe layout and docs/model-artifact.md for the format.
The names below load on first use, so ``lightbox model sign`` and ``keygen`` (which need
no torch) work where PyTorch is not installed.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"build_artifact": "viewer.modelkit.build", "BuildError": "viewer.modelkit.errors",
         "Recipe": "viewer.modelkit.recipe", "load_recipe": "viewer.modelkit.recipe"}

__all__ = ["BuildError", "Recipe", "build_artifact", "load_recipe"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
