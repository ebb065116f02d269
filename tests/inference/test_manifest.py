"""manifest.json is data, validated field by field; problems name the field."""

from __future__ import annotations

import copy
import json

import pytest

from tests.inference.artifacts import base_manifest, specs
from viewer.inference.errors import ManifestError
from viewer.inference.manifest import parse_manifest, read_manifest


@pytest.fixture
def document():
    _, inputs, outputs = specs("detect")
    doc = base_manifest("detect", inputs, outputs, body_part=["chest"], pixel_spacing_mm=[0.4, 1.5])
    doc["files"] = {"model.onnx": "a" * 64, "golden.npz": "b" * 64}
    doc["digest"] = "c" * 64
    return doc


def parse(doc, folder="detect"):
    return parse_manifest(doc, folder)


def test_a_valid_manifest_becomes_typed_data(document):
    m = parse(document)
    assert (m.id, m.version, m.not_for_clinical_use) == ("detect", "1.0.0", True)
    assert m.intended_use.body_part == ("CHEST",) and m.intended_use.pixel_spacing_mm == (0.4, 1.5)
    spec = m.inputs[0]
    assert spec.shape == ("batch", 1, 32, 32) and spec.resize.size == (32, 32)
    assert spec.intensity.kind == "window" and spec.intensity.width == 400
    boxes = m.output("boxes")
    assert boxes.scores == "scores" and boxes.nms_iou == 0.3 and boxes.classes[0].color == "#FFB300"
    with pytest.raises(TypeError):
        m.files["model.onnx"] = "x"  # read-only


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(format_version=2), "format_version: 2 is not supported"),
        (lambda d: d.pop("tolerance"), "tolerance: is missing"),
        (lambda d: d.update(id="Detect"), "id: 'Detect' must be lower-case"),
        (lambda d: d.update(version="one"), "version: 'one' is not a semantic version"),
        (
            lambda d: d["inputs"][0].update(channels=2),
            r"inputs\[0\].channels: must be 1 \(grey\) or 3",
        ),
        (
            lambda d: d["inputs"][0]["shape"].__setitem__(0, 1),
            r'inputs\[0\].shape\[0\]: the first axis must be the dynamic axis "batch"',
        ),
        (
            lambda d: d["inputs"][0]["intensity"].update(kind="gamma"),
            r"inputs\[0\].intensity.kind: 'gamma' is not one of",
        ),
        (
            lambda d: d["inputs"][0]["resize"].update(size=[16, 16]),
            r"inputs\[0\].resize.size: \[16, 16\] differs from the shape",
        ),
        (
            lambda d: d["outputs"][0].update(scores="nope"),
            r"outputs\[0\].scores: no box_scores output 'nope'",
        ),
        (
            lambda d: d["outputs"][0]["classes"][0].update(color="red"),
            r"outputs\[0\].classes\[0\].color: expected a colour",
        ),
        (
            lambda d: d["files"].update({"../evil.onnx": "a" * 64}),
            r"files\['../evil.onnx'\]: must be a plain path",
        ),
        (lambda d: d["files"].pop("golden.npz"), "files: golden.npz is not listed"),
        (lambda d: d.update(digest="xyz"), "digest: expected a SHA-256"),
        (
            lambda d: d["intended_use"].update(pixel_spacing_mm=[2, 1]),
            "pixel_spacing_mm: expected 0 < smallest <= largest",
        ),
    ],
)
def test_a_wrong_field_is_named(document, edit, message):
    doc = copy.deepcopy(document)
    edit(doc)
    with pytest.raises(ManifestError, match=message) as caught:
        parse(doc)
    assert str(caught.value).startswith("model detect: manifest.json: ")


def test_the_id_must_be_the_folder_name(document):
    with pytest.raises(ManifestError, match="differs from the folder name"):
        parse(document, folder="other")


def test_json_that_is_not_strict_is_refused(tmp_path, document):
    folder = tmp_path / "detect"
    folder.mkdir()
    text = json.dumps(document).replace('"atol": 1e-05', '"atol": NaN')
    (folder / "manifest.json").write_text(text)
    with pytest.raises(ManifestError, match="does not parse as JSON"):
        read_manifest(folder)
    (folder / "manifest.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(ManifestError, match="not UTF-8"):
        read_manifest(folder)
    (folder / "manifest.json").unlink()
    with pytest.raises(ManifestError, match="manifest.json is missing"):
        read_manifest(folder)
