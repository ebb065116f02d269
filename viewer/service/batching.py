"""Dynamic batching across clients: requests to one model that arrive within a short
window run as one ``session.run``, stacked along the batch axis and split back.

A model's session runs a batch of N images in much less than N times one image's time
(the weights are read once, the kernels fill the cores or the GPU), and a hospital's
clients each send one image at a time. So each model has one worker thread: it takes the
first waiting request, waits up to the window (``service_batch_window_ms``) for more with
the same input shapes (beyond the batch axis) and outputs, up to the model's batch limit,
runs them together and hands each caller exactly its own rows. While a batch runs, the
next one gathers. A failing batch fails every request in it with the same error. A
request that follows a quiet spell (no other request to the model within the window
before it) does not wait: a lone client pays nothing for the batching of busy times.

The limit is the graph's: a fixed batch axis (1, or any number) means no stacking; a
dynamic one takes up to :data:`BATCH_LIMIT` rows. A model whose outputs are not all
batch-first (variable-length detections) is never stacked: its rows could not be split.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The most rows one batch holds for a graph whose batch axis is dynamic.
BATCH_LIMIT = 32


@dataclass(eq=False)
class _Request:
    session: Any
    feed: Mapping[str, np.ndarray]
    names: tuple[str, ...]
    rows: int
    key: tuple[Any, ...]
    done: threading.Event = field(default_factory=threading.Event)
    result: list[np.ndarray] | None = None
    error: BaseException | None = None
    quiet: bool = False  # no other request to the model arrived within the window before


def batch_limit(session: Any, batch_first: bool) -> int:
    """How many rows one run of ``session`` may stack (1: none)."""
    if not batch_first:
        return 1
    for spec in session.get_inputs():
        if not spec.shape or isinstance(spec.shape[0], int):
            return 1
    return BATCH_LIMIT


class Batcher:
    """One worker per model; :meth:`run` blocks its caller until its rows are back."""

    def __init__(self, window_s: float,
                 observe: Callable[[str, int], None] = lambda _m, _n: None) -> None:
        self.window_s = window_s
        self.observe = observe  # (model, rows in the batch) after each run
        self._queues: dict[str, queue.Queue[_Request]] = {}
        self._last: dict[str, float] = {}  # when the model's latest request arrived
        self._lock = threading.Lock()

    def run(self, model: str, session: Any, feed: Mapping[str, np.ndarray],
            names: Sequence[str], limit: int) -> list[np.ndarray]:
        """``session.run(names, feed)``, batched with other callers' when it can be."""
        rows = {a.shape[0] if a.ndim else -1 for a in feed.values()}
        if self.window_s <= 0 or limit <= 1 or len(rows) != 1 or rows.pop() >= limit:
            self.observe(model, _rows(feed))
            return list(session.run(list(names), dict(feed)))
        key = (id(session), tuple(names),
               tuple(sorted((n, a.shape[1:], a.dtype.str) for n, a in feed.items())))
        request = _Request(session, feed, tuple(names), _rows(feed), key)
        with self._lock:
            now = time.monotonic()
            request.quiet = now - self._last.get(model, -1e9) > self.window_s
            self._last[model] = now
        self._queue(model, limit).put(request)
        request.done.wait()
        if request.error is not None:
            raise request.error
        assert request.result is not None
        return request.result

    def _queue(self, model: str, limit: int) -> queue.Queue[_Request]:
        with self._lock:
            if model not in self._queues:
                self._queues[model] = queue.Queue()
                threading.Thread(target=self._work, args=(model, self._queues[model], limit),
                                 name=f"batch-{model}", daemon=True).start()
            return self._queues[model]

    def _work(self, model: str, waiting: queue.Queue[_Request], limit: int) -> None:
        held: list[_Request] = []  # arrived in a window but did not fit its batch
        while True:
            first = held.pop(0) if held else waiting.get()
            batch, rows = [first], first.rows
            alone = first.quiet and not held and waiting.empty()
            deadline = time.monotonic() + (0.0 if alone else self.window_s)
            later: list[_Request] = []
            for item in list(held):  # the held ones first, in their order
                if item.key == first.key and rows + item.rows <= limit:
                    held.remove(item)
                    batch.append(item)
                    rows += item.rows
            while rows < limit:
                left = deadline - time.monotonic()
                try:  # past the deadline: only what is already waiting
                    item = waiting.get(timeout=left) if left > 0 else waiting.get_nowait()
                except queue.Empty:
                    break
                if item.key == first.key and rows + item.rows <= limit:
                    batch.append(item)
                    rows += item.rows
                else:
                    later.append(item)
            held.extend(later)
            self._run(model, batch, rows)

    def _run(self, model: str, batch: list[_Request], rows: int) -> None:
        first = batch[0]
        try:
            feed = {n: np.concatenate([r.feed[n] for r in batch]) for n in first.feed}
            got = first.session.run(list(first.names), feed)
            at = 0
            for request in batch:
                request.result = [np.asarray(g[at:at + request.rows]) for g in got]
                at += request.rows
        except Exception as exc:  # noqa: BLE001 - each caller gets the batch's failure
            for request in batch:
                request.error = exc
        finally:  # the callers wait for this, whatever happened
            for request in batch:
                request.done.set()
        with contextlib.suppress(Exception):  # a metric never stops the worker
            self.observe(model, rows)


def _rows(feed: Mapping[str, np.ndarray]) -> int:
    first = next(iter(feed.values()), None)
    return int(first.shape[0]) if first is not None and first.ndim else 0
