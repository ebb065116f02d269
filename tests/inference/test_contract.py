"""The output contract on the viewer's side: which kinds and shapes a manifest may declare
per model kind, the graph check at every start, and variable-length boxes run per image."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from tests.inference.artifacts import _input_spec, _model, base_manifest, write_artifact
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, run_model
from viewer.inference.errors import ManifestError
from viewer.inference.manifest import parse_manifest

SIZE = (32, 32)
LABELS = [{"value": 0, "name": "background"}, {"value": 1, "name": "object"}]


def _document(outputs, *, volume=False, **intended):
    inputs = [_input_spec(SIZE)]
    if volume:
        inputs[0]["shape"] = ["batch", 1, 16, *SIZE]
        intended["input"] = "volume"
    doc = base_manifest("m", inputs, outputs, **intended)
    doc["files"] = {"model.onnx": "a" * 64, "golden.npz": "b" * 64}
    doc["digest"] = "c" * 64
    if volume:
        doc["volume"] = {"spacing_mm": [2.0, 2.0, 2.0], "axes": "SPL",
                         "patch_size": [16, *SIZE], "overlap": 0.5}
    return doc


def _parse(outputs, tmp_path, **kw):
    return parse_manifest(_document(outputs, **kw), tmp_path / "m")


def _refusal(outputs, tmp_path, **kw) -> str:
    with pytest.raises(ManifestError) as caught:
        _parse(outputs, tmp_path, **kw)
    return caught.value.reason


MASK_3D = {"name": "logits", "kind": "mask", "shape": ["batch", 2, 16, *SIZE], "labels": LABELS}
MAP_3D = {"name": "labels", "kind": "label_map", "shape": ["batch", 16, *SIZE], "labels": LABELS}
MAP_2D = {"name": "labels", "kind": "label_map", "shape": ["batch", *SIZE], "labels": LABELS}


def test_the_new_kinds_parse(tmp_path):
    (label_map,) = _parse([MAP_2D], tmp_path).outputs
    assert label_map.kind == "label_map" and [lb.value for lb in label_map.labels] == [0, 1]
    values = {"name": "v", "kind": "values", "shape": ["batch", 2], "decimals": 3,
              "labels": [{"name": "diameter", "unit": "mm"}, {"name": "age"}]}
    (spec,) = _parse([values], tmp_path).outputs
    assert [(lb.name, lb.unit) for lb in spec.labels] == [("diameter", "mm"), ("age", "")]
    assert spec.decimals == 3


def test_3d_masks_and_label_maps_need_a_volume_model(tmp_path):
    assert _parse([MASK_3D], tmp_path, volume=True).outputs[0].shape[2] == 16
    assert _parse([MAP_3D], tmp_path, volume=True).outputs[0].kind == "label_map"
    assert ("outputs[0].shape: a mask needs [batch, classes, rows, columns] (a 3-D mask "
            "[batch, classes, depth, rows, columns] needs a volume model") in _refusal(
                [MASK_3D], tmp_path)
    assert "a label_map needs [batch, rows, columns]" in _refusal([MAP_3D], tmp_path)
    # "volume" without the section keeps its older meaning: neighbouring slices, 2-D out
    assert "needs a volume model" in _refusal([MASK_3D], tmp_path, input="volume")
    # and a sliding-window volume model gives 3-D masks or label maps only
    two_d = {"name": "logits", "kind": "mask", "shape": ["batch", 2, *SIZE], "labels": LABELS}
    assert "a mask needs [batch, classes, depth, rows, columns]" in _refusal(
        [two_d], tmp_path, volume=True)
    probs = {"name": "p", "kind": "labels", "shape": ["batch", 2],
             "labels": [{"name": "a"}, {"name": "b"}]}
    assert "a volume model's outputs are masks or label maps" in _refusal(
        [probs], tmp_path, volume=True)


def test_values_name_each_number(tmp_path):
    values = {"name": "v", "kind": "values", "shape": ["batch", 3],
              "labels": [{"name": "a"}, {"name": "b"}]}
    assert "2 names for 3 values" in _refusal([values], tmp_path)


BOXES = {"name": "boxes", "kind": "boxes", "layout": "variable", "shape": ["detections", 4],
         "batch_index": "batch_index", "scores": "scores", "classes_output": "classes",
         "classes": [{"name": "spot", "color": "#FFB300"}, {"name": "blob"}],
         "score_threshold": 0.5, "nms_iou": 0.3}
COMPANIONS = [{"name": "scores", "kind": "box_scores", "shape": ["detections"]},
              {"name": "classes", "kind": "box_classes", "shape": ["detections"]},
              {"name": "batch_index", "kind": "box_batch", "shape": ["detections"]}]


def test_variable_length_boxes_need_their_three_companions(tmp_path):
    spec = _parse([BOXES, *COMPANIONS], tmp_path).output("boxes")
    assert (spec.layout, spec.batch_index, spec.classes_output) == (
        "variable", "batch_index", "classes")
    assert "no box_batch output 'batch_index'" in _refusal([BOXES, *COMPANIONS[:2]], tmp_path)
    fixed_scores = [{"name": "scores", "kind": "box_scores", "shape": ["batch", 5, 1]},
                    *COMPANIONS[1:]]
    assert "box_scores need [detections]" in _refusal([BOXES, *fixed_scores], tmp_path)
    lonely = _refusal([MAP_2D, COMPANIONS[1]], tmp_path)
    assert "box_classes output 'classes' belongs to no variable-length boxes" in lonely


# -- the graph check at every start -------------------------------------------------------


def _int_map_graph() -> bytes:
    """An argmax inside the graph: int64 [batch, rows, columns]."""
    nodes = [helper.make_node("ArgMax", ["image"], ["labels"], axis=1, keepdims=0)]
    out = helper.make_tensor_value_info("labels", TensorProto.INT64, ["batch", *SIZE])
    inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, *SIZE])
    return _model(nodes, [inp], [out])


def test_an_int_output_declared_as_mask_is_unavailable_with_the_reason(tmp_path):
    mask = {"name": "labels", "kind": "mask", "shape": ["batch", 1, *SIZE], "labels": LABELS}
    inputs = [_input_spec(SIZE)]
    # golden written by hand: the int graph cannot honestly stand behind a float mask
    golden = {"input:image": np.zeros((1, 1, *SIZE), np.float32),
              "output:labels": np.zeros((1, 1, *SIZE), np.float32)}
    write_artifact(tmp_path / "models" / "m", base_manifest("m", inputs, [mask]),
                   _int_map_graph(), golden)
    write_artifact(tmp_path / "models" / "ok", base_manifest("ok", inputs, [MAP_2D]),
                   _int_map_graph())
    registry = ModelRegistry([tmp_path / "models"], settings=load_settings())
    entry = registry.get("m")
    assert not entry.available
    assert ("model.onnx output 'labels': a mask needs [batch, classes, rows, columns] of "
            "float32; this output is [batch, 32, 32] of int64: declare kind label_map"
            ) in entry.reason
    assert registry.get("ok").available, registry.get("ok").reason


# -- variable-length boxes, run per image -------------------------------------------------


FIXED_BOXES = [[4, 8, 12, 16], [20, 20, 28, 30]]


def _variable_graph() -> bytes:
    """Two boxes for every image of the batch, as detection networks list them: all the
    rows of the batch together, and which image each belongs to."""
    ints = lambda name, v: numpy_helper.from_array(np.asarray(v, np.int64), name)  # noqa: E731
    floats = lambda name, v: numpy_helper.from_array(np.asarray(v, np.float32), name)  # noqa: E731
    nodes = [
        helper.make_node("Shape", ["image"], ["shape"]),
        helper.make_node("Slice", ["shape", "zero1", "one1"], ["batch"]),
        helper.make_node("Concat", ["batch", "one1"], ["tiles"], axis=0),
        helper.make_node("Tile", ["fixed_boxes", "tiles"], ["boxes"]),
        helper.make_node("Tile", ["fixed_scores", "batch"], ["scores"]),
        helper.make_node("Tile", ["fixed_classes", "batch"], ["classes"]),
        helper.make_node("Squeeze", ["batch", "zero1"], ["count"]),
        helper.make_node("Range", ["zero", "count", "one"], ["images"]),
        helper.make_node("Unsqueeze", ["images", "one1"], ["column"]),
        helper.make_node("Expand", ["column", "pair"], ["grid"]),
        helper.make_node("Reshape", ["grid", "flat"], ["batch_index"]),
    ]
    inits = [ints("zero1", [0]), ints("one1", [1]), ints("zero", 0), ints("one", 1),
             ints("pair", [1, 2]), ints("flat", [-1]), floats("fixed_boxes", FIXED_BOXES),
             floats("fixed_scores", [0.9, 0.7]), ints("fixed_classes", [0, 1])]
    inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, *SIZE])
    outs = [helper.make_tensor_value_info("boxes", TensorProto.FLOAT, ["detections", 4]),
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["detections"]),
            helper.make_tensor_value_info("classes", TensorProto.INT64, ["detections"]),
            helper.make_tensor_value_info("batch_index", TensorProto.INT64, ["detections"])]
    return _model(nodes, [inp], outs, inits)


def test_variable_length_boxes_verify_and_each_image_gets_its_own(tmp_path, phantom):
    manifest = base_manifest("spots", [_input_spec(SIZE)], [copy.deepcopy(BOXES), *COMPANIONS])
    write_artifact(tmp_path / "models" / "spots", manifest, _variable_graph())
    entry = ModelRegistry([tmp_path / "models"], settings=load_settings()).get("spots")
    assert entry.available, entry.reason
    results = run_model(entry, phantom, [0, 1, 2], batch_size=3,
                        audit_log=AuditLog.of(load_settings()))
    scale = 96 / 32  # the phantom's 96 × 96 into the 32 × 32 input
    for result in results:
        (boxes,) = result.boxes
        assert [(b.class_name, round(b.score, 3)) for b in boxes.boxes] == [
            ("spot", 0.9), ("blob", 0.7)]
        assert [b.x0 for b in boxes.boxes] == pytest.approx([4 * scale, 20 * scale])
