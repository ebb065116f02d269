"""Which execution provider serves a model: the site's order against what the installed
ONNX Runtime really reports, and the golden replay on each provider before it serves.

This machine's ONNX Runtime is the CPU build (it reports CPUExecutionProvider and
AzureExecutionProvider). The Azure provider takes no node of these models, so a session
on it runs, and it is a real second provider to replay on: its replay passes with the
model's tolerance and fails with one its arithmetic cannot meet (exact equality with
PyTorch's golden outputs). What a GPU gives is bench/gpu_check.py's to show.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import onnxruntime as ort
import pytest

from viewer.host.settings import load_settings
from viewer.inference.agreement import Tolerance
from viewer.inference.verify import serve_on, verify_artifact
from viewer.service.providers import (
    CPU,
    CUDA,
    TENSORRT,
    Plan,
    engine_cache_dir,
    place,
    plan,
    provider_options,
)

MODELS = Path(__file__).resolve().parents[2] / "models"
AZURE = "AzureExecutionProvider"
REAL = ort.get_available_providers()


def test_the_default_is_what_onnx_runtime_offers_with_the_cpu_last():
    assert CPU in REAL
    chosen = plan(None, REAL)
    assert chosen.candidates[-1] == CPU and chosen.notes == ()
    assert AZURE not in chosen.candidates  # never chosen unless a GPU provider is there
    gpu = plan(None, [CPU, CUDA, TENSORRT])
    assert gpu.candidates == (TENSORRT, CUDA, CPU)


def test_a_requested_provider_that_is_missing_is_left_out_with_the_reason():
    chosen = plan(["tensorrt", "CUDAExecutionProvider", "cpu", "rocm"], REAL)
    assert chosen.candidates == (CPU,)
    assert chosen.notes[0].startswith("tensorrt is not available in this ONNX Runtime")
    assert "CUDAExecutionProvider is not available" in chosen.notes[1]
    assert "'rocm' is not a provider the service knows" in chosen.notes[2]
    assert ", ".join(REAL) in chosen.notes[0]  # what it does offer


def test_the_fallback_says_why_in_what_serves_the_model(tmp_path):
    model = verify_artifact(MODELS / "ct-lesion-cls")
    settings = dataclasses.replace(load_settings(), service_engine_cache_dir=tmp_path)
    served = place(model, plan(["tensorrt", "cuda"], REAL), settings)
    assert served.name == CPU and model.provider == CPU
    assert served.reason.startswith("fell back to the CPU: tensorrt is not available")
    # a provider ONNX Runtime lists but cannot load (its libraries missing) falls back too
    served = place(model, Plan((CUDA, CPU), ()), settings)
    assert served.name == CPU
    assert "ONNX Runtime could not load CUDAExecutionProvider" in served.reason


def test_a_provider_serves_only_after_its_golden_replay_passes(phantom, private_audit, tmp_path):
    from viewer.audit.log import AuditLog
    from viewer.inference.result_json import result_summary
    from viewer.inference.runner import run_model
    from viewer.io.scan import scan

    model = verify_artifact(MODELS / "ct-lesion-cls")
    assert serve_on(model, AZURE) is None
    assert model.provider == AZURE and AZURE in model.session().get_providers()
    # results, their JSON and the audit name the provider that produced them
    (series,) = [s for s in scan([phantom[0].parent]).all_series() if s.has_images]
    results = run_model(model, series, [0], accept_warnings=True,
                        audit_log=AuditLog.of(load_settings()))
    runtime = f"onnxruntime {ort.__version__} on {AZURE}"
    assert results[0].provenance.runtime == runtime
    assert result_summary(results[0])["runtime"] == runtime
    assert runtime in "".join(p.read_text() for p in (tmp_path / "audit").glob("*.jsonl"))


def test_a_replay_that_fails_on_a_provider_falls_back_to_the_cpu(tmp_path):
    model = verify_artifact(MODELS / "ct-lesion-cls")
    cpu_session = model.session()
    exact = dataclasses.replace(model.manifest, tolerance=Tolerance(0.0, 0.0, 0.0))
    strict = dataclasses.replace(model, manifest=exact)
    settings = dataclasses.replace(load_settings(), service_engine_cache_dir=tmp_path)
    served = place(strict, Plan((AZURE, CPU), ()), settings)
    assert served.name == CPU and strict.provider == CPU
    assert re.search(r"AzureExecutionProvider: golden vectors do not replay on "
                     r"AzureExecutionProvider: .*differs from the stored result by up to "
                     r"[0-9.e-]+ .*tolerance atol 0", served.reason), served.reason
    assert strict.session() is cpu_session  # the verified CPU session still serves


def test_tensorrt_engines_are_cached_per_digest_runtime_and_gpu(tmp_path):
    digest_a, digest_b = "a" * 64, "b" * 64
    one = engine_cache_dir(tmp_path, digest_a, TENSORRT, "1.32.0", "NVIDIA H100 80GB HBM3")
    assert one == tmp_path / digest_a / "TensorrtExecutionProvider-ort1.32.0-NVIDIA-H100-80GB-HBM3"
    others = {engine_cache_dir(tmp_path, digest_b, TENSORRT, "1.32.0", "NVIDIA H100 80GB HBM3"),
              engine_cache_dir(tmp_path, digest_a, TENSORRT, "1.33.0", "NVIDIA H100 80GB HBM3"),
              engine_cache_dir(tmp_path, digest_a, TENSORRT, "1.32.0", "NVIDIA L4")}
    assert one not in others and len(others) == 3
    assert all(digest_b not in str(p) for p in others if p.parts[-2] == digest_a)
    with pytest.raises(ValueError, match="not a manifest digest"):
        engine_cache_dir(tmp_path, "../elsewhere", TENSORRT, "1.32.0", "x")
    options = provider_options(TENSORRT, one)
    assert options["trt_engine_cache_enable"] == "True" and one.is_dir()
    assert options["trt_engine_cache_path"] == str(one)
    assert provider_options(CUDA, None) == {}
