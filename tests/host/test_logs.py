"""The application log and crash reports: rotating, in the right folder, no patient data."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pydicom
import pytest

from viewer import __version__
from viewer.audit.log import AuditLog
from viewer.host.logs import (
    BACKUPS,
    KEEP_CRASH_REPORTS,
    LOG_NAME,
    MAX_BYTES,
    crash_report_text,
    redact_paths,
    safe_traceback,
    setup_logging,
    shutdown_logging,
    write_crash_report,
)
from viewer.host.settings import Settings, load_settings
from viewer.io.demo import write_phantom_series

#: A patient that must never reach a log line or a crash report.
MARK_NAME, MARK_ID = "Zzqmarker^Patient", "MRK-98765"
MARKS = ("Zzqmarker", "MRK-98765")


@pytest.fixture(autouse=True)
def _logs(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    yield
    shutdown_logging()


def log_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir())
                   if p.is_file())


def test_the_log_goes_to_the_configured_folder(tmp_path) -> None:
    path = setup_logging(load_settings())
    assert path == tmp_path / "logs" / LOG_NAME
    logging.getLogger("viewer.test").info("hello from the test")
    text = path.read_text(encoding="utf-8")
    assert f"Lightbox {__version__} started" in text
    assert "INFO    viewer.test [MainThread]: hello from the test" in text


def test_the_default_log_folder_per_os(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("LIGHTBOX_LOG_DIR")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert load_settings().log_dir == tmp_path / "state" / "lightbox" / "logs"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", "C:/Users/u/AppData/Local")
    assert load_settings().log_dir == Path("C:/Users/u/AppData/Local/Lightbox/Logs")
    monkeypatch.setattr(sys, "platform", "darwin")
    assert load_settings().log_dir == Path.home() / "Library" / "Logs" / "Lightbox"


def test_the_log_rotates_and_keeps_five_files(tmp_path) -> None:
    setup_logging(load_settings())
    noisy = logging.getLogger("viewer.test")
    line = "x" * 1000
    for _ in range(7 * MAX_BYTES // 1000):
        noisy.info(line)
    files = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert files == [LOG_NAME] + [f"{LOG_NAME}.{i}" for i in range(1, BACKUPS + 1)]
    assert all((tmp_path / "logs" / f).stat().st_size <= MAX_BYTES + 2000 for f in files)


def test_configuration_problems_are_logged(tmp_path, monkeypatch) -> None:
    site = tmp_path / "site.toml"
    site.write_text("hide_identity = maybe\n", encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    path = setup_logging(load_settings())
    text = path.read_text(encoding="utf-8")
    assert "WARNING viewer.host.logs [MainThread]: configuration: …/site.toml: line 1: " in text


def test_an_unwritable_folder_falls_back_to_the_console(tmp_path, capsys) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert setup_logging(Settings(log_dir=blocker / "logs")) is None
    assert "cannot write the log" in capsys.readouterr().err


def test_folders_in_logged_paths_are_redacted(tmp_path) -> None:
    assert redact_paths("open /data/SMITH JOHN/CT/IM1.dcm: gone") == "open …/IM1.dcm: gone"
    assert redact_paths(r"C:\Studies\SMITH^J\IM1") == "…/IM1"
    path = setup_logging(load_settings())
    missing = tmp_path / "Zzqmarker JOHN" / "IM1.dcm"
    try:
        missing.read_bytes()
    except OSError as exc:
        logging.getLogger("viewer.test").info("cannot read: %s", exc)
    text = path.read_text(encoding="utf-8")
    assert "cannot read: [Errno 2] No such file or directory: '…/IM1.dcm'" in text
    assert "Zzqmarker" not in text


def _fail_with_patient_data(folder: Path) -> None:
    patient = MARK_NAME  # a local that a careless report would print
    raise ValueError(f"cannot parse {patient} ({MARK_ID}) in {folder}")


def _crash(folder: Path) -> BaseException:
    try:
        try:
            _fail_with_patient_data(folder)
        except ValueError as inner:
            raise RuntimeError(f"while opening {MARK_ID}") from inner
    except RuntimeError as exc:
        return exc
    raise AssertionError("unreachable")


def test_tracebacks_keep_types_and_code_lines_but_no_messages(tmp_path) -> None:
    text = safe_traceback(_crash(tmp_path / MARK_NAME))
    assert "builtins.ValueError (message left out)" in text
    assert "builtins.RuntimeError (message left out)" in text
    assert "The above was the direct cause of:" in text
    assert text.index("ValueError") < text.index("RuntimeError")  # oldest first, as Python
    assert 'File "host/test_logs.py", line' in text and "in _fail_with_patient_data" in text
    assert not any(mark in text for mark in MARKS)
    assert str(tmp_path) not in text


def test_a_crash_report_has_versions_and_os_and_no_patient_data(tmp_path) -> None:
    log_file = setup_logging(load_settings())
    report = write_crash_report(_crash(tmp_path / MARK_NAME), load_settings().log_dir, thread="loader")
    assert report is not None and report.parent == tmp_path / "logs"
    assert report.name.startswith("crash-")
    text = report.read_text(encoding="utf-8")
    assert f"Lightbox {__version__}" in text and "Python 3." in text and "OS " in text
    assert "thread: loader" in text and "error: builtins.RuntimeError" in text
    assert not any(mark in text for mark in MARKS)
    assert f"unhandled RuntimeError in thread loader; crash report {report.name}" \
        in log_file.read_text(encoding="utf-8")


def test_old_crash_reports_are_pruned(tmp_path) -> None:
    folder = tmp_path / "reports"
    for _ in range(KEEP_CRASH_REPORTS + 3):
        assert write_crash_report(RuntimeError("x"), folder) is not None
    assert len(list(folder.glob("crash-*.txt"))) == KEEP_CRASH_REPORTS


def test_a_report_that_cannot_be_written_does_not_raise(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert write_crash_report(RuntimeError("x"), blocker / "reports") is None
    assert "RuntimeError" in crash_report_text(RuntimeError("x"))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Expected implicit VR")  # the damaged file, on purpose
def test_open_infer_and_crash_never_log_the_patient(tmp_path, monkeypatch) -> None:
    """The whole path a reader takes, with a marker patient in the headers and in the
    folder name, at DEBUG level: the marker reaches no log line and no crash report."""
    from viewer.inference import ModelRegistry, run_model
    from viewer.io.pixels import read_frame
    from viewer.io.scan import scan

    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    study = tmp_path / f"{MARK_NAME} {MARK_ID}"
    paths = write_phantom_series(study, slices=4, size=256)
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.PatientName, ds.PatientID = MARK_NAME, MARK_ID
        ds.save_as(path)
    paths[-1].write_bytes(paths[-1].read_bytes()[:400])  # a damaged file: a problem path
    (study / "notes.dcm").write_bytes(b"not DICOM")
    setup_logging(load_settings(), level=logging.DEBUG)

    result = scan([study])
    assert result.problems and result.studies[0].patient_name  # the marker was read
    series = result.all_series()[0]
    for ref in series.frames:
        read_frame(ref)
    registry = ModelRegistry(settings=load_settings())
    results = run_model(registry.get("ct-body-seg"), series, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    assert results
    logging.getLogger("viewer.ui.boundary").error(
        "Unexpected error while opening", exc_info=_crash(study))
    assert write_crash_report(_crash(study), load_settings().log_dir) is not None

    logs = log_text(tmp_path / "logs")
    assert "scanned 5 files" in logs and "crash report crash-" in logs
    assert not [line for line in logs.splitlines() if any(mark in line for mark in MARKS)]
    audit = log_text(tmp_path / "audit")
    assert "ct-body-seg" in audit and not any(mark in audit for mark in MARKS)


def test_a_hard_crash_leaves_tracebacks_in_the_fault_log(tmp_path) -> None:
    import subprocess

    code = ("import faulthandler, os; from viewer.host.logs import enable_fault_log; "
            "from viewer.host.settings import load_settings; "
            "print(enable_fault_log(load_settings())); faulthandler._sigsegv()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    text = (tmp_path / "logs" / "fatal-errors.log").read_text(encoding="utf-8")
    assert "Fatal Python error: Segmentation fault" in text
