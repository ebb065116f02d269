"""Run a verified model on one image or a whole series: read, prepare, batch, run, map back.

Every call appends one audit record, whatever its outcome. A run whose record cannot be
written does not count: ``run_model`` checks the audit before it starts and raises
``AuditError`` (what to fix) instead of returning results it could not record.
Cancellation is checked between batches; progress counts frames done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from viewer.audit.log import AuditLog, AuditRecord, series_hash
from viewer.audit.signing import AuditError
from viewer.errors import Cancelled, LightboxError
from viewer.imaging.lut import modality_values
from viewer.inference.companion import Companion
from viewer.inference.domain import DomainCheck, check_domain
from viewer.inference.errors import IntendedUseError, ModelInputError, NotVerifiedError
from viewer.inference.intended_use import check_intended_use
from viewer.inference.postprocess import postprocess, split_batch
from viewer.inference.preprocess import Letterbox, neighbours, prepare_slice, prepare_volume
from viewer.inference.results import InputSource, Provenance, Result
from viewer.inference.run_stats import run_stats
from viewer.inference.series_match import check_choice, extra_inputs, primary_input
from viewer.inference.session import CPU
from viewer.inference.verify import VerifiedModel, is_verified
from viewer.inference.volume_inputs import OtherVolume
from viewer.inference.volume_inputs import check_inputs as check_volume_inputs
from viewer.inference.volume_run import check_volume, run_volume
from viewer.io.frames import FrameSource
from viewer.io.model import FrameRef, Series
from viewer.io.pixels import read_frame

if TYPE_CHECKING:
    from viewer.inference.manifest import Manifest, Reference
    from viewer.inference.registry import ModelEntry
    from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

DEFAULT_BATCH = 4
Progress = Callable[[int, int], None]
#: ``session.run(names, feed)`` of the model's session, by another road: the service
#: stacks several clients' images into one run (viewer.service.batching).
SessionRun = Callable[[Sequence[str], dict[str, np.ndarray]], Sequence[np.ndarray]]


def _model_of(model: VerifiedModel | ModelEntry) -> VerifiedModel:
    verified = model if isinstance(model, VerifiedModel) else model.model
    if verified is None:
        reason = getattr(model, "reason", "") or "it did not verify"
        raise NotVerifiedError(getattr(model, "id", "?"), f"is unavailable: {reason}")
    if not is_verified(verified):
        raise NotVerifiedError(verified.manifest.id, "has not been verified; it cannot run")
    return verified


def run_model(
    model: VerifiedModel | ModelEntry,
    series: Series,
    frames: Sequence[int] | None = None,
    *,
    progress: Progress | None = None,
    cancel: CancelToken | None = None,
    accept_warnings: bool = False,
    batch_size: int = DEFAULT_BATCH,
    audit_log: AuditLog,
    source: FrameSource = read_frame,
    inputs: Mapping[str, Series] | None = None,
    session_run: SessionRun | None = None,
) -> list[Result]:
    """Run ``model`` on ``series.frames[i]`` for each ``i`` in ``frames`` (default: all).

    ``inputs``: for a model with inputs from other series of the study, the series of each
    (input name → series; ``series_match.propose`` suggests them). Each must fit its rule;
    every image of ``series`` takes the frame of each at the nearest slice position,
    resampled onto its pixel grid (``companion``), or the run is refused with the reason.

    Raises ``IntendedUseError`` when the image is outside the model's intended use and
    ``accept_warnings`` is False; ``ModelInputError`` when it cannot feed the model;
    ``Cancelled`` when ``cancel`` fires. One Result per frame, in the order asked.
    A volume model (``manifest.volume``) reads the whole series whatever ``frames`` asks
    (:mod:`viewer.inference.volume_run`); its results carry the run's ``VolumeSummary``.
    ``audit_log`` records the run (``AuditLog.of(settings)``); ``source`` gives the stored
    pixels (default: read from the files; the GUI passes ``frame_source(cache)``).
    ``session_run``: how a slice model's batches run (default: its session's ``run``; the
    service stacks them with other clients'); a volume model keeps its own.
    """
    verified = _model_of(model)
    manifest = verified.manifest
    indices = list(range(len(series.frames))) if frames is None else [int(i) for i in frames]
    audit = audit_log
    audit.check()  # before the run: a run that cannot be recorded must not start
    started = time.perf_counter()
    runtime = f"onnxruntime {verified.runtime}" + (
        "" if verified.provider == CPU else f" on {verified.provider}")

    others = dict(inputs or {})
    hashes = {name: series_hash(s.uid) for name, s in others.items()}

    accepted: tuple[str, ...] = ()  # the intended-use warnings the reader accepted
    results: list[Result] = []  # filled as batches finish: a cancel records how far it got

    def record(outcome: str, message: str = "", done: int = 0, unlike: int = 0) -> None:
        """Append the run's record; for a run that ended otherwise, the failure is logged
        and the run's own error goes on (it did not complete either way)."""
        try:
            stats = _stats(series, results, verified.provider, accepted, manifest.reference)
            audit.append(
                AuditRecord(
                    model_id=manifest.id,
                    model_version=manifest.version,
                    model_digest=manifest.digest,
                    series_hash=series_hash(series.uid),
                    runtime=runtime,
                    duration_s=time.perf_counter() - started,
                    frames=done,
                    outcome=outcome,
                    message=message,
                    unlike_training=unlike,
                    input_series=hashes,
                    stats=stats,
                )
            )
        except AuditError as exc:
            if outcome == "ok":
                raise
            log.error("the %s run could not be recorded: %s", outcome, exc)

    check = check_intended_use(manifest, series, indices)
    if check.problems:
        error = ModelInputError(manifest.id, "; ".join(check.problems))
        record("refused", error.reason)
        raise error
    if manifest.volume is not None:  # a faithful volume that fits in memory, or refused
        # (before any question about intended use: no answer makes this one run)
        try:
            check_volume(manifest, series)
        except ModelInputError as refused:
            record("refused", refused.reason)
            raise
    if check.warnings and not accept_warnings:
        error_ = IntendedUseError(manifest.id, check.warnings)
        record("refused", error_.reason)
        raise error_
    problem = _check_inputs(manifest, series, others)
    if problem:
        record("refused", problem[1])
        raise ModelInputError(manifest.id, problem[0])
    accepted = check.warnings
    volumes: list[OtherVolume] = []
    companions: list[Companion] = []
    try:
        if manifest.volume is not None:  # other series onto the same grid, or refused
            volumes = check_volume_inputs(manifest, series, others)
            check_volume(manifest, series, volumes)  # the memory with every input
        else:
            companions = [Companion(manifest.id, spec, others[spec.name], series, source)
                          for spec in extra_inputs(manifest)]
        for companion in companions:
            companion.check([series.frames[i] for i in indices])
    except ModelInputError as exc:
        record("refused", exc.reason)
        raise
    try:
        if manifest.volume is not None:  # a sliding-window volume model
            run_volume(verified, series, indices, check.warnings, progress, cancel, batch_size,
                       results, source, volumes)
        else:
            _run(verified, series, indices, check.warnings, progress, cancel, batch_size,
                 results, source, companions, session_run)
    except (Cancelled, KeyboardInterrupt):  # Ctrl+C in a script is a cancel too
        record("cancelled", done=len(results))
        raise
    except LightboxError as exc:
        record("error", _safe(exc))
        raise
    except Exception as exc:
        record("error", type(exc).__name__)
        raise
    record("ok", done=len(results), unlike=sum(1 for r in results if r.ood))
    return results


