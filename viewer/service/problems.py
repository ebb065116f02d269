"""Every error the service answers: a JSON body with a machine-readable ``reason`` and a
human ``message`` (and ``error``, the field the Open Inference Protocol names, and
``detail``, what the web viewer shows), never a
traceback and never patient data."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

#: reason → HTTP status (docs/service.md, "Errors", lists them).
STATUS = {
    "unauthorized": 401,
    "forbidden_bind": 403,
    "identity_locked": 403,
    "unknown_model": 404,
    "not_found": 404,
    "unknown_study": 404,
    "unknown_series": 404,
    "unknown_frame": 404,
    "unknown_node": 404,
    "unknown_file": 404,
    "pacs_failed": 502,
    "web_not_built": 503,
    "model_unavailable": 503,
    "not_ready": 503,
    "report_unavailable": 503,
    "too_large": 413,
    "too_many_files": 413,
    "not_dicom": 415,
    "unsupported_media_type": 415,
    "bad_request": 400,
    "no_series": 400,
    "several_series": 400,
    "invalid_request": 422,
    "invalid_tensor": 400,
    "intended_use": 409,
    "model_input": 422,
    "unreadable_image": 422,
    "no_images": 422,
    "audit_unavailable": 503,
    "method_not_allowed": 405,
    "internal": 500,
}


class ServiceError(Exception):
    """Raised anywhere in a request; answered by :func:`install` as its JSON body."""

    def __init__(self, reason: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.reason, self.message, self.extra = reason, message, extra

    @property
    def status(self) -> int:
        return STATUS[self.reason]


def body(reason: str, message: str, **extra: Any) -> dict[str, Any]:
    """``detail`` repeats the message too: the web viewer shows it (docs/web.md)."""
    return {"reason": reason, "message": message, "error": message, "detail": message,
            **extra}


def response(error: ServiceError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if error.reason == "unauthorized" else None
    return JSONResponse(body(error.reason, error.message, **error.extra),
                        status_code=error.status, headers=headers)


def install(app: FastAPI) -> None:
    """The handlers that turn every failure into the one JSON shape."""

    def count(request: Request, reason: str) -> None:
        metrics = getattr(request.app.state, "metrics", None)
        if metrics is not None:
            metrics.failures.labels(reason).inc()

    async def service_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ServiceError)
        count(request, exc.reason)
        return response(exc)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code,
                                                                   "bad_request")
        count(request, reason)
        return JSONResponse(body(reason, str(exc.detail)), status_code=exc.status_code)

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        count(request, "invalid_request")
        problems = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
                    for e in exc.errors()]
        return JSONResponse(body("invalid_request", "; ".join(problems) or "invalid request",
                                 problems=problems), status_code=422)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        count(request, "internal")
        # the log names the class only: a message could quote a file name or a header
        return JSONResponse(body("internal", f"unexpected error ({type(exc).__name__}); "
                                 "the service is still up"), status_code=500)

    app.add_exception_handler(ServiceError, service_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(Exception, unexpected)
