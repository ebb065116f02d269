"""Tiny real artifacts for tests, written exactly as docs/model-artifact.md says.

The graphs are built with ``onnx.helper`` (a test-time dependency only) and do simple,
predictable things, so a test can tell where each output must land:

* ``threshold`` (mask): intensity window → [0, 1]; a pixel above 0.5 is "object".
  With the default window (centre 40 HU, width 400), anything above 40 HU is object.
* ``classify`` (labels + heatmap): P(bright) = the mean of the windowed image; the heatmap
  is the image averaged over 4 × 4 blocks.
* ``detect`` (boxes): three fixed boxes in model-input pixels with fixed scores, so
  threshold, NMS and the mapping back through the letterbox can be checked exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from viewer.inference.digest import manifest_digest, sha256_file
from viewer.inference.signing import SIGNATURE, load_private_key, sign_digest

OPSET = 17


def _model(nodes, inputs, outputs, initializers=()) -> bytes:
    graph = helper.make_graph(nodes, "test", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _const(name: str, value) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def _image_input(size: tuple[int, int], channels: int = 1, batch: str | int = "batch"):
    return helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, channels, *size])


def threshold_graph(size=(64, 64), batch: str | int = "batch") -> bytes:
    nodes = [
        helper.make_node("Sub", ["image", "half"], ["above"]),
        helper.make_node("Sub", ["half", "image"], ["below"]),
        helper.make_node("Concat", ["below", "above"], ["both"], axis=1),
        helper.make_node("Mul", ["both", "gain"], ["logits"]),
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, 2, *size])
    return _model(
        nodes, [_image_input(size, batch=batch)], [out], [_const("half", 0.5), _const("gain", 20.0)]
    )


def classify_graph(size=(32, 32)) -> bytes:
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean4"], axes=[2, 3], keepdims=1),
        helper.make_node("Flatten", ["mean4"], ["mean"], axis=1),
        helper.make_node("Sub", ["one", "mean"], ["rest"]),
        helper.make_node("Concat", ["rest", "mean"], ["probs"], axis=1),
        helper.make_node("AveragePool", ["image"], ["cam"], kernel_shape=[4, 4], strides=[4, 4]),
    ]
    outs = [
        helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", 2]),
        helper.make_tensor_value_info(
            "cam", TensorProto.FLOAT, ["batch", 1, size[0] // 4, size[1] // 4]
        ),
    ]
    return _model(nodes, [_image_input(size)], outs, [_const("one", 1.0)])


def volume_graph(size=(32, 32)) -> bytes:
    """Three slices on the channel axis; "object" where their mean is above one half."""
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["mean", "half"], ["above"]),
        helper.make_node("Sub", ["half", "mean"], ["below"]),
        helper.make_node("Concat", ["below", "above"], ["both"], axis=1),
        helper.make_node("Mul", ["both", "gain"], ["logits"]),
    ]
    out = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2, *size])
    return _model(
        nodes, [_image_input(size, channels=3)], [out], [_const("half", 0.5), _const("gain", 20.0)]
    )


#: The detector's fixed boxes (xyxy, model-input pixels) and scores.
DETECT_BOXES = [[4, 8, 12, 16], [5, 8, 13, 16], [20, 20, 28, 30]]
DETECT_SCORES = [[0.9], [0.8], [0.3]]


def detect_graph(size=(32, 32)) -> bytes:
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["mean4"], axes=[1, 2, 3], keepdims=1),
        helper.make_node("Reshape", ["mean4", "shape3"], ["mean3"]),
        helper.make_node("Mul", ["mean3", "zero"], ["nothing"]),
        helper.make_node("Add", ["nothing", "fixed_boxes"], ["boxes"]),
        helper.make_node("Add", ["nothing", "fixed_scores"], ["scores"]),
    ]
    shape3 = numpy_helper.from_array(np.array([-1, 1, 1], dtype=np.int64), "shape3")
    outs = [
        helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["batch", 3, 4]),
        helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 3, 1]),
    ]
    inits = [
        shape3,
        _const("zero", 0.0),
        _const("fixed_boxes", [DETECT_BOXES]),
        _const("fixed_scores", [DETECT_SCORES]),
    ]
    return _model(nodes, [_image_input(size)], outs, inits)


def _input_spec(size, intensity=None, channels=1) -> dict[str, Any]:
    return {
        "name": "image",
        "shape": ["batch", channels, *size],
        "dtype": "float32",
        "channels": channels,
        "resize": {
            "size": list(size),
            "keep_aspect": True,
            "pad_value": 0.0,
            "interpolation": "linear",
        },
        "intensity": intensity or {"kind": "window", "center": 40, "width": 400},
        "slices": None,
    }


def base_manifest(model_id: str, inputs, outputs, **intended) -> dict[str, Any]:
    use = {
        "modality": ["CT"],
        "body_part": [],
        "view": None,
        "population": "test phantom",
        "pixel_spacing_mm": None,
        "input": "slice",
    }
    use.update(intended)
    return {
        "format_version": 1,
        "id": model_id,
        "name": f"Test {model_id}",
        "version": "1.0.0",
        "description": "a test artifact",
        "not_for_clinical_use": True,
        "intended_use": use,
        "inputs": inputs,
        "outputs": outputs,
        "tolerance": {"atol": 1e-5, "rtol": 1e-4},
        "checks": {"deterministic": True},
        "provenance": {"exporter": "onnx.helper", "opset": OPSET},
    }


def specs(kind: str) -> tuple[bytes, list, list]:
    if kind == "threshold":
        size = (64, 64)
        outputs = [
            {
                "name": "logits",
                "kind": "mask",
                "shape": ["batch", 2, *size],
                "activation": "softmax",
                "labels": [
                    {"value": 0, "name": "background"},
                    {"value": 1, "name": "object", "color": "#FF0000"},
                ],
            }
        ]
        return threshold_graph(size), [_input_spec(size)], outputs
    if kind == "classify":
        size = (32, 32)
        outputs = [
            {
                "name": "probs",
                "kind": "labels",
                "shape": ["batch", 2],
                "activation": "none",
                "labels": [{"name": "dark"}, {"name": "bright"}],
            },
            {
                "name": "cam",
                "kind": "heatmap",
                "shape": ["batch", 1, 8, 8],
                "range": [0, 1],
                "colormap": "inferno",
                "for": "probs",
            },
        ]
        return classify_graph(size), [_input_spec(size)], outputs
    if kind == "detect":
        size = (32, 32)
        outputs = [
            {
                "name": "boxes",
                "kind": "boxes",
                "shape": ["batch", 3, 4],
                "format": "xyxy",
                "scores": "scores",
                "classes": [{"name": "spot", "color": "#FFB300"}],
                "score_threshold": 0.5,
                "nms_iou": 0.3,
            },
            {"name": "scores", "kind": "box_scores", "shape": ["batch", 3, 1]},
        ]
        return detect_graph(size), [_input_spec(size)], outputs
    if kind == "volume":
        size = (32, 32)
        spec = _input_spec(size, channels=3) | {"channels": 1, "slices": 3}
        outputs = [
            {
                "name": "logits",
                "kind": "mask",
                "shape": ["batch", 2, *size],
                "activation": "softmax",
                "labels": [{"value": 0, "name": "background"}, {"value": 1, "name": "object"}],
            }
        ]
        return volume_graph(size), [spec], outputs
    raise ValueError(kind)


def golden_inputs(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    typical = rng.random((2, *shape), dtype=np.float32)
    return np.concatenate(
        [np.zeros((1, *shape), np.float32), np.ones((1, *shape), np.float32), typical]
    )


def write_artifact(
    folder: Path,
    manifest: dict[str, Any],
    onnx_bytes: bytes,
    golden: dict[str, np.ndarray] | None = None,
) -> Path:
    """Write model.onnx, golden.npz (run through ORT when not given), CARD.md and the
    manifest with its file digests and digest."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(onnx_bytes)
    if golden is None:
        spec = manifest["inputs"][0]
        x = golden_inputs(tuple(spec["shape"][1:]))
        session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
        names = [o["name"] for o in manifest["outputs"]]
        got = session.run(names, {spec["name"]: x})
        golden = {f"input:{spec['name']}": x} | {
            f"output:{n}": g for n, g in zip(names, got, strict=True)
        }
    with open(folder / "golden.npz", "wb") as f:
        np.savez(f, **golden)
    (folder / "CARD.md").write_text(
        f"# {manifest['name']}\n\nDemonstration, not for clinical use.\n"
    )
    return seal(folder, manifest)