def _stats(series: Series, results: Sequence[Result], provider: str,
           accepted: Sequence[str], reference: Reference | None) -> dict[str, object]:
    """The record's drift statistics; a fault in them costs the statistics, not the run's
    record (the run counts either way)."""
    try:
        return run_stats(series, results, provider=provider, warnings=accepted,
                         reference=reference)
    except Exception:  # noqa: BLE001 - the record must be written; the fault is logged
        log.exception("the run's statistics could not be computed")
        return run_stats(None, (), provider=provider, warnings=accepted)


def _check_inputs(manifest: Manifest, series: Series,
                  others: Mapping[str, Series]) -> tuple[str, str] | None:
    """(the reason, the audit's words) when the series given for the other inputs do not
    fit; the audit's words name no series description (they may say anything)."""
    wanted = {spec.name: spec for spec in extra_inputs(manifest)}
    unknown = sorted(set(others) - set(wanted))
    if unknown:
        known = ", ".join(repr(n) for n in wanted) or "none"
        why = f"the model has no input {unknown[0]!r} read from another series (it has {known})"
        return why, why
    for name, spec in wanted.items():
        if name not in others:
            why = (f"input {name!r} reads another series of the study; choose one "
                   "(the command line: --input NAME=SERIES)")
            return why, why
        problem = check_choice(spec, others[name], series)
        if problem:
            return (f"the series chosen for input {name!r} cannot be used: {problem}",
                    f"the series chosen for input {name!r} does not fit its rule")
    return None


