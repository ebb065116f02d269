"""One specification: viewer.inference's pre- and post-processing against the browser's
TypeScript (web/src/inference) on the same inputs, within the manifest's tolerance.

Python writes the cases (tests/web/spec_cases.py): real frames of the demo study through
the three 2-D bundled models (Python ONNX Runtime's raw outputs), odd sizes (shrunk along
one axis and enlarged along the other: Pillow's antialiasing filter), RGB as grey and as
three channels, a flat image, every intensity kind, nearest resampling, no kept aspect,
and made-up raw outputs for the kinds no bundled model has (label maps, values, a
one-channel sigmoid mask, variable-length boxes). web/tests/spec.test.ts (Vitest, in
node) reads them, runs the TypeScript on the same image and raw outputs, runs the model
with onnxruntime-web on the TypeScript's own sample, and compares.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.web.spec_cases import CaseWriter, input_variant, manifest_with
from viewer.imaging.lut import modality_values
from viewer.inference import bundled_models_dir
from viewer.inference.session import create_session
from viewer.io.demo import phantom_regions, write_phantom_series
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"


def _npx() -> str:
    npx = shutil.which("npx")
    if npx is None:
        pytest.skip("npx (Node) is not installed")
    if not (WEB / "node_modules" / "vitest").is_dir():
        pytest.skip("web/node_modules is missing: run `cd web && npm ci`")
    return npx


def _frame(series, index: int) -> np.ndarray:
    ref = series.frames[index]
    return np.asarray(modality_values(read_frame(ref), ref.instance, ref.frame), dtype=np.float32)


def _session(model_id: str):
    return create_session((bundled_models_dir() / model_id / "model.onnx").read_bytes())


def _write_cases(folder: Path, demo: Path) -> int:
    series = scan([demo]).all_series()[0]
    regions = phantom_regions()
    writer = CaseWriter(folder)
    lesion, lung = regions["lesion"].slice_index, regions["lung"].slice_index
    rng = np.random.default_rng(16)
    odd = [rng.normal(40, 300, (37, 53)).astype(np.float32),
           rng.normal(40, 300, (300, 211)).astype(np.float32),
           rng.normal(40, 300, (129, 1000)).astype(np.float32)]
    for model_id in ("ct-body-seg", "ct-lesion-cls", "ct-lesion-det"):
        session = _session(model_id)
        doc = manifest_with(model_id)
        for index in (lesion, lung):
            writer.add(f"{model_id} demo frame {index}", _frame(series, index), doc, session=session)
        for image in odd:
            writer.add(f"{model_id} {image.shape[0]}x{image.shape[1]}", image, doc, session=session)
    rgb = rng.integers(0, 256, (45, 61, 3)).astype(np.uint8)
    flat = np.full((70, 90), 7.0, dtype=np.float32)
    demo_frame = _frame(series, lesion)
    variants = {
        "RGB as grey": (rgb, input_variant("ct-body-seg")),
        "RGB as three channels": (rgb, input_variant("ct-body-seg", channels=3,
                                                      shape=["batch", 3, 128, 128])),
        "flat, window": (flat, input_variant("ct-body-seg")),
        "flat, minmax": (flat, input_variant("ct-body-seg", intensity={"kind": "minmax"})),
        "demo, minmax": (demo_frame, input_variant("ct-body-seg", intensity={"kind": "minmax"})),
        "demo, normalize": (demo_frame, input_variant(
            "ct-body-seg", intensity={"kind": "normalize", "mean": 40.0, "std": 350.0})),
        "demo, nearest": (demo_frame, input_variant("ct-body-seg", interpolation="nearest")),
        "odd, nearest": (odd[1], input_variant("ct-body-seg", interpolation="nearest")),
        "odd, no kept aspect": (odd[2], input_variant("ct-body-seg", keep_aspect=False,
                                                       pad_value=-1.0)),
        "odd, 96x80 target": (odd[1], input_variant("ct-body-seg", size=[96, 80])),
    }
    for name, (image, inputs) in variants.items():
        writer.add(name, image, manifest_with("ct-body-seg", inputs=inputs))
    # Output kinds without a bundled model: made-up raw outputs, the same to both sides.
    kinds = [
        ({"name": "labels", "kind": "label_map", "shape": ["batch", 32, 32],
          "labels": [{"value": 0, "name": "bg"}, {"value": 7, "name": "a"},
                     {"value": 300, "name": "b"}]},
         {"labels": rng.choice([0, 7, 300, -3, 70000], (1, 32, 32)).astype(np.int64)}),
        ({"name": "fg", "kind": "mask", "shape": ["batch", 1, 64, 64], "activation": "sigmoid",
          "labels": [{"value": 0, "name": "bg"}, {"value": 5, "name": "fg"}]},
         {"fg": rng.normal(0, 3, (1, 1, 64, 64)).astype(np.float32)}),
        ({"name": "size", "kind": "values", "shape": ["batch", 2], "activation": "none",
          "labels": [{"name": "a", "unit": "mm"}, {"name": "b"}]},
         {"size": np.array([[3.25, np.nan]], dtype=np.float32)}),
    ]
    for spec, raw in kinds:
        writer.add(f"{spec['kind']} ({spec.get('activation', '')})", demo_frame,
                   manifest_with("ct-body-seg", outputs=[spec]), raw=raw)
    n = 40
    corners = rng.uniform(0, 120, (n, 2))
    sizes = rng.uniform(2, 30, (n, 2))
    boxes = np.concatenate([corners, corners + sizes], axis=1).astype(np.float32)
    boxes[3] = np.nan
    variable = [
        {"name": "det", "kind": "boxes", "layout": "variable", "shape": ["detections", 4],
         "scores": "det_scores", "classes_output": "det_classes", "batch_index": "det_batch",
         "classes": [{"name": "one"}, {"name": "two"}], "score_threshold": 0.4,
         "nms_iou": 0.2},
        {"name": "det_scores", "kind": "box_scores", "shape": ["detections"]},
        {"name": "det_classes", "kind": "box_classes", "shape": ["detections"]},
        {"name": "det_batch", "kind": "box_batch", "shape": ["detections"]},
    ]
    writer.add("variable boxes", odd[1], manifest_with("ct-lesion-det", outputs=variable), raw={
        "det": boxes, "det_scores": rng.uniform(0, 1, n).astype(np.float32),
        "det_classes": rng.integers(0, 3, n).astype(np.int64),
        "det_batch": np.zeros(n, dtype=np.int64)})
    fixed = manifest_with("ct-lesion-det")
    fixed["outputs"][0]["classes"] = [{"name": "one"}, {"name": "two"}]
    fixed["outputs"][0]["nms_iou"] = 0.1
    fixed["outputs"][1]["shape"] = ["batch", 256, 2]
    many = np.concatenate([boxes] * 7)[:256][None]
    writer.add("fixed boxes, two classes", odd[0], fixed, raw={
        "boxes": many, "scores": rng.uniform(0, 1, (1, 256, 2)).astype(np.float32)})
    # N neighbouring slices on the channel axis (4-D) and on a slice axis (5-D)
    frames = [_frame(series, i) for i in range(4)]
    for shape, interpolation in ((["batch", 3, 128, 128], "linear"),
                                 (["batch", 1, 5, 96, 96], "nearest")):
        inputs = input_variant("ct-body-seg", slices=shape[1] if len(shape) == 4 else shape[2],
                               shape=shape, interpolation=interpolation,
                               intensity={"kind": "minmax"})
        inputs[0]["resize"]["size"] = shape[-2:]
        doc = manifest_with("ct-body-seg", inputs=inputs)
        doc["intended_use"]["input"] = "volume"
        for center in (0, 3):
            writer.add_stack(f"{len(shape)}-D stack around frame {center}", frames, center, doc)
    writer.finish()
    return len(writer.cases)


def test_typescript_processing_equals_viewer_inference(tmp_path) -> None:
    npx = _npx()
    demo = tmp_path / "demo"
    write_phantom_series(demo)  # the demo study's own: 64 slices of 256 x 256
    cases = tmp_path / "cases"
    cases.mkdir()
    count = _write_cases(cases, demo)
    env = dict(os.environ, LIGHTBOX_SPEC_DIR=str(cases))
    done = subprocess.run([npx, "vitest", "run", "tests/spec.test.ts"], cwd=WEB, env=env,
                          capture_output=True, text=True, timeout=600)
    report = cases / "report.json"
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    import json

    found = json.loads(report.read_text(encoding="utf-8"))
    assert len(found) == count
    assert all(item["ok"] for item in found), [i for i in found if not i["ok"]]


def _volume_doc(model_id: str, *, patch: list[int] | None = None,
                outputs: list[dict] | None = None, **volume: object) -> dict:
    """The bundled volume model's manifest with its volume section (and patch) changed."""
    doc = manifest_with(model_id)
    doc["volume"].update(volume)
    if patch is not None:
        doc["volume"]["patch_size"] = patch
        doc["inputs"][0]["shape"] = ["batch", 1, *patch]
        doc["inputs"][0]["resize"]["size"] = patch[-2:]
        for out in doc["outputs"]:
            out["shape"] = [*out["shape"][:-3], *patch]
    if outputs is not None:
        doc["outputs"] = outputs
    return doc


