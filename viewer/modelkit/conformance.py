"""The build holds its artifact to the viewer's own contract before writing anything.

Three points, each with the viewer's code (:mod:`viewer.inference.manifest` and
:mod:`viewer.inference.contract`), so a model the build accepts is one the viewer
verifies, runs and shows:

1. the manifest the build will write (drafted from the spec, before any file exists)
   parses with ``parse_manifest``, word for word what the viewer would say;
2. what the PyTorch model really returns fits each output's declared kind (rank and
   element type), named with the model's own shape and type ("a mask needs …; this
   output is [batch, 32, 32] of int64: declare kind label_map");
3. the exported ONNX graph, opened with ONNX Runtime as the viewer opens it, passes the
   contract's graph check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from viewer.inference.contract import Given, fit_problem, graph_problem, is_volume_model
from viewer.inference.errors import ManifestError
from viewer.inference.manifest import Manifest, parse_manifest
from viewer.modelkit.errors import BuildError

CHECK = "contract"
#: Stand-ins for what only exists once the files are written (``files``, ``digest``).
_PLACEHOLDER = "0" * 64


def check_manifest(document: Mapping[str, Any], folder: Path) -> Manifest:
    """``document`` as the viewer would parse it from ``folder/manifest.json``.

    A draft without ``files``/``digest`` gets placeholders for them: those two are the
    build's own and are written right."""
    draft = dict(document)
    draft.setdefault("files", {"model.onnx": _PLACEHOLDER, "golden.npz": _PLACEHOLDER})
    draft.setdefault("digest", _PLACEHOLDER)
    try:
        return parse_manifest(draft, folder)
    except ManifestError as exc:
        raise BuildError(CHECK, f"the viewer would refuse this model: {exc.reason}") from None


def check_outputs(manifest: Manifest, outputs: Sequence[np.ndarray]) -> None:
    """What forward() returned fits each declared kind (rank, element type)."""
    volume = is_volume_model(manifest.raw)
    for spec, array in zip(manifest.outputs, outputs, strict=True):
        shape: tuple[int | str | None, ...] = tuple(int(d) for d in array.shape)
        if spec.batch_first and shape:
            shape = ("batch", *shape[1:])
        given = Given(shape, str(array.dtype))
        problem = fit_problem(spec.name, spec.kind, spec.shape, given, volume=volume,
                              layout=spec.layout)
        if problem:
            raise BuildError(CHECK, f"the viewer could not show this model's {problem}")


def check_graph(manifest: Manifest, session: Any) -> None:
    """The exported graph's inputs and outputs, as ONNX Runtime reports them."""
    problem = graph_problem(manifest, session.get_inputs(), session.get_outputs())
    if problem:
        raise BuildError(CHECK, f"the exported graph does not fit the manifest: model.onnx "
                         f"{problem}")
