"""The Open Inference Protocol v2 REST API (what KServe, Triton and MLServer speak), with
the binary tensor data extension: health, server and model metadata, and ``infer`` on raw
tensors, for systems that send no DICOM (an EHR's tabular or signal model).

Binary: a request whose JSON header is followed by tensor bytes says the header's length
in ``Inference-Header-Content-Length``; each such input carries
``parameters.binary_data_size`` and no ``data``, and the bytes follow in input order. An
output is returned as bytes when its ``parameters.binary_data`` is true or the request's
``parameters.binary_data_output`` is; the answer then carries the same header.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from viewer import __version__
from viewer.service.engine import Engine
from viewer.service.problems import ServiceError
from viewer.service.schemas import (
    InferRequest,
    InferResponse,
    Live,
    ModelMetadata,
    Problem,
    Ready,
    ResponseOutput,
    ServerMetadata,
    TensorMetadata,
)
from viewer.service.security import client
from viewer.service.tensors import FROM_ONNX, datatype_of, from_bytes, from_json, to_bytes, to_json

HEADER = "Inference-Header-Content-Length"
router = APIRouter(prefix="/v2", tags=["open inference protocol v2"])
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": Problem} for code in (400, 401, 404, 413, 422, 503)}


@router.get("/health/live", response_model=Live)
def live() -> Live:
    """The process answers (no key needed: it says nothing else)."""
    return Live(live=True)


@router.get("/health/ready", response_model=Ready, responses={503: {"model": Ready}})
def ready(request: Request, _who: Annotated[str, Depends(client)]) -> Any:
    """Ready only when every model verified (503 with each one's reason otherwise)."""
    engine: Engine = request.app.state.engine
    models = {e.id: e.status if e.available else e.reason for e in engine.registry}
    if engine.ready:
        return Ready(ready=True, models=models)
    broken = [name for name, state in models.items() if state != "available"]
    message = (f"model(s) {', '.join(broken)} did not verify" if broken
               else "no model is installed")
    answer = Ready(ready=False, models=models, reason="not_ready", message=message)
    request.app.state.metrics.failures.labels("not_ready").inc()
    return JSONResponse(answer.model_dump(), status_code=503)


@router.get("", response_model=ServerMetadata)
def server(_who: Annotated[str, Depends(client)]) -> ServerMetadata:
    return ServerMetadata(name="lightbox", version=__version__,
                          extensions=["binary_tensor_data"])


def _metadata(engine: Engine, name: str, version: str | None) -> ModelMetadata:
    model = engine.verified(name)
    m = model.manifest
    if version is not None and version != m.version:
        raise ServiceError("unknown_model", f"model {name} has version {m.version}, not "
                           f"{version}")
    session = model.session()

    def tensor(t: Any) -> TensorMetadata:
        return TensorMetadata(name=t.name, datatype=FROM_ONNX.get(t.type, t.type),
                              shape=[d if isinstance(d, int) else -1 for d in t.shape])

    return ModelMetadata(name=m.id, versions=[m.version], platform="onnxruntime_onnx",
                         inputs=[tensor(t) for t in session.get_inputs()],
                         outputs=[tensor(t) for t in session.get_outputs()],
                         parameters={"digest": m.digest, "provider": model.provider,
                                     "provider_reason": engine.provider(name).reason})


@router.get("/models/{name}", response_model=ModelMetadata, responses=ERRORS)
def metadata(request: Request, name: str,
             _who: Annotated[str, Depends(client)]) -> ModelMetadata:
    return _metadata(request.app.state.engine, name, None)


@router.get("/models/{name}/versions/{version}", response_model=ModelMetadata,
            responses=ERRORS)
def metadata_version(request: Request, name: str, version: str,
                     _who: Annotated[str, Depends(client)]) -> ModelMetadata:
    return _metadata(request.app.state.engine, name, version)


@router.get("/models/{name}/ready", response_model=Ready, responses=ERRORS)
def model_ready(request: Request, name: str,
                _who: Annotated[str, Depends(client)]) -> Ready:
    engine: Engine = request.app.state.engine
    engine.verified(name)
    return Ready(ready=True, models={name: "available"})


INFER_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/InferRequest"}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"},
                                 "description": f"the JSON request ({HEADER} bytes) "
                                 "followed by the binary tensors"}}}}


