"""Which ONNX Runtime execution provider serves each model, and why.

Today every model runs on the CPU (the sessions the registry verified). The seam for the
GPU work of issue 15: :func:`provider_for` is the one place that decides; a CUDA or
TensorRT provider is to be chosen here only after the model's golden vectors replay within
its tolerance on it, else the CPU with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass

CPU = "CPUExecutionProvider"


@dataclass(frozen=True)
class Provider:
    name: str
    reason: str


def provider_for(_model_id: str) -> Provider:
    return Provider(CPU, "the CPU: GPU execution providers are not enabled in this version")
