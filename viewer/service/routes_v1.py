"""``/v1``: the models as a hospital integrates them: list them, run one on a series."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from viewer.audit.drift import DriftAlert
from viewer.inference.registry import ModelEntry
from viewer.service.engine import DICOM_KINDS, Engine
from viewer.service.problems import ServiceError
from viewer.service.providers import Provider
from viewer.service.schemas import (
    DriftNote,
    IntendedUse,
    ModelInfo,
    ModelList,
    Problem,
    RunResponse,
)
from viewer.service.security import client
from viewer.service.spool import spooled

router = APIRouter(prefix="/v1", tags=["models"])
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": Problem} for code in (400, 401, 404, 409, 413, 415, 422, 503)}


def model_info(entry: ModelEntry, provider: Provider,
               drift: Sequence[DriftAlert] = ()) -> ModelInfo:
    m = entry.manifest
    use = None if m is None else IntendedUse(
        modality=list(m.intended_use.modality), body_part=list(m.intended_use.body_part),
        view=m.intended_use.view or None, input=m.intended_use.input,
        not_for_clinical_use=m.not_for_clinical_use)
    return ModelInfo(id=entry.id, name=entry.name, version=entry.version,
                     digest=m.digest if m else None, verified=entry.available,
                     status=entry.status, reason=entry.reason, unsigned=entry.unsigned,
                     intended_use=use, outputs=[o.kind for o in m.outputs] if m else [],
                     provider=provider.name, provider_reason=provider.reason,
                     drift=[DriftNote(metric=a.metric, value=a.value, threshold=a.threshold,
                                      window=a.window, runs=a.runs, message=a.message)
                            for a in drift])


@router.get("/models", response_model=ModelList, responses=ERRORS)
def list_models(request: Request, _who: Annotated[str, Depends(client)]) -> ModelList:
    """Every model with its verification status (and, when unavailable, why)."""
    engine: Engine = request.app.state.engine
    return ModelList(models=[
        model_info(e, engine.provider(e.id), engine.drift.of(e.id, e.manifest and
                                                             e.manifest.digest)
                   if engine.drift is not None else ())
        for e in engine.registry.entries])


RUN_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"files": {
        "type": "array", "items": {"type": "string", "format": "binary"},
        "description": "the DICOM instances (Part 10 files) of one series"}},
    "required": ["files"]}}}}}


@router.post("/models/{model_id}/run", response_model=RunResponse, responses=ERRORS,
             openapi_extra=RUN_BODY)
async def run(
    request: Request,
    model_id: str,
    who: Annotated[str, Depends(client)],
    accept_warnings: Annotated[bool, Query(
        description="run even when the series is outside the model's intended use")] = False,
    dicom: Annotated[str, Query(
        description="also return these DICOM results, base64: 'seg', 'sr' or 'seg,sr'")] = "",
    outputs: Annotated[str, Query(
        description="'json' (the default): the summary only; 'arrays': also `arrays`, "
        "the pixels and exact numbers (label maps, heatmaps, all boxes, volume)")] = "json",
) -> JSONResponse:
    """Run a model on the uploaded instances of one series (multipart/form-data)."""
    engine: Engine = request.app.state.engine
    kinds = run_options(dicom, outputs)
    engine.verified(model_id)  # an unknown model: 404 before the upload is read
    metrics = request.app.state.metrics
    async with spooled(request, request.app.state.config.max_instances) as upload:
        try:
            answer = await run_in_threadpool(engine.run_dicom, model_id, upload.folder,
                                             accept_warnings=accept_warnings, dicom=kinds,
                                             client=who, arrays=outputs == "arrays")
        except ServiceError as exc:
            metrics.runs.labels(model_id, "dicom", exc.reason).inc()
            raise
    metrics.runs.labels(model_id, "dicom", "ok").inc()
    return run_answer(answer)


def run_options(dicom: str, outputs: str) -> list[str]:
    """The DICOM kinds asked for; a 400 for an unknown kind or output form."""
    kinds = [k.strip().lower() for k in dicom.split(",") if k.strip()]
    bad = [k for k in kinds if k not in DICOM_KINDS]
    if bad:
        raise ServiceError("bad_request", f"dicom={bad[0]!r}: ask for seg, sr or seg,sr")
    if outputs not in ("json", "arrays"):
        raise ServiceError("bad_request", f"outputs={outputs!r}: ask for json or arrays")
    return kinds


def run_answer(answer: RunResponse) -> JSONResponse:
    if answer.arrays is None:  # the JSON default stays what it always was
        return JSONResponse(answer.model_dump(mode="json", exclude={"arrays"}))
    return JSONResponse(answer.model_dump(mode="json", by_alias=True))
