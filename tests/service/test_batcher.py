"""The batcher on real ONNX Runtime sessions (graphs written with onnx's helper): rows
come back to the caller that sent them, requests of other shapes are not mixed, and a run
that ONNX Runtime refuses fails every request stacked into it."""

from __future__ import annotations

import threading

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import TensorProto, helper

from viewer.service.batching import BATCH_LIMIT, Batcher, batch_limit


def _session(nodes, out_shape, initializers=(), batch="n"):
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, None])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _together(batcher, session, feeds, limit=BATCH_LIMIT):
    """Each feed from its own thread, all released at once: (answers, errors)."""
    answers: list = [None] * len(feeds)
    errors: list = [None] * len(feeds)
    start = threading.Barrier(len(feeds))

    def client(i: int) -> None:
        start.wait()
        try:
            answers[i] = batcher.run("m", session, {"x": feeds[i]}, ["y"], limit)[0]
        except Exception as exc:  # noqa: BLE001 - what each caller met
            errors[i] = exc

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(feeds))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, errors


def test_each_caller_gets_its_own_rows_and_shapes_are_not_mixed():
    two = helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])
    session = _session([helper.make_node("Mul", ["x", "two"], ["y"])], ["n", None], [two])
    assert batch_limit(session, batch_first=True) == BATCH_LIMIT
    assert batch_limit(session, batch_first=False) == 1  # detections cannot be split
    sizes: list[int] = []
    batcher = Batcher(0.2, lambda _m, rows: sizes.append(rows))
    feeds = [np.full((1 + i % 2, 3 if i < 6 else 5), i, np.float32) for i in range(8)]
    # a request after a quiet spell runs at once: a lone client never waits the window
    lone = np.ones((1, 3), np.float32)
    np.testing.assert_array_equal(batcher.run("m", session, {"x": lone}, ["y"], 32)[0], 2)
    assert sizes == [1]
    answers, errors = _together(batcher, session, feeds)  # within the window after it
    assert errors == [None] * 8
    for feed, answer in zip(feeds, answers, strict=True):
        np.testing.assert_array_equal(answer, feed * 2)
    assert sum(sizes) == 1 + sum(f.shape[0] for f in feeds)
    assert max(sizes) > 2  # stacked: more rows in a run than any one request has


def test_a_fixed_batch_axis_is_never_stacked():
    session = _session([helper.make_node("Identity", ["x"], ["y"])], [1, None], batch=1)
    assert batch_limit(session, batch_first=True) == 1
    sizes: list[int] = []
    batcher = Batcher(0.2, lambda _m, rows: sizes.append(rows))
    answers, errors = _together(batcher, session, [np.ones((1, 2), np.float32)] * 3, limit=1)
    assert errors == [None] * 3 and sizes == [1, 1, 1]


def test_a_run_that_fails_fails_each_request_in_it():
    shape = helper.make_tensor("shape", TensorProto.INT64, [2], [3, 4])
    session = _session([helper.make_node("Reshape", ["x", "shape"], ["y"])], [3, 4], [shape])
    sizes: list[int] = []
    batcher = Batcher(0.2, lambda _m, rows: sizes.append(rows))
    with pytest.raises(Exception, match="Reshape"):  # alone, at once, and refused
        batcher.run("m", session, {"x": np.ones((1, 4), np.float32)}, ["y"], BATCH_LIMIT)
    answers, errors = _together(batcher, session, [np.ones((1, 4), np.float32)] * 2)
    assert answers == [None, None]
    assert all(isinstance(e, Exception) and "Reshape" in str(e) for e in errors), errors
    assert 2 in sizes  # they failed together, in one run
    with pytest.raises(Exception, match="Reshape"):  # and the worker is still there
        batcher.run("m", session, {"x": np.ones((2, 4), np.float32)}, ["y"], BATCH_LIMIT)
