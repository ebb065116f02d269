"""The manifest (docs/model-artifact.md) assembled from the spec, the checks and the build."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from viewer.inference.digest import manifest_digest, sha256_file
from viewer.modelkit.checks import EvalChecks
from viewer.modelkit.export import Exported
from viewer.modelkit.recipe import Recipe

FORMAT_VERSION = 1


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def intended_use(spec: dict[str, Any]) -> dict[str, Any]:
    use = dict(spec["intended_use"])
    return {
        "modality": list(use.get("modality") or []),
        "body_part": list(use.get("body_part") or []),
        "view": use.get("view"),
        "population": use.get("population"),
        "pixel_spacing_mm": use.get("pixel_spacing_mm"),
        "input": use.get("input", "slice"),
        **{k: v for k, v in use.items() if k not in {
            "modality", "body_part", "view", "population", "pixel_spacing_mm", "input"}},
    }


def inputs(spec: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in spec["inputs"]:
        entry = {k: v for k, v in item.items() if k != "value_range"}
        entry.setdefault("dtype", "float32")
        entry.setdefault("channels", int(item["shape"][1]))
        entry.setdefault("slices", None)
        out.append(entry)
    return out


def build_manifest(
    recipe: Recipe,
    checks: EvalChecks,
    parity: dict[str, Any],
    exported: Exported,
    weights_digest: str,
    recipe_digest: str,
    evaluation: dict[str, Any] | None = None,
    reference: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything but ``files`` and ``digest`` (those come once the files are written)."""
    spec = recipe.spec
    provenance: dict[str, Any] = {
        "python": platform.python_version(),
        "torch": _version("torch"),
        "onnx": _version("onnx"),
        "onnxruntime": _version("onnxruntime"),
        "exporter": exported.exporter,
        "opset": exported.opset,
        "recipe_digest": recipe_digest,
        "weights_digest": weights_digest,
        "training_data": spec.get("training_data"),
        "seed": spec.get("seed"),
    }
    if exported.fallback_reason:
        provenance["export_fallback_reason"] = exported.fallback_reason
    if evaluation:
        provenance["evaluation"] = evaluation
    manifest = {
        "format_version": FORMAT_VERSION,
        "id": recipe.id,
        "name": spec["name"],
        "version": str(spec["version"]),
        "description": str(spec["description"]).strip(),
        "not_for_clinical_use": bool(spec.get("not_for_clinical_use", False)),
        "intended_use": intended_use(spec),
        "inputs": inputs(spec),
        "outputs": [dict(o) for o in spec["outputs"]],
        "tolerance": recipe.tolerance,
        "checks": {
            "train_mode_modules": checks.train_mode_modules,
            "exported_in_eval_mode": checks.exported_in_eval_mode,
            "deterministic": checks.deterministic,
            "batch_independent": checks.batch_independent,
            "parity": parity,
        },
        "provenance": provenance,
    }
    if spec.get("volume"):  # a volume model's sliding window (docs/model-artifact.md)
        manifest["volume"] = dict(spec["volume"])
    if spec.get("limitations"):
        manifest["limitations"] = [str(x).strip() for x in spec["limitations"]]
    if reference is not None:
        manifest["reference"] = reference
    return manifest


def seal(manifest: dict[str, Any], folder: Path) -> dict[str, Any]:
    """Add ``files`` (every file but manifest.json and signature.json) and ``digest``."""
    files = {
        p.name: sha256_file(p)
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in ("manifest.json", "signature.json")
    }
    sealed = {k: v for k, v in manifest.items() if k not in ("files", "digest")}
    sealed["files"] = files
    sealed["digest"] = manifest_digest(sealed)
    return sealed
