"""Dynamic batching and the provider a site asks for, seen by clients of a real
``lightbox serve`` process: concurrent clients each get exactly their own answer, the
batch-size histogram in /metrics shows their requests ran stacked, and a provider this
ONNX Runtime lacks is named with the reason in /v1/models and the /v2 metadata."""

from __future__ import annotations

import json
import shutil
import threading

import numpy as np
import onnxruntime as ort
import pytest

from tests.service.server import ROOT, running_service

MODELS = ROOT / "models"
MODEL = "ct-lesion-cls"
SITE = """service_batch_window_ms = 50
service_providers = ["tensorrt", "cuda", "cpu"]
"""


@pytest.fixture(scope="module")
def batching(tmp_path_factory):
    home = tmp_path_factory.mktemp("batching")
    shutil.copytree(MODELS / MODEL, home / "models" / MODEL)
    with running_service(home / "home", site=SITE,
                         args=["--models-dir", str(home / "models")]) as server:
        yield server


def _inputs(count: int) -> list[np.ndarray]:
    """``count`` different images of one row each (golden inputs, shifted per client)."""
    with np.load(MODELS / MODEL / "golden.npz") as golden:
        base = np.asarray(golden["input:image"], dtype=np.float32)
    return [np.roll(base[i % len(base)][None], i, axis=-1).copy() for i in range(count)]


def _infer(server, image: np.ndarray) -> dict[str, np.ndarray]:
    header = json.dumps({"inputs": [{"name": "image", "shape": list(image.shape),
                                     "datatype": "FP32",
                                     "parameters": {"binary_data_size": image.nbytes}}],
                         "parameters": {"binary_data_output": True}}).encode()
    reply = server.call("POST", f"/v2/models/{MODEL}/infer", header + image.tobytes(),
                        headers={"Inference-Header-Content-Length": str(len(header))})
    assert reply.status == 200, reply.body
    length = int(reply.headers["inference-header-content-length"])
    answer, at, out = json.loads(reply.body[:length]), length, {}
    for item in answer["outputs"]:
        size = item["parameters"]["binary_data_size"]
        out[item["name"]] = np.frombuffer(reply.body[at:at + size], "<f4").reshape(item["shape"])
        at += size
    return out


def _batches(server) -> tuple[float, float]:
    """(requests run, batches run) for the model, from /metrics."""
    text = server.get("/metrics").body.decode()
    total = {m: float(v) for m, v in
             [(line.split("{")[0], line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("lightbox_batch_size_") and f'model="{MODEL}"' in line
              and "_bucket" not in line]}
    return total.get("lightbox_batch_size_sum", 0.0), total.get("lightbox_batch_size_count", 0.0)


def test_concurrent_clients_get_their_own_answers_from_stacked_runs(batching):
    session = ort.InferenceSession(str(MODELS / MODEL / "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    stacked = False
    for _ in range(5):  # bounded: a busy machine may serve one round one by one
        images = _inputs(8)
        answers: list[dict[str, np.ndarray] | None] = [None] * len(images)
        start = threading.Barrier(len(images))
        rows_before, runs_before = _batches(batching)

        def client(i: int, images=images, answers=answers, start=start) -> None:
            start.wait()
            answers[i] = _infer(batching, images[i])

        threads = [threading.Thread(target=client, args=(i,)) for i in range(len(images))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for image, answer in zip(images, answers, strict=True):
            assert answer is not None
            direct = dict(zip(names, session.run(names, {"image": image}), strict=True))
            for name in names:
                np.testing.assert_allclose(answer[name], direct[name], rtol=1e-5, atol=1e-6)
        rows, runs = _batches(batching)
        assert rows - rows_before == len(images)  # every request ran once, in some batch
        if runs - runs_before < len(images):
            stacked = True
            break
    assert stacked, "eight simultaneous clients never shared a run"
    text = batching.get("/metrics").body.decode()
    assert f'lightbox_tensor_request_seconds_count{{model="{MODEL}"}}' in text


def test_a_failing_batch_fails_each_of_its_callers_and_the_service_stays_up(batching):
    image = _inputs(1)[0]
    bad = json.dumps({"inputs": [{"name": "image", "shape": [1, 1, 64, 64],
                                  "datatype": "FP32", "data": [0.0] * 64 * 64}]})
    assert batching.call("POST", f"/v2/models/{MODEL}/infer", bad.encode(),
                         headers={"Content-Type": "application/json"}).status == 400
    assert _infer(batching, image)["probs"].shape[0] == 1


def test_the_provider_asked_for_but_missing_is_named_with_the_reason(batching):
    (model,) = batching.get("/v1/models").json()["models"]
    assert model["provider"] == "CPUExecutionProvider"
    assert model["provider_reason"].startswith("fell back to the CPU: tensorrt is not "
                                               "available in this ONNX Runtime")
    meta = batching.get(f"/v2/models/{MODEL}").json()["parameters"]
    assert meta["provider"] == "CPUExecutionProvider"
    assert "cuda is not available" in meta["provider_reason"]


def test_dicom_runs_of_several_clients_go_through_the_batcher(batching, phantom, tmp_path):
    from viewer.audit.log import AuditLog
    from viewer.host.settings import load_settings
    from viewer.inference.registry import ModelRegistry
    from viewer.inference.result_json import result_summary
    from viewer.inference.runner import run_model
    from viewer.io.scan import scan

    rows_before, _ = _batches(batching)
    answers: list[dict | None] = [None, None, None]
    start = threading.Barrier(len(answers))

    def client(i: int) -> None:
        start.wait()
        reply = batching.upload(f"/v1/models/{MODEL}/run", phantom)
        assert reply.status == 200, reply.body
        answers[i] = reply.json()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(answers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows, _ = _batches(batching)
    assert rows - rows_before == len(answers) * len(phantom)  # every image, through it
    entry = ModelRegistry([MODELS], settings=load_settings()).get(MODEL)
    (series,) = [s for s in scan([phantom[0].parent]).all_series() if s.has_images]
    here = [result_summary(r) for r in run_model(entry, series, audit_log=AuditLog(
        tmp_path / "audit.jsonl"))]
    for answer in answers:
        assert answer is not None and answer["provenance"]["provider"] == "CPUExecutionProvider"
        for served, local in zip(answer["results"], here, strict=True):
            assert served["outputs"][0]["probabilities"] == pytest.approx(
                local["outputs"][0]["probabilities"], abs=1e-5)
            assert served["source"] == local["source"]
