"""Recipe + weights → verified artifact folder, or a BuildError and no folder at all."""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from viewer.inference.errors import ModelError
from viewer.inference.signing import SIGNATURE, PrivateKey, load_private_key, sign_digest
from viewer.modelkit.card import render_card
from viewer.modelkit.checks import (
    EvalChecks,
    check_batch_independent,
    check_deterministic,
    put_in_eval,
    run,
    train_mode_modules,
)
from viewer.modelkit.conformance import check_graph, check_manifest, check_outputs
from viewer.modelkit.detections import rows_of
from viewer.modelkit.detections import wrap as wrap_detections
from viewer.modelkit.errors import BuildError
from viewer.modelkit.export import EXPORT_BATCH, OPSET, Exported, export_onnx
from viewer.modelkit.golden import golden_samples, value_range
from viewer.modelkit.manifest import build_manifest, seal
from viewer.modelkit.parity import BATCH_SIZES, check_parity
from viewer.modelkit.parity import session as parity_session
from viewer.modelkit.recipe import Recipe, load_recipe, recipe_digest
from viewer.modelkit.reference import build_reference
from viewer.modelkit.weights import apply_state_dict, load_state_dict, state_dict_digest

log = logging.getLogger(__name__)
GIVEN_GOLDEN = "golden_inputs.npz"  # a recipe's typical golden inputs, if it has them


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FOLDER_MODE = 0o777 & ~_umask()


def build_artifact(
    recipe_dir: str | Path,
    weights: str | Path,
    out: str | Path,
    *,
    golden: str | Path | None = None,
    evaluation: str | Path | dict[str, Any] | None = None,
    batch_sizes: tuple[int, ...] = BATCH_SIZES,
    key: str | Path | None = None,
) -> Path:
    """Build ``out/<id>/`` from a recipe folder and a state_dict; returns the folder.

    ``golden``: an npz of typical inputs (default: the recipe's ``golden_inputs.npz`` if
    present, else samples drawn from its data generator, if it has one); generated edge
    cases are always added. ``evaluation``: held-out metrics (a
    dict or a JSON file, e.g. what train.py wrote) recorded in the provenance and card.
    ``key``: an Ed25519 private key (PEM) that signs the manifest digest
    (``signature.json``); without it the artifact is unsigned and runs nowhere but in a
    site's developer mode until the approving team signs it (``lightbox model sign``).
    """
    recipe = load_recipe(recipe_dir)
    out = Path(out)
    # The viewer's own manifest check, on the manifest this build will write: before the
    # model even runs, so a model the viewer would refuse is refused here, in its words.
    draft = check_manifest(_draft(recipe), out / recipe.id)
    signer = _signing_key(key) if key is not None else None  # a bad key refuses up front
    torch.set_num_threads(min(torch.get_num_threads(), 2))
    model = recipe.instantiate()
    state = load_state_dict(weights)
    apply_state_dict(model, state, Path(weights).name)
    model = wrap_detections(model, recipe.spec)  # per-image detection lists → the layout
    found = train_mode_modules(model)
    put_in_eval(model)
    if golden is None and (recipe.folder / GIVEN_GOLDEN).is_file():
        golden = recipe.folder / GIVEN_GOLDEN
    samples = golden_samples(recipe.spec, golden, int(recipe.spec.get("seed") or 0), recipe.folder)
    inputs = samples.inputs
    names = recipe.output_names
    first = run(model, [x[:EXPORT_BATCH] for x in inputs], names)
    check_outputs(draft, first)  # rank and element type per kind, before sizes
    _check_shapes(recipe, first)
    check_deterministic(model, inputs, names)
    ranges = [value_range(item) for item in recipe.spec["inputs"]]
    rows = {n: owner for n in names if (owner := rows_of(n, recipe.spec)) is not None}
    check_batch_independent(model, inputs, names, recipe.tolerance, ranges, rows)
    checks = EvalChecks(train_mode_modules=sorted({cls for _, cls in found}))
    reference = build_reference(recipe)  # before writing anything: a bad generator refuses

    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{recipe.id}-building-", dir=out))
    try:
        staging.chmod(_FOLDER_MODE)  # mkdtemp's 0700 would hide the artifact from others
        onnx_path = staging / "model.onnx"
        example = [torch.from_numpy(np.ascontiguousarray(x[:EXPORT_BATCH])) for x in inputs]
        exported = export_onnx(model, example, recipe.input_names, names, onnx_path,
                               per_row=list(rows))
        check_graph(draft, parity_session(onnx_path, "disabled"))
        parity = check_parity(
            model, onnx_path, inputs, recipe.input_names, names, recipe.tolerance, batch_sizes,
            origins=samples.origins, exported=exported,
        )
        _write_golden(staging / "golden.npz", recipe, inputs, run(model, inputs, names))
        manifest = build_manifest(
            recipe, checks, parity, exported, state_dict_digest(state),
            recipe_digest(recipe.folder, recipe.spec.get("depends_on")), _evaluation(evaluation),
            reference,
        )
        (staging / "CARD.md").write_text(render_card(manifest), encoding="utf-8")
        manifest = seal(manifest, staging)
        check_manifest(manifest, out / recipe.id)  # the whole of it, files and digest too
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if signer is not None:  # the digest just sealed over the files staged here
            (staging / SIGNATURE).write_text(
                json.dumps(sign_digest(manifest["digest"], signer), indent=2) + "\n",
                encoding="utf-8")
        target = out / recipe.id
        _move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info("built %s %s in %s", recipe.id, recipe.spec["version"], target)
    return target


