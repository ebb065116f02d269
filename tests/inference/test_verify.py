"""Verification: a tampered, broken or drifting artifact is refused, naming what failed;
the other models keep working; nothing is cached, so nothing can vouch for a changed file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.inference.artifacts import base_manifest, seal, specs, threshold_graph, write_artifact
from viewer.audit.log import AuditLog
from viewer.host.folders import user_cache_dir
from viewer.host.settings import load_settings
from viewer.inference import (
    ArtifactError,
    GoldenMismatchError,
    ManifestError,
    ModelRegistry,
    NotVerifiedError,
    run_model,
    verify_artifact,
)


def flip_byte(path, offset=None):
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_test_artifacts_verify(models_dir):
    registry = ModelRegistry([models_dir], settings=load_settings())
    assert [(e.id, e.status) for e in registry] == [
        ("classify", "available"),
        ("detect", "available"),
        ("threshold", "available"),
    ]
    parity = registry.get("threshold").model.parity
    assert parity["logits"].max_abs <= 1e-5


@pytest.mark.parametrize("name", ["model.onnx", "golden.npz", "CARD.md", "manifest.json"])
def test_a_flipped_byte_in_any_file_is_caught_naming_the_file(models_dir, name, phantom):
    flip_byte(models_dir / "threshold" / name)
    registry = ModelRegistry([models_dir], settings=load_settings())
    entry = registry.get("threshold")
    assert entry.status == "unavailable"
    assert name in entry.reason
    # the others are untouched and still run
    assert registry.get("classify").available and registry.get("detect").available
    assert run_model(registry.get("classify"), phantom, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    with pytest.raises(NotVerifiedError, match="threshold"):
        run_model(entry, phantom, [0], audit_log=AuditLog.of(load_settings()))


def test_flipping_each_byte_region_of_the_model_is_caught(models_dir):
    model = models_dir / "threshold" / "model.onnx"
    size = model.stat().st_size
    for offset in (0, size // 3, size - 1):
        original = model.read_bytes()
        flip_byte(model, offset)
        with pytest.raises(ArtifactError, match="model.onnx"):
            verify_artifact(models_dir / "threshold")
        model.write_bytes(original)
    verify_artifact(models_dir / "threshold")


def test_a_manifest_that_does_not_parse_is_unavailable_with_the_reason(models_dir):
    (models_dir / "detect" / "manifest.json").write_text(
        '{"format_version": 1, "id": ', encoding="utf-8"
    )
    registry = ModelRegistry([models_dir], settings=load_settings())
    entry = registry.get("detect")
    assert not entry.available
    assert "manifest.json does not parse as JSON" in entry.reason
    assert len(registry.available()) == 2


def test_an_edited_manifest_fails_its_digest(models_dir):
    path = models_dir / "threshold" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["tolerance"]["atol"] = 0.005  # loosening the tolerance is tampering
    path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match="manifest.json does not match its digest"):
        verify_artifact(models_dir / "threshold")


def test_a_file_the_manifest_does_not_list_is_refused(models_dir):
    (models_dir / "threshold" / "extra.onnx").write_bytes(b"not listed")
    with pytest.raises(ArtifactError, match="extra.onnx is not listed"):
        verify_artifact(models_dir / "threshold")


def test_a_missing_file_is_named(models_dir):
    (models_dir / "classify" / "CARD.md").unlink()
    with pytest.raises(ArtifactError, match="CARD.md is missing"):
        verify_artifact(models_dir / "classify")


def test_golden_replay_out_of_tolerance_names_the_output(tmp_path):
    graph, inputs, outputs = specs("threshold")
    folder = write_artifact(
        tmp_path / "m" / "drift", base_manifest("drift", inputs, outputs), graph
    )
    with np.load(folder / "golden.npz") as npz:
        golden = dict(npz)
    golden["output:logits"] = golden["output:logits"] + np.float32(0.01)  # re-sealed: digests pass
    with open(folder / "golden.npz", "wb") as f:
        np.savez(f, **golden)
    seal(folder, json.loads((folder / "manifest.json").read_text()))
    with pytest.raises(GoldenMismatchError, match=r"output 'logits' differs .* up to 0.01"):
        verify_artifact(folder)


def test_a_frozen_batch_axis_is_refused(tmp_path):
    _, inputs, outputs = specs("threshold")
    folder = write_artifact(
        tmp_path / "m" / "frozen",
        base_manifest("frozen", inputs, outputs),
        threshold_graph(batch=4),
    )
    with pytest.raises(ArtifactError, match="batch axis frozen at 4"):
        verify_artifact(folder)


def test_outputs_that_disagree_with_the_manifest_are_refused(tmp_path):
    graph, inputs, outputs = specs("threshold")
    outputs[0]["name"] = "scores"
    golden = {
        "input:image": np.zeros((1, 1, 64, 64), np.float32),
        "output:scores": np.zeros((1, 2, 64, 64), np.float32),
    }
    folder = write_artifact(
        tmp_path / "m" / "renamed", base_manifest("renamed", inputs, outputs), graph, golden
    )
    with pytest.raises(ArtifactError, match=r"gives outputs \['logits'\]"):
        verify_artifact(folder)


def test_every_verification_replays_and_checks_every_digest(models_dir):
    cache = user_cache_dir()
    before = sorted(cache.rglob("*")) if cache.exists() else []
    first = verify_artifact(models_dir / "threshold")
    again = verify_artifact(models_dir / "threshold")
    assert first.parity and again.parity  # replayed both times: nothing is cached
    # And nothing is written for a later start to trust.
    assert (sorted(cache.rglob("*")) if cache.exists() else []) == before
    flip_byte(models_dir / "threshold" / "golden.npz")
    with pytest.raises(ArtifactError, match="golden.npz does not match its digest"):
        verify_artifact(models_dir / "threshold")


def test_a_model_changed_after_verification_runs_only_the_verified_bytes(
        models_dir, phantom):
    entry = ModelRegistry([models_dir], settings=load_settings()).get("threshold")
    before = run_model(entry, phantom, [0], accept_warnings=True,
                       audit_log=AuditLog.of(load_settings()))
    flip_byte(models_dir / "threshold" / "model.onnx")  # the session holds the checked bytes
    after = run_model(entry, phantom, [0], accept_warnings=True,
                      audit_log=AuditLog.of(load_settings()))
    assert np.array_equal(before[0].outputs[0].mask, after[0].outputs[0].mask)
    with pytest.raises(ArtifactError, match="model.onnx does not match its digest"):
        verify_artifact(models_dir / "threshold")  # the next start


def test_a_failed_reverification_revokes_the_model(models_dir, phantom):
    entry = ModelRegistry([models_dir], settings=load_settings()).get("threshold")
    flip_byte(models_dir / "threshold" / "CARD.md")
    with pytest.raises(ArtifactError):
        verify_artifact(models_dir / "threshold")
    with pytest.raises(NotVerifiedError):
        run_model(entry, phantom, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings()))


def test_unknown_format_version_is_refused(models_dir):
    path = models_dir / "threshold" / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["format_version"] = 2
    seal(models_dir / "threshold", manifest)
    with pytest.raises(ManifestError, match="format_version: 2 is not supported"):
        verify_artifact(models_dir / "threshold")


def test_duplicate_ids_across_folders_keep_the_first(tmp_path, models_dir):
    from tests.inference.artifacts import build

    other = tmp_path / "site"
    build(other, "detect")
    registry = ModelRegistry([models_dir, other], settings=load_settings())
    detect = [e for e in registry if e.id == "detect"]
    assert [e.available for e in detect] == [True, False]
    assert "another model has this id" in detect[1].reason
