"""ONNX Runtime sessions on the CPU, set up for a workstation.

Sessions are built from the model's bytes after they have been hashed against the
manifest, so the graph that runs is exactly the one that was verified (no window between
checking a file and loading it).
"""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import onnxruntime

#: A workstation also decodes images and paints; more threads than this rarely help a
#: small model and starve the GUI.
MAX_THREADS = 4


def import_runtime() -> ModuleType:
    """ONNX Runtime, imported with its telemetry off (the one door the core uses).

    ``viewer/__init__`` has already set ``ORT_DISABLE_TELEMETRY``, which stops the files
    being written at import; it is set again here in case the variable was removed since,
    and events are switched off through the runtime's own API as well.
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"
    import onnxruntime

    onnxruntime.disable_telemetry_events()
    module: ModuleType = onnxruntime
    return module


def runtime_version() -> str:
    """The installed ONNX Runtime's version (part of every cache key and audit record)."""
    return str(import_runtime().__version__)


def thread_count() -> int:
    return max(1, min(MAX_THREADS, os.cpu_count() or 1))


CPU = "CPUExecutionProvider"

#: One session is built at a time in this process. Runs stay concurrent; building is rare
#: (verification at start, a provider's placement). ONNX Runtime 1.32 crashed (a
#: segmentation fault in ``initialize_session``) while three threads verified models at
#: once: the AI panels of windows closed a moment before, whose verification finishes on
#: its own, beside the next window's.
_BUILDING = threading.Lock()


def create_session(model_bytes: bytes, *, optimize: bool = True, spin: bool = False,
                   provider: str = CPU, options: dict[str, str] | None = None,
                   ) -> onnxruntime.InferenceSession:
    """A session for an ONNX graph given as bytes, on the CPU unless ``provider`` names
    another execution provider (``options``: its provider options; the CPU stays behind
    it for the nodes it cannot take). ``spin``: let the workers busy-wait between runs
    (ONNX Runtime's default; ``bench/bench_spinning.py`` only)."""
    ort = import_runtime()
    settings = ort.SessionOptions()
    settings.intra_op_num_threads = thread_count()
    settings.inter_op_num_threads = 1
    settings.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    settings.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if optimize
        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    )
    settings.log_severity_level = 3  # warnings about unused initialisers are not the user's
    # ONNX Runtime's workers busy-wait for the next run after each one by default. Between
    # two runs the viewer prepares, post-processes, audits and paints on the same few
    # cores, and a spinning worker takes them: run_model on one slice took about twice as
    # long with it on the 2-core machine (``bench/bench_spinning.py``).
    settings.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    chosen: list[Any] = [CPU] if provider == CPU else [(provider, dict(options or {})), CPU]
    with _BUILDING:
        return ort.InferenceSession(model_bytes, sess_options=settings, providers=chosen)
