"""The one parity rule (viewer/inference/agreement.py) and the viewer's golden replay by it:
rounding scaled to an output's size passes, a changed result or a loosened tolerance does
not, and artifacts without ``scale_rtol`` keep their old meaning."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.inference.artifacts import base_manifest, seal, specs, write_artifact
from viewer.host.settings import load_settings
from viewer.inference import GoldenMismatchError, ModelRegistry, verify_artifact
from viewer.inference.agreement import (
    MAX_SCALE_RTOL,
    MAX_TOLERANCE,
    Tolerance,
    agreement,
    tolerance_problem,
)

OLD = Tolerance(1e-5, 1e-4)
SCALED = Tolerance(1e-5, 1e-4, 1e-5)


def logits(seed: int = 0) -> np.ndarray:
    """Values up to ±10 with many near zero, like a segmentation network's logits."""
    return np.random.default_rng(seed).uniform(-10, 10, (2, 3, 16, 16)).astype(np.float32)


def test_rounding_of_the_outputs_own_size_agrees_only_with_the_scale_term():
    b = logits()
    a = b + np.float32(5e-5)  # float32 rounding in a deep network carrying values of 10
    old, scaled = agreement(a, b, OLD), agreement(a, b, SCALED)
    assert not old.agrees  # near zero, atol + rtol·|b| allows less than 5e-5
    assert scaled.agrees
    assert scaled.scale == pytest.approx(float(np.abs(b).max()))
    assert old.max_abs == scaled.max_abs == pytest.approx(5e-5, rel=1e-2)


def test_a_changed_result_disagrees_and_the_worst_element_is_located():
    b = logits()
    a = b.copy()
    a[1, 2, 3, 4] += 0.01  # far beyond rounding: a thousandth of the scale
    found = agreement(a, b, SCALED)
    assert not found.agrees
    assert found.worst == (1, 2, 3, 4)
    assert found.worst_diff == pytest.approx(0.01, rel=1e-3)
    assert found.worst_allowed == pytest.approx(
        1e-5 + 1e-4 * abs(float(b[1, 2, 3, 4])) + 1e-5 * found.scale)


def test_nan_agrees_only_with_nan_and_shapes_must_match():
    b = np.array([[1.0, np.nan]], np.float32)
    assert agreement(b.copy(), b, OLD).agrees
    assert not agreement(np.array([[1.0, 2.0]], np.float32), b, OLD).agrees
    with pytest.raises(ValueError, match="shapes differ"):
        agreement(b[:, :1], b, OLD)


@pytest.mark.parametrize(("tolerance", "field"), [
    (Tolerance(2 * MAX_TOLERANCE, 0), "tolerance.atol"),
    (Tolerance(0, 2 * MAX_TOLERANCE), "tolerance.rtol"),
    (Tolerance(0, 0, 2 * MAX_SCALE_RTOL), "tolerance.scale_rtol"),
    (Tolerance(0, 0, -1e-6), "tolerance.scale_rtol"),
    (Tolerance(float("inf"), 0), "tolerance.atol"),
])
def test_loose_tolerances_are_refused(tolerance, field):
    problem = tolerance_problem(tolerance)
    assert problem is not None and problem[0] == field
    assert tolerance_problem(Tolerance(MAX_TOLERANCE, MAX_TOLERANCE, MAX_SCALE_RTOL)) is None


def drifted_artifact(tmp_path, tolerance: dict, drift: float):
    """The threshold artifact, its stored outputs moved by ``drift`` and re-sealed (what
    another runtime's rounding, or a changed graph, looks like to the replay)."""
    graph, inputs, outputs = specs("threshold")
    manifest = base_manifest("drift", inputs, outputs) | {"tolerance": tolerance}
    folder = write_artifact(tmp_path / "m" / "drift", manifest, graph)
    with np.load(folder / "golden.npz") as npz:
        golden = dict(npz)
    golden["output:logits"] = golden["output:logits"] + np.float32(drift)
    with open(folder / "golden.npz", "wb") as f:
        np.savez(f, **golden)
    seal(folder, json.loads((folder / "manifest.json").read_text()))
    return folder


def test_golden_replay_uses_the_scale_term_of_the_manifest(tmp_path):
    scaled = {"atol": 1e-5, "rtol": 1e-4, "scale_rtol": 1e-5}
    verified = verify_artifact(drifted_artifact(tmp_path / "a", scaled, 5e-5))
    assert verified.manifest.tolerance == Tolerance(1e-5, 1e-4, 1e-5)
    assert verified.parity["logits"].max_abs == pytest.approx(5e-5, rel=1e-2)
    # the same drift under a manifest without scale_rtol (every artifact built before it)
    with pytest.raises(GoldenMismatchError, match=r"output 'logits' differs .* up to 5(\.\d+)?e-05"):
        verify_artifact(drifted_artifact(tmp_path / "b", {"atol": 1e-5, "rtol": 1e-4}, 5e-5))


def test_golden_replay_with_a_scale_term_still_catches_a_changed_result(tmp_path):
    folder = drifted_artifact(tmp_path, {"atol": 1e-5, "rtol": 1e-4, "scale_rtol": 1e-5}, 0.01)
    with pytest.raises(GoldenMismatchError) as caught:
        verify_artifact(folder)
    message = str(caught.value)
    assert "output 'logits' differs from the stored result by up to 0.01" in message
    assert re.search(r"golden sample [0-3]: 0\.01 where 0\.0001\d* is allowed", message)
    assert "output scale 10" in message
    assert "scale_rtol 1e-05·scale" in message


def test_a_manifest_with_a_loose_scale_term_is_unavailable_with_the_reason(tmp_path):
    folder = drifted_artifact(tmp_path, {"atol": 1e-5, "rtol": 1e-4, "scale_rtol": 0.05}, 0.0)
    entry = ModelRegistry([folder.parent], settings=load_settings()).get("drift")
    assert not entry.available
    assert "tolerance.scale_rtol" in entry.reason and "limit" in entry.reason
