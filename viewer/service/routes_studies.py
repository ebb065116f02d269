"""``/v1/studies`` and ``/v1/series``: what the web viewer lists, shows and runs models on.

The studies are the service's (:class:`viewer.service.studies.StudyStore`: ``--studies``
folders, ``--demo``, PACS retrieves). Patient identity follows the site's rule as the
study-listing commands do (:mod:`viewer.host.identity`): hidden, the name and ID are empty.
Frames are the viewer's own decode (modality values for grey, RGB for colour). A model
run on a stored series goes through the service's one run path
(:meth:`viewer.service.engine.Engine.run_series`), as an upload does: the same intended-use
check, audit record, provenance and arrays, without sending the images again.
"""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from viewer.errors import FileProblemError
from viewer.host.identity import IdentityLocked, hides_identity
from viewer.host.settings import Settings
from viewer.imaging.lut import Lut, pixel_transform
from viewer.imaging.presets import file_presets, presets_for
from viewer.io.model import FrameRef, Series, Study
from viewer.service.engine import Engine
from viewer.service.problems import ServiceError
from viewer.service.routes_v1 import ERRORS, run_answer, run_options
from viewer.service.schemas import RunResponse
from viewer.service.schemas_web import (
    FrameInfo,
    NodeInfo,
    NodeList,
    Preset,
    RetrieveAnswer,
    SeriesInfo,
    SeriesList,
    SeriesSummary,
    StudyInfo,
    StudyList,
    VoiLut,
    WindowValue,
)
from viewer.service.security import client
from viewer.service.studies import StudyStore

router = APIRouter(prefix="/v1", tags=["studies"])


def store_of(request: Request) -> StudyStore:
    store: StudyStore = request.app.state.studies
    return store


def nodes_configured(settings: Settings) -> bool:
    """Whether the site configured any PACS node (read from the settings alone: with
    none, nothing of viewer.net is imported)."""
    return bool(settings.dicom_nodes) or bool(settings.dicomweb_nodes)


def site_nodes(settings: Settings) -> list[NodeInfo]:
    """The site's PACS nodes by name and protocol, from the settings alone (nothing of
    viewer.net imported; addresses, AE titles and credentials are not given out)."""
    found = [NodeInfo(name=n, kind="dicom") for n in settings.dicom_nodes]
    found += [NodeInfo(name=n, kind="dicomweb") for n in settings.dicomweb_nodes]
    return sorted(found, key=lambda n: n.name)


def study_info(study: Study, hidden: bool) -> StudyInfo:
    shown = [s for s in study.series if s.has_images]
    return StudyInfo(study_uid=study.uid, patient="" if hidden else study.patient_name,
                     patient_id="" if hidden else study.patient_id, study_date=study.date,
                     description=study.description,
                     modalities=sorted({s.modality for s in shown}), series=len(shown),
                     source="local")


@router.get("/studies", response_model=StudyList, responses=ERRORS)
async def studies(
    request: Request,
    _who: Annotated[str, Depends(client)],
    source: Annotated[str, Query(description="'local' (the default): the service's "
                                 "studies; a PACS node's name: search that node")] = "local",
    patient_name: Annotated[str, Query(description="PACS search: wildcards * ?")] = "",
    patient_id: str = "",
    accession: str = "",
    date: Annotated[str, Query(description="PACS search: YYYYMMDD or FROM-TO")] = "",
    modality: str = "",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    show_identity: Annotated[bool, Query(
        description="names and IDs where the site hides identity but leaves it to the "
        "reader (as the desktop's View menu); refused where the site locked it")] = False,
) -> StudyList:
    """The studies on this service, or a study-level search of a configured PACS node."""
    engine: Engine = request.app.state.engine
    try:
        hidden = hides_identity(engine.settings, show_identity)
    except IdentityLocked as exc:
        raise ServiceError("identity_locked", str(exc).replace(
            "--show-identity", "show_identity")) from None
    nodes = [n.name for n in site_nodes(engine.settings)]
    if source == "local":
        return StudyList(studies=[study_info(s, hidden) for s in store_of(request).studies()],
                         identity_hidden=hidden, nodes=nodes)
    if not nodes_configured(engine.settings):
        raise ServiceError("unknown_node", f"source={source!r}: no PACS node is configured "
                           "on this service (IT lists them in the site configuration)")
    from viewer.service.pacs_bridge import search

    found, more = await run_in_threadpool(
        search, engine.settings, source, hidden, limit=limit, patient_name=patient_name,
        patient_id=patient_id, accession=accession, date=date, modality=modality)
    return StudyList(studies=found, identity_hidden=hidden, more=more, nodes=nodes)


