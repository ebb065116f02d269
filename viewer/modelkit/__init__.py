"""PyTorch → verified Lightbox model artifact (build time only).

The only package that imports torch; the viewer and its executable never import it.
See docs/modelkit.md for the recipe layout and docs/model-artifact.md for the format.
"""

from viewer.modelkit.build import build_artifact
from viewer.modelkit.errors import BuildError
from viewer.modelkit.recipe import Recipe, load_recipe

__all__ = ["BuildError", "Recipe", "build_artifact", "load_recipe"]
