"""PyTorch → ONNX with a dynamic batch axis named ``batch``.

The torch.export-based exporter comes first. When it cannot capture the model (an
unsupported construct, data-dependent control flow) the TorchScript exporter is tried and
the fallback, with the first exporter's reason, is recorded in the provenance. Either way
parity later proves what the graph computes.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import onnx
import torch
from torch import nn

from viewer.modelkit.errors import BuildError

OPSET = 18
EXPORT_BATCH = 2  # torch.export specialises sizes 0 and 1, so 2 keeps the axis symbolic
BATCH_AXIS = "batch"
DETECTIONS_AXIS = "detections"  # variable-length boxes: one row per box of the whole batch
_NOISY = ("torch.onnx", "torch.export", "torch.fx", "torch._dynamo",
          "torch.fx.experimental.symbolic_shapes", "onnxscript")


@dataclass(frozen=True)
class Exported:
    exporter: str  # "torch.export" or "torchscript"
    opset: int
    fallback_reason: str | None = None


def export_onnx(
    model: nn.Module,
    example: Sequence[torch.Tensor],
    input_names: Sequence[str],
    output_names: Sequence[str],
    path: Path,
    per_row: Sequence[str] = (),
) -> Exported:
    """Write ``path`` (one self-contained file) and check it with the ONNX checker.

    ``per_row``: outputs whose first axis is the detections of the whole batch (the
    variable-length box layout), named ``detections`` instead of ``batch``."""
    args = tuple(example)
    reason = None
    try:
        _quietly(lambda: _dynamo(model, args, input_names, output_names, path))
        exporter = "torch.export"
    except Exception as exc:  # noqa: BLE001 - any failure of the first exporter → fallback
        reason = _reason(exc)
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        try:
            _quietly(lambda: _torchscript(model, args, input_names, output_names, path,
                                          per_row))
        except Exception as exc2:
            raise BuildError(
                "export",
                f"neither ONNX exporter could export the model. torch.export: {reason}; "
                f"TorchScript: {type(exc2).__name__}: {exc2}",
            ) from exc2
        exporter = "torchscript"
    _finish(path, input_names, output_names, per_row)
    return Exported(exporter, OPSET, reason)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _reason(exc: BaseException) -> str:
    """One line on why torch.export failed: the root cause, not the exporter's banner."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines() if ln.strip()]
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:300]


def _dynamo(model: nn.Module, args: tuple[torch.Tensor, ...], input_names: Sequence[str],
            output_names: Sequence[str], path: Path) -> None:
    batch = torch.export.Dim(BATCH_AXIS)
    torch.onnx.export(
        model, args, str(path), dynamo=True, input_names=list(input_names),
        output_names=list(output_names), opset_version=OPSET,
        dynamic_shapes=tuple({0: batch} for _ in args), external_data=False,
        optimize=True, verbose=False, report=False,
    )


def _torchscript(model: nn.Module, args: tuple[torch.Tensor, ...], input_names: Sequence[str],
                 output_names: Sequence[str], path: Path, per_row: Sequence[str] = ()) -> None:
    axes = {name: {0: DETECTIONS_AXIS if name in per_row else BATCH_AXIS}
            for name in [*input_names, *output_names]}
    torch.onnx.export(
        model, args, str(path), dynamo=False, input_names=list(input_names),
        output_names=list(output_names), opset_version=OPSET, dynamic_axes=axes,
        do_constant_folding=True, training=torch.onnx.TrainingMode.EVAL,
    )


def _quietly(action: Callable[[], object]) -> None:
    """The exporters narrate on stdout, stderr and warnings; keep the build's output clean."""
    sink = io.StringIO()
    loggers = [logging.getLogger(name) for name in _NOISY]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), \
                warnings.catch_warnings():
            warnings.simplefilter("ignore")
            action()
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _finish(path: Path, input_names: Sequence[str], output_names: Sequence[str],
            per_row: Sequence[str] = ()) -> None:
    """Check the graph, name its batch axes ``batch``, drop build-machine details."""
    stray = [p.name for p in path.parent.iterdir() if p.name.startswith(path.name) and p != path]
    if stray:
        raise BuildError("export", f"the exporter wrote external data ({', '.join(stray)})")
    proto = onnx.load(str(path))
    got_in = [i.name for i in proto.graph.input]
    got_out = [o.name for o in proto.graph.output]
    if got_in != list(input_names) or got_out != list(output_names):
        raise BuildError(
            "export",
            f"the ONNX graph has inputs {got_in} and outputs {got_out}; spec.yaml declares "
            f"{list(input_names)} and {list(output_names)}",
        )
    for value in [*proto.graph.input, *proto.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_param = DETECTIONS_AXIS if value.name in per_row else BATCH_AXIS
    # Stack traces and local paths of the build machine do not belong in the artifact.
    for node in proto.graph.node:
        node.doc_string = ""
        del node.metadata_props[:]
    del proto.metadata_props[:]
    proto.doc_string = ""
    proto.producer_name = proto.producer_name or "pytorch"
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as exc:
        raise BuildError("export", f"the ONNX checker rejects the exported graph: {exc}") from exc
    onnx.save(proto, str(path))
