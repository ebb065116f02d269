"""A run on an inference server IT configured, giving the same Results as a run here.

The reader picks a model from this workstation's registry: that verified artifact is the
one expected. Before anything is uploaded, the server's ``/v1/models`` must list a
verified model with the same id, version and manifest digest (:func:`compare`), or the run
is refused with each differing field named (:class:`ServerModelMismatchError`). The
intended-use check runs here first, as for a local run: ``accept_warnings`` goes to the
server only when the reader accepted the same warnings here.

The series' files (the ones a local run reads) are streamed to ``POST /v1/models/{id}/run``
and the JSON answer turned back into :class:`~viewer.inference.results.Result` objects:
probabilities, values and boxes from the JSON, masks from the DICOM SEG the server makes
(``?dicom=seg``: the JSON carries only label counts), on the same frames, with the
manifest's labels. Their provenance names the server and the execution provider
(``Provenance.server``/``provider``: "AI · name version · on gpu1 (CUDA)"), so overlays,
SEG/SR export, send-to-PACS and the audit work unchanged; the local audit log gets one
record per remote run, saying where it ran. Not carried back (the service's answer has
no pixels for them): heatmaps, box candidates below the threshold, a volume run's mL
summary. This module imports the HTTP client; it is itself imported only when a server is
configured (tests/test_offline.py).
"""

from __future__ import annotations

import base64
import math
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from viewer.audit.log import AuditLog, AuditRecord, series_hash
from viewer.errors import Cancelled
from viewer.host.settings import Settings
from viewer.inference.domain import DomainCheck
from viewer.inference.errors import IntendedUseError, ModelInputError
from viewer.inference.intended_use import check_intended_use
from viewer.inference.manifest import Manifest
from viewer.inference.preprocess import Letterbox
from viewer.inference.registry import ModelEntry
from viewer.inference.results import (
    Box,
    BoxesOutput,
    LabelsOutput,
    MaskOutput,
    Output,
    Provenance,
    Result,
    ValuesOutput,
)
from viewer.inference.series_match import extra_inputs
from viewer.io.model import Series
from viewer.net.errors import ServerModelMismatchError, ServerRefusedError
from viewer.net.inference_client import ServerClient, server_named
from viewer.tasks.cancel import CancelToken

Progress = Callable[[int, int], None]
#: Output kinds whose pixels come back in the SEG.
_MASK_KINDS = ("mask", "label_map")


@dataclass(frozen=True)
class ServerModel:
    """A model as the server lists it."""

    id: str
    name: str
    version: str
    digest: str
    verified: bool
    reason: str
    runtime: str
    provider: str

    @classmethod
    def of(cls, item: Mapping[str, Any]) -> ServerModel:
        return cls(str(item.get("id", "")), str(item.get("name", "")),
                   str(item.get("version", "")), str(item.get("digest") or ""),
                   bool(item.get("verified")), str(item.get("reason", "")),
                   str(item.get("runtime", "")), str(item.get("provider", "")))


def compare(manifest: Manifest, found: ServerModel | None) -> tuple[str, ...]:
    """Each field in which the server's model differs from the artifact verified here
    (empty: the same model, verified there too)."""
    if found is None:
        return (f"id: the server has no model {manifest.id!r}",)
    differences = [f"{field}: here {mine!r}, on the server {theirs!r}"
                   for field, mine, theirs in (("id", manifest.id, found.id),
                                               ("version", manifest.version, found.version),
                                               ("digest", manifest.digest, found.digest))
                   if mine != theirs]
    if not differences and not found.verified:
        differences.append(f"verified: not on the server ({found.reason or 'no reason given'})")
    return tuple(differences)


def server_model(client: ServerClient, manifest: Manifest) -> ServerModel:
    """The server's model for ``manifest``, or :class:`ServerModelMismatchError`."""
    listed = {m.id: m for m in map(ServerModel.of, client.models())}
    found = listed.get(manifest.id)
    differences = compare(manifest, found)
    if differences:
        raise ServerModelMismatchError(
            f"{client.where} does not serve the model verified here, so it was not sent "
            f"there: {'; '.join(differences)}. Run it here, or IT installs the same "
            "artifact on both", differences)
    assert found is not None
    return found


