"""PyTorch vs ONNX Runtime on the golden inputs, at several batch sizes, optimised or not.

Batch sizes other than the export's catch an exporter that froze the batch axis; running
with ONNX Runtime's graph optimisations both off and on catches graphs that only one of
them gets right (a Dropout exported in training mode disappears behind the optimiser).

A pair (a = ORT, b = PyTorch) agrees by the rule the viewer replays the artifact with at
every start (:func:`viewer.inference.agreement.agreement`): element-wise
``|a − b| ≤ atol + rtol·|b| + scale_rtol·scale``, scale = max |b| of that output in the
compared batch. Recorded per output: ``max_abs`` = max |a − b|; ``max_rel`` = max
|a − b| / |b| over the elements with |b| > atol; ``max_of_scale`` = max |a − b| / scale
(what ``scale_rtol`` is measured against). A refusal names the golden sample (and
where it came from), the output, the amounts, the batch size and optimisation level, and
the exporter that wrote the graph (and why torch.export was not used, if it was not).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper
from torch import nn

from viewer.inference.agreement import Agreement, Tolerance, agreement
from viewer.modelkit.checks import per_image_normalisers, run
from viewer.modelkit.errors import BuildError
from viewer.modelkit.export import Exported

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


def as_tolerance(tolerance: Tolerance | Mapping[str, float]) -> Tolerance:
    if isinstance(tolerance, Tolerance):
        return tolerance
    return Tolerance(float(tolerance["atol"]), float(tolerance["rtol"]),
                     float(tolerance.get("scale_rtol", 0.0)))


@dataclass(frozen=True)
class _Context:
    """What a refusal names besides the numbers: samples, exporter, the model's layers."""

    model: nn.Module
    onnx_path: Path
    inputs: Sequence[np.ndarray]
    origins: Sequence[str]
    exported: Exported | None

    def sample(self, index: int) -> str:
        origin = self.origins[index] if index < len(self.origins) else "golden input"
        return f"golden sample {index} ({origin})"

    def exporter(self) -> str:
        if self.exported is None:
            return ""
        if self.exported.exporter == "torchscript":
            why = self.exported.fallback_reason or "no reason recorded"
            return (" The graph was written by the TorchScript exporter, because torch.export "
                    f"could not capture the model ({why}).")
        return f" The graph was written by {self.exported.exporter} (dynamo)."


def check_parity(
    model: nn.Module,
    onnx_path: Path,
    inputs: Sequence[np.ndarray],
    input_names: Sequence[str],
    output_names: Sequence[str],
    tolerance: Tolerance | Mapping[str, float],
    batch_sizes: Sequence[int] = BATCH_SIZES,
    levels: Sequence[str] = tuple(LEVELS),
    *,
    origins: Sequence[str] = (),
    exported: Exported | None = None,
) -> dict:
    """The manifest's ``checks.parity``; raises naming the output that is out of tolerance.

    ``levels``: ONNX Runtime optimisation levels to compare at (names of ``LEVELS``); the
    build always uses both, since each catches what the other hides. ``origins``: where
    each golden sample came from (:attr:`viewer.modelkit.golden.Golden.origins`);
    ``exported``: how the graph was written; both only make a refusal say more.
    """
    tol = as_tolerance(tolerance)
    context = _Context(model, onnx_path, inputs, origins, exported)
    worst = {name: {"max_abs": 0.0, "max_rel": 0.0, "max_of_scale": 0.0} for name in output_names}
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
                        "axis (a hard-coded batch size, or int(x.shape[0]) in forward())."
                        + context.exporter(),
                    ) from exc
                for name, a, b in zip(output_names, got, expected, strict=True):
                    where = (f"output {name!r} at batch size {size} (ONNX Runtime "
                             f"optimisations {level})")
                    found = _compare(where, a, b, tol, context)
                    if not found.agrees:
                        raise BuildError("parity", _refusal(where, found, tol, idx, context))
                    worst[name]["max_abs"] = max(worst[name]["max_abs"], found.max_abs)
                    worst[name]["max_rel"] = max(worst[name]["max_rel"], found.max_rel)
                    if found.scale > 0:
                        worst[name]["max_of_scale"] = max(worst[name]["max_of_scale"],
                                                          found.max_abs / found.scale)
    return {
        "batch_sizes": list(batch_sizes),
        "ort_optimizations": list(levels),
        "golden_samples": int(count),
        "outputs": {n: {k: float(f"{v:.3g}") for k, v in w.items()} for n, w in worst.items()},
    }