def _safe(exc: LightboxError) -> str:
    """An error message for the audit log: file problems are named by file name only."""
    reason = getattr(exc, "reason", None)
    path = getattr(exc, "path", None)
    if reason is not None and path is not None:
        return f"{path.name}: {reason}"
    return str(exc)


def _run(
    verified: VerifiedModel,
    series: Series,
    indices: list[int],
    accepted: tuple[str, ...],
    progress: Progress | None,
    cancel: CancelToken | None,
    batch_size: int,
    results: list[Result],
    source: FrameSource,
    companions: Sequence[Companion] = (),
    session_run: SessionRun | None = None,
) -> None:
    manifest = verified.manifest
    spec = primary_input(manifest)
    # Inputs without a series rule besides the primary read the primary's image too.
    same = [s for s in manifest.inputs if not s.from_other_series and s is not spec
            and manifest.intended_use.input != "volume"]
    session = verified.session()
    names = [o.name for o in manifest.outputs]
    total = len(indices)
    pixels: dict[int, np.ndarray] = {}

    def values(i: int) -> np.ndarray:
        if i not in pixels:
            ref = series.frames[i]
            stored = source(ref)
            pixels[i] = (
                stored if stored.ndim == 3 else modality_values(stored, ref.instance, ref.frame)
            )
        return pixels[i]

    if progress:
        progress(0, total)
    for start in range(0, total, max(1, batch_size)):
        if cancel is not None:
            cancel.check()
        chunk = indices[start : start + max(1, batch_size)]
        samples: list[np.ndarray] = []
        boxes: list[Letterbox] = []
        domains: list[DomainCheck | None] = []
        feeds: dict[str, list[np.ndarray]] = {
            name: [] for name in [s.name for s in same] + [c.spec.name for c in companions]}
        used: list[tuple[InputSource, ...]] = []
        for i in chunk:
            if manifest.intended_use.input == "volume":
                stack = [values(j) for j in neighbours(i, spec.slices or 1, len(series.frames))]
                if len({v.shape for v in stack}) != 1:
                    raise ModelInputError(
                        manifest.id, "the slices around this image differ in size"
                    )
                sample, box = prepare_volume(stack, spec)
                pixels = {j: pixels[j] for j in pixels if abs(j - i) <= len(stack)}
            else:
                sample, box = prepare_slice(values(i), spec)
                for other in same:
                    feeds[other.name].append(prepare_slice(values(i), other)[0])
                found = [c.image(series.frames[i]) for c in companions]
                for companion, (image, _) in zip(companions, found, strict=True):
                    feeds[companion.spec.name].append(prepare_slice(image, companion.spec)[0])
                used.append(tuple(where for _, where in found))
                pixels.clear()
            samples.append(sample)
            boxes.append(box)
            domains.append(_domain(manifest, series, i, sample, box))
        feed = {spec.name: np.stack(samples).astype(np.float32, copy=False)}
        feed.update({name: np.stack(items).astype(np.float32, copy=False)
                     for name, items in feeds.items()})
        raw = session.run(names, feed) if session_run is None else session_run(names, feed)
        per_sample = split_batch(manifest.id, manifest.outputs, raw, len(chunk))
        for k, i in enumerate(chunk):
            outputs = per_sample[k]
            results.append(
                _result(verified, series.frames[i], series.uid, i, boxes[k], outputs, accepted,
                        domains[k], used[k] if used else ())
            )
        if progress:
            progress(len(results), total)


def _result(
    verified: VerifiedModel,
    ref: FrameRef,
    series_uid: str,
    index: int,
    box: Letterbox,
    outputs: dict[str, np.ndarray],
    accepted: tuple[str, ...],
    domain: DomainCheck | None = None,
    inputs: tuple[InputSource, ...] = (),
) -> Result:
    manifest = verified.manifest
    provenance = Provenance.of(verified, series_uid, ref, index, inputs)
    return Result(
        provenance, box.source, box, postprocess(outputs, manifest.outputs, box), accepted, domain
    )


def _domain(
    manifest: Manifest, series: Series, index: int, sample: np.ndarray, box: Letterbox
) -> DomainCheck | None:
    """This frame against the training data, when the artifact carries reference statistics."""
    if manifest.reference is None:
        return None
    ref = series.frames[index]
    header = ref.instance.tags  # the quick scan's values: no file read
    kvp = None
    if header is not None:
        try:
            kvp = header.get("KVP")
        except Exception:  # noqa: BLE001 - a malformed value is as good as none here
            kvp = None
    attributes = {"modality": series.modality or ref.instance.modality, "kvp": kvp}
    return check_domain(
        manifest.reference, sample, box, spacing_mm=ref.geometry.spacing, size=box.source,
        attributes=attributes,
    )
