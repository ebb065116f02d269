"""PyTorch vs ONNX Runtime on the golden inputs, at several batch sizes, optimised or not.

Batch sizes other than the export's catch an exporter that froze the batch axis; running
with ONNX Runtime's graph optimisations both off and on catches graphs that only one of
them gets right (a Dropout exported in training mode disappears behind the optimiser).

A pair (a = ORT, b = PyTorch) agrees when ``|a − b| ≤ atol + rtol·|b|`` element-wise.
Recorded per output: ``max_abs`` = max |a − b|; ``max_rel`` = max |a − b| / |b| over the
elements with |b| > atol (near zero the absolute tolerance is what applies).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from torch import nn

from viewer.modelkit.checks import run
from viewer.modelkit.errors import BuildError

BATCH_SIZES = (1, 2, 3, 5)
LEVELS = {
    "disabled": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
}


def session(path: Path, level: str) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.graph_optimization_level = LEVELS[level]
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _batches(count: int, size: int) -> list[np.ndarray]:
    """Index batches of ``size`` that together cover every sample (wrapping round)."""
    starts = range(0, count, size)
    return [np.arange(s, s + size) % count for s in starts]


def check_parity(
    model: nn.Module,
    onnx_path: Path,
    inputs: Sequence[np.ndarray],
    input_names: Sequence[str],
    output_names: Sequence[str],
    tolerance: dict[str, float],
    batch_sizes: Sequence[int] = BATCH_SIZES,
    levels: Sequence[str] = tuple(LEVELS),
) -> dict:
    """The manifest's ``checks.parity``; raises naming the output that is out of tolerance.

    ``levels``: ONNX Runtime optimisation levels to compare at (names of ``LEVELS``); the
    build always uses both, since each catches what the other hides.
    """
    atol, rtol = tolerance["atol"], tolerance["rtol"]
    worst = {name: {"max_abs": 0.0, "max_rel": 0.0} for name in output_names}
    count = inputs[0].shape[0]
    for level in levels:
        try:
            sess = session(onnx_path, level)
        except Exception as exc:  # noqa: BLE001 - ORT raises its own untyped errors
            raise BuildError("parity", f"ONNX Runtime cannot load the exported graph: {exc}") from exc
        for size in batch_sizes:
            for idx in _batches(count, size):
                batch = [np.ascontiguousarray(x[idx]) for x in inputs]
                expected = run(model, batch, output_names)
                try:
                    got = sess.run(list(output_names), dict(zip(input_names, batch, strict=True)))
                except Exception as exc:  # noqa: BLE001
                    raise BuildError(
                        "parity",
                        f"ONNX Runtime (optimisations {level}) cannot run a batch of {size}: "
                        f"{_first_line(exc)}. The exported graph probably froze the batch "
                        "axis (a hard-coded batch size, or int(x.shape[0]) in forward()).",
                    ) from exc
                for name, a, b in zip(output_names, got, expected, strict=True):
                    _compare(name, a, b, atol, rtol, size, level, worst[name])
    return {
        "batch_sizes": list(batch_sizes),
        "ort_optimizations": list(levels),
        "golden_samples": int(count),
        "outputs": {n: {k: float(f"{v:.3g}") for k, v in w.items()} for n, w in worst.items()},
    }


def _compare(name: str, a: np.ndarray, b: np.ndarray, atol: float, rtol: float, size: int,
             level: str, worst: dict[str, float]) -> None:
    where = f"output {name!r} at batch size {size} (ONNX Runtime optimisations {level})"
    if a.shape != b.shape:
        raise BuildError(
            "parity",
            f"{where}: ONNX Runtime gives shape {a.shape}, PyTorch {b.shape}; the exported "
            "graph probably froze the batch axis or another dimension",
        )
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not (np.all(np.isfinite(b64)) and np.array_equal(np.isfinite(a64), np.isfinite(b64))):
        raise BuildError("parity", f"{where}: non-finite values (NaN or infinity)")
    diff = np.abs(a64 - b64)
    big = np.abs(b64) > atol
    max_abs = float(diff.max()) if diff.size else 0.0
    max_rel = float((diff[big] / np.abs(b64[big])).max()) if big.any() else 0.0
    worst["max_abs"] = max(worst["max_abs"], max_abs)
    worst["max_rel"] = max(worst["max_rel"], max_rel)
    if not np.all(diff <= atol + rtol * np.abs(b64)):
        raise BuildError(
            "parity",
            f"{where}: ONNX Runtime and PyTorch differ beyond tolerance (max abs "
            f"{max_abs:.3g}, max rel {max_rel:.3g}; allowed atol {atol:g} + rtol {rtol:g}·|x|). "
            "Look for operations the exporter handles differently, or a module exported in "
            "training mode.",
        )


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
