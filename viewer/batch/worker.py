"""One study, start to finish, in whichever process runs it (a pool worker, a Ray worker):
read the study's files, choose the series as ``lightbox infer`` does, run the verified
model, write the JSON (and on request the SEG/SR) atomically into the study's folder.

The model is verified (signature, digests, golden replay) in each worker process before
its first study and kept, with its ONNX Runtime session, for every later one. Nothing
here raises for a study: every problem is a failed :class:`StudyOutcome` with its reason.
The audit records are collected, not written: the driver appends them (one audit writer
per job), after the outputs landed and before the ledger says the study is done.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from viewer.audit.log import AuditLog, Record
from viewer.batch.tasks import (
    MODEL_UNAVAILABLE,
    NO_IMAGE,
    NOT_RUNNABLE,
    OUTSIDE_INTENDED_USE,
    UNEXPECTED,
    WRITE_FAILED,
    JobSpec,
    StudyOutcome,
    StudyTask,
)
from viewer.errors import LightboxError

log = logging.getLogger(__name__)

#: The verified model of this process: (folder, digest) → entry, made once.
_models: dict[tuple[str, str], Any] = {}


class _Collected(AuditLog):
    """The records of one study's run, kept for the driver to append."""

    def __init__(self) -> None:
        super().__init__(os.devnull)
        self.kept: list[Record] = []

    def check(self) -> None:  # the driver checked the real log before the job started
        return None

    def append(self, record: Record) -> dict[str, Any]:
        self.kept.append(record)
        return {}


class _Unavailable(Exception):
    pass


def verified_model(spec: JobSpec) -> Any:
    """The job's model, verified in this process on first use (then reused)."""
    key = (spec.model_folder, spec.digest)
    if key not in _models:
        from viewer.host.settings import load_settings
        from viewer.inference.registry import load_entry
        from viewer.inference.signing import TrustPolicy

        settings = load_settings()
        if not settings.allows(spec.model_id):
            raise _Unavailable(f"model {spec.model_id} is not allowed on this machine")
        entry = load_entry(Path(spec.model_folder), trust=TrustPolicy.of(settings))
        if not entry.available:
            raise _Unavailable(f"model {spec.model_id} is unavailable here: {entry.reason}")
        if entry.manifest is None or entry.manifest.digest != spec.digest:
            raise _Unavailable(f"model {spec.model_id} here is not the one the job started "
                               "with (another digest)")
        _models[key] = entry
    return _models[key]


def run_study(spec: JobSpec, task: StudyTask) -> StudyOutcome:
    """Run ``spec``'s model on ``task``'s study; never raises for the study's problems."""
    outcome = StudyOutcome(task.study_uid, "failed", worker=os.getpid())
    audit = _Collected()
    try:
        _run(spec, task, audit, outcome)
    except _Unavailable as exc:
        outcome.reason, outcome.message = MODEL_UNAVAILABLE, str(exc)
    except LightboxError as exc:
        from viewer.inference.errors import IntendedUseError

        if isinstance(exc, IntendedUseError):
            outcome.reason = OUTSIDE_INTENDED_USE
            outcome.message = ("outside the model's intended use (--accept-warnings to run "
                               "anyway): " + "; ".join(exc.warnings))
        else:
            outcome.reason, outcome.message = NOT_RUNNABLE, str(exc)
    except OSError as exc:
        outcome.reason, outcome.message = WRITE_FAILED, f"cannot write the results: {exc}"
    except Exception as exc:  # noqa: BLE001 - one study's bug must not stop the job
        log.exception("study failed unexpectedly")
        outcome.reason, outcome.message = UNEXPECTED, type(exc).__name__
    outcome.records = list(audit.kept)
    return outcome


def _run(spec: JobSpec, task: StudyTask, audit: _Collected, outcome: StudyOutcome) -> None:
    from viewer.inference import run_model
    from viewer.inference.result_json import result_summary
    from viewer.inference.series_match import propose
    from viewer.io.scan import scan

    scanned = scan([Path(f) for f in task.files])
    candidates = [s for s in scanned.all_series() if s.has_images]
    if not candidates:
        reasons = "; ".join(f"{p.path.name}: {p.reason}" for p in scanned.problems[:3])
        outcome.reason = NO_IMAGE
        outcome.message = "no image to run on" + (f" ({reasons})" if reasons else "")
        return
    series = candidates[0]  # as lightbox infer: the first series with images
    entry = verified_model(spec)
    manifest = entry.manifest
    others = {}
    for match in propose(manifest, series, scanned.all_series()):
        if match.proposed is None:
            outcome.reason, outcome.message = NOT_RUNNABLE, match.reason
            return
        others[match.input.name] = match.proposed
    volume = manifest.volume is not None
    frames = None if volume or spec.all_frames else [0]
    results = run_model(entry, series, frames, accept_warnings=spec.accept_warnings,
                        audit_log=audit, inputs=others)
    from viewer.host.files import write_atomic

    folder = Path(spec.out) / task.folder
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for res in results:  # the names and the text lightbox infer writes
        stem = f"{res.provenance.model_id}-frame-{res.provenance.frame_index:04d}"
        text = json.dumps(result_summary(res), indent=2, ensure_ascii=False) + "\n"
        written.append(write_atomic(folder / f"{stem}.json", text, mode=0o600))
    if spec.dicom:
        from viewer.inference.dicom_export import write_dicom

        written += write_dicom(results, series, folder)
    outcome.status, outcome.frames = "done", len(results)
    outcome.files = [str(p.relative_to(spec.out)) for p in written]
