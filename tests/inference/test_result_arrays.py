"""viewer.inference.result_arrays: every output kind a Result can hold goes through the
service's ``?outputs=arrays`` encoding and comes back equal, including the kinds no
bundled model has (values, uint16 label maps, a heatmap given at the image's size), NaN,
and an answer that is not ours refused with a reason."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from viewer.inference.manifest import Label, Manifest
from viewer.inference.preprocess import Letterbox
from viewer.inference.registry import ModelRegistry
from viewer.inference.result_arrays import (
    ArrayFormatError,
    decode_array,
    encode_array,
    frame_arrays,
    letterbox,
    outputs_of,
)
from viewer.inference.results import (
    Box,
    BoxesOutput,
    HeatmapOutput,
    LabelsOutput,
    MaskOutput,
    Provenance,
    Result,
    ValuesOutput,
)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "int32", "float32"])
def test_arrays_come_back_bit_identical_and_read_only(dtype):
    a = (np.arange(6 * 7) * 977 % 300).astype(dtype).reshape(6, 7)
    item = json.loads(json.dumps(encode_array(a)))  # through JSON, as on the wire
    b = decode_array(item)
    assert b.dtype == a.dtype and np.array_equal(a, b) and not b.flags.writeable


def test_an_array_that_is_not_ours_is_refused_with_a_reason():
    good = encode_array(np.zeros((2, 2), np.uint8))
    for bad in ({**good, "encoding": "raw"}, {**good, "dtype": "object"},
                {**good, "shape": [3, 3]}, {**good, "data": "***"}, {"dtype": "uint8"}):
        with pytest.raises(ArrayFormatError):
            decode_array(bad)


def _manifest(tmp_path) -> Manifest:
    from viewer.host.settings import load_settings
    from viewer.inference import bundled_models_dir

    entry = ModelRegistry([bundled_models_dir()], settings=load_settings()).get("ct-lesion-det")
    assert entry.manifest is not None
    return entry.manifest


def test_every_output_kind_round_trips(tmp_path):
    """The outputs' names must be the manifest's; here they are made up for each kind on a
    manifest whose outputs are replaced (the decoding takes labels from the manifest)."""
    import dataclasses

    base = _manifest(tmp_path)
    labels = (Label("background", 0), Label("big", 300, "#ff0000"))
    spec = base.outputs[0]
    specs = (
        dataclasses.replace(spec, name="seg", kind="mask", labels=labels),
        dataclasses.replace(spec, name="cam", kind="heatmap", labels=()),
        dataclasses.replace(spec, name="given", kind="heatmap", labels=()),
        dataclasses.replace(spec, name="probs", kind="labels",
                            labels=(Label("a"), Label("b"))),
        dataclasses.replace(spec, name="size", kind="values",
                            labels=(Label("length", unit="mm"), Label("age", unit="years"))),
        spec,
    )
    manifest = dataclasses.replace(base, outputs=specs)
    box = Letterbox(source=(20, 30), target=(16, 16), scale=(0.5, 0.5), offset=(3, 0))
    mask = np.zeros((20, 30), np.uint16)
    mask[2:5, 3:9] = 300
    mask.flags.writeable = False
    boxes = (Box(1.25, 2.5, 10.125, 12.0, 0.9, 0, spec.classes[0].name,
                 spec.classes[0].color),)
    candidates = (*boxes, Box(0.0, 0.0, 3.0, 3.0, 0.01, 0, spec.classes[0].name,
                              spec.classes[0].color))
    outputs = (
        MaskOutput("seg", labels, mask, {0: 600 - 18, 300: 18}),
        HeatmapOutput("cam", None, specs[1].colormap, specs[1].for_output,
                      grid=np.linspace(0, 1, 256, dtype=np.float32).reshape(16, 16), box=box,
                      value_range=(0.25, 0.75)),
        HeatmapOutput("given", np.full((20, 30), 0.5, np.float32), specs[2].colormap,
                      specs[2].for_output),
        LabelsOutput("probs", specs[3].labels, (0.1234567891234, 0.8765432108766)),
        ValuesOutput("size", ("length", "age"), ("mm", "years"), specs[4].decimals,
                     (12.345678901, math.nan)),
        BoxesOutput(spec.name, boxes, spec.score_threshold, spec.classes, candidates),
    )
    provenance = Provenance("m", "m", "1", "d" * 64, True, "onnxruntime 1", "1.2", "1.2.3",
                            0, 0)
    result = Result(provenance, (20, 30), box, outputs)
    frame = json.loads(json.dumps(frame_arrays(result)))
    assert letterbox(frame["geometry"]) == box
    back = outputs_of(frame, manifest)
    assert [type(o) for o in back] == [type(o) for o in outputs]
    m, cam, given, probs, values, found = back
    assert isinstance(m, MaskOutput) and m.mask.dtype == np.uint16
    assert np.array_equal(m.mask, mask) and m.counts == outputs[0].counts
    assert isinstance(cam, HeatmapOutput) and cam.box == box and cam.value_range == (0.25, 0.75)
    assert np.array_equal(cam.heatmap, outputs[1].heatmap)  # placed the same way
    assert isinstance(given, HeatmapOutput) and np.array_equal(given.heatmap, outputs[2].heatmap)
    assert probs == outputs[3]  # unrounded
    assert isinstance(values, ValuesOutput) and values.values[0] == 12.345678901
    assert math.isnan(values.values[1]) and values.items() == outputs[4].items()
    assert found == outputs[5]  # boxes and candidates, exactly
    with pytest.raises(ArrayFormatError, match="does not have"):
        outputs_of({"outputs": [{"name": "other", "kind": "mask"}]}, manifest)
