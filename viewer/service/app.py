"""The FastAPI application: :func:`create_app` over one :class:`Engine` (the verified
models) and the site's :class:`ServiceConfig`. ``lightbox serve`` (viewer.cli.serve) runs
it with uvicorn; ``lightbox serve --ray`` (viewer.service.ray_serve) builds it in each Ray Serve
replica."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from viewer import __version__
from viewer.service import (
    problems,
    routes_audit,
    routes_docs,
    routes_oip,
    routes_studies,
    routes_v1,
    routes_web,
)
from viewer.service.config import ServiceConfig
from viewer.service.drift_watch import DriftWatch
from viewer.service.engine import Engine
from viewer.service.limits import BodyLimit
from viewer.service.metrics import Measure, Metrics
from viewer.service.schemas import InferRequest
from viewer.service.security import client
from viewer.service.studies import StudyStore

DESCRIPTION = """Lightbox's verified AI models over HTTP (docs/service.md).

Every model listed here passed the same verification as on a workstation (digests, a
signature the site trusts, its golden vectors replayed on this runtime). Every run is
recorded in the hash-chained audit log with the calling client. Errors are JSON with a
machine-readable `reason`."""


def create_app(engine: Engine, config: ServiceConfig) -> FastAPI:
    app = FastAPI(title="Lightbox inference service", version=__version__,
                  description=DESCRIPTION, docs_url=None, redoc_url=None)
    metrics = Metrics()
    app.state.engine, app.state.config, app.state.metrics = engine, config, metrics
    app.state.studies = StudyStore(studies_roots(engine, config))  # the web viewer's
    engine.metrics = metrics  # batch sizes and per-request model latency
    engine.drift = DriftWatch(engine.settings, metrics)  # from the service's own audit log
    engine.drift.start(config.drift_refresh_s)
    problems.install(app)
    app.include_router(routes_v1.router)
    app.include_router(routes_oip.router)
    app.include_router(routes_studies.router)
    app.include_router(routes_web.files_router)
    app.include_router(routes_docs.router)
    app.include_router(routes_audit.router)
    app.include_router(routes_web.router)
    app.mount("/static", StaticFiles(directory=routes_docs.STATIC), name="static")

    @app.get("/metrics", include_in_schema=True, tags=["operations"],
             response_class=Response)
    def prometheus(_who: Annotated[str, Depends(client)]) -> Response:
        """Prometheus text format: requests, latency, model runs, failures by reason."""
        data, content_type = metrics.exposition()
        return Response(data, media_type=content_type)

    # the last added is the outermost: every request is measured, a 413 before routing too
    app.add_middleware(BodyLimit, max_bytes=config.max_request_bytes, metrics=metrics)
    app.add_middleware(Measure, metrics=metrics)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app


def studies_roots(engine: Engine, config: ServiceConfig) -> list[Path]:
    """``--studies`` / ``--demo``, and where the site configured PACS nodes, its local
    store (what the service retrieved before, docs/web.md)."""
    roots = list(config.studies_dirs)
    if routes_studies.nodes_configured(engine.settings):
        roots.append(engine.settings.pacs_store_dir)
    return roots


def _openapi(app: FastAPI) -> Any:
    """FastAPI's document, plus the schema of the Open Inference Protocol request (its
    route reads the raw body, JSON or binary, so FastAPI does not see it)."""
    original = app.openapi

    def build() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document: dict[str, Any] = original()
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        extra = InferRequest.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(extra.pop("$defs", {}))
        schemas["InferRequest"] = extra
        app.openapi_schema = document
        return document

    return build
