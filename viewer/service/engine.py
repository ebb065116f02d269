"""Running a model for a request: the desktop's core, called as ``lightbox infer`` does.

DICOM runs go through :func:`viewer.inference.run_model` (intended-use check, the same
warnings, pre/post-processing, one audit record naming the client) and
:func:`viewer.inference.dicom_export.write_dicom` for SEG/SR. Raw tensors (the Open
Inference Protocol) go to the verified model's one ONNX Runtime session, reused by every
request (ONNX Runtime's ``run`` is thread-safe), and are audited too. Both are blocking
and run on the worker thread pool, never on the event loop.

At start every verified model is placed on an execution provider
(:mod:`viewer.service.providers`: the site's preference, what ONNX Runtime offers, and
the golden replay on each); its one session on that provider serves every request.
:meth:`Engine.tensors` is the one call every raw run goes through: requests from several
clients to one model are stacked into one run there (:mod:`viewer.service.batching`).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from viewer.audit.group import GroupCommit
from viewer.audit.log import AuditLog, AuditRecord
from viewer.audit.signing import AuditError
from viewer.errors import FileProblemError, LightboxError
from viewer.host.settings import Settings
from viewer.inference.errors import (
    IntendedUseError,
    ModelError,
    ModelInputError,
    NotVerifiedError,
)
from viewer.inference.registry import ModelEntry, ModelRegistry
from viewer.inference.result_arrays import run_arrays
from viewer.inference.result_json import result_summary
from viewer.inference.run_stats import run_stats
from viewer.inference.verify import VerifiedModel
from viewer.io.frames import FrameSource
from viewer.io.model import Series
from viewer.service.audit_client import ClientAuditLog
from viewer.service.batching import Batcher, batch_limit
from viewer.service.problems import ServiceError
from viewer.service.providers import Provider, available_providers, place, plan
from viewer.service.schemas import DicomObject, RunArrays, RunProvenance, RunResponse

DICOM_KINDS = ("seg", "sr")


class Engine:
    def __init__(self, settings: Settings, dirs: Sequence[Path] | None = None,
                 available: Sequence[str] | None = None) -> None:
        """``available``: the providers ONNX Runtime reports (None: ask it)."""
        self.settings = settings
        self.registry = ModelRegistry(dirs, settings=settings)
        self.metrics: Any = None  # the app's Metrics (create_app sets it)
        self.drift: Any = None  # the app's DriftWatch (create_app sets it)
        self.audit_group = GroupCommit()  # one fsync for the records finishing together
        self.batcher = Batcher(settings.service_batch_window_ms / 1000, self._observe)
        self.plan = plan(settings.service_providers,
                         available if available is not None else available_providers())
        self.placements: dict[str, Provider] = {}
        for entry in self.registry:
            if entry.model is not None:
                self.placements[entry.id] = place(entry.model, self.plan, settings)

    def provider(self, model_id: str) -> Provider:
        """What serves ``model_id`` (for an unavailable model: nothing, and why)."""
        found = self.placements.get(model_id)
        return found or Provider("none", "the model did not verify, so it runs nowhere")

    def _observe(self, model: str, rows: int) -> None:
        if self.metrics is not None:
            self.metrics.batch_size.labels(model).observe(rows)

    # --- models ---------------------------------------------------------------------

    def entry(self, model_id: str) -> ModelEntry:
        try:
            return self.registry.get(model_id)
        except ModelError:
            raise ServiceError("unknown_model", f"no model {model_id!r} (known: "
                               f"{', '.join(self.registry.ids()) or 'none'})") from None

    def verified(self, model_id: str) -> VerifiedModel:
        entry = self.entry(model_id)
        if entry.model is None:
            raise ServiceError("model_unavailable", f"model {model_id} is unavailable: "
                               f"{entry.reason}")
        return entry.model

    @property
    def ready(self) -> bool:
        return bool(self.registry.entries) and all(e.available for e in self.registry)

    def audit(self, client: str) -> ClientAuditLog:
        return ClientAuditLog(AuditLog.of(self.settings), client, self.audit_group)

    # --- DICOM ----------------------------------------------------------------------

    def run_dicom(self, model_id: str, folder: Path, *, accept_warnings: bool,
                  dicom: Sequence[str], client: str, arrays: bool = False) -> RunResponse:
        """A run on the instances uploaded into ``folder`` (one series)."""
        from viewer.io.scan import scan

        self.verified(model_id)
        found = scan([folder])
        series = [s for s in found.all_series() if s.has_images]
        if not series:
            raise ServiceError("no_series", "the upload holds no image the viewer can read")
        if len(series) > 1:
            raise ServiceError("several_series", f"the upload holds {len(series)} series; "
                               "send the instances of one series per request")
        return self.run_series(model_id, series[0], None, accept_warnings=accept_warnings,
                               dicom=dicom, client=client, arrays=arrays, out=folder / "out")

    def run_series(self, model_id: str, series: Series, frames: Sequence[int] | None, *,
                   accept_warnings: bool, dicom: Sequence[str], client: str, arrays: bool,
                   out: Path, source: FrameSource | None = None) -> RunResponse:
        """The one run path of the service: an uploaded series (:meth:`run_dicom`) or one
        the service holds (``/v1/series/{uid}/run``, its frames from the store's
        ``source``): the same intended-use check, audit record, provenance and arrays."""
        from viewer.inference.runner import run_model

        entry = self.entry(model_id)
        model = self.verified(model_id)
        extra: dict[str, Any] = {} if source is None else {"source": source}
        try:
            results = run_model(entry, series, frames, accept_warnings=accept_warnings,
                                audit_log=self.audit(client),
                                session_run=self._stacked(model_id, model), **extra)
        except IntendedUseError as exc:
            raise ServiceError("intended_use", f"model {exc.model} is not meant for this "
                               "series; send accept_warnings=true to run it anyway",
                               warnings=list(exc.warnings)) from None
        except NotVerifiedError as exc:
            raise ServiceError("model_unavailable", str(exc)) from None
        except ModelInputError as exc:
            raise ServiceError("model_input", str(exc)) from None
        except FileProblemError as exc:
            raise ServiceError("unreadable_image", f"an image cannot be read: "
                               f"{exc.reason}") from None
        except AuditError as exc:
            raise ServiceError("audit_unavailable", f"the run cannot be recorded, so it did "
                               f"not run: {exc}") from None
        objects = self._dicom(results, series, out, dicom)
        return RunResponse(
            provenance=self.provenance(model),
            series_uid=series.uid,
            images=len(series.frames),
            warnings_accepted=list(results[0].warnings) if results else [],
            results=[result_summary(r) for r in results],
            dicom=objects,
            arrays=RunArrays.model_validate(run_arrays(results)) if arrays else None,
        )

    def _stacked(self, model_id: str, model: VerifiedModel) -> Any:
        """The DICOM run's batches through the batcher: stacked with other clients' raw
        tensors or series of the same model whenever their shapes agree."""
        session = model.session()
        limit = batch_limit(session, all(o.batch_first for o in model.manifest.outputs))

        def run(names: Sequence[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
            return self.batcher.run(model_id, session, feed, names, limit)

        return run

    def _dicom(self, results: Sequence[Any], series: Any, out: Path,
               kinds: Sequence[str]) -> list[DicomObject]:
        if not kinds:
            return []
        from viewer.inference.dicom_export import write_dicom

        try:
            out.mkdir()
            paths = write_dicom(results, series, out)
        except (OSError, LightboxError) as exc:
            raise ServiceError("internal", f"the DICOM results cannot be written "
                               f"({type(exc).__name__})") from None
        objects = []
        for path in paths:
            kind = path.stem.rsplit("-", 1)[-1]
            if kind in kinds:
                objects.append(DicomObject(kind=kind.upper(), filename=path.name,
                                           data_base64=base64.b64encode(
                                               path.read_bytes()).decode("ascii")))
        return objects

    def provenance(self, model: VerifiedModel) -> RunProvenance:
        m = model.manifest
        return RunProvenance(model_id=m.id, model_name=m.name, model_version=m.version,
                             model_digest=m.digest, runtime_version=model.runtime,
                             provider=model.provider, unsigned=model.unsigned,
                             not_for_clinical_use=m.not_for_clinical_use)

    # --- raw tensors ----------------------------------------------------------------

    def tensors(self, model_id: str, feed: Mapping[str, np.ndarray],
                outputs: Sequence[str] | None, client: str) -> dict[str, np.ndarray]:
        """Run the verified graph on ``feed``; every output, or those named."""
        model = self.verified(model_id)
        session = model.session()
        wanted = {i.name: i for i in session.get_inputs()}
        missing = sorted(set(wanted) - set(feed))
        extra = sorted(set(feed) - set(wanted))
        if missing or extra:
            raise ServiceError("invalid_tensor", f"model {model_id} takes the inputs "
                               f"{', '.join(wanted)}" + (f"; missing {missing}" if missing else "")
                               + (f"; unknown {extra}" if extra else ""))
        for name, spec in wanted.items():
            _check_shape(name, list(spec.shape), feed[name].shape)
            if feed[name].dtype != np.float32:
                raise ServiceError("invalid_tensor", f"input {name!r} must be FP32")
        names = [o.name for o in session.get_outputs()]
        chosen = list(outputs) if outputs else names
        unknown = [n for n in chosen if n not in names]
        if unknown:
            raise ServiceError("invalid_tensor", f"model {model_id} has no output "
                               f"{unknown[0]!r} (it has {', '.join(names)})")
        audit = self.audit(client)
        try:
            audit.check()
        except AuditError as exc:
            raise ServiceError("audit_unavailable", f"the run cannot be recorded, so it did "
                               f"not run: {exc}") from None
        started = time.perf_counter()
        limit = batch_limit(session, all(o.batch_first for o in model.manifest.outputs))
        try:
            got = self.batcher.run(model_id, session, feed, chosen, limit)
        except Exception as exc:  # noqa: BLE001 - ONNX Runtime's own errors name no patient
            self._record(audit, model, started, 0, "error", type(exc).__name__)
            raise ServiceError("invalid_tensor", f"ONNX Runtime refused the input "
                               f"({type(exc).__name__})") from None
        finally:
            if self.metrics is not None:
                self.metrics.tensor_latency.labels(model_id).observe(
                    time.perf_counter() - started)
        batch = next(iter(feed.values())).shape[0] if feed else 0
        self._record(audit, model, started, int(batch), "ok")
        return {n: np.asarray(v) for n, v in zip(chosen, got, strict=True)}

    def _record(self, audit: AuditLog, model: VerifiedModel, started: float, frames: int,
                outcome: str, message: str = "") -> None:
        m = model.manifest
        try:
            audit.append(AuditRecord(
                model_id=m.id, model_version=m.version, model_digest=m.digest,
                series_hash="", runtime=f"onnxruntime {model.runtime} {model.provider}",
                duration_s=time.perf_counter() - started, frames=frames, outcome=outcome,
                message=message or "open inference protocol: raw tensors",
                # raw tensors: no image to describe, so the provider only (a run all the same)
                stats=run_stats(None, (), provider=model.provider)))
        except AuditError as exc:
            raise ServiceError("audit_unavailable", f"the run cannot be recorded: {exc}"
                               ) from None


def _check_shape(name: str, declared: list[Any], given: tuple[int, ...]) -> None:
    fixed = [d if isinstance(d, int) else -1 for d in declared]
    if len(fixed) != len(given) or any(d not in (-1, g) for d, g in zip(fixed, given,
                                                                        strict=True)):
        raise ServiceError("invalid_tensor", f"input {name!r} has shape {list(given)}; the "
                           f"model takes {fixed} (-1: any size)")