def _draft(recipe: Recipe) -> dict[str, Any]:
    """The manifest as it will be written, less what only the build can fill in (checks,
    parity, digests): what the contract check needs is all there."""
    unknown = "sha256:" + "0" * 64
    return build_manifest(recipe, EvalChecks([]), {}, Exported("torch.export", OPSET),
                          unknown, unknown)


def _signing_key(key: str | Path) -> PrivateKey:
    try:
        return load_private_key(key)
    except ModelError as exc:
        raise BuildError("signing", f"{Path(key).name}: {exc.reason}") from None


def _check_shapes(recipe: Recipe, outputs: list[np.ndarray]) -> None:
    for spec_out, got in zip(recipe.spec["outputs"], outputs, strict=True):
        want = spec_out["shape"]
        ok = len(want) == got.ndim and all(
            isinstance(w, str) or int(w) == g for w, g in zip(want, got.shape, strict=True)
        )
        per_row = rows_of(str(spec_out["name"]), recipe.spec) is not None  # not per image
        if not ok or (got.shape[0] != EXPORT_BATCH and not per_row):
            raise BuildError(
                "recipe",
                f"output {spec_out['name']!r}: the model gives shape "
                f"{[EXPORT_BATCH, *got.shape[1:]] if got.ndim else []} for a batch of "
                f"{EXPORT_BATCH}, spec.yaml declares {want}",
            )


def _write_golden(path: Path, recipe: Recipe, inputs: Sequence[np.ndarray],
                  outputs: Sequence[np.ndarray]) -> None:
    # Any: numpy's stubs type **kwds as if a key could be savez's own allow_pickle flag
    arrays: dict[str, Any] = {
        f"input:{n}": x for n, x in zip(recipe.input_names, inputs, strict=True)}
    arrays |= {f"output:{n}": y for n, y in zip(recipe.output_names, outputs, strict=True)}
    np.savez_compressed(path, **arrays)


def _evaluation(evaluation: str | Path | dict[str, Any] | None) -> dict[str, Any] | None:
    if evaluation is None or isinstance(evaluation, dict):
        return evaluation
    try:
        data = json.loads(Path(evaluation).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildError("recipe", f"{Path(evaluation).name}: not readable JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise BuildError("recipe", f"{Path(evaluation).name}: metrics must be a JSON object")
    return data


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename the finished folder into place; an older artifact is swapped out whole."""
    if not target.exists():
        staging.rename(target)
        return
    old = target.with_name(f".{target.name}-old-{staging.name[-8:]}")
    target.rename(old)
    try:
        staging.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
