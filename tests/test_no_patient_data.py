"""A marker patient through open → infer (app and `lightbox infer`) → de-identified export
→ audit verify/export → crash report: the marker reaches no log line, no crash report, no
audit record; the series UID appears in the audit only as a keyed hash."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pydicom
import pytest

from viewer.audit.log import AuditLog
from viewer.cli.ai import infer_main
from viewer.cli.audit import main as audit_main
from viewer.host.logs import setup_logging, shutdown_logging, write_crash_report
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry, run_model
from viewer.io.deidentify import export_files
from viewer.io.demo import write_phantom_series
from viewer.io.person_names import person_name
from viewer.io.scan import scan

MARK_NAME, MARK_ID = "Zzqmarker^Patient", "MRK-98765"
MARKS = ("Zzqmarker", "MRK-98765")


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("LIGHTBOX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("LIGHTBOX_MODEL_DIRS", raising=False)
    yield
    shutdown_logging()


def _texts(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _crash_with(study: Path) -> BaseException:
    try:
        raise RuntimeError(f"cannot go on with {MARK_NAME} ({MARK_ID}) in {study}")
    except RuntimeError as exc:
        return exc


@pytest.mark.slow
def test_the_marker_patient_reaches_no_log_crash_report_or_audit_record(tmp_path, capsys):
    study = tmp_path / f"{MARK_NAME} {MARK_ID}"  # folder names are often patient names
    paths = write_phantom_series(study, slices=3, size=256)
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.PatientName, ds.PatientID = MARK_NAME, MARK_ID
        ds.save_as(path)
    setup_logging(load_settings(), level=logging.DEBUG)

    series = scan([study]).all_series()[0]  # open
    assert MARK_NAME in str(series.frames[0].instance.header.PatientName)
    registry = ModelRegistry(settings=load_settings())
    results = run_model(registry.get("ct-lesion-cls"), series, [0, 1], audit_log=AuditLog.of(load_settings()))  # infer in the app
    assert results and results[0].domain is not None
    out = tmp_path / "infer-out"
    assert infer_main([str(study), "--model", "ct-body-seg", "--frame", "1",
                       "--out", str(out), "--dicom"]) == 0  # infer, headless, SEG/SR too
    # The SEG belongs to the patient, so it carries the name (as DICOM must); what
    # matters is that writing it put the name into no log line (checked below).
    assert list(out.rglob("*.dcm"))
    saved = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert saved["ood"]["level"] == "like"
    report = export_files(paths, tmp_path / "deid")  # de-identified export
    assert report is not None
    for exported in (tmp_path / "deid").rglob("*.dcm"):
        assert MARK_NAME not in str(pydicom.dcmread(exported).PatientName)
    assert audit_main(["verify"]) == 0
    (tmp_path / "audit-export").mkdir()
    assert audit_main(["export", "--from", "2000-01-01", "--to", "2100-01-01",
                       "--out", str(tmp_path / "audit-export" / "review.jsonl")]) == 0
    logging.getLogger("viewer.ui.boundary").error("Unexpected error", exc_info=_crash_with(study))
    assert write_crash_report(_crash_with(study), load_settings().log_dir) is not None  # crash report

    logs = _texts(tmp_path / "logs")
    assert any(name.startswith("crash-") for name in logs)
    audit = _texts(tmp_path / "audit")
    assert "ct-lesion-cls" in "".join(audit.values()) and "ct-body-seg" in "".join(audit.values())
    every = logs | {f"audit/{k}": v for k, v in audit.items()}
    every |= {f"export/{k}": v for k, v in _texts(tmp_path / "audit-export").items()}
    leaks = [(name, line) for name, text in every.items() for line in text.splitlines()
             if any(mark in line for mark in MARKS)]
    assert not leaks
    uid = series.uid
    assert not [name for name, text in audit.items() if uid in text]  # a keyed hash only
    captured = capsys.readouterr()
    assert not any(mark in captured.err for mark in MARKS)


def test_the_pacs_commands_log_no_patient_data(tmp_path, capsys):
    """The marker patient found, retrieved (C-GET and C-MOVE) and refused by a real Orthanc
    with the log at DEBUG: pynetdicom (which logs whole data sets at debug level) and
    Lightbox's own network records leave no name or ID in the log."""
    from tests.pacs_server import MARKED, running_orthanc, site_file
    from viewer.cli.pacs import main as pacs_main

    assert (MARKED["PatientName"], MARKED["PatientID"]) == (MARK_NAME, MARK_ID)
    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        wrong = site_file(tmp_path / "wrong.toml", orthanc, tmp_path / "store", ae="NOPE")
        settings = load_settings(site)
        setup_logging(settings, level=logging.DEBUG)
        study = orthanc.studies["marked"]
        assert pacs_main(["find", "--patient-name", "Zzq*", "orthanc"], settings) == 0
        # The reader asked: stdout shows it (as the viewer writes names: "Family, Given").
        assert person_name(MARK_NAME) in capsys.readouterr().out
        assert pacs_main(["find", "--level", "series", "--study", study, "orthanc"],
                         settings) == 0
        assert pacs_main(["get", "--study", study, "orthanc"], settings) == 0
        shutil.rmtree(tmp_path / "store")
        assert pacs_main(["get", "--study", study, "--move", "orthanc"], settings) == 0
        assert pacs_main(["echo", "orthanc"], load_settings(wrong)) == 1
        # Sent back: a key-image selection of the marker patient (it carries the name),
        # stored, then refused by a node that does not know Lightbox.
        from viewer.io.key_objects import write_kos

        image = next((tmp_path / "store" / study).rglob("*.dcm"))
        uid = str(pydicom.dcmread(image, stop_before_pixels=True).SOPInstanceUID)
        kos = write_kos([(uid, 0)], {uid: image}, tmp_path / "keys.dcm")
        assert pacs_main(["send", "orthanc", str(kos)], settings) == 0
        assert pacs_main(["send", "orthanc", str(kos)], load_settings(wrong)) == 1
        audit = AuditLog.of(settings).path.read_text(encoding="utf-8")
        assert '"event": "send"' in audit and not any(mark in audit for mark in MARKS)
    logs = _texts(tmp_path / "logs")
    assert any("C-MOVE from node orthanc" in text for text in logs.values())
    assert any("sent 1 of 1 object(s) to DICOM node orthanc" in t for t in logs.values())
    leaks = [(name, line) for name, text in logs.items() for line in text.splitlines()
             if any(mark in line for mark in MARKS)]
    assert not leaks
    assert not any(mark in capsys.readouterr().err for mark in MARKS)