def _write_volume_cases(folder: Path, demo: Path, brain: Path | None) -> int:
    from tests.web.volume_cases import VolumeCases

    phantom = scan([demo]).all_series()[0]
    cases = VolumeCases(folder)
    labels3 = [{"value": 0, "name": "bg"}, {"value": 1, "name": "a"}, {"value": 5, "name": "b"}]
    cases.add("ct-body-seg3d on the demo phantom (onnxruntime-web against Python's ORT)",
              phantom, manifest_with("ct-body-seg3d"), session=_session("ct-body-seg3d"))
    gaussian = _volume_doc("ct-body-seg3d", outputs=[
        {"name": "m", "kind": "mask", "activation": "none", "shape": ["batch", 3, 32, 32, 32],
         "labels": labels3}])
    # the 2-D model's training data (same window): the volume's check against it
    gaussian["reference"] = manifest_with("ct-body-seg")["reference"]
    cases.add("demo phantom, gaussian, three classes, a reference", phantom, gaussian,
              model="mask3")
    cases.add("demo phantom as RAI at 1.5 x 4 x 4 mm, patch larger than the grid, constant",
              phantom, _volume_doc(
                  "ct-body-seg3d", patch=[24, 96, 16], axes="RAI", spacing_mm=[4.0, 4.0, 1.5],
                  blending="constant", overlap=0.3, pad_value=-500.0,
                  outputs=[{"name": "fg", "kind": "mask", "activation": "none",
                            "shape": ["batch", 1, 24, 96, 16],
                            "labels": [{"value": 0, "name": "bg"}, {"value": 2, "name": "fg"}]}]),
              model="mask1")
    if brain is not None:
        mr = scan([brain]).all_series()[0]
        sagittal = _volume_doc("mr-brain-tissue", outputs=[
            {"name": "m", "kind": "mask", "activation": "none",
             "shape": ["batch", 3, 32, 32, 32], "labels": labels3}])
        sagittal["reference"] = manifest_with("ct-body-seg")["reference"]  # CT: unlike it
        cases.add("sagittal MR brain (SPL from a sagittal stack: axes permuted, a flip), "
                  "a CT reference", mr, sagittal, model="mask3")
        minmax = _volume_doc(
            "mr-brain-tissue", patch=[20, 40, 28], spacing_mm=[3.0, 2.5, 1.7],
            interpolation="nearest", overlap=0.6,
            outputs=[{"name": "lm", "kind": "label_map", "shape": ["batch", 20, 40, 28],
                      "labels": [{"value": i, "name": f"l{i}"} for i in range(4)]}])
        minmax["inputs"][0]["intensity"] = {"kind": "minmax"}
        cases.add("sagittal MR brain, minmax, nearest, 3 x 2.5 x 1.7 mm, label map", mr, minmax,
                  model="label_map")
    cases.finish()
    return len(cases.cases)


