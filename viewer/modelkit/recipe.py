"""A recipe folder: ``model.py`` (the nn.Module), ``spec.yaml`` (what it is), ``train.py``.

The spec is data (YAML, safe loader); the model class is imported from the recipe's own
``model.py``, which is the author's code and runs at build time only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from torch import nn

from viewer.inference import contract
from viewer.inference.agreement import DEFAULT_SCALE_RTOL, Tolerance, tolerance_problem
from viewer.modelkit.errors import BuildError

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
REQUIRED = ("id", "name", "version", "description", "intended_use", "inputs", "outputs", "model")
OUTPUT_KINDS = set(contract.OUTPUT_KINDS)  # the viewer's; shapes are checked by its contract
INTENSITY_KINDS = {"window", "normalize", "minmax"}
#: A recipe's tolerance unless its spec says otherwise: the scale term lets float rounding
#: in outputs of large values through without loosening atol (viewer.inference.agreement).
DEFAULT_TOLERANCE = {"atol": 1e-4, "rtol": 1e-3, "scale_rtol": DEFAULT_SCALE_RTOL}
# Files of a recipe that make up its digest; caches and weights do not.
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints"}
_SKIP_SUFFIXES = {".pyc", ".pt", ".pth", ".safetensors", ".onnx"}


@dataclass(frozen=True)
class Recipe:
    folder: Path
    spec: dict[str, Any]
    model_class: type[nn.Module]
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.spec["id"])

    @property
    def input_names(self) -> list[str]:
        return [str(i["name"]) for i in self.spec["inputs"]]

    @property
    def output_names(self) -> list[str]:
        return [str(o["name"]) for o in self.spec["outputs"]]

    @property
    def tolerance(self) -> Tolerance:
        return spec_tolerance(self.spec)

    def instantiate(self) -> nn.Module:
        try:
            return self.model_class(**self.kwargs)
        except Exception as exc:
            raise BuildError(
                "recipe",
                f"{self.folder.name}: {self.model_class.__name__}(**{self.kwargs}) failed: {exc}",
            ) from exc


def spec_tolerance(spec: dict[str, Any]) -> Tolerance:
    """The spec's ``tolerance`` over :data:`DEFAULT_TOLERANCE` (checked by ``_check_spec``)."""
    tol = {**DEFAULT_TOLERANCE, **(spec.get("tolerance") or {})}
    return Tolerance(float(tol["atol"]), float(tol["rtol"]), float(tol["scale_rtol"]))