def check_server(settings: Settings, server: str, entry: ModelEntry) -> ServerModel:
    """Whether ``server`` can run ``entry`` (for the panel's button): its model, or the
    error that says why not (unreachable, key, mismatch)."""
    if entry.manifest is None or entry.model is None:
        raise ModelInputError(entry.id, f"unavailable: {entry.reason}")
    return server_model(ServerClient(server_named(settings, server), settings),
                        entry.model.manifest)


def run_remote(entry: ModelEntry, series: Series, *, server: str, settings: Settings,
               audit_log: AuditLog, accept_warnings: bool = False,
               progress: Progress | None = None,
               cancel: CancelToken | None = None) -> list[Result]:
    """Run ``entry`` on every image of ``series`` on the configured ``server``."""
    if entry.model is None:
        raise ModelInputError(entry.id, f"unavailable: {entry.reason}")
    manifest = entry.model.manifest
    if extra_inputs(manifest):
        raise ModelInputError(manifest.id, "it reads other series of the study, which an "
                              "inference server does not take yet: run it here")
    client = ServerClient(server_named(settings, server), settings)
    audit_log.check()
    started = time.perf_counter()
    check = check_intended_use(manifest, series)
    runtime = f"inference server {server}"  # until the server says what it runs

    def record(outcome: str, frames: int = 0, message: str = "") -> None:
        audit_log.append(AuditRecord(
            model_id=manifest.id, model_version=manifest.version,
            model_digest=manifest.digest, series_hash=series_hash(series.uid),
            runtime=runtime, duration_s=time.perf_counter() - started, frames=frames,
            outcome=outcome, message=message or f"run on inference server {server} "
            f"({client.server.address})"))

    # Refused here, recorded as a run here would be (nothing was sent).
    if check.problems:
        error: ModelInputError | IntendedUseError = ModelInputError(
            manifest.id, "; ".join(check.problems))
        record("refused", message=error.reason)
        raise error
    if check.warnings and not accept_warnings:
        error = IntendedUseError(manifest.id, check.warnings)
        record("refused", message=error.reason)
        raise error
    try:
        found = server_model(client, manifest)
    except ServerModelMismatchError as exc:
        record("refused", message=f"inference server {server} serves another model: "
               + ", ".join(d.split(":")[0] for d in exc.differences) + " differ")
        raise
    runtime = f"{found.runtime} ({found.provider}) on inference server {server}"

    files = list(dict.fromkeys(ref.instance.path for ref in series.frames))
    kinds = ["seg"] if any(o.kind in _MASK_KINDS for o in manifest.outputs) else []
    total = len(series.frames)
    if progress is not None:
        progress(0, total)

    def sent(done: int, size: int) -> None:
        if progress is not None and size:
            progress(min(total - 1, total * done // size), total)

    try:
        answer = client.run(manifest.id, files, accept_warnings=bool(check.warnings),
                            dicom=kinds, cancel=cancel, sent=sent)
        results = to_results(answer, entry, series, server)
    except ServerRefusedError as exc:
        if exc.reason == "intended_use":
            record("refused", message=f"inference server {server}: outside intended use")
            raise IntendedUseError(manifest.id, exc.warnings) from None
        record("error", message=f"inference server {server}: {exc.reason or exc.status}")
        raise
    except Cancelled:
        record("cancelled")
        raise
    except Exception as exc:
        record("error", message=f"inference server {server}: {type(exc).__name__}")
        raise
    if progress is not None:
        progress(total, total)
    record("ok", len(results), f"run on inference server {server} "
           f"({client.server.address}), provider {found.provider}")
    return results


# --- the answer → Results ---------------------------------------------------------------


def to_results(answer: Mapping[str, Any], entry: ModelEntry, series: Series,
               server: str) -> list[Result]:
    """The service's JSON answer (and its SEG) as the Results a local run gives."""
    assert entry.model is not None
    manifest = entry.model.manifest
    prov = answer.get("provenance", {})
    if prov.get("model_digest") != manifest.digest:
        raise ServerModelMismatchError(
            f"inference server {server} answered with another model (digest "
            f"{str(prov.get('model_digest'))[:16]}…): the results are not shown",
            ("digest",))
    masks = _masks(answer, series, manifest)
    frame_of = {ref.instance.sop_instance_uid: i for i, ref in enumerate(series.frames)}
    results = []
    for item in answer.get("results", []):
        source = item["source"]
        index = int(source["frame_index"])
        ref = series.frames[index]
        if frame_of.get(ref.instance.sop_instance_uid) is None \
                or ref.instance.sop_instance_uid != source["sop_instance_uid"]:
            raise ServerRefusedError(f"inference server {server} answered about an image "
                                     "that is not in this series: the results are not shown",
                                     "bad_answer")
        shape = (int(item["image_size"]["rows"]), int(item["image_size"]["columns"]))
        provenance = Provenance(
            model_id=manifest.id, model_name=manifest.name, model_version=manifest.version,
            model_digest=manifest.digest, not_for_clinical_use=manifest.not_for_clinical_use,
            runtime=f"{prov.get('runtime', 'onnxruntime')} {prov.get('runtime_version', '')}"
            .strip(), series_uid=series.uid, sop_instance_uid=ref.instance.sop_instance_uid,
            frame_index=index, instance_frame=ref.frame, unsigned=entry.model.unsigned,
            server=server, provider=str(prov.get("provider", "")))
        outputs = _outputs(item, manifest, masks.get(index))
        ood = item.get("ood")
        domain = None if not ood else DomainCheck(
            ood.get("psi"), str(ood.get("level", "")), tuple(ood.get("findings", ())),
            tuple(ood.get("notes", ())))
        results.append(Result(provenance, shape, _identity(shape), tuple(outputs),
                              tuple(item.get("warnings_accepted", ())), domain))
    return results


def _identity(shape: tuple[int, int]) -> Letterbox:
    return Letterbox(source=shape, target=shape, scale=(1.0, 1.0), offset=(0, 0))


def _masks(answer: Mapping[str, Any], series: Series,
           manifest: Manifest) -> dict[int, np.ndarray]:
    """Frame index → label map, from the SEG the server made."""
    from viewer.inference.dicom_import import read_seg

    seg = [d for d in answer.get("dicom", []) if d.get("kind") == "SEG"]
    if not seg:
        return {}
    with tempfile.TemporaryDirectory(prefix="lightbox-remote-") as folder:
        path = Path(folder) / "result-seg.dcm"
        path.write_bytes(base64.b64decode(seg[0]["data_base64"]))
        return {r.provenance.frame_index: r.masks[0].mask for r in read_seg(path, series)
                if r.masks}


def _outputs(item: Mapping[str, Any], manifest: Manifest,
             mask: np.ndarray | None) -> list[Output]:
    specs = {o.name: o for o in manifest.outputs}
    outputs: list[Output] = []
    for out in item.get("outputs", []):
        spec = specs.get(out.get("name"))
        if spec is None:
            continue
        kind = out.get("kind")
        if kind == "mask" and mask is not None:
            dtype = np.uint8 if max((lb.value or 0 for lb in spec.labels), default=0) < 256 \
                else np.uint16
            label_map = np.ascontiguousarray(mask, dtype=dtype)
            label_map.flags.writeable = False
            counts = np.bincount(label_map.reshape(-1), minlength=1)
            outputs.append(MaskOutput(spec.name, spec.labels, label_map,
                                      {int(v): int(counts[v]) for v in np.flatnonzero(counts)}))
        elif kind == "labels":
            probabilities = out.get("probabilities", {})
            outputs.append(LabelsOutput(spec.name, spec.labels, tuple(
                float(probabilities.get(lb.name, math.nan)) for lb in spec.labels)))
        elif kind == "values":
            values = out.get("values", [])
            outputs.append(ValuesOutput(
                spec.name, tuple(str(v.get("name", "")) for v in values),
                tuple(str(v.get("unit") or "") for v in values), spec.decimals,
                tuple(math.nan if v.get("value") is None else float(v["value"])
                      for v in values)))
        elif kind == "boxes":
            index_of = {lb.name: i for i, lb in enumerate(spec.classes)}
            colors = {lb.name: lb.color for lb in spec.classes}
            boxes = tuple(Box(float(b["x0"]), float(b["y0"]), float(b["x1"]), float(b["y1"]),
                              float(b["score"]), index_of.get(b["class"], 0), str(b["class"]),
                              colors.get(b["class"]))
                          for b in out.get("boxes", []))
            outputs.append(BoxesOutput(spec.name, boxes, float(out.get("score_threshold",
                                                                       spec.score_threshold)),
                                       spec.classes))
    return outputs


def server_names(settings: Settings) -> Sequence[str]:
    return sorted(settings.inference_servers)