#: The demonstration key (models/keys/): trusted for not-for-clinical-use models while
#: the site file lists no keys, which is the tests' default.
DEMO_KEY = Path(__file__).resolve().parents[2] / "models" / "keys" / "DEMO-ONLY-model-signing-key.pem"


def seal(folder: Path, manifest: dict[str, Any], *, key: Path | None = DEMO_KEY) -> Path:
    """(Re)write the manifest with digests of the files now in ``folder``, then sign it
    with ``key`` (None: leave it unsigned, and drop an older signature)."""
    files = {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in ("manifest.json", SIGNATURE)
    }
    manifest = {k: v for k, v in manifest.items() if k != "digest"} | {"files": files}
    manifest["digest"] = manifest_digest(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    (folder / SIGNATURE).unlink(missing_ok=True)
    if key is not None:  # signed as written, even a manifest the viewer will refuse
        document = sign_digest(manifest["digest"], load_private_key(key))
        (folder / SIGNATURE).write_text(json.dumps(document), encoding="utf-8")
    return folder


def build(
    root: Path, kind: str, model_id: str | None = None, *, intensity: dict | None = None, **intended
) -> Path:
    graph, inputs, outputs = specs(kind)
    if intensity is not None:
        inputs[0]["intensity"] = intensity
    if kind == "volume":
        intended.setdefault("input", "volume")
    model_id = model_id or kind
    return write_artifact(
        root / model_id, base_manifest(model_id, inputs, outputs, **intended), graph
    )