def _compare(where: str, a: np.ndarray, b: np.ndarray, tol: Tolerance,
             context: _Context) -> Agreement:
    if a.shape != b.shape:
        raise BuildError(
            "parity",
            f"{where}: ONNX Runtime gives shape {a.shape}, PyTorch {b.shape}; the exported "
            "graph probably froze the batch axis or another dimension." + context.exporter(),
        )
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if not (np.all(np.isfinite(b64)) and np.array_equal(np.isfinite(a64), np.isfinite(b64))):
        raise BuildError("parity", f"{where}: non-finite values (NaN or infinity)")
    return agreement(a, b, tol)


def _refusal(where: str, found: Agreement, tol: Tolerance, idx: np.ndarray,
             context: _Context) -> str:
    sample = int(idx[found.worst[0]]) if found.worst else 0
    share = found.max_abs / found.scale if found.scale else float("inf")
    return (
        f"{where}, {context.sample(sample)}: ONNX Runtime and PyTorch differ beyond "
        f"tolerance: max abs {found.max_abs:.3g} ({found.worst_diff:.3g} where "
        f"{found.worst_allowed:.3g} is allowed), max rel {found.max_rel:.3g}, output scale "
        f"{found.scale:.3g} (the difference is {share:.2g} of it); allowed "
        f"{tol.describe()}.{context.exporter()} {_hint(sample, context)}"
    )


def _hint(sample: int, context: _Context) -> str:
    """Where to look, from what the graph and the sample show, not a guess at the cause."""
    if _dropout_in_training(onnx.load(str(context.onnx_path), load_external_data=False).graph):
        return ("The graph holds Dropout nodes: it was exported in training mode, and ONNX "
                "Runtime's optimiser removes them at one level only. Export after model.eval().")
    normalisers = per_image_normalisers(context.model)
    if normalisers and _near_constant(context.inputs, sample):
        return (f"The sample is (near) constant and the model normalises each image "
                f"({', '.join(normalisers)}): a variance near zero amplifies float rounding. "
                "Give golden inputs with structure (golden_inputs.npz, or the recipe's "
                "generator) rather than flat images.")
    if context.exported is not None and context.exported.exporter == "torchscript":
        return ("TorchScript records the one path forward() took on the export example: a "
                "branch or loop on tensor values (if x.mean() > ..., int(x.max())) is frozen "
                "to that path. Make it a tensor operation (torch.where) so torch.export can "
                "capture the model, or look for weights changed after export.")
    return ("Look for an operation the exporter translates differently (a custom op, an "
            "in-place update, a data-dependent shape), or weights changed after export.")


def _dropout_in_training(graph: onnx.GraphProto) -> bool:
    """A Dropout whose training_mode input is not a constant False: it really drops."""
    constants = {init.name: init for init in graph.initializer}
    constants |= {node.output[0]: node.attribute[0].t for node in graph.node
                  if node.op_type == "Constant" and node.attribute
                  and node.attribute[0].name == "value"}
    for node in graph.node:
        if node.op_type != "Dropout" or len(node.input) < 3 or not node.input[2]:
            continue
        mode = constants.get(node.input[2])
        if mode is None or bool(numpy_helper.to_array(mode).any()):
            return True
    return False


def _near_constant(inputs: Sequence[np.ndarray], sample: int) -> bool:
    for x in inputs:
        image = x[sample].astype(np.float64)
        if image.size and float(image.std()) <= 1e-3 * max(float(np.abs(image).max()), 1.0):
            return True
    return False


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
