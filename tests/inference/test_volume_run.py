"""Volume models end to end: a modelkit-built 3-D net on real DICOM volumes.

The model and phantom are described in tests/inference/volumes3d.py: label 1 marks the
bright box, label 2 its SUPERIOR surface, so a wrong reorientation or resampling shows as
labels on the wrong voxels.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.inference.volumes3d import (
    BOX,
    BOX_ML,
    distance_inside,
    voxel_centres,
    write_axial,
)
from viewer.audit.log import AuditLog
from viewer.errors import Cancelled
from viewer.host.settings import load_settings
from viewer.inference import ModelInputError, run_model
from viewer.inference.verify import verify_artifact
from viewer.inference.volume_grid import plan_grid
from viewer.inference.volume_run import plan_bytes
from viewer.io.scan import scan


def _series(folder):
    return scan([folder]).all_series()[0]


def _run(model, series, **kw):
    return run_model(model, series, audit_log=AuditLog.of(load_settings()), **kw)


def _labels(results) -> np.ndarray:
    return np.stack([r.masks[0].mask for r in results])


@pytest.fixture
def model(volume_model):
    return verify_artifact(volume_model)


@pytest.mark.parametrize("acquired", ["axial_phantom_dir", "sagittal_phantom_dir"])
def test_axial_and_sagittal_acquisitions_label_the_same_voxels(model, acquired, request):
    series = _series(request.getfixturevalue(acquired))
    results = _run(model, series)
    assert [r.provenance.frame_index for r in results] == list(range(len(series.frames)))
    assert [r.provenance.sop_instance_uid for r in results] == [
        f.instance.sop_instance_uid for f in series.frames]
    labels = _labels(results)
    x, y, z = voxel_centres(series)
    inside = distance_inside(x, y, z)
    # deep inside the box: bright (the top layer may be "top"); well outside: background
    assert set(np.unique(labels[inside >= 2.5])) == {1}
    assert set(np.unique(labels[inside <= -2.5])) == {0}
    # the superior surface, never the inferior one: the volume was read the right way up
    top = labels == 2
    assert top.sum() > 0
    z_top = BOX[2][1]
    assert z[top].min() > z_top - 2.5 and z[top].max() < z_top
    (x0, x1), (y0, y1) = BOX[0], BOX[1]
    assert x[top].min() > x0 and x[top].max() < x1 and y[top].min() > y0 and y[top].max() < y1


def test_both_acquisitions_measure_the_box_in_ml(model, axial_phantom_dir, sagittal_phantom_dir):
    measured = []
    for folder in (axial_phantom_dir, sagittal_phantom_dir):
        series = _series(folder)
        results = _run(model, series)
        summary = results[0].volume
        assert summary is not None and all(r.volume is summary for r in results)
        # the mL add up exactly what the masks on the acquired slices show
        shown = sum(r.masks[0].counts.get(2, 0) for r in results) * summary.voxel_mm3 / 1000
        assert summary.ml("top") == pytest.approx(shown)
        measured.append(summary.ml("bright") + summary.ml("top"))
        assert [v.label.name for v in summary.volumes] == ["bright", "top"]
        # the run's audit record keeps the mL the reader sees (the drift statistics)
        stats = AuditLog.of(load_settings()).records()[-1]["stats"]
        assert stats["output"][results[0].masks[0].output] == {
            "kind": "mask", "ml": {v.label.name: round(v.ml, 3) for v in summary.volumes}}
        assert stats["input"]["frames"] == len(results)
    assert measured == pytest.approx([BOX_ML, BOX_ML], rel=0.05)


def test_a_patch_larger_than_the_volume_is_padded_not_refused(model, tmp_path):
    write_axial(tmp_path, size=12, pixel=2.0, thickness=4.0)  # 24 mm: a 12³ grid at 2 mm
    series = _series(tmp_path)
    results = _run(model, series)
    assert results[0].volume.target_shape == (12, 12, 12)  # smaller than the 16³ patch
    assert results[0].volume.patches == 1
    labels = _labels(results)
    inside = distance_inside(*voxel_centres(series))
    assert set(np.unique(labels[inside >= 3])) <= {1, 2} and (labels == 1).any()
    assert set(np.unique(labels[inside <= -3])) == {0}


def test_the_accumulator_is_sized_from_the_target_grid(model, axial_phantom_dir, tmp_path):
    small = tmp_path / "coarse"
    write_axial(small, size=24, pixel=2.0, thickness=4.0)
    for folder in (axial_phantom_dir, small):
        series = _series(folder)
        (result,) = _run(model, series, frames=[0])
        summary = result.volume
        grid = plan_grid(_geometry(series), model.manifest.volume)
        assert summary.target_shape == grid.model_shape
        classes = 3
        assert summary.accumulator_bytes == classes * int(np.prod(grid.model_shape)) * 4
        assert plan_bytes(model.manifest, grid) >= summary.accumulator_bytes


def _geometry(series):
    from viewer.inference.volume_grid import geometry

    return geometry(series)


def test_cancel_in_the_middle_of_the_window_returns_nothing_and_is_audited(
        model, axial_phantom_dir, audit_file):
    series = _series(axial_phantom_dir)
    from viewer.tasks.cancel import CancelToken

    token = CancelToken()
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done > len(series.frames):  # frames read; some patches run
            token.cancel()

    with pytest.raises(Cancelled):
        _run(model, series, progress=progress, cancel=token, batch_size=2)
    frames = len(series.frames)
    assert seen[0] == (0, frames + 8) and seen[-1][0] == frames + 2  # cancelled after a batch
    (record,) = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert record["outcome"] == "cancelled" and record["frames"] == 0


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("gap", "slices are missing"),
        ("uneven", "uneven slice spacing"),
        ("tilt", "gantry tilt"),
    ],
)
def test_a_series_that_makes_no_faithful_volume_is_refused(model, tmp_path, audit_file, kind,
                                                           message):
    steps = {"gap": [2.0] * 10 + [6.0] + [2.0] * 10,
             "uneven": [2.0, 2.4] * 10,
             "tilt": [2.0] * 20}[kind]
    zs = list(np.cumsum([0.0, *steps]) * -1 + 20)
    write_axial(tmp_path, positions=zs, shear=0.5 if kind == "tilt" else 0.0)
    with pytest.raises(ModelInputError) as caught:
        _run(model, _series(tmp_path))
    text = str(caught.value)
    assert "volume inference refused" in text and message in text
    (record,) = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert record["outcome"] == "refused" and message in record["message"]


def test_only_the_frames_asked_come_back_but_the_whole_series_is_read(model, axial_phantom_dir):
    series = _series(axial_phantom_dir)
    whole = _run(model, series)
    some = _run(model, series, frames=[12, 3])
    assert [r.provenance.frame_index for r in some] == [12, 3]
    for r in some:
        assert np.array_equal(r.masks[0].mask, whole[r.provenance.frame_index].masks[0].mask)
    assert some[0].volume.volumes == whole[0].volume.volumes


def test_a_run_that_would_not_fit_in_memory_is_refused_with_the_figure(
        model, axial_phantom_dir, audit_file, monkeypatch):
    series = _series(axial_phantom_dir)
    grid = plan_grid(_geometry(series), model.manifest.volume)
    needed = plan_bytes(model.manifest, grid)
    # a computer with less than twice what this run plans to hold
    monkeypatch.setattr("viewer.inference.volume_run.memory_available", lambda: needed)
    with pytest.raises(ModelInputError, match=r"needs about \d+ MiB of memory \(grid 24 × 24 × "
                       r"24\); this computer has \d+ MiB"):
        _run(model, series)
    (record,) = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert record["outcome"] == "refused" and record["frames"] == 0


def label_map_model(folder, reference=None):
    """An integer label map (argmax inside the graph), written with onnx.helper: bright
    voxels (windowed above one half) are label 3."""
    from onnx import TensorProto, helper

    from tests.inference.artifacts import _model, base_manifest, write_artifact

    p = 16
    nodes = [helper.make_node("Squeeze", ["image", "axis"], ["volume"]),
             helper.make_node("Greater", ["volume", "half"], ["bright"]),
             helper.make_node("Cast", ["bright"], ["one"], to=TensorProto.INT64),
             helper.make_node("Mul", ["one", "three"], ["labels"])]
    graph = _model(
        nodes,
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 1, p, p, p])],
        [helper.make_tensor_value_info("labels", TensorProto.INT64, ["batch", p, p, p])],
        [helper.make_tensor("axis", TensorProto.INT64, [1], [1]),
         helper.make_tensor("half", TensorProto.FLOAT, [], [0.5]),
         helper.make_tensor("three", TensorProto.INT64, [], [3])])
    inputs = [{"name": "image", "shape": ["batch", 1, p, p, p], "channels": 1,
               "intensity": {"kind": "window", "center": 40, "width": 400}}]
    outputs = [{"name": "labels", "kind": "label_map", "shape": ["batch", p, p, p],
                "labels": [{"value": 0, "name": "background"},
                           {"value": 3, "name": "bright", "color": "#FFB300"}]}]
    manifest = base_manifest(folder.name, inputs, outputs, input="volume")
    manifest["volume"] = {"spacing_mm": [2.0, 2.0, 2.0], "axes": "SPL",
                          "patch_size": [p, p, p], "blending": "constant",
                          "pad_value": -1024}
    if reference is not None:
        manifest["reference"] = reference
    return verify_artifact(write_artifact(folder, manifest, graph))


def test_a_label_map_volume_model_votes_its_labels_back(axial_phantom_dir, tmp_path):
    series = _series(axial_phantom_dir)
    results = _run(label_map_model(tmp_path / "label-map-3d"), series)
    labels = _labels(results)
    inside = distance_inside(*voxel_centres(series))
    assert set(np.unique(labels[inside >= 2.5])) == {3}
    assert set(np.unique(labels[inside <= -2.5])) == {0}
    assert results[0].volume.ml("bright") == pytest.approx(BOX_ML, rel=0.05)
    assert all(r.domain is None for r in results)  # no reference statistics: not judged


def test_the_whole_volume_is_compared_with_the_training_data_once(axial_phantom_dir, tmp_path,
                                                                   audit_file):
    """Training data all bright (model input near 1): this dark volume is unlike it."""
    reference = {"input": "image", "samples": 20,
                 "intensity_histogram": {"range": [0.0, 1.0], "bins": 4,
                                         "fractions": [0.01, 0.01, 0.01, 0.97]}}
    series = _series(axial_phantom_dir)
    results = _run(label_map_model(tmp_path / "label-map-ref", reference), series)
    domain = results[0].domain
    assert domain is not None and domain.unlike and all(r.domain is domain for r in results)
    (record,) = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert record["unlike_training"] == len(series.frames)


def test_the_volume_comes_from_the_frame_cache_not_the_disk(model, tmp_path):
    """The GUI hands run_model frame_source(cache): frames already decoded for the screen
    are not read again; here the files are gone by the time the model runs."""
    from viewer.io.cache import FrameCache
    from viewer.io.frames import frame_source

    write_axial(tmp_path / "ct")
    series = _series(tmp_path / "ct")
    source = frame_source(FrameCache(64 << 20))
    for ref in series.frames:  # what the viewport's loader did
        source(ref)
    for ref in series.frames:
        ref.instance.path.unlink()
    results = _run(model, series, source=source)
    assert len(results) == len(series.frames)
    assert results[0].volume.ml("bright") + results[0].volume.ml("top") == pytest.approx(
        BOX_ML, rel=0.05)


def test_a_series_of_two_images_is_not_a_volume(model, tmp_path, audit_file):
    from viewer.inference.intended_use import check_intended_use

    write_axial(tmp_path, positions=[3.0, 1.0])
    series = _series(tmp_path)
    check = check_intended_use(model.manifest, series)  # what greys the model in the panel
    assert check.problems == ("the model reads the series as a volume of at least 3 slices; "
                              "the series has 2",)
    with pytest.raises(ModelInputError, match="at least 3 slices"):
        _run(model, series)
    (record,) = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert record["outcome"] == "refused"
