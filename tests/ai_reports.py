"""Lightbox's own AI results as DICOM (TID 1500 SR), written on a small demo phantom for
the tests that read them back (the structured-report reader, the report view, the window)."""

from __future__ import annotations

from pathlib import Path

from viewer.audit.log import AuditLog
from viewer.inference import Provenance, run_model, verify_artifact
from viewer.inference.dicom_export import write_dicom
from viewer.io.demo import write_phantom_series
from viewer.io.model import Series
from viewer.io.scan import scan

MODELS = Path(__file__).resolve().parents[1] / "models"


def phantom_series(folder: Path, slices: int) -> Series:
    """A phantom CT series of ``slices`` 64 × 64 images written in ``folder``."""
    write_phantom_series(folder, slices=slices, size=64)
    return scan([folder]).all_series()[0]


def write_ai_report(series: Series, model: str, out: Path, audit: Path) -> tuple[Path, Provenance]:
    """Run bundled ``model`` on the whole ``series`` and write its SR into ``out``."""
    results = run_model(verify_artifact(MODELS / model), series, None, accept_warnings=True,
                        audit_log=AuditLog(audit / "ai-runs.jsonl"))
    out.mkdir(parents=True, exist_ok=True)
    (path,) = write_dicom(results, series, out)
    return path, results[0].provenance
