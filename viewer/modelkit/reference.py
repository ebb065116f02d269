"""The artifact's reference statistics, drawn from the recipe's own training-data generator.

``spec.yaml``::

    reference:
      generator: ../common/phantom2d.py:reference_samples   # file (relative), function
      samples: 300          # how many training-like samples
      seed: 20000           # their own seed: the same seed, the same statistics
      bins: 20              # histogram bins over the input's value range
      acquisition: {modality: [CT], kvp: [80, 140]}   # declared, checked as given
      thresholds: {psi_shift: 0.1, psi_unlike: 0.25, spacing_margin: 0.1, size_margin: 0.1}

The generator is called ``function(samples, seed, spec)`` and returns dicts with
``image`` (the model input as the viewer prepares it), ``spacing_mm`` and ``size``
(see ``viewer.inference.domain.reference_statistics``). Like ``model.py`` it is the
author's code and runs at build time only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from viewer.inference.domain import DEFAULT_BINS, reference_statistics
from viewer.modelkit.errors import BuildError
from viewer.modelkit.golden import value_range
from viewer.modelkit.recipe import Recipe, import_file


def build_reference(recipe: Recipe) -> dict[str, Any] | None:
    """The manifest's ``reference`` section, or None when the spec declares none."""
    declared = recipe.spec.get("reference")
    if declared is None:
        return None
    if not isinstance(declared, dict) or ":" not in str(declared.get("generator", "")):
        raise BuildError("recipe", "reference.generator must read 'file.py:function'")
    file, function = str(declared["generator"]).rsplit(":", 1)
    generate = getattr(_load(recipe.folder / file), function, None)
    if not callable(generate):
        raise BuildError("recipe", f"reference.generator: {file} defines no {function}()")
    count, seed = int(declared.get("samples", 300)), int(declared.get("seed", 0))
    try:
        samples = list(generate(count, seed, recipe.spec))
        lo, hi = value_range(recipe.spec["inputs"][0])
        section = reference_statistics(
            samples, recipe.input_names[0], (lo, hi),
            bins=int(declared.get("bins", DEFAULT_BINS)),
            acquisition=declared.get("acquisition"),
            thresholds=declared.get("thresholds"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BuildError("recipe", f"reference.generator {function}() gave bad samples: {exc!r}") from exc
    return {"generator": str(declared["generator"]), "seed": seed, **section}


def _load(path: Path) -> Any:
    if not path.is_file():
        raise BuildError("recipe", f"reference.generator: {path} is not a file")
    return import_file(path, f"lightbox_reference_{path.stem}")
