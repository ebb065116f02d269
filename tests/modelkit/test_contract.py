"""One contract from build to screen: what ``model build`` accepts, the viewer verifies, runs
and shows; what the viewer would refuse, the build refuses first, in the same words.

Every artifact here is built by the real build path from a tiny seeded nn.Module, verified
by the viewer's registry, and run on a phantom CT series written as DICOM files.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.inference.artifacts import DEMO_KEY, base_manifest  # noqa: E402
from tests.modelkit.conftest import SIZE, save_weights, write_recipe  # noqa: E402
from viewer.audit.log import AuditLog  # noqa: E402
from viewer.host.settings import load_settings  # noqa: E402
from viewer.imaging.lut import modality_values  # noqa: E402
from viewer.inference import ModelRegistry, run_model  # noqa: E402
from viewer.inference.errors import ManifestError  # noqa: E402
from viewer.inference.manifest import parse_manifest  # noqa: E402
from viewer.inference.postprocess import sample_nearest  # noqa: E402
from viewer.inference.preprocess import prepare_slice  # noqa: E402
from viewer.io.demo import write_phantom_series  # noqa: E402
from viewer.io.pixels import read_frame  # noqa: E402
from viewer.io.scan import scan  # noqa: E402
from viewer.modelkit import BuildError, build_artifact  # noqa: E402

pytestmark = pytest.mark.usefixtures("private_audit")

TISSUE = """
class Tissue(nn.Module):
    '''Three classes from a 1x1 convolution: scores, or the label map argmaxed in the graph.'''
    def __init__(self, argmax=False):
        super().__init__()
        self.argmax = argmax
        self.head = nn.Conv2d(1, 3, 1)

    def forward(self, image):
        logits = self.head(image * 4.0 - 2.0)
        return logits.argmax(dim=1) if self.argmax else logits
"""

SIZER = """
class Sizer(nn.Module):
    '''Two regression values per image: a density in percent and a spread.'''
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, image):
        stats = torch.stack([image.mean(dim=(1, 2, 3)), image.std(dim=(1, 2, 3))], dim=1)
        return self.fc(stats) * 10.0
"""

CUBE = """
class Cube(nn.Module):
    '''A 3-D output from a 2-D input: what a volume network gives.'''
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(1, 8, 3, padding=1)

    def forward(self, image):
        return self.head(image).reshape(image.shape[0], 2, 4, 32, 32)