def test_typescript_volume_steps_equal_viewer_inference(tmp_path) -> None:
    """A volume model's steps (docs/web.md): the grid, the resampled image (bit-equal), the
    patch starts, the blended labels (exact with a made-up model both sides compute alike;
    the bundled ct-body-seg3d in onnxruntime-web within a few voxels), the masks back on
    every original frame and the mL."""
    npx = _npx()
    demo = tmp_path / "demo"
    write_phantom_series(demo)
    brain = None
    try:
        import nilearn  # noqa: F401  (the MNI152 template: a test dependency)
    except ImportError:
        pass
    else:
        from tests.anatomy import write_mni152_series

        brain = write_mni152_series(tmp_path / "brain", "sagittal")
    cases = tmp_path / "cases"
    cases.mkdir()
    count = _write_volume_cases(cases, demo, brain)
    env = dict(os.environ, LIGHTBOX_SPEC_DIR=str(cases))
    done = subprocess.run([npx, "vitest", "run", "tests/volume.test.ts"], cwd=WEB, env=env,
                          capture_output=True, text=True, timeout=900)
    report = cases / "volume_report.json"
    assert done.returncode == 0, f"{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    import json

    found = json.loads(report.read_text(encoding="utf-8"))
    assert len(found) == count
    assert all(item["ok"] for item in found), [i for i in found if not i["ok"]]