def load_recipe(folder: str | Path) -> Recipe:
    """Read and check ``spec.yaml``, import the class it names from ``model.py``."""
    folder = Path(folder)
    spec_path, model_path = folder / "spec.yaml", folder / "model.py"
    for path in (spec_path, model_path):
        if not path.is_file():
            raise BuildError("recipe", f"{folder}: a recipe needs {path.name}; it is missing")
    try:
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BuildError("recipe", f"{spec_path}: not valid YAML: {exc}") from exc
    _check_spec(spec, spec_path)
    model_spec = spec["model"]
    module = _import_model(model_path, spec["id"])
    cls = getattr(module, str(model_spec["class"]), None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise BuildError(
            "recipe",
            f"{model_path}: spec.yaml names model class {model_spec['class']!r}, "
            "but model.py defines no nn.Module of that name",
        )
    return Recipe(folder, spec, cls, dict(model_spec.get("kwargs") or {}))


def _import_model(path: Path, recipe_id: str) -> Any:
    return import_file(path, f"lightbox_recipe_{recipe_id.replace('-', '_')}")


def import_file(path: Path, prefix: str) -> Any:
    """Import a recipe's Python file (model.py, a data generator) under a unique name."""
    digest = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"{prefix}_{digest}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BuildError("recipe", f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look a module up by name
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise BuildError("recipe", f"{path}: importing it failed: {exc!r}") from exc
    return module


def _check_spec(spec: Any, path: Path) -> None:
    def fail(reason: str) -> BuildError:
        return BuildError("recipe", f"{path}: {reason}")

    if not isinstance(spec, dict):
        raise fail("must be a mapping of keys to values")
    missing = [k for k in REQUIRED if k not in spec]
    if missing:
        raise fail(f"missing keys: {', '.join(missing)}")
    if not isinstance(spec["id"], str) or not ID_PATTERN.match(spec["id"]):
        raise fail(f"id {spec['id']!r} must be lower-case letters, digits and '-'")
    if not VERSION_PATTERN.match(str(spec["version"])):
        raise fail(f"version {spec['version']!r} is not a semantic version like 1.0.0")
    model = spec["model"]
    if not isinstance(model, dict) or "class" not in model:
        raise fail("model: needs 'class' (and optionally 'kwargs')")
    depends = spec.get("depends_on") or []
    if not (isinstance(depends, list) and all(isinstance(d, str) for d in depends)):
        raise fail("depends_on must be a list of folders relative to the recipe")
    if not isinstance(model.get("kwargs") or {}, dict):
        raise fail("model.kwargs must be a mapping")
    use = spec["intended_use"]
    if not isinstance(use, dict) or use.get("input", "slice") not in ("slice", "volume"):
        raise fail("intended_use must be a mapping with input 'slice' or 'volume'")
    inputs, outputs = spec["inputs"], spec["outputs"]
    if not isinstance(inputs, list) or not inputs:
        raise fail("inputs must be a non-empty list")
    for item in inputs:
        if not isinstance(item, dict) or not {"name", "shape"} <= item.keys():
            raise fail("each input needs a name and a shape")
        shape = item["shape"]
        if not isinstance(shape, list) or not shape or shape[0] != "batch":
            raise fail(f"input {item['name']!r}: shape must start with the 'batch' axis")
        if not all(isinstance(d, int) and d > 0 for d in shape[1:]):
            raise fail(f"input {item['name']!r}: all axes but 'batch' need a fixed size")
        if item.get("dtype", "float32") != "float32":
            raise fail(f"input {item['name']!r}: only float32 inputs are supported")
        intensity = item.get("intensity") or {}
        if intensity and intensity.get("kind") not in INTENSITY_KINDS:
            raise fail(f"input {item['name']!r}: intensity kind must be one of {INTENSITY_KINDS}")
    if not isinstance(outputs, list) or not outputs:
        raise fail("outputs must be a non-empty list")
    names = [o.get("name") for o in outputs if isinstance(o, dict)]
    if len(names) != len(outputs) or len(set(names)) != len(names):
        raise fail("each output needs a distinct name")
    for item in outputs:
        if item.get("kind") not in OUTPUT_KINDS:
            raise fail(f"output {item['name']!r}: kind must be one of {sorted(OUTPUT_KINDS)}")
        shape = item.get("shape")
        if not isinstance(shape, list) or not shape or not isinstance(shape[0], str):
            raise fail(f"output {item['name']!r}: shape must start with a dynamic axis "
                       "('batch', or 'detections' for variable-length boxes)")
    _check_tolerance(spec.get("tolerance"), fail)


def _check_tolerance(value: Any, fail: Any) -> None:
    """Refuse up front a tolerance the viewer would refuse (and so never run the model)."""
    if value is None:
        return
    if not isinstance(value, dict) or set(value) - set(DEFAULT_TOLERANCE):
        raise fail(f"tolerance must be a mapping of {', '.join(DEFAULT_TOLERANCE)}")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()):
        raise fail("tolerance: atol, rtol and scale_rtol must be numbers")
    problem = tolerance_problem(spec_tolerance({"tolerance": value}))
    if problem is not None:
        raise fail(f"{problem[0]} {problem[1]}; the viewer would refuse the artifact")


def recipe_digest(folder: str | Path, depends_on: list[str] | None = None) -> str:
    """``sha256:`` over the recipe's files and those of the folders it ``depends_on``.

    Relative path and bytes of each file, in sorted order; caches and weights are left out.
    """
    folder = Path(folder)
    h = hashlib.sha256()
    roots = [(folder, "")] + [((folder / d).resolve(), f"{d}/") for d in depends_on or []]
    for root, prefix in roots:
        if not root.is_dir():
            raise BuildError("recipe", f"{folder}: depends_on names {prefix[:-1]!r}, not a folder")
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if not path.is_file() or _SKIP_DIRS & set(rel.parts) or path.suffix in _SKIP_SUFFIXES:
                continue
            h.update((prefix + rel.as_posix()).encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + h.hexdigest()
