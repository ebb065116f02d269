"""Geometry round trip: what a model finds on its letterboxed input lands on the right
pixels of the original image, whatever its shape."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.inference.artifacts import DETECT_BOXES, build
from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, bundled_models_dir, run_model
from viewer.io.demo import (
    AIR,
    HU,
    LESION,
    LIVER,
    LUNG,
    RESCALE_INTERCEPT,
    _Layout,
    phantom_labels,
    phantom_regions,
    write_phantom_series,
)
from viewer.io.scan import scan


@pytest.mark.parametrize("shape", [(60, 100), (100, 60), (64, 64), (30, 200)])
def test_a_mask_lands_on_the_known_object(tmp_path, shape):
    """A plain image with one bright rectangle, a model that thresholds it at 64 × 64."""
    rows, cols = shape
    image = np.zeros(shape, dtype=np.uint8)
    r0, r1, c0, c1 = rows // 4, rows // 2, cols // 3, cols * 3 // 4
    image[r0:r1, c0:c1] = 200  # 200 through the window (40, 400) = 0.9: object
    Image.fromarray(image).save(tmp_path / "object.png")
    build(tmp_path / "models", "threshold", modality=[])
    entry = ModelRegistry([tmp_path / "models"], settings=load_settings()).get("threshold")
    series = scan([tmp_path / "object.png"]).all_series()[0]

    (result,) = run_model(entry, series, [0], audit_log=AuditLog.of(load_settings()))
    mask = result.masks[0].mask
    assert mask.shape == shape
    # every pixel further than one model pixel from the object's edge is exactly right
    margin = int(np.ceil(1 / min(result.geometry.scale))) + 1
    truth = image > 0
    inside = np.zeros(shape, bool)
    inside[r0 + margin : r1 - margin, c0 + margin : c1 - margin] = True
    outside = np.ones(shape, bool)
    outside[max(0, r0 - margin) : r1 + margin, max(0, c0 - margin) : c1 + margin] = False
    assert np.all(mask[inside] == 1)
    assert np.all(mask[outside] == 0)
    assert abs(int(mask.sum()) - int(truth.sum())) <= 2 * margin * (r1 - r0 + c1 - c0)
    # the source is untouched and the result cannot be edited
    assert not mask.flags.writeable


def test_a_mask_on_the_phantom_matches_its_label_map(tmp_path, phantom):
    """Threshold at -500 HU: the body minus the lungs, on a 96-pixel slice through the
    lungs, predicted at 64 pixels and mapped back."""
    build(
        tmp_path / "models", "threshold", intensity={"kind": "window", "center": -500, "width": 2}
    )
    entry = ModelRegistry([tmp_path / "models"], settings=load_settings()).get("threshold")
    index = 3  # t = 3/11: through both lungs
    (result,) = run_model(entry, phantom, [index], audit_log=AuditLog.of(load_settings()))
    layout = _Layout(12, 96, (0.8, 0.8), 2.5)
    labels = phantom_labels(index, layout)
    truth = (labels != AIR) & (labels != LUNG)
    mask = result.masks[0].mask.astype(bool)
    iou = (mask & truth).sum() / (mask | truth).sum()
    assert iou > 0.93
    rows, cols = np.nonzero(mask)
    t_rows, t_cols = np.nonzero(truth)
    assert abs(rows.mean() - t_rows.mean()) < 1.0 and abs(cols.mean() - t_cols.mean()) < 1.0


def test_boxes_map_back_through_a_non_square_letterbox(tmp_path):
    image = np.zeros((50, 100), dtype=np.uint8)  # 32 × 32 input: scale 0.32, rows offset 8
    Image.fromarray(image).save(tmp_path / "wide.png")
    build(tmp_path / "models", "detect", modality=[])
    entry = ModelRegistry([tmp_path / "models"], settings=load_settings()).get("detect")
    (result,) = run_model(entry, scan([tmp_path / "wide.png"]).all_series()[0], [0], audit_log=AuditLog.of(load_settings()))
    box = result.geometry
    assert box.offset == (8, 0) and box.inner == (16, 32)
    (kept,) = result.boxes[0].boxes  # the 0.8 box overlaps the 0.9 one; 0.3 is below 0.5
    x0, y0, x1, y1 = DETECT_BOXES[0]
    assert kept.score == pytest.approx(0.9)
    assert (kept.x0, kept.x1) == pytest.approx((x0 / 0.32, x1 / 0.32))
    assert (kept.y0, kept.y1) == pytest.approx(((y0 - 8) / 0.32, (y1 - 8) / 0.32))
    # the low-score box stays available to a threshold slider
    assert [round(b.score, 1) for b in result.boxes[0].candidates] == [0.9, 0.3]


def test_a_heatmap_is_resized_to_the_original(tmp_path):
    image = np.zeros((40, 80), dtype=np.uint8)
    image[:, 40:] = 240  # right half bright
    Image.fromarray(image).save(tmp_path / "half.png")
    build(tmp_path / "models", "classify", modality=[])
    entry = ModelRegistry([tmp_path / "models"], settings=load_settings()).get("classify")
    (result,) = run_model(entry, scan([tmp_path / "half.png"]).all_series()[0], [0], audit_log=AuditLog.of(load_settings()))
    heat = result.heatmaps[0].heatmap
    assert heat.shape == (40, 80)
    assert heat[:, :30].mean() < heat[:, 50:].mean()
    assert result.labels[0].top[0] == "dark"  # padding and the dark half outweigh


@pytest.mark.parametrize(
    ("name", "pad"),
    [("wide", ((0, 0), (24, 40))), ("tall", ((50, 14), (0, 0)))],
)
def test_the_bundled_segmentation_lands_on_the_liver_of_a_non_square_image(tmp_path, name, pad):
    """The demo phantom's lesion slice, widened (256 × 320) or heightened (320 × 256) with
    uneven air margins, through the real ct-body-seg model at 128 × 128: the letterbox
    pads one axis, and the mask must come back onto the liver's own pixels."""
    import pydicom
    from pydicom.uid import generate_uid

    slices, size = 21, 256
    files = write_phantom_series(tmp_path / "ct", slices=slices, size=size)
    index = phantom_regions(slices, size)["lesion"].slice_index
    ds = pydicom.dcmread(files[index])
    air = int(HU[AIR] - RESCALE_INTERCEPT)
    pixels = np.pad(ds.pixel_array, pad, constant_values=air).astype(np.uint16)
    ds.Rows, ds.Columns = pixels.shape
    ds.PixelData = pixels.tobytes()
    ds.SeriesInstanceUID = generate_uid()
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    (tmp_path / name).mkdir()
    ds.save_as(tmp_path / name / "slice.dcm")
    entry = ModelRegistry([bundled_models_dir()], settings=load_settings()).get("ct-body-seg")
    assert entry.available, entry.reason

    (result,) = run_model(entry, scan([tmp_path / name]).all_series()[0], [0], audit_log=AuditLog.of(load_settings()))
    output = result.masks[0]
    mask = output.mask
    assert mask.shape == pixels.shape
    assert min(result.geometry.offset) == 0 and max(result.geometry.offset) > 0  # letterboxed
    truth = np.pad(phantom_labels(index, _Layout(slices, size, (0.8, 0.8), 2.5)), pad,
                   constant_values=AIR)
    for label, value, least in (("liver", LIVER, 0.85), ("lesion", LESION, 0.7)):
        found = mask == output.label_named(label).value
        real = truth == value
        assert (found & real).sum() / (found | real).sum() > least, label
        rows, cols = np.nonzero(found)
        real_rows, real_cols = np.nonzero(real)
        # a letterbox offset or scale applied wrongly moves the mask by tens of pixels
        assert abs(rows.mean() - real_rows.mean()) < 1.5, label
        assert abs(cols.mean() - real_cols.mean()) < 1.5, label
    assert np.all(mask[truth == AIR] == 0)  # nothing in the air, the added margins included