@router.get("/nodes", response_model=NodeList, responses=ERRORS)
def nodes(request: Request, _who: Annotated[str, Depends(client)]) -> NodeList:
    """The site's PACS nodes the page can search and retrieve from (names and kinds)."""
    engine: Engine = request.app.state.engine
    return NodeList(nodes=site_nodes(engine.settings))


@router.post("/studies/{study_uid}/retrieve", response_model=RetrieveAnswer,
             responses=ERRORS)
async def retrieve(request: Request, study_uid: str,
                   _who: Annotated[str, Depends(client)],
                   node: Annotated[str, Query(description="the PACS node's name")]
                   ) -> RetrieveAnswer:
    """Retrieve a study from a configured PACS node into the service's store (the site's
    pacs_store_dir, as ``lightbox pacs get``); it is then listed as local."""
    engine: Engine = request.app.state.engine
    if not nodes_configured(engine.settings):
        raise ServiceError("unknown_node", f"node={node!r}: no PACS node is configured on "
                           "this service (IT lists them in the site configuration)")
    from viewer.service.pacs_bridge import fetch

    return await run_in_threadpool(fetch, engine.settings, store_of(request), node,
                                   study_uid)


@router.get("/studies/{study_uid}/series", response_model=SeriesList, responses=ERRORS)
def study_series(request: Request, study_uid: str,
                 _who: Annotated[str, Depends(client)]) -> SeriesList:
    """The series of a study on this service that have images, in the viewer's order."""
    study = store_of(request).study(study_uid)
    return SeriesList(series=[
        SeriesSummary(series_uid=s.uid, modality=s.modality, description=s.description,
                      body_part=_body_part(s), frames=len(s.frames))
        for s in study.series if s.has_images])


@router.get("/series/{series_uid}", response_model=SeriesInfo, responses=ERRORS)
def series_info(request: Request, series_uid: str,
                _who: Annotated[str, Depends(client)]) -> Response:
    """A series' frames in the viewer's spatial order, with their geometry and windows.

    Built from what the scan holds (the quick header values: rescale, windows, VOI
    function; no file is opened again per frame) and then kept by the store, as JSON, until
    it rescans: the page opens a series many times a session."""
    body = store_of(request).described(series_uid, _described)
    return Response(body, media_type="application/json",
                    headers={"Cache-Control": "private, no-cache"})


def _described(study: Study, series: Series) -> bytes:
    return describe_series(study, series).model_dump_json().encode()


def describe_series(study: Study, series: Series) -> SeriesInfo:
    """The answer of ``GET /v1/series/{uid}`` (no patient identity in it, so one answer
    serves every reader)."""
    first = series.frames[0].instance
    pixel = first.pixel
    colour = pixel is not None and pixel.is_colour
    presets = [] if colour else [
        *(Preset(name=p.name, center=p.center, width=p.width)
          for p in file_presets(first, series.frames[0].frame)),
        *bundled_presets(series.modality)]
    luts: dict[Lut, int] = {}  # the series' VOI LUTs, each once, in the order frames meet them
    frames = [_frame_info(i, ref, luts) for i, ref in enumerate(series.frames)]
    return SeriesInfo(
        series_uid=series.uid, study_uid=study.uid, modality=series.modality,
        body_part=_body_part(series), description=series.description,
        photometric=pixel.photometric if pixel else "", samples=3 if colour else 1,
        presets=presets, frames=frames,
        voi_luts=[VoiLut(first=lut.first, bits=lut.bits, data=lut.data.tolist()) for lut in luts])


def bundled_presets(modality: str) -> list[Preset]:
    """The site's presets for ``modality`` with the key the desktop's viewport gives each
    (viewer/ui/viewport/viewport.py ``apply_preset``): its own ``key`` from the presets
    file; where none of them has one, its place (1, 2, ...), so a key picks the same
    window on the page as at a workstation."""
    found = presets_for(modality)
    numbered = all(p.key is None for p in found)
    return [Preset(name=p.name, center=p.center, width=p.width,
                   key=number if numbered and number <= 9 else p.key)
            for number, p in enumerate(found, start=1)]


FRAME_HEADERS = {"X-Lightbox-Rows": "rows", "X-Lightbox-Columns": "columns",
                 "X-Lightbox-Samples": "1 (grey) or 3 (RGB)",
                 "X-Lightbox-Dtype": "float32 (grey, modality values) or uint8 (RGB)"}


@router.get("/series/{series_uid}/frames/{index}", response_class=Response,
            responses={**ERRORS, 200: {
                "content": {"application/octet-stream": {}},
                "description": "grey: little-endian float32 modality values, rows × "
                "columns; RGB: uint8, rows × columns × 3",
                "headers": {k: {"description": v, "schema": {"type": "string"}}
                            for k, v in FRAME_HEADERS.items()}}})
