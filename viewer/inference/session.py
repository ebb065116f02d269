"""ONNX Runtime sessions on the CPU, set up for a workstation.

Sessions are built from the model's bytes after they have been hashed against the
manifest, so the graph that runs is exactly the one that was verified (no window between
checking a file and loading it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import onnxruntime

#: A workstation also decodes images and paints; more threads than this rarely help a
#: small model and starve the GUI.
MAX_THREADS = 4


def runtime_version() -> str:
    """The installed ONNX Runtime's version (part of every cache key and audit record)."""
    import onnxruntime

    return str(onnxruntime.__version__)


def thread_count() -> int:
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


def create_session(model_bytes: bytes, *, optimize: bool = True) -> onnxruntime.InferenceSession:
    """A CPU-only session for an ONNX graph given as bytes."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = thread_count()
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if optimize
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's
    return ort.InferenceSession(
        model_bytes, sess_options=options, providers=["CPUExecutionProvider"]
    )
