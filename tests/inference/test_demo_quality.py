"""The bundled models on every slice of the demo phantom, through the viewer's own path.

What a radiologist opening the demo would notice: a "lesion" score or a box on a slice
with no lesion, a lesion missed where it is plainly there, an organ outline that does not
fit. The truth is the phantom's own label map (``viewer.io.demo.phantom_labels``).

The lesion is a sphere, so the slices next to its poles cut only its edge. A slice counts
as showing the lesion when the cut's in-plane radius is at least 3 mm (the bundled
recipes' ``LESION_MIN_RADIUS_MM``, models/recipes/common/phantom2d.py); a thinner cut is
"partial" and neither answer is wrong there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, bundled_models_dir, run_model
from viewer.io.demo import LESION, LIVER, LUNG, _Layout, phantom_labels, write_phantom_series
from viewer.io.scan import scan

SLICES, SIZE, SPACING_MM = 64, 256, 0.8  # write_phantom_series' defaults: the demo's series
LESION_MIN_RADIUS_MM = 3.0
LARGE_ORGAN = 0.02  # an organ is "large" on a slice covering 2 % of it


@pytest.fixture(scope="module")
def truth() -> list[np.ndarray]:
    layout = _Layout(SLICES, SIZE, (SPACING_MM, SPACING_MM), 2.5)
    return [phantom_labels(i, layout) for i in range(SLICES)]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, list]:
    """Every bundled model on every slice of the demo series, as the viewer runs them."""
    tmp = tmp_path_factory.mktemp("quality")
    write_phantom_series(tmp / "phantom")
    series = scan([tmp / "phantom"]).all_series()[0]
    assert len(series.frames) == SLICES
    registry = ModelRegistry([bundled_models_dir()], settings=load_settings())
    audit = AuditLog(tmp / "audit.jsonl")
    out = {}
    for model_id in ("ct-lesion-cls", "ct-lesion-det", "ct-body-seg"):
        entry = registry.get(model_id)
        assert entry.available, entry.reason
        out[model_id] = run_model(entry, series, batch_size=16, audit_log=audit)
    return out


def lesion_radius_mm(labels: np.ndarray) -> float:
    """The in-plane radius of the lesion disc on a slice (0 when there is none)."""
    return math.sqrt((labels == LESION).sum() / math.pi) * SPACING_MM


def _kind(labels: np.ndarray) -> str:
    radius = lesion_radius_mm(labels)
    return "lesion" if radius >= LESION_MIN_RADIUS_MM else "partial" if radius else "none"


def test_the_demo_has_lesion_slices_and_clean_ones_to_judge(truth):
    kinds = [_kind(labels) for labels in truth]
    assert kinds.count("lesion") >= 5 and kinds.count("none") >= 50


def test_classifier_says_lesion_exactly_where_there_is_one(truth, results):
    wrong = []
    for index, (labels, result) in enumerate(zip(truth, results["ct-lesion-cls"], strict=True)):
        p = result.labels[0].probability("lesion")
        kind = _kind(labels)
        if (kind == "none" and p >= 0.5) or (kind == "lesion" and p <= 0.5):
            wrong.append(f"slice {index} ({kind}): P(lesion) {p:.2f}")
    assert not wrong, wrong


def _hits(box, lesion: np.ndarray) -> bool:
    rows = slice(max(int(box.y0), 0), math.ceil(box.y1))
    cols = slice(max(int(box.x0), 0), math.ceil(box.x1))
    return bool(lesion[rows, cols].any())


def test_detector_boxes_the_lesion_and_nothing_else(truth, results):
    wrong = []
    for index, (labels, result) in enumerate(zip(truth, results["ct-lesion-det"], strict=True)):
        boxes = result.boxes[0].boxes
        lesion = labels == LESION
        kind = _kind(labels)
        if kind == "lesion" and not any(_hits(b, lesion) for b in boxes):
            wrong.append(f"slice {index}: lesion missed")
        stray = [b for b in boxes if not _hits(b, lesion)]
        if stray and kind != "partial":
            wrong.append(f"slice {index} ({kind}): {len(stray)} box(es) off the lesion, "
                         f"best score {max(b.score for b in stray):.2f}")
    assert not wrong, wrong


def test_segmentation_outlines_lungs_and_liver_where_they_are_large(truth, results):
    wrong, judged = [], 0
    for index, (labels, result) in enumerate(zip(truth, results["ct-body-seg"], strict=True)):
        mask = result.masks[0]
        # the lesion inside the liver is a label of its own, for the phantom and the model
        for name, value in (("lung", LUNG), ("liver", LIVER)):
            want = labels == value
            if want.mean() < LARGE_ORGAN:
                continue
            judged += 1
            got = mask.mask == mask.label_named(name).value
            dice = 2 * (got & want).sum() / (got.sum() + want.sum())
            if dice <= 0.9:
                wrong.append(f"slice {index}: {name} Dice {dice:.3f}")
    assert judged >= 40 and not wrong, wrong