def frame(request: Request, series_uid: str, index: int,
          _who: Annotated[str, Depends(client)]) -> Response:
    """One frame's pixels, decoded on the service by the viewer (any transfer syntax)."""
    try:
        got = store_of(request).frame(series_uid, index)
    except FileProblemError as exc:
        raise ServiceError("unreadable_image", f"the image cannot be read: {exc.reason}"
                           ) from None
    return Response(got.little_endian_bytes(), media_type="application/octet-stream",
                    headers={"X-Lightbox-Rows": str(got.rows),
                             "X-Lightbox-Columns": str(got.columns),
                             "X-Lightbox-Samples": str(got.samples),
                             "X-Lightbox-Dtype": got.dtype,
                             "Cache-Control": "private, no-cache"})


@router.post("/series/{series_uid}/run", response_model=RunResponse, responses=ERRORS)
async def run_on_series(
    request: Request,
    series_uid: str,
    who: Annotated[str, Depends(client)],
    model: Annotated[str, Query(description="the model's id")],
    frames: Annotated[str, Query(description="frame indices, e.g. 0,3,4 (default: every "
                                 "frame)")] = "",
    accept_warnings: bool = False,
    dicom: Annotated[str, Query(description="also 'seg', 'sr' or 'seg,sr'")] = "",
    outputs: Annotated[str, Query(description="'arrays' (the default) or 'json'")] = "arrays",
) -> JSONResponse:
    """Run a model on a series the service holds: the answer of
    ``/v1/models/{id}/run?outputs=arrays``, without uploading the images."""
    engine: Engine = request.app.state.engine
    kinds = run_options(dicom, outputs)
    engine.verified(model)
    _, series = store_of(request).series(series_uid)
    chosen = _frames(frames, series)
    metrics = request.app.state.metrics
    try:
        answer = await run_in_threadpool(_run, engine, store_of(request), model, series,
                                         chosen, accept_warnings, kinds, who,
                                         outputs == "arrays")
    except ServiceError as exc:
        metrics.runs.labels(model, "series", exc.reason).inc()
        raise
    metrics.runs.labels(model, "series", "ok").inc()
    return run_answer(answer)


def _run(engine: Engine, store: StudyStore, model: str, series: Series,
         frames: list[int] | None, accept_warnings: bool, kinds: list[str], who: str,
         arrays: bool) -> RunResponse:
    with tempfile.TemporaryDirectory(prefix="lightbox-run-") as tmp:
        return engine.run_series(model, series, frames, accept_warnings=accept_warnings,
                                 dicom=kinds, client=who, arrays=arrays,
                                 out=Path(tmp) / "out", source=store.source)


def _frames(text: str, series: Series) -> list[int] | None:
    if not text.strip():
        return None
    try:
        chosen = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ServiceError("bad_request", f"frames={text!r}: give frame indices separated "
                           "by commas, e.g. 0,3,4") from None
    wrong = [i for i in chosen if not 0 <= i < len(series.frames)]
    if wrong or not chosen:
        raise ServiceError("bad_request", f"frames={text!r}: the series has frames 0 to "
                           f"{len(series.frames) - 1}")
    return chosen


def _body_part(series: Series) -> str:
    first = series.frames[0].instance if series.frames else None
    tags: Any = None if first is None else first.tags
    if tags is None:
        return ""
    with contextlib.suppress(Exception):  # a damaged header only loses the body part
        return str(tags.get("BodyPartExamined", "") or "").strip()
    return ""


def _floats(values: Any) -> list[float] | None:
    return None if values is None else [float(v) for v in values]


def _frame_info(index: int, ref: FrameRef, luts: dict[Lut, int]) -> FrameInfo:
    """One frame's geometry and display transform (viewer.imaging.lut's reading: the
    windows, the VOI LUT Function, the first VOI LUT), the LUT added to ``luts``."""
    inst, pixel, geometry = ref.instance, ref.instance.pixel, ref.geometry
    grey = pixel is not None and not pixel.is_colour
    transform = pixel_transform(inst, ref.frame) if grey else None
    windows = transform.windows if transform else ()
    lut = transform.voi_luts[0] if transform and transform.voi_luts else None
    return FrameInfo(
        voi_function=transform.voi_function if transform else "LINEAR",
        voi_lut=None if lut is None else luts.setdefault(lut, len(luts)),
        index=index, sop_instance_uid=inst.sop_instance_uid,
        rows=pixel.rows if pixel else 0, columns=pixel.columns if pixel else 0,
        position=_floats(geometry.position), orientation=_floats(geometry.orientation),
        pixel_spacing=_floats(geometry.spacing),
        window=WindowValue(center=windows[0].center, width=windows[0].width)
        if windows else None)
