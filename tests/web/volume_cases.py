"""The volume steps through viewer.inference and through the browser's TypeScript
(web/src/inference/volume_grid.ts, sliding_window.ts): cases written to a folder for
web/tests/volume.test.ts to read.

Each case: a real series (its frames' geometry as the service's series description gives
it, and their modality values as its frame endpoint gives them), a manifest's input,
outputs and ``volume`` section, and what viewer.inference made of them: the grid
(which acquired axis feeds which model axis, flips, resampled sizes), the resampled image
in model order, the patch starts, the pad value, the label volume the window blended
(model order), the masks back on every original frame and the mL per label. The window
runs either the bundled model (Python's ONNX Runtime; the TypeScript runs
onnxruntime-web on its own image) or a made-up "model" both sides compute the same way in
float32 (:func:`synthetic`), so the blending and the argmax are compared exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from viewer.imaging.lut import modality_values
from viewer.inference import bundled_models_dir
from viewer.inference.manifest import parse_manifest
from viewer.inference.sliding_window import positions, slide
from viewer.inference.volume_grid import assemble, geometry, pad_in_model_space, plan_grid
from viewer.inference.volume_run import _domain, _masks_back
from viewer.inference.volume_summary import label_volumes
from viewer.io.model import Series
from viewer.io.pixels import read_frame


def synthetic(kind: str, batch: np.ndarray) -> np.ndarray:
    """The made-up model (web/tests/volume.test.ts has its twin): float32, exact in both."""
    x = batch[:, 0]
    if kind == "mask3":  # class c nearest c / 2: three bands of intensity
        return np.stack([-np.square(x - np.float32(c * 0.5)) for c in range(3)],
                        axis=1).astype(np.float32)
    if kind == "mask1":  # one foreground channel, no activation: above 0
        return (x - np.float32(0.5))[:, None].astype(np.float32)
    if kind == "label_map":  # integer labels straight from the graph
        return np.rint(x * np.float32(3)).astype(np.int64)
    raise ValueError(kind)


def frame_geometry(series: Series) -> list[dict[str, Any]]:
    """The frames as GET /v1/series/{uid} describes them."""
    out = []
    for ref in series.frames:
        g, pixel = ref.geometry, ref.instance.pixel
        assert pixel is not None
        out.append({"rows": pixel.rows, "columns": pixel.columns,
                    "position": None if g.position is None else list(g.position),
                    "orientation": None if g.orientation is None else list(g.orientation),
                    "pixel_spacing": None if g.spacing is None else list(g.spacing)})
    return out


class VolumeCases:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cases: list[dict[str, Any]] = []
        self._pixels: dict[str, str] = {}

    def _npy(self, name: str, array: np.ndarray) -> str:
        path = f"v{len(self.cases)}-{name}.npy"
        np.save(self.folder / path, np.ascontiguousarray(array))
        return path

    def _series_pixels(self, series: Series) -> str:
        if series.uid not in self._pixels:
            stack = np.stack([np.asarray(modality_values(read_frame(ref), ref.instance, ref.frame),
                                         dtype=np.float32) for ref in series.frames])
            self._pixels[series.uid] = self._npy("pixels", stack)
        return self._pixels[series.uid]

    def add(self, name: str, series: Series, doc: dict[str, Any], *, model: str | None = None,
            session: Any = None) -> None:
        """``session``: the bundled model in Python's ONNX Runtime; ``model``: the kind of
        made-up answer (:func:`synthetic`) instead."""
        manifest = parse_manifest(doc, bundled_models_dir() / doc["id"])
        plan = manifest.volume
        assert plan is not None
        spec = manifest.inputs[0]
        grid = plan_grid(geometry(series), plan)
        acquired = assemble(series, grid, spec.intensity, plan.interpolation, source=read_frame)
        image = np.ascontiguousarray(grid.to_model(acquired))
        pad = pad_in_model_space(plan, spec.intensity)
        domain = _domain(manifest, series, image)  # with a reference: the training-data check
        names = [o.name for o in manifest.outputs]

        def run(batch: np.ndarray) -> list[np.ndarray]:
            if session is not None:
                return list(session.run(names, {spec.name: batch}))
            return [synthetic(str(model), batch)]

        blended = slide(image, plan, manifest.outputs, run, pad=pad)
        masks = _masks_back(blended[0], grid)
        counts: dict[int, int] = {}
        for _m, found in masks:
            for value, n in found.items():
                counts[value] = counts.get(value, 0) + n
        volumes = label_volumes(blended[0].spec.name, blended[0].spec.labels, counts,
                                grid.voxel_mm3)
        self.cases.append({
            "name": name, "description": series.description or "", "frames": frame_geometry(series),
            "pixels": self._series_pixels(series), "inputs": doc["inputs"],
            "outputs": doc["outputs"], "volume": doc["volume"], "tolerance": doc["tolerance"],
            "model": model, "run_model": session is not None, "model_id": doc["id"],
            "modality": series.modality or "", "reference": doc.get("reference"),
            "python": {
                "grid": {"shape": list(grid.shape), "spacing": list(grid.spacing),
                         "target": list(grid.target), "axes": list(grid.axes),
                         "flips": list(grid.flips)},
                "model_shape": list(grid.model_shape),
                "image": self._npy("image", image), "pad": pad,
                "positions": [list(p) for p in positions(grid.model_shape, plan)],
                "labels": self._npy("labels", blended[0].labels()),
                "masks": self._npy("masks", np.stack([m for m, _ in masks])),
                "volumes": [{"value": v.label.value, "voxels": v.voxels, "ml": v.ml}
                            for v in volumes],
                "voxel_mm3": grid.voxel_mm3,
                "domain": None if domain is None else {
                    "psi": domain.psi, "level": domain.level, "findings": list(domain.findings),
                    "notes": list(domain.notes)},
                "accumulator_bytes": blended[0].accumulator_bytes,
            }})

    def finish(self) -> None:
        (self.folder / "volume_cases.json").write_text(json.dumps(self.cases), encoding="utf-8")
