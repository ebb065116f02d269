"""Which ONNX Runtime execution provider serves each model, and why: the one place that
decides.

At start the site's ``service_providers`` (in order of preference; absent: the GPU
providers ONNX Runtime offers, then the CPU) is matched against what the installed ONNX
Runtime reports (:func:`plan`). Each model then tries the candidates in order: a session
on the provider, then its golden vectors replayed there within the manifest's tolerance
(:func:`viewer.inference.verify.serve_on`, the replay and the one tolerance rule the CPU
verification uses). The first that passes serves it; a provider that is missing, will
not load or gives other numbers is a fallback with its reason, never a crash. The CPU is
always the last candidate: the model was verified there.

TensorRT builds an engine per model and GPU (minutes for a large model), so engines are
cached on disk under a folder named by the model's digest, ONNX Runtime's version and
the GPU (:func:`engine_cache_dir`): a new model, runtime or card never reuses another's.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from viewer.host.settings import Settings
    from viewer.inference.verify import VerifiedModel

CPU = "CPUExecutionProvider"
TENSORRT = "TensorrtExecutionProvider"
CUDA = "CUDAExecutionProvider"
COREML = "CoreMLExecutionProvider"

#: The site's short names and the ONNX Runtime provider each stands for.
NAMES = {"tensorrt": TENSORRT, "cuda": CUDA, "coreml": COREML, "cpu": CPU}
#: Tried by default when ONNX Runtime offers them (fastest first), then the CPU.
DEFAULT_ORDER = (TENSORRT, CUDA, COREML)


@dataclass(frozen=True)
class Provider:
    """What serves a model: the provider, and why it (and not one before it)."""

    name: str
    reason: str


@dataclass(frozen=True)
class Plan:
    """The providers to try, in order (the CPU last), and why any asked for is left out."""

    candidates: tuple[str, ...]
    notes: tuple[str, ...]


def plan(preferred: Sequence[str] | None, available: Iterable[str]) -> Plan:
    """Match the site's preference (short names or ONNX Runtime's; None: the default)
    against ``available`` (``onnxruntime.get_available_providers()``)."""
    offered = list(available)
    notes: list[str] = []
    if preferred is None:
        chosen = [p for p in DEFAULT_ORDER if p in offered]
    else:
        chosen = []
        for item in preferred:
            name = NAMES.get(item.strip().lower(), item.strip())
            if name not in NAMES.values():
                notes.append(f"{item!r} is not a provider the service knows (it knows "
                             f"{', '.join(NAMES)})")
            elif name not in offered:
                notes.append(f"{item} is not available in this ONNX Runtime (it offers "
                             f"{', '.join(offered)})")
            elif name not in chosen and name != CPU:
                chosen.append(name)
    return Plan((*chosen, CPU), tuple(notes))


def available_providers() -> list[str]:
    from viewer.inference.session import import_runtime

    return list(import_runtime().get_available_providers())


def gpu_name() -> str:
    """The NVIDIA GPU's name as nvidia-smi reports it ("no-gpu" without one): a TensorRT
    engine is built for one card and must not be loaded on another."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "no-gpu"
    try:
        found = subprocess.run([smi, "--query-gpu=name", "--format=csv,noheader"],
                               capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown-gpu"
    lines = found.stdout.strip().splitlines()
    return lines[0].strip() if found.returncode == 0 and lines else "unknown-gpu"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-") or "none"


def engine_cache_dir(root: Path, digest: str, provider: str, runtime: str, gpu: str
                     ) -> Path:
    """Where ``provider``'s engines for the model with manifest ``digest`` live: one
    folder per digest, then per provider + ONNX Runtime version + GPU."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(f"not a manifest digest: {digest!r}")
    return root / digest / f"{_slug(provider)}-ort{_slug(runtime)}-{_slug(gpu)}"


def provider_options(provider: str, cache: Path | None) -> dict[str, str]:
    """ONNX Runtime's options for ``provider`` (TensorRT: its engine cache in ``cache``)."""
    if provider == TENSORRT and cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        return {"trt_engine_cache_enable": "True", "trt_engine_cache_path": str(cache),
                "trt_timing_cache_enable": "True", "trt_timing_cache_path": str(cache)}
    return {}


def place(model: VerifiedModel, chosen: Plan, settings: Settings) -> Provider:
    """Serve ``model`` on the first candidate where its golden vectors replay; the CPU
    (where it was verified) when none does, with every reason on the way."""
    from viewer.host.folders import user_cache_dir
    from viewer.inference.verify import serve_on

    skipped = list(chosen.notes)
    root = settings.service_engine_cache_dir or user_cache_dir() / "tensorrt-engines"
    gpu = gpu_name() if TENSORRT in chosen.candidates else ""
    for candidate in chosen.candidates:
        if candidate == CPU:
            break
        cache = (engine_cache_dir(root, model.manifest.digest, candidate, model.runtime, gpu)
                 if candidate == TENSORRT else None)
        problem = serve_on(model, candidate, provider_options(candidate, cache))
        if problem is None:
            return Provider(candidate, f"its golden vectors replay within tolerance on "
                            f"{candidate}" + (f" ({'; '.join(skipped)})" if skipped else ""))
        skipped.append(f"{candidate}: {problem}")
    if skipped:
        return Provider(CPU, "fell back to the CPU: " + "; ".join(skipped))
    if len(chosen.candidates) == 1:
        return Provider(CPU, "the CPU: no GPU execution provider is available or asked for")
    return Provider(CPU, "the CPU")
