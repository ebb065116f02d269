"""Prometheus metrics at ``/metrics``: requests by route and status, latency, model runs
by outcome, failures by reason, rows per batched run, each raw-tensor request's model
time and the drift alerts (``viewer.service.drift_watch``). One registry per app (a test's second app starts at 0)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("lightbox_requests", "HTTP requests answered",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("lightbox_request_seconds", "time to answer a request",
                                 ["route"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.runs = Counter("lightbox_model_runs", "model runs (DICOM and tensors)",
                            ["model", "api", "outcome"], registry=self.registry)
        self.failures = Counter("lightbox_failures", "error answers by reason",
                                ["reason"], registry=self.registry)
        self.batch_size = Histogram("lightbox_batch_size", "rows (images) per ONNX Runtime "
                                    "run of raw tensors, several clients' requests stacked",
                                    ["model"], buckets=BATCH_BUCKETS, registry=self.registry)
        self.tensor_latency = Histogram("lightbox_tensor_request_seconds", "time from a "
                                        "raw-tensor request reaching the model to its rows "
                                        "coming back (waiting for a batch included)",
                                        ["model"], buckets=LATENCY_BUCKETS,
                                        registry=self.registry)
        self.drift_under_review = Gauge(
            "lightbox_drift_under_review", "1 while a drift alert of the model version is "
            "raised over the last window (site drift_alerts; docs/governance.md)",
            ["model", "version", "metric"], registry=self.registry)
        self.drift_value = Gauge(
            "lightbox_drift_value", "the measured value of each raised drift alert",
            ["model", "version", "metric"], registry=self.registry)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class Measure:
    """ASGI middleware: every request counted and timed under its route template (never
    its path: a path can hold a model id a client made up, a template cannot)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.requests.labels(scope["method"], route, str(status[0])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
