"""Running a model over a series: batches, progress, cancel, the audit record."""

from __future__ import annotations

import numpy as np
import pytest

from tests.inference.artifacts import build
from viewer.audit.log import AuditLog
from viewer.errors import Cancelled
from viewer.host.settings import load_settings
from viewer.inference import IntendedUseError, ModelInputError, ModelRegistry, run_model
from viewer.io.demo import PATIENT_NAME
from viewer.io.scan import scan
from viewer.tasks.cancel import CancelToken


@pytest.fixture
def registry(models_dir):
    return ModelRegistry([models_dir], settings=load_settings())


def test_a_whole_series_in_batches_equals_one_image_at_a_time(registry, phantom):
    entry = registry.get("threshold")
    seen = []
    batched = run_model(entry, phantom, progress=lambda d, t: seen.append((d, t)), batch_size=5, audit_log=AuditLog.of(load_settings()))
    assert [r.provenance.frame_index for r in batched] == list(range(12))
    assert seen == [(0, 12), (5, 12), (10, 12), (12, 12)]
    for index in (0, 7, 11):
        (alone,) = run_model(entry, phantom, [index], audit_log=AuditLog.of(load_settings()))
        assert np.array_equal(alone.masks[0].mask, batched[index].masks[0].mask)


def test_results_carry_provenance_and_leave_the_source_alone(registry, phantom):
    ref = phantom.frames[4]
    before = ref.instance.path.read_bytes()
    (result,) = run_model(registry.get("classify"), phantom, [4], audit_log=AuditLog.of(load_settings()))
    p = result.provenance
    assert (p.model_id, p.model_version, p.not_for_clinical_use) == ("classify", "1.0.0", True)
    assert p.model_digest == registry.get("classify").manifest.digest
    assert (p.series_uid, p.sop_instance_uid, p.frame_index) == (
        phantom.uid,
        ref.instance.sop_instance_uid,
        4,
    )
    assert p.label == "AI · demonstration, not for clinical use · Test classify 1.0.0"
    assert ref.instance.path.read_bytes() == before
    probs = result.labels[0].probabilities
    assert sum(probs) == pytest.approx(1.0, abs=1e-5)


def test_cancel_stops_between_batches_and_is_audited(registry, phantom, audit_file):
    token = CancelToken()

    def progress(done, total):
        if done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        run_model(registry.get("threshold"), phantom, progress=progress, cancel=token, batch_size=2, audit_log=AuditLog.of(load_settings()))
    (record,) = [line for line in audit_file.read_text().splitlines() if '"cancelled"' in line]
    assert '"model_id": "threshold"' in record
    assert '"frames": 2' in record  # how far it got before the cancel


def test_every_run_is_audited_without_patient_data(registry, phantom, audit_file):
    run_model(registry.get("detect"), phantom, [0, 1], audit_log=AuditLog.of(load_settings()))
    with pytest.raises(IntendedUseError):
        run_model(registry.get("detect"), phantom_with_modality(phantom, "MR"), [0], audit_log=AuditLog.of(load_settings()))
    text = audit_file.read_text()
    lines = text.splitlines()
    assert len(lines) == 2
    assert '"outcome": "ok"' in lines[0] and '"frames": 2' in lines[0]
    assert '"outcome": "refused"' in lines[1]
    for needle in (PATIENT_NAME, "Demo", "Phantom^", "PHANTOM-0", phantom.uid):
        assert needle not in text


def phantom_with_modality(series, modality):
    from copy import copy

    other = copy(series)
    other.modality = modality
    return other


