"""A run on an inference server IT configured, giving the same Results as a run here.

The reader picks a model from this workstation's registry: that verified artifact is the
one expected. Before anything is uploaded, the server's ``/v1/models`` must list a
verified model with the same id, version and manifest digest (:func:`compare`), or the run
is refused with each differing field named (:class:`ServerModelMismatchError`). The
intended-use check runs here first, as for a local run: ``accept_warnings`` goes to the
server only when the reader accepted the same warnings here.

The series' files (the ones a local run reads) are streamed to ``POST /v1/models/{id}/run``
with ``?outputs=arrays``, and the answer turned back into the very
:class:`~viewer.inference.results.Result` objects a run here gives
(:mod:`viewer.inference.result_arrays`): label maps, heatmaps on the model's grid with
their letterbox and value range, every box with the candidates below the threshold,
unrounded probabilities and values, the letterbox geometry and a volume run's mL summary,
on the same frames, with the manifest's labels. No SEG is decoded (that cost ~150 ms a
series). Their provenance names the server and the execution provider
(``Provenance.server``/``provider``: "AI · name version · on gpu1 (CUDA)"), so overlays,
SEG/SR export, send-to-PACS and the audit work unchanged; the local audit log gets one
record per remote run, saying where it ran. A server that answers without ``arrays`` (one
older than this viewer) is refused with that reason rather than shown without its pixels.
This module imports the HTTP client; it is itself imported only when a server is
configured (tests/test_offline.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from viewer.audit.log import AuditLog, AuditRecord, series_hash
from viewer.errors import Cancelled
from viewer.host.settings import Settings
from viewer.inference.errors import IntendedUseError, ModelInputError
from viewer.inference.intended_use import check_intended_use
from viewer.inference.manifest import Manifest
from viewer.inference.registry import ModelEntry
from viewer.inference.result_arrays import (
    ArrayFormatError,
    domain_of,
    letterbox,
    outputs_of,
    volume_of,
)
from viewer.inference.results import Provenance, Result
from viewer.inference.run_stats import run_stats
from viewer.inference.series_match import extra_inputs
from viewer.io.model import Series
from viewer.net.errors import ServerModelMismatchError, ServerRefusedError
from viewer.net.inference_client import ServerClient, server_named
from viewer.tasks.cancel import CancelToken

Progress = Callable[[int, int], None]


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

    provider = ""  # the server's execution provider, once it says
    done: list[Result] = []

    def record(outcome: str, frames: int = 0, message: str = "") -> None:
        accepted = check.warnings if accept_warnings and outcome != "refused" else ()
        audit_log.append(AuditRecord(
            model_id=manifest.id, model_version=manifest.version,
            model_digest=manifest.digest, series_hash=series_hash(series.uid),
            runtime=runtime, duration_s=time.perf_counter() - started, frames=frames,
            outcome=outcome, message=message or f"run on inference server {server} "
            f"({client.server.address})",
            stats=run_stats(series, done, provider=provider, warnings=accepted,
                            reference=manifest.reference)))

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
    provider = found.provider

    files = list(dict.fromkeys(ref.instance.path for ref in series.frames))
    total = len(series.frames)
    if progress is not None:
        progress(0, total)

    def sent(done: int, size: int) -> None:
        if progress is not None and size:
            progress(min(total - 1, total * done // size), total)

    try:
        answer = client.run(manifest.id, files, accept_warnings=bool(check.warnings),
                            arrays=True, cancel=cancel, sent=sent)
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
    done = results
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
    arrays = answer.get("arrays")
    if not isinstance(arrays, Mapping):
        raise ServerRefusedError(f"inference server {server} answered without the results' "
                                 "pixels (a lightbox serve older than this viewer): the "
                                 "results are not shown; IT updates the server", "bad_answer")
    try:
        volume = volume_of(arrays.get("volume"), manifest)
        frames = {int(f["frame_index"]): f for f in arrays.get("frames", [])}
    except (ArrayFormatError, KeyError, TypeError, ValueError) as exc:
        raise _bad(server, exc) from None
    results = []
    for item in answer.get("results", []):
        source = item["source"]
        index = int(source["frame_index"])
        frame = frames.get(index)
        if not 0 <= index < len(series.frames) or frame is None \
                or series.frames[index].instance.sop_instance_uid != source["sop_instance_uid"] \
                or frame.get("sop_instance_uid") != source["sop_instance_uid"]:
            raise ServerRefusedError(f"inference server {server} answered about an image "
                                     "that is not in this series: the results are not shown",
                                     "bad_answer")
        ref = series.frames[index]
        shape = (int(item["image_size"]["rows"]), int(item["image_size"]["columns"]))
        provenance = Provenance(
            model_id=manifest.id, model_name=manifest.name, model_version=manifest.version,
            model_digest=manifest.digest, not_for_clinical_use=manifest.not_for_clinical_use,
            runtime=f"{prov.get('runtime', 'onnxruntime')} {prov.get('runtime_version', '')}"
            .strip(), series_uid=series.uid, sop_instance_uid=ref.instance.sop_instance_uid,
            frame_index=index, instance_frame=ref.frame, unsigned=entry.model.unsigned,
            server=server, provider=str(prov.get("provider", "")))
        try:
            outputs = outputs_of(frame, manifest)
            geometry = letterbox(frame["geometry"])
            domain = domain_of(frame)
        except (ArrayFormatError, KeyError, TypeError, ValueError) as exc:
            raise _bad(server, exc) from None
        results.append(Result(provenance, shape, geometry, outputs,
                              tuple(item.get("warnings_accepted", ())), domain, volume))
    return results


def _bad(server: str, exc: Exception) -> ServerRefusedError:
    return ServerRefusedError(f"inference server {server} answered with results this viewer "
                              f"cannot read ({exc}): the results are not shown", "bad_answer")


def server_names(settings: Settings) -> Sequence[str]:
    return sorted(settings.inference_servers)