@router.post("/models/{name}/infer", response_model=InferResponse, responses=ERRORS,
             openapi_extra=INFER_BODY)
async def infer(request: Request, name: str,
                who: Annotated[str, Depends(client)]) -> Response:
    return await _infer(request, name, None, who)


@router.post("/models/{name}/versions/{version}/infer", response_model=InferResponse,
             responses=ERRORS, openapi_extra=INFER_BODY)
async def infer_version(request: Request, name: str, version: str,
                        who: Annotated[str, Depends(client)]) -> Response:
    return await _infer(request, name, version, who)


async def _infer(request: Request, name: str, version: str | None, who: str) -> Response:
    engine: Engine = request.app.state.engine
    model = engine.verified(name)
    if version is not None and version != model.manifest.version:
        raise ServiceError("unknown_model", f"model {name} has version "
                           f"{model.manifest.version}, not {version}")
    raw = await request.body()
    header, feed = _parse(raw, request.headers.get(HEADER))
    wanted = [o.name for o in header.outputs or []] or None
    metrics = request.app.state.metrics
    try:
        outputs = await run_in_threadpool(engine.tensors, name, feed, wanted, who)
    except ServiceError as exc:
        metrics.runs.labels(name, "oip", exc.reason).inc()
        raise
    metrics.runs.labels(name, "oip", "ok").inc()
    return _answer(header, model.manifest.id, model.manifest.version, outputs)


def _parse(raw: bytes, header_length: str | None) -> tuple[InferRequest, dict[str, np.ndarray]]:
    if header_length is not None:
        if not header_length.isdigit() or int(header_length) > len(raw):
            raise ServiceError("bad_request", f"{HEADER} must be the byte length of the "
                               "JSON header within the body")
        text, binary = raw[: int(header_length)], raw[int(header_length):]
    else:
        text, binary = raw, b""
    try:
        header = InferRequest.model_validate_json(text)
    except ValidationError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ServiceError("invalid_request", "; ".join(problems), problems=problems
                           ) from None
    feed: dict[str, np.ndarray] = {}
    at = 0
    for item in header.inputs:
        size = (item.parameters or {}).get("binary_data_size")
        if size is not None:
            if not isinstance(size, int) or size < 0 or at + size > len(binary):
                raise ServiceError("invalid_tensor", f"input {item.name!r}: binary_data_size "
                                   f"{size} does not fit the {len(binary)} bytes after the "
                                   "JSON header")
            feed[item.name] = from_bytes(item.name, item.datatype, item.shape,
                                         binary[at:at + size])
            at += size
        elif item.data is not None:
            feed[item.name] = from_json(item.name, item.datatype, item.shape, item.data)
        else:
            raise ServiceError("invalid_tensor", f"input {item.name!r} has neither data nor "
                               "parameters.binary_data_size")
    if at != len(binary):
        raise ServiceError("invalid_tensor", f"{len(binary) - at} bytes after the JSON "
                           "header belong to no input")
    return header, feed


def _answer(header: InferRequest, model: str, version: str,
            outputs: dict[str, np.ndarray]) -> Response:
    everything = bool((header.parameters or {}).get("binary_data_output", False))
    asked = {o.name: bool((o.parameters or {}).get("binary_data", everything))
             for o in header.outputs or []}
    items: list[ResponseOutput] = []
    chunks: list[bytes] = []
    for name, array in outputs.items():
        if asked.get(name, everything):
            data = to_bytes(array)
            chunks.append(data)
            items.append(ResponseOutput(name=name, shape=list(array.shape),
                                        datatype=datatype_of(array),
                                        parameters={"binary_data_size": len(data)}))
        else:
            items.append(ResponseOutput(name=name, shape=list(array.shape),
                                        datatype=datatype_of(array), data=to_json(array)))
    answer = InferResponse(model_name=model, model_version=version, id=header.id,
                           outputs=items)
    text = json.dumps(answer.model_dump(exclude_none=True)).encode()
    if not chunks:
        return Response(text, media_type="application/json")
    return Response(text + b"".join(chunks), media_type="application/octet-stream",
                    headers={HEADER: str(len(text))})