def test_mr_into_a_ct_model_is_refused_unless_accepted(registry, pydicom_files, audit_file):
    series = scan([pydicom_files / "MR_small.dcm"]).all_series()[0]
    entry = registry.get("threshold")
    with pytest.raises(IntendedUseError) as caught:
        run_model(entry, series, [0], audit_log=AuditLog.of(load_settings()))
    assert caught.value.warnings == ("modality is MR; the model is meant for CT",)
    assert "outside intended use" in str(caught.value)
    (result,) = run_model(entry, series, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    assert result.warnings == ("modality is MR; the model is meant for CT",)
    assert result.masks[0].mask.shape == (64, 64)


def test_frames_outside_the_series_are_refused(registry, phantom):
    with pytest.raises(ModelInputError, match="frame numbers must lie in 0..11"):
        run_model(registry.get("threshold"), phantom, [12], audit_log=AuditLog.of(load_settings()))


def test_a_volume_model_reads_its_neighbour_slices(tmp_path, phantom):
    build(tmp_path / "vm", "volume", intensity={"kind": "window", "center": -500, "width": 2})
    entry = ModelRegistry([tmp_path / "vm"], settings=load_settings()).get("volume")
    first, last = run_model(entry, phantom, [0, 11], audit_log=AuditLog.of(load_settings()))
    assert first.masks[0].mask.shape == (96, 96)
    assert first.masks[0].counts[1] > 1000 and last.masks[0].counts[1] > 1000


def test_a_volume_model_needs_enough_slices(tmp_path, pydicom_files):
    build(tmp_path / "vm", "volume")
    entry = ModelRegistry([tmp_path / "vm"], settings=load_settings()).get("volume")
    series = scan([pydicom_files / "CT_small.dcm"]).all_series()[0]
    with pytest.raises(ModelInputError, match="reads 3 consecutive slices; the series has 1"):
        run_model(entry, series, [0], audit_log=AuditLog.of(load_settings()))


def test_applicable_greys_out_with_reasons(tmp_path, models_dir, pydicom_files):
    (models_dir / "detect" / "CARD.md").write_text("tampered")
    registry = ModelRegistry([models_dir], settings=load_settings())
    series = scan([pydicom_files / "MR_small.dcm"]).all_series()[0]
    found = {a.entry.id: a for a in registry.applicable(series)}
    assert not found["detect"].applies and found["detect"].reason.startswith("unavailable: CARD.md")
    assert not found["threshold"].applies and found["threshold"].can_run
    assert found["threshold"].reason == "modality is MR; the model is meant for CT"


def test_a_run_reads_its_pixels_from_the_source_it_is_given(registry, phantom):
    """The GUI hands run_model its frame cache: frames shown on screen are not read again."""
    from viewer.io.cache import FrameCache
    from viewer.io.frames import frame_source

    cache = FrameCache(1 << 24)
    cached = frame_source(cache)
    asked = []

    def source(ref):
        asked.append(ref.key)
        return cached(ref)

    entry = registry.get("threshold")
    audit = AuditLog.of(load_settings())
    from_cache = run_model(entry, phantom, [2, 5], audit_log=audit, source=source)
    assert asked == [phantom.frames[2].key, phantom.frames[5].key]
    assert phantom.frames[2].key in cache and phantom.frames[5].key in cache
    from_files = run_model(entry, phantom, [2, 5], audit_log=audit)  # default: the files
    for a, b in zip(from_cache, from_files, strict=True):
        assert np.array_equal(a.masks[0].mask, b.masks[0].mask)


def test_many_one_slice_runs_leave_a_chain_that_verifies(registry, phantom, capsys):
    """Run after run on one slice (as a reader clicking through a study), each with its
    record: every one is there, in order, and ``lightbox audit verify`` finds it intact."""
    from viewer.cli.audit import main as audit_main

    settings = load_settings()
    audit = AuditLog.of(settings)
    runs = 24
    for n in range(runs):
        model = registry.get("threshold" if n % 3 else "classify")
        (result,) = run_model(model, phantom, [n % len(phantom.frames)], audit_log=audit)
        assert result.provenance.frame_index == n % len(phantom.frames)
    records = audit.records()
    assert [r["seq"] for r in records] == list(range(1, runs + 1))
    assert all(r["outcome"] == "ok" and r["frames"] == 1 for r in records)
    assert audit_main(["verify"], settings) == 0
    assert f"{audit.path.name}: intact, {runs} signed record(s)" in capsys.readouterr().out
