"""The same inputs through viewer.inference and through the browser's TypeScript
(web/src/inference): cases written to a folder for web/tests/spec.test.ts to read.

Each case: an image (real frames of the demo study, odd sizes, RGB, a flat image), the
input and output specifications as a manifest writes them, what Python's
``prepare_slice`` made of the image, the raw model outputs (Python ONNX Runtime's on that
sample, or made-up arrays for the output kinds no bundled model has), and the results
``postprocess`` made of them, written as ``result_arrays`` writes them for the service.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np

from viewer.inference import bundled_models_dir
from viewer.inference.domain import check_domain
from viewer.inference.manifest import parse_manifest
from viewer.inference.postprocess import postprocess, split_batch
from viewer.inference.preprocess import neighbours, prepare_slice, prepare_volume
from viewer.inference.result_arrays import _box, _output


def manifest_with(model_id: str, inputs: list[dict[str, Any]] | None = None,
                  outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    folder = bundled_models_dir() / model_id
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    if inputs is not None:
        doc["inputs"] = inputs
    if outputs is not None:
        doc["outputs"] = outputs
    return doc


def input_variant(model_id: str, **changes: Any) -> list[dict[str, Any]]:
    doc = manifest_with(model_id)
    spec = copy.deepcopy(doc["inputs"][0])
    for key, value in changes.items():
        if key in ("keep_aspect", "interpolation", "pad_value", "size"):
            spec["resize"][key] = value
            if key == "size":
                spec["shape"] = [*spec["shape"][:2], *value]
        else:
            spec[key] = value
    return [spec]


class CaseWriter:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cases: list[dict[str, Any]] = []

    def _npy(self, name: str, array: np.ndarray) -> str:
        path = f"{len(self.cases)}-{name}.npy"
        np.save(self.folder / path, np.ascontiguousarray(array))
        return path

    def add(self, name: str, image: np.ndarray, doc: dict[str, Any], *,
            session: Any = None, raw: dict[str, np.ndarray] | None = None) -> None:
        """``session``: run the Python ONNX Runtime on the prepared sample; ``raw``: given
        batch outputs instead (made-up arrays for kinds no bundled model has)."""
        manifest = parse_manifest(doc, bundled_models_dir() / doc["id"])
        spec = manifest.inputs[0]
        sample, box = prepare_slice(image, spec)
        case: dict[str, Any] = {
            "name": name, "image": self._npy("image", image),
            "samples": 3 if image.ndim == 3 else 1,
            "inputs": doc["inputs"], "outputs": doc["outputs"], "tolerance": doc["tolerance"],
            "python": {"sample": self._npy("sample", sample), "box": _box(box)},
        }
        if manifest.reference is not None:  # the check against the training data
            spacing = (0.8, 0.8) if len(self.cases) % 2 else None
            found = check_domain(manifest.reference, sample, box, spacing_mm=spacing,
                                 size=box.source, attributes={"modality": "CT", "kvp": None})
            case["spacing"] = spacing
            case["reference"] = doc["reference"]
            case["python"]["domain"] = {"psi": found.psi, "level": found.level,
                                        "findings": list(found.findings),
                                        "notes": list(found.notes)}
        if session is not None:
            names = [o.name for o in manifest.outputs]
            got = session.run(names, {spec.name: sample[None].astype(np.float32)})
            raw = dict(zip(names, got, strict=True))
        if raw is not None:
            case["raw"] = {k: self._npy(f"raw-{k}", np.asarray(v)) for k, v in raw.items()}
            arrays = [raw[o.name] for o in manifest.outputs]
            one = split_batch(manifest.id, manifest.outputs, arrays, 1)[0]
            case["python"]["outputs"] = [_output(o) for o in
                                         postprocess(one, manifest.outputs, box)]
            case["run_model"] = session is not None
        self.cases.append(case)

    def add_stack(self, name: str, series_frames: list[np.ndarray], center: int,
                  doc: dict[str, Any]) -> None:
        """An N-slice input (no volume section): the frames around ``center``, the ends
        repeated past the series' edges (``neighbours``), through ``prepare_volume``."""
        manifest = parse_manifest(doc, bundled_models_dir() / doc["id"])
        spec = manifest.inputs[0]
        which = neighbours(center, spec.slices or 1, len(series_frames))
        sample, box = prepare_volume([series_frames[i] for i in which], spec)
        self.cases.append({
            "name": name, "stack": [self._npy(f"frame{i}", f) for i, f in enumerate(series_frames)],
            "center": center, "neighbours": which, "samples": 1,
            "inputs": doc["inputs"], "outputs": doc["outputs"], "tolerance": doc["tolerance"],
            "python": {"sample": self._npy("sample", sample), "box": _box(box)}})

    def finish(self) -> None:
        (self.folder / "cases.json").write_text(json.dumps(self.cases), encoding="utf-8")
