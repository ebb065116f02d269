"""The display state of AI results, without Qt: where results belong, what is drawn."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from viewer.inference import (
    Box,
    BoxesOutput,
    HeatmapOutput,
    Label,
    LabelsOutput,
    Letterbox,
    MaskOutput,
    Provenance,
    Result,
)
from viewer.state.ai_results import OverlayState, score_caption

SHAPE = (8, 10)
LABELS = (Label("background", 0), Label("liver", 1, "#A1887F"), Label("lesion", 2, "#FF5252"))


def provenance(frame: int, *, series: str = "1.2.3", model: str = "seg", digest: str = "d1",
               version: str = "1.0.0") -> Provenance:
    return Provenance(model, f"Model {model}", version, digest, True, "onnxruntime 1",
                      series, f"sop{frame}", frame, 0)


def result(frame: int, *outputs, **kw) -> Result:
    box = Letterbox(SHAPE, SHAPE, (1.0, 1.0), (0, 0))
    return Result(provenance(frame, **kw), SHAPE, box, tuple(outputs))


def mask_output() -> MaskOutput:
    mask = np.zeros(SHAPE, np.uint8)
    mask[1:5, 1:6] = 1
    mask[2:4, 2:4] = 2
    values, counts = np.unique(mask, return_counts=True)
    return MaskOutput("logits", LABELS, mask, dict(zip(values.tolist(), counts.tolist(),
                                                       strict=True)))


def boxes_output() -> BoxesOutput:
    strong = Box(1, 1, 4, 4, 0.9, 0, "spot", "#FFB300")
    weak = Box(5, 5, 8, 7, 0.55, 0, "spot", "#FFB300")
    low = Box(6, 0, 9, 2, 0.2, 0, "spot", "#FFB300")
    return BoxesOutput("boxes", (strong, weak), 0.5, (Label("spot", None, "#FFB300"),),
                       (strong, weak, low))


def record(state: OverlayState) -> list[frozenset[str]]:
    events: list[frozenset[str]] = []
    state.subscribe(events.append)
    return events


def test_does_not_import_qt() -> None:
    code = ("import sys, viewer.state.ai_results; "
            "assert not any(m.startswith('PySide6') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_results_belong_to_their_series_and_frame() -> None:
    state = OverlayState()
    events = record(state)
    state.add_results([result(3, mask_output()), result(4, mask_output())])
    assert events == [frozenset({"runs"})]
    assert [run.frames() for run in state.runs("1.2.3")] == [[3, 4]]
    assert len(state.at("1.2.3", 3)) == 1
    assert state.at("1.2.3", 5) == []
    assert state.at("9.9.9", 3) == []  # never on another series
    assert state.overlay_rgba("9.9.9", 3, SHAPE) is None


def test_a_new_version_of_a_model_replaces_its_old_results() -> None:
    state = OverlayState()
    state.add_results([result(3, mask_output()), result(4, mask_output())])
    state.add_results([result(4, mask_output(), digest="d2", version="2.0.0")])
    (run,) = state.runs("1.2.3")
    assert run.frames() == [4] and run.title == "Model seg 2.0.0"


def test_mask_layer_colours_labels_and_leaves_background_clear() -> None:
    state = OverlayState()
    state.add_results([result(0, mask_output())])
    layer = state.overlay_rgba("1.2.3", 0, SHAPE)
    assert layer is not None and layer.shape == (*SHAPE, 4)
    assert tuple(layer[1, 1, :3]) == (0xA1, 0x88, 0x7F)  # liver
    assert tuple(layer[2, 2, :3]) == (0xFF, 0x52, 0x52)  # lesion
    assert layer[0, 0, 3] == 0 and layer[7, 9, 3] == 0  # background stays clear
    assert layer[1, 1, 3] == round(255 * state.opacity)


def test_label_toggle_style_and_opacity_change_the_layer() -> None:
    state = OverlayState()
    state.add_results([result(0, mask_output())])
    events = record(state)
    state.set_label_visible("seg", 2, False)
    layer = state.overlay_rgba("1.2.3", 0, SHAPE)
    assert layer[2, 2, 3] == 0 and layer[1, 1, 3] > 0
    state.style = "contour"
    layer = state.overlay_rgba("1.2.3", 0, SHAPE)
    assert layer[1, 1, 3] > 0 and layer[3, 3, 3] == 0  # the liver's edge only
    state.opacity = 1.0
    assert state.overlay_rgba("1.2.3", 0, SHAPE)[1, 1, 3] == 255
    assert events == [frozenset({"labels"}), frozenset({"style"}), frozenset({"opacity"})]
    with pytest.raises(ValueError):
        state.style = "outline"
    with pytest.raises(ValueError):
        state.opacity = 1.5


def test_mask_findings_list_each_label_on_each_slice_and_toggle_alone() -> None:
    state = OverlayState()
    state.add_results([result(0, mask_output()), result(1, mask_output())])
    findings = state.findings("1.2.3")
    assert [(f.frame_index, f.label_value) for f in findings] == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert findings[0].text == "AI · Model seg 1.0.0 · liver (16 px)"
    state.set_finding_visible(findings[1].key, False)  # the lesion on slice 0
    assert state.overlay_rgba("1.2.3", 0, SHAPE)[2, 2, 3] == 0
    assert state.overlay_rgba("1.2.3", 1, SHAPE)[2, 2, 3] > 0


def test_box_threshold_uses_the_candidates_and_never_goes_below_the_model() -> None:
    state = OverlayState()
    (run,) = state.add_results([result(0, boxes_output(), model="det")])
    res = run.results[0]
    assert state.threshold(run) == 0.5
    assert [b.score for b in state.boxes(run, res)] == [0.9, 0.55]
    state.set_threshold(run, 0.6)
    assert [b.score for b in state.boxes(run, res)] == [0.9]
    state.set_threshold(run, 0.1)  # below the validated threshold: held at the model's
    assert state.threshold(run) == 0.5
    assert [b.score for b in state.boxes(run, res)] == [0.9, 0.55]
    (strong, weak) = [f for f in state.findings("1.2.3") if f.kind == "box"]
    assert strong.text == "AI · Model det 1.0.0 · spot 90%"
    state.set_finding_visible(weak.key, False)
    assert [b.score for b in state.boxes(run, res)] == [0.9]


def test_classification_finding_carries_model_and_version_and_heatmap_toggles() -> None:
    state = OverlayState()
    heat = np.zeros(SHAPE, np.float32)
    heat[2:4, 2:4] = 1.0
    labels = LabelsOutput("probs", (Label("no lesion"), Label("lesion")), (0.07, 0.93))
    (run,) = state.add_results([result(0, labels, HeatmapOutput("cam", heat, "inferno", "probs"),
                                       model="cls")])
    (finding,) = state.findings("1.2.3")
    assert finding.text == "AI · Model cls 1.0.0 · lesion 93%"
    assert finding.text == score_caption(run.provenance, "lesion", 0.93)
    layer = state.overlay_rgba("1.2.3", 0, SHAPE)
    assert layer[2, 2, 3] > 0 and layer[0, 0, 3] == 0  # cool areas stay clear
    state.set_finding_visible(finding.key, False)
    assert state.overlay_rgba("1.2.3", 0, SHAPE) is None


def test_heatmap_opacity_and_colour_map_are_display_state() -> None:
    from viewer.imaging.ai_layers import colormap_table

    state = OverlayState()
    heat = np.zeros(SHAPE, np.float32)
    heat[2:4, 2:4] = 1.0
    labels = LabelsOutput("probs", (Label("no lesion"), Label("lesion")), (0.07, 0.93))
    state.add_results([result(0, labels, HeatmapOutput("cam", heat, "inferno", "probs"))])
    events = record(state)
    hot = state.overlay_rgba("1.2.3", 0, SHAPE)[2, 2]
    assert tuple(hot[:3]) == tuple(colormap_table("inferno")[255])  # the model's own map
    assert hot[3] == round(255 * 0.45)
    state.heatmap_opacity = 0.8
    state.heatmap_colormap = "gray"
    hot = state.overlay_rgba("1.2.3", 0, SHAPE)[2, 2]
    assert tuple(hot) == (255, 255, 255, 204)
    state.heatmap_colormap = None  # back to the model's
    assert tuple(state.overlay_rgba("1.2.3", 0, SHAPE)[2, 2, :3]) == tuple(
        colormap_table("inferno")[255])
    assert events == [frozenset({"heatmap_opacity"})] + [frozenset({"heatmap_colormap"})] * 2
    with pytest.raises(ValueError, match="unknown colour map 'rainbow'"):
        state.heatmap_colormap = "rainbow"
    with pytest.raises(ValueError, match="heatmap opacity must lie in 0..1"):
        state.heatmap_opacity = 1.5


def test_a_result_of_another_size_is_never_stretched_over_the_image() -> None:
    state = OverlayState()
    state.add_results([result(0, mask_output())])
    assert state.overlay_rgba("1.2.3", 0, (16, 20)) is None


def test_visibility_toggle_and_clear_emit() -> None:
    state = OverlayState()
    (run,) = state.add_results([result(0, mask_output())])
    events = record(state)
    state.toggle_visible()
    state.toggle_visible()
    state.remove_run(run.key)
    assert events == [frozenset({"visible"})] * 2 + [frozenset({"runs"})]
    assert state.runs() == []