"""

LABELS = [{"value": 0, "name": "background"}, {"value": 1, "name": "soft", "color": "#4FC3F7"},
          {"value": 2, "name": "dense", "color": "#FFB300"}]
MASK = {"name": "tissue", "kind": "mask", "shape": ["batch", 3, SIZE, SIZE],
        "activation": "softmax", "labels": LABELS}
LABEL_MAP = {"name": "tissue", "kind": "label_map", "shape": ["batch", SIZE, SIZE],
             "labels": LABELS}
VALUES = {"name": "measures", "kind": "values", "shape": ["batch", 2], "decimals": 2,
          "labels": [{"name": "density", "unit": "%"}, {"name": "spread", "unit": "HU"}]}


def _build(tmp_path, name, source, cls, outputs, *, kwargs=None, seed=0):
    recipe = write_recipe(tmp_path / name, source, cls, outputs, kwargs=kwargs,
                          recipe_id=name)
    weights = save_weights(recipe, tmp_path / f"{name}.pt", seed=seed)
    return build_artifact(recipe, weights, tmp_path / "models", key=DEMO_KEY)


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("contract-phantom")
    write_phantom_series(folder, slices=3, size=48)
    return scan([folder]).all_series()[0]


def _registry(tmp_path):
    return ModelRegistry([tmp_path / "models"], settings=load_settings())


def _run(entry, series):
    return run_model(entry, series, [1], accept_warnings=True,
                     audit_log=AuditLog.of(load_settings()))


def test_a_label_map_builds_verifies_and_lands_where_the_argmaxed_mask_does(tmp_path, phantom):
    """The same weights as scores (mask) and argmaxed in the graph (label_map, int64):
    both build, verify in the viewer, and give the same labels on every original pixel."""
    _build(tmp_path, "tissue-scores", TISSUE, "Tissue", [MASK])
    folder = _build(tmp_path, "tissue-map", TISSUE, "Tissue", [LABEL_MAP],
                    kwargs={"argmax": True})
    registry = _registry(tmp_path)
    scores, labels = registry.get("tissue-scores"), registry.get("tissue-map")
    assert scores.available and labels.available, (scores.reason, labels.reason)
    import onnxruntime as ort

    graph = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert graph.get_outputs()[0].type == "tensor(int64)"  # the viewer verified an int output
    (by_scores,) = _run(scores, phantom)
    (by_map,) = _run(labels, phantom)
    (mask,), (label_map,) = by_scores.masks, by_map.masks
    assert label_map.mask.shape == by_map.shape == (48, 48)  # the original image's grid
    assert np.array_equal(label_map.mask, mask.mask)
    assert label_map.labels == mask.labels and label_map.counts == mask.counts
    assert len(label_map.counts) >= 2  # the phantom is not one class everywhere
    # and it is where PyTorch puts it: the model on the prepared image, mapped back nearest
    ref = phantom.frames[1]
    sample, box = prepare_slice(modality_values(read_frame(ref), ref.instance, ref.frame),
                                labels.manifest.inputs[0])
    from viewer.modelkit import load_recipe

    model = load_recipe(tmp_path / "tissue-map").instantiate()
    model.load_state_dict(torch.load(tmp_path / "tissue-map.pt", weights_only=True))
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(sample[None]))[0].numpy()
    assert np.array_equal(label_map.mask, sample_nearest(expected, box))


def test_values_build_verify_run_and_carry_names_units_and_decimals(tmp_path, phantom):
    folder = _build(tmp_path, "sizer", SIZER, "Sizer", [VALUES])
    entry = _registry(tmp_path).get("sizer")
    assert entry.available, entry.reason
    card = (folder / "CARD.md").read_text(encoding="utf-8")
    assert "density (%), spread (HU)" in card and "2 decimal(s)" in card
    (result,) = _run(entry, phantom)
    (values,) = result.values
    assert values.names == ("density", "spread") and values.units == ("%", "HU")
    assert values.decimals == 2
    ref = phantom.frames[1]
    sample, _ = prepare_slice(modality_values(read_frame(ref), ref.instance, ref.frame),
                              entry.manifest.inputs[0])
    from viewer.modelkit import load_recipe

    model = load_recipe(tmp_path / "sizer").instantiate()
    model.load_state_dict(torch.load(tmp_path / "sizer.pt", weights_only=True))
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(sample[None]))[0].numpy()
    assert values.values == pytest.approx(expected.tolist(), abs=1e-4)
    assert values.items()[0] == ("density", f"{expected[0]:.2f} %")


def test_the_json_of_lightbox_infer_lists_the_values(tmp_path, phantom):
    import json

    from viewer.cli.main import main

    _build(tmp_path, "sizer", SIZER, "Sizer", [VALUES])
    out = tmp_path / "out"
    assert main(["infer", str(phantom.frames[1].instance.path), "--model", "sizer",
                 "--models-dir", str(tmp_path / "models"), "--out", str(out),
                 "--accept-warnings"]) == 0
    summary = json.loads(next(out.glob("*.json")).read_text())
    assert summary["ai_output"] is True and summary["marking"].startswith("AI")
    (output,) = summary["outputs"]
    assert output["kind"] == "values"
    assert [(v["name"], v["unit"]) for v in output["values"]] == [("density", "%"),
                                                                  ("spread", "HU")]
    assert output["values"][0]["shown"].endswith(" %")


# -- refusals: the build says what the viewer would, before writing anything --------------


INT_MAP = """
class IntMap(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Conv2d(1, 3, 1)

    def forward(self, image):
        return self.head(image).argmax(dim=1)
"""


def _refused(tmp_path, source, cls, outputs, **kw) -> BuildError:
    recipe = write_recipe(tmp_path / "recipe", source, cls, outputs, **kw)
    weights = save_weights(recipe, tmp_path / "w.pt")
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    assert caught.value.check == "contract"
    assert not (tmp_path / "models").exists()  # not a file, not even the folder
    return caught.value


def test_an_int_label_map_declared_as_a_mask_is_refused_naming_what_fits(tmp_path):
    message = str(_refused(tmp_path, INT_MAP, "IntMap", [MASK]))
    assert ("output 'tissue': a mask needs [batch, classes, rows, columns] of float32; this "
            "output is [batch, 32, 32] of int64: declare kind label_map") in message


def test_an_int_output_of_the_declared_mask_shape_is_refused(tmp_path):
    source = INT_MAP.replace("argmax(dim=1)", "argmax(dim=1, keepdim=True).repeat(1, 3, 1, 1)")
    message = str(_refused(tmp_path, source, "IntMap", [MASK]))
    assert "a mask needs [batch, classes, rows, columns] of float32" in message
    assert ("this output is [batch, 3, 32, 32] of int64: integer classes are a label map: "
            "drop the class axis (argmax over it) and declare kind label_map") in message


def test_an_output_that_does_not_fit_its_kind_is_refused_with_both_shapes(tmp_path):
    wrong = {"name": "tissue", "kind": "labels", "shape": ["batch", 3],
             "labels": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
    message = str(_refused(tmp_path, TISSUE, "Tissue", [wrong]))
    assert ("output 'tissue': labels need [batch, classes] of float32; this output is "
            "[batch, 3, 32, 32] of float32: declare kind mask") in message


def test_a_3d_mask_on_a_slice_model_is_refused_up_front_as_the_viewer_would(tmp_path):
    cube = {"name": "tissue", "kind": "mask", "shape": ["batch", 2, 4, SIZE, SIZE],
            "activation": "softmax", "labels": LABELS[:2]}
    error = _refused(tmp_path, CUBE, "Cube", [cube])
    assert "a mask needs [batch, classes, rows, columns]" in str(error)
    assert "needs a volume model" in str(error)
    # parse_manifest, which the viewer runs at every start, says the same words
    recipe = write_recipe(tmp_path / "recipe", CUBE, "Cube", [cube])
    import yaml

    spec = yaml.safe_load((recipe / "spec.yaml").read_text())
    document = base_manifest("tiny-model", spec["inputs"], [cube])
    document["files"] = {"model.onnx": "0" * 64, "golden.npz": "0" * 64}
    document["digest"] = "0" * 64
    with pytest.raises(ManifestError) as viewer:
        parse_manifest(document, tmp_path / "tiny-model")
    assert viewer.value.reason in str(error)


# -- variable-length boxes: detection networks ----------------------------------------------


SPOTS = """
class Spots(nn.Module):
    '''A box on every 8 x 8 cell whose score is above one half: as many as the image has.'''
    def __init__(self, per_image=False):
        super().__init__()
        self.per_image = per_image
        self.head = nn.Conv2d(1, 3, 8, stride=8)
        ys, xs = torch.meshgrid(torch.arange(4), torch.arange(4), indexing="ij")
        self.register_buffer("gx", xs.reshape(-1).float() * 8, persistent=False)
        self.register_buffer("gy", ys.reshape(-1).float() * 8, persistent=False)

    def detect(self, image):
        out = self.head(image * 4.0 - 2.0).flatten(2)
        score = torch.sigmoid(out[:, 0])
        cls = out[:, 1:].argmax(dim=1)
        b, c = (score > 0.5).nonzero(as_tuple=True)
        x, y = self.gx[c], self.gy[c]
        boxes = torch.stack([x, y, x + 8, y + 8], dim=1)
        return boxes, score[b, c], cls[b, c], b

    def forward(self, image):
        boxes, scores, classes, b = self.detect(image)
        if not self.per_image:
            return boxes, scores, classes, b
        # torchvision style: one dict per image
        return [{"boxes": boxes[b == k], "scores": scores[b == k], "labels": classes[b == k]}
                for k in range(image.shape[0])]
"""
VARIABLE = [
    {"name": "boxes", "kind": "boxes", "layout": "variable", "shape": ["detections", 4],
     "scores": "scores", "classes_output": "classes", "batch_index": "batch_index",
     "classes": [{"name": "spot", "color": "#FFB300"}, {"name": "blob"}],
     "score_threshold": 0.5, "nms_iou": 0.3},
    {"name": "scores", "kind": "box_scores", "shape": ["detections"]},
    {"name": "classes", "kind": "box_classes", "shape": ["detections"]},
    {"name": "batch_index", "kind": "box_batch", "shape": ["detections"]},
]


def test_variable_length_boxes_build_verify_and_run_per_image(tmp_path, phantom):
    folder = _build(tmp_path, "spots", SPOTS, "Spots", VARIABLE, seed=3)
    import onnxruntime as ort

    graph = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [o.shape[0] for o in graph.get_outputs()] == ["detections"] * 4
    entry = _registry(tmp_path).get("spots")
    assert entry.available, entry.reason
    results = run_model(entry, phantom, [0, 1, 2], batch_size=3, accept_warnings=True,
                        audit_log=AuditLog.of(load_settings()))
    alone = [_run(entry, phantom)[0]]  # image 1 by itself
    # each image gets its own boxes, the same in a batch of three as alone
    assert [b.x0 for b in results[1].boxes[0].candidates] == [
        b.x0 for b in alone[0].boxes[0].candidates]
    ref = phantom.frames[1]
    sample, box = prepare_slice(modality_values(read_frame(ref), ref.instance, ref.frame),
                                entry.manifest.inputs[0])
    from viewer.modelkit import load_recipe

    model = load_recipe(tmp_path / "spots").instantiate()
    model.load_state_dict(torch.load(tmp_path / "spots.pt", weights_only=True))
    with torch.no_grad():
        boxes, scores, _, _ = model.eval()(torch.from_numpy(sample[None]))
    assert results[1].boxes[0].candidates  # the phantom slice has spots
    assert len(results[1].boxes[0].candidates) <= len(boxes)  # NMS may merge, never add
    torch_scores = scores.numpy()
    for found in results[1].boxes[0].candidates:  # each one PyTorch's, mapped back
        assert np.abs(torch_scores - found.score).min() < 1e-4


def test_a_detector_looping_over_images_in_python_is_refused_not_frozen(tmp_path):
    """torchvision-style per-image dicts are concatenated by modelkit, but a Python loop
    over the batch cannot be exported for other batch sizes: refused, with the reason."""
    recipe = write_recipe(tmp_path / "loop", SPOTS, "Spots", VARIABLE,
                          kwargs={"per_image": True}, recipe_id="loop")
    weights = save_weights(recipe, tmp_path / "loop.pt", seed=3)
    with pytest.raises(BuildError) as caught:
        build_artifact(recipe, weights, tmp_path / "models")
    assert caught.value.check == "parity", str(caught.value)
    assert "froze the batch axis" in str(caught.value)
    assert not (tmp_path / "models" / "loop").exists()


def test_values_go_into_the_sr_as_measurements_with_units_and_come_back(tmp_path, phantom):
    import highdicom as hd

    from viewer.inference.dicom_export import write_dicom
    from viewer.inference.dicom_import import read_results

    _build(tmp_path, "sizer", SIZER, "Sizer", [VALUES])
    results = run_model(_registry(tmp_path).get("sizer"), phantom, None, accept_warnings=True,
                        audit_log=AuditLog.of(load_settings()))
    (tmp_path / "dicom").mkdir()
    (path,) = write_dicom(results, phantom, tmp_path / "dicom")
    assert path.name == "sizer-sr.dcm"
    groups = hd.sr.srread(path).content.get_image_measurement_groups()
    assert len(groups) == len(phantom.frames)
    density, spread = groups[0].get_measurements()
    assert (density.name.meaning, density.unit.value, density.unit.scheme_designator) == (
        "density", "%", "UCUM")
    assert (spread.name.meaning, spread.unit.value) == ("spread", "[hnsf'U]")
    back = read_results(path, phantom)
    for original, again in zip(results, back, strict=True):
        (a,), (b,) = original.values, again.values
        assert (b.output, b.names, b.units, b.decimals) == (a.output, a.names, a.units, 2)
        assert b.values == pytest.approx(a.values, rel=1e-6)


def test_lightbox_model_build_says_refused_never_built(tmp_path, capsys):
    from viewer.modelkit.cli import main

    recipe = write_recipe(tmp_path / "recipe", INT_MAP, "IntMap", [MASK])
    weights = save_weights(recipe, tmp_path / "w.pt")
    assert main(["build", str(recipe), "--weights", str(weights),
                 "--out", str(tmp_path / "models")]) == 1
    captured = capsys.readouterr()
    assert "built" not in captured.out
    assert "refused (contract)" in captured.err and "declare kind label_map" in captured.err
    assert "No artifact was written." in captured.err
