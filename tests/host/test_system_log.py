"""The system log IT collects: with ``system_log = true`` every record also goes to syslog
(here a UNIX datagram socket the test binds, standing in for /dev/log), each carrying host,
user, version and UTC time, redacted like the file log."""

from __future__ import annotations

import getpass
import logging
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from viewer import __version__
from viewer.audit.log import AuditLog, AuditRecord
from viewer.host.logs import setup_logging, shutdown_logging
from viewer.host.settings import load_settings

MARK_NAME = "Zzqmarker^Patient"


@pytest.fixture
def syslog() -> Iterator[tuple[str, socket.socket]]:
    # A short folder: a UNIX socket's path is limited to about 100 bytes.
    folder = tempfile.mkdtemp(prefix="lbx-syslog-")
    path = f"{folder}/log"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    yield path, server
    server.close()
    shutdown_logging()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    path = tmp_path / "lightbox.toml"
    path.write_text("system_log = true\n", encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(path))
    return path


def received(server: socket.socket, until: str) -> list[str]:
    messages: list[str] = []
    while not any(until in m for m in messages):
        messages.append(server.recv(65536).decode("utf-8"))
    return messages


def test_records_reach_syslog_with_host_user_version_time_and_no_patient(site, syslog):
    address, server = syslog
    settings = load_settings()
    assert settings.system_log is True and settings.problems == ()
    setup_logging(settings, system_log_address=address)
    log = logging.getLogger("viewer.test")
    log.info("opened %s", f"/data/{MARK_NAME}/IM1.dcm")
    try:
        raise ValueError(f"cannot read {MARK_NAME}")
    except ValueError:
        log.exception("reading failed")
    AuditLog.of(settings).append(AuditRecord("m", "1", "d" * 64, "h" * 32, "ort", 0.1, 1, "ok"))
    messages = received(server, "audit record 1 of chain")
    text = "\n".join(messages)
    assert MARK_NAME not in text and "Zzqmarker" not in text
    assert "opened …/IM1.dcm" in text and "ValueError (message left out)" in text
    for message in messages:
        assert message.startswith("<")  # a syslog priority: the socket got syslog records
        assert f"host={socket.gethostname()} user={getpass.getuser()} version={__version__} " \
               in message, message
        when = re.search(r" time=(\S+Z) ", message)
        assert when, message
        stamp = datetime.fromisoformat(when.group(1).replace("Z", "+00:00"))
        assert abs((datetime.now(UTC) - stamp).total_seconds()) < 300
    # The file log still gets everything too.
    assert "audit record 1 of chain" in (settings.log_dir / "lightbox.log").read_text()


def test_off_by_default(tmp_path, monkeypatch, syslog):
    address, server = syslog
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    setup_logging(load_settings(), system_log_address=address)
    logging.getLogger("viewer.test").warning("only in the file")
    server.settimeout(0.5)
    with pytest.raises(TimeoutError):
        server.recv(65536)


def test_an_unreachable_system_log_is_a_warning_in_the_file_log(site, tmp_path):
    settings = load_settings()
    path = setup_logging(settings, system_log_address=str(tmp_path / "no-such-socket"))
    assert path is not None
    assert "the system log (system_log = true) is not available" in path.read_text()


def test_a_user_preference_cannot_switch_it(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "absent.toml"))
    prefs = tmp_path / "preferences.json"
    prefs.write_text('{"schema_version": 3, "system_log": true}', encoding="utf-8")
    settings = load_settings(user_file=prefs)
    assert settings.system_log is False
    assert any("'system_log' is not a user preference" in p for p in settings.problems)


def test_the_self_test_checks_the_system_log_when_it_is_on(site):
    import importlib.util
    import os

    from viewer.cli.selftest import FAIL, OK, check_files

    checks = {c.name: c for c in check_files(load_settings())}
    reachable = os.path.exists("/dev/log") or importlib.util.find_spec("systemd") is not None
    assert checks["system log"].status == (OK if reachable else FAIL)
    if not reachable:
        assert "start the system's journal or syslog service, or set system_log = false" \
            in checks["system log"].detail


def test_a_crash_report_says_which_host_user_and_when(tmp_path):
    from viewer.host.logs import write_crash_report

    try:
        raise RuntimeError(f"failed on {MARK_NAME}")
    except RuntimeError as exc:
        report = write_crash_report(exc, tmp_path)
    assert report is not None
    text = report.read_text()
    assert f"host: {socket.gethostname()}\n" in text and f"user: {getpass.getuser()}\n" in text
    assert re.search(r"time: \S+ \(UTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)", text)
    assert f"Lightbox {__version__}" in text and "Zzqmarker" not in text


def test_a_log_folder_the_site_names_gets_one_file_per_account(tmp_path, monkeypatch):
    import os

    shared = tmp_path / "shared-logs"
    site = tmp_path / "lightbox.toml"
    site.write_text(f'log_dir = "{shared}"\n', encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    monkeypatch.delenv("LIGHTBOX_LOG_DIR", raising=False)
    path = setup_logging(load_settings())
    assert path == shared / f"lightbox-{os.getuid()}-{getpass.getuser()}.log"
    shutdown_logging()
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "mine"))
    assert setup_logging(load_settings()) == tmp_path / "mine" / "lightbox.log"


SYSLOG_SOCKETS = (Path("/run/systemd/journal/socket"), Path("/dev/log"))
SYSLOG_FILES = (Path("/var/log/syslog"), Path("/var/log/messages"))


def _system_log_text() -> str | None:
    """What this machine's system log holds from the last minutes, as IT would read it:
    journalctl where journald runs, else the file rsyslog writes; None when neither can
    be read here."""
    import subprocess

    if shutil.which("journalctl") and SYSLOG_SOCKETS[0].exists():
        done = subprocess.run(["journalctl", "--no-pager", "-o", "cat", "--since", "-10min",
                               "SYSLOG_IDENTIFIER=lightbox"], capture_output=True, text=True,
                              timeout=60)
        return done.stdout if done.returncode == 0 else None
    for path in SYSLOG_FILES:
        try:
            return path.read_text(encoding="utf-8", errors="replace")[-2_000_000:]
        except OSError:
            continue
    return None


def test_a_record_reaches_this_machines_own_system_log(site) -> None:
    """Not a socket the test binds: the machine's journald or syslog daemon, read back
    with journalctl (or from /var/log/syslog) as IT would."""
    import time
    import uuid

    if not any(p.exists() for p in SYSLOG_SOCKETS):
        pytest.skip("no system log on this machine (neither /run/systemd/journal/socket "
                    "nor /dev/log: no journald or syslog daemon runs, as in a container)")
    if _system_log_text() is None:
        pytest.skip("the system log cannot be read back here (no journalctl, and "
                    "/var/log/syslog and /var/log/messages are not readable)")
    marker = f"system-log-check-{uuid.uuid4().hex}"
    setup_logging(load_settings())  # the default place: journald, else /dev/log
    try:
        logging.getLogger("viewer.test").warning("IT can read this: %s", marker)
    finally:
        shutdown_logging()
    line = None
    for _ in range(40):  # the daemon writes asynchronously: look again for a while
        text = _system_log_text() or ""
        line = next((x for x in text.splitlines() if marker in x), None)
        if line is not None:
            break
        time.sleep(0.5)
    assert line is not None, f"{marker} did not reach the system log"
    assert f"host={socket.gethostname()} user={getpass.getuser()} version={__version__} " \
        in line and " time=" in line, line
