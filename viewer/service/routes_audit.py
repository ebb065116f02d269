"""``GET /v1/audit/report``: the drift report of the service's own audit records (every
client's runs), the same HTML ``lightbox audit report`` writes (docs/governance.md), for
a department that wants this month's without a shell on the service host.

The service's audit folder is read as the command reads it: every log there and in its
``serve-*`` replicas' folders, each verified before it counts, one that fails named in
the report. The page fetches nothing: its Content-Security-Policy header repeats the one
in the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from viewer.audit.drift import DriftThresholds
from viewer.audit.report.figures import installed_limits
from viewer.audit.report.make import check_span, figures, parse_period, parse_time
from viewer.audit.report.render import CSP, render
from viewer.audit.report.sources import gather
from viewer.audit.signing import AuditError
from viewer.inference.manifest import DomainThresholds
from viewer.service.engine import Engine
from viewer.service.problems import ServiceError
from viewer.service.security import client

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit/report", response_class=HTMLResponse)
async def audit_report(
    request: Request, _who: Annotated[str, Depends(client)],
    start: Annotated[str, Query(alias="from", description="ISO 8601 start (inclusive)")],
    end: Annotated[str, Query(alias="to", description="ISO 8601 end (exclusive)")],
    reference: Annotated[str | None, Query(description="FROM:TO, the outputs' reference "
                                           "period")] = None,
) -> HTMLResponse:
    """The drift report (HTML, self-contained) of the service's records in [from, to)."""
    try:
        period = parse_time(start), parse_time(end)
        chosen = parse_period(reference) if reference else None
    except ValueError:
        raise ServiceError("bad_request", "from and to must be ISO 8601 dates, reference "
                           "FROM:TO (e.g. 2026-01-01:2026-02-01)") from None
    if period[1] <= period[0]:
        raise ServiceError("bad_request", "'to' must come after 'from'")
    try:
        check_span(*period, "the period from 'from' to 'to'")
    except ValueError as exc:
        raise ServiceError("bad_request", str(exc)) from None
    engine: Engine = request.app.state.engine

    def make() -> str:
        report = figures(gather([engine.settings.audit_dir]), *period, chosen,
                         installed_limits(engine.registry, DomainThresholds()),
                         DriftThresholds.of(engine.settings.drift_alerts))
        return render(report)

    try:
        page = await run_in_threadpool(make)
    except AuditError as exc:  # matplotlib is not installed here
        raise ServiceError("report_unavailable", str(exc)) from None
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP,
                                       "Cache-Control": "no-store"})
