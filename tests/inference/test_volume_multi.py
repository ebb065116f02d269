"""A volume model reading two series of one study: resampled onto one grid, windowed together.

The model is built by the real build path and the study written by pydicom
(tests/inference/volumes3d_multi.py): the pre-contrast series is axial, the post-contrast
one sagittal at other pixels and slice spacing; the mask must land on the voxels of the
primary where the post-contrast series is brighter, and nowhere the two agree.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.inference.volumes3d import voxel_centres  # noqa: E402
from tests.inference.volumes3d_multi import (  # noqa: E402
    MODEL_ID,
    OTHER_FRAME,
    distance_inside,
    post_hu,
    pre_hu,
    write_axial,
    write_sagittal,
)
from viewer.audit.log import AuditLog  # noqa: E402
from viewer.errors import Cancelled  # noqa: E402
from viewer.host.settings import load_settings  # noqa: E402
from viewer.inference import ModelInputError, ModelRegistry, run_model  # noqa: E402
from viewer.inference.series_match import propose  # noqa: E402
from viewer.io.scan import scan  # noqa: E402
from viewer.tasks.cancel import CancelToken  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from tests.inference.volumes3d_multi import build_model

    work = tmp_path_factory.mktemp("enhance-3d")
    build_model(work)
    return work / "models"


@pytest.fixture
def entry(models):
    return ModelRegistry([models], settings=load_settings()).get(MODEL_ID)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study3d")
    write_axial(root / "pre", pre_hu, description="Phantom pre", number=2)
    write_sagittal(root / "post", post_hu, description="Phantom post sagittal", number=3)
    write_axial(root / "post-axial", post_hu, description="Phantom post axial", number=4)
    write_axial(root / "t2", pre_hu, description="Phantom T2", number=5)
    write_sagittal(root / "other-frame", post_hu, description="Phantom post elsewhere",
                   number=6, frame=OTHER_FRAME)
    write_axial(root / "far", post_hu, description="Phantom post far", number=7, shift_z=200.0)
    (found,) = scan([root]).studies
    return {s.description: s for s in found.series}


def _run(entry, study, post, **kw):
    return run_model(entry, study["Phantom pre"], inputs={"post": post},
                     audit_log=AuditLog.of(load_settings()), **kw)


def _labels(results) -> np.ndarray:
    return np.stack([r.masks[0].mask for r in results])


def test_the_manifest_takes_a_series_rule_on_a_volume_model(entry):
    manifest = entry.manifest
    assert entry.model is not None and manifest.volume is not None
    assert [i.name for i in manifest.inputs] == ["pre", "post"]
    assert manifest.inputs[1].from_other_series


@pytest.mark.parametrize("post", ["Phantom post sagittal", "Phantom post axial"])
def test_the_mask_lands_on_the_primary_voxels_where_the_series_differ(
        entry, study, post, audit_file):
    pre = study["Phantom pre"]
    results = _run(entry, study, study[post])
    assert len(results) == len(pre.frames)
    labels = _labels(results)
    inside = distance_inside(*voxel_centres(pre))
    assert set(np.unique(labels[inside >= 2.5])) == {1}
    assert set(np.unique(labels[inside <= -2.5])) == {0}  # the bright box cancels out
    # the mask's volume is the enhancing box's (16 × 16 × 14 mm = 3.584 mL) within a layer
    assert results[0].volume.ml("enhancing") == pytest.approx(3.584, rel=0.25)
    # provenance names both series; the audit record hashes the other
    other = study[post]
    for k, result in enumerate(results):
        (used,) = result.provenance.inputs
        assert used.input == "post" and used.series_uid == other.uid and used.resampled
        assert result.provenance.series_uids == (pre.uid, other.uid)
        frame = other.frames[used.frame_index]
        assert used.sop_instance_uid == frame.instance.sop_instance_uid
        if post.endswith("axial"):  # the same slices: the same plane
            assert used.frame_index == k and used.distance_mm == pytest.approx(0, abs=1e-6)
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "ok" and set(record["input_series"]) == {"post"}
    assert other.uid not in audit_file.read_text(encoding="utf-8")


def test_both_acquisitions_of_the_other_series_agree(entry, study):
    sagittal = _labels(_run(entry, study, study["Phantom post sagittal"]))
    axial = _labels(_run(entry, study, study["Phantom post axial"]))
    assert (sagittal != axial).mean() < 0.01  # only at the box's edges, where voxels blur


def test_the_post_contrast_series_is_proposed(entry, study):
    (match,) = propose(entry.manifest, study["Phantom pre"], list(study.values()))
    assert match.proposed is not None
    assert match.proposed.description.startswith("Phantom post")


def test_a_series_in_another_frame_of_reference_is_refused(entry, study, audit_file):
    with pytest.raises(ModelInputError) as caught:
        _run(entry, study, study["Phantom post elsewhere"])
    assert "input 'post' (post-contrast) is in a different frame of reference" in str(caught.value)
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "refused" and "frame of reference" in record["message"]
    assert "Phantom" not in audit_file.read_text(encoding="utf-8")


def test_a_series_that_fits_no_rule_is_refused(entry, study, audit_file):
    with pytest.raises(ModelInputError) as caught:
        _run(entry, study, study["Phantom T2"])
    assert "does not fit input 'post'" in str(caught.value)
    assert "does not match (?i)post" in str(caught.value)
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "refused"


def test_a_missing_other_series_is_refused(entry, study):
    with pytest.raises(ModelInputError, match="input 'post' reads another series"):
        run_model(entry, study["Phantom pre"], audit_log=AuditLog.of(load_settings()))


def test_cancel_in_the_middle_of_the_window_returns_nothing(entry, study, audit_file):
    token = CancelToken()
    pre, post = study["Phantom pre"], study["Phantom post sagittal"]
    read = len(pre.frames) + len(post.frames)
    seen = []

    def progress(done, total):
        seen.append((done, total))
        if done == read + 2:  # the first batch of patches has run
            token.cancel()

    with pytest.raises(Cancelled):
        _run(entry, study, post, progress=progress, cancel=token, batch_size=2)
    assert seen[0] == (0, read + 8) and seen[-1][0] == read + 2
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "cancelled" and record["frames"] == 0


def test_a_series_that_does_not_overlap_is_refused_before_a_pixel_is_read(
        entry, study, audit_file):
    read = []

    def source(ref):
        read.append(ref)
        raise AssertionError("no pixel may be read")

    with pytest.raises(ModelInputError, match="input 'post' \\(post-contrast\\) does not "
                       "overlap the series the model runs on"):
        _run(entry, study, study["Phantom post far"], source=source)
    assert read == []
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "refused"
