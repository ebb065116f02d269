"""The request size limit, enforced before and while a body arrives (ASGI middleware): a
declared ``Content-Length`` over the limit is answered 413 before a byte is read; a body
that grows past it (chunked, or a lying length) stops there with 413 too."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from viewer.service.metrics import Metrics
from viewer.service.problems import ServiceError, body


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, metrics: Metrics) -> None:
        self.app, self.max_bytes, self.metrics = app, max_bytes, metrics

    def _too_large(self) -> ServiceError:
        mb = self.max_bytes / (1024 * 1024)
        return ServiceError("too_large", f"the request is larger than {mb:g} MB "
                            "(service_max_request_mb); send fewer or smaller files")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            error = self._too_large()
            self.metrics.failures.labels(error.reason).inc()
            payload = json.dumps(body(error.reason, error.message)).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(payload)).encode()),
                                    (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": payload})
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, counted, send)
