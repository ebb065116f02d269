"""The application log and crash reports, both free of patient data.

``setup_logging()`` sends every ``logging`` record at INFO and above to a rotating file,
``lightbox.log`` (5 files of 1 MB), in the log folder: ``LIGHTBOX_LOG_DIR``, the site
configuration's ``log_dir``, or the per-OS place (``~/.local/state/lightbox/logs``,
``%LOCALAPPDATA%\\Lightbox\\Logs``, ``~/Library/Logs/Lightbox``).

Patient data stays out by two habits. Code logs file *names* and counts, never dataset
values (tests/test_logs.py runs the open → infer → crash paths with a marker patient and
checks no log line holds it). And a traceback in the log or a crash report is written by
:func:`safe_traceback`: exception types and code locations only. Exception *messages*
are left out on purpose: they can quote a DICOM value or a data path (folder names are
often patient names), and no scrubber can tell a name from any other word. Code paths
are shortened to the package-relative part, and the folders of any path in a log line
are replaced by "…/" (:func:`redact_paths`).
"""

from __future__ import annotations

import faulthandler
import logging
import logging.handlers
import os
import platform
import re
import sys
import threading
import traceback
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from viewer import __version__
from viewer.host.settings import Settings

LOG_NAME = "lightbox.log"
FAULT_LOG_NAME = "fatal-errors.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 4  # plus the current file: five in all
CRASH_PREFIX = "crash-"
KEEP_CRASH_REPORTS = 20
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s]: %(message)s"

log = logging.getLogger(__name__)

#: What logging hands to Formatter.formatException (sys.exc_info()'s shape).
_ExcInfo = (tuple[type[BaseException], BaseException, TracebackType | None]
            | tuple[None, None, None])
_installed: list[logging.Handler] = []
_fault_file: IO[str] | None = None
_lock = threading.Lock()

#: The folders of an absolute path (POSIX or Windows), up to its last separator.
#: Folder names may hold spaces ("SMITH JOHN"), so a component runs to the next
#: separator; quotes, colons and line ends stop it. Text such as "1/2 and 3/4" is
#: garbled to "1…/4": a price worth paying in a log.
_FOLDERS = re.compile(r"""(?:\b[A-Za-z]:|\\\\[^\\/\n'":]+)?[\\/](?:[^\\/\n'":]+[\\/])+""")


def redact_paths(text: str) -> str:
    """Replace the folders of every path in ``text`` with "…/": ``/data/SMITH_J/IM1`` →
    ``…/IM1``. File names stay (they say which file); folder names are where patient
    names usually are."""
    return _FOLDERS.sub("…/", text)


class SafeFormatter(logging.Formatter):
    """Formats tracebacks without exception messages and redacts folders in paths (see
    the module docstring). Code that logs a file should log its name; this catches the
    message of an ``OSError`` or a library that quotes a whole path."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached its full traceback, message and all, on the
        # record: format our own and leave theirs in place.
        cached, record.exc_text = record.exc_text, None
        try:
            return redact_paths(super().format(record))
        finally:
            record.exc_text = cached

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        """UTC, ISO 8601, milliseconds: one clock for every machine of a site."""
        stamp = datetime.fromtimestamp(record.created, UTC)
        return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def formatException(self, ei: _ExcInfo) -> str:  # noqa: N802 - logging's name
        if ei[1] is None:
            return ""
        return safe_traceback(ei[1]).rstrip("\n")


def setup_logging(settings: Settings, *, level: int = logging.INFO,
                  system_log_address: str | None = None) -> Path | None:
    """Log to the rotating file; returns its path, or None when the folder is not writable
    (then records go to stderr only). With the site's ``system_log`` on, records also go to
    the system log (:func:`system_log_handler`; ``system_log_address`` names a syslog socket
    instead of the usual one). Calling again replaces the handlers set up before.
    Problems in the configuration files are logged once here."""
    root = logging.getLogger()
    with _lock:
        _remove_handlers(root)
        file = log_file(settings)
        path: Path | None = file
        try:
            settings.log_dir.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        except OSError as exc:
            print(f"lightbox: cannot write the log in {settings.log_dir} "
                  f"({exc.strerror or exc}); logging to the console only", file=sys.stderr)
            handler = logging.StreamHandler(sys.stderr)
            path = None
        handler.setFormatter(SafeFormatter(FORMAT))
        handler.setLevel(level)
        root.addHandler(handler)
        _installed.append(handler)
        system_problem = None
        if settings.system_log:
            try:
                system = system_log_handler(system_log_address)
            except (OSError, ImportError) as exc:
                system_problem = f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or exc}"
            else:
                system.setFormatter(SystemLogFormatter())
                system.setLevel(level)
                root.addHandler(system)
                _installed.append(system)
        if root.level == logging.NOTSET or root.level > level:
            root.setLevel(level)
    fields = host_fields()
    log.info("Lightbox %s started on %s by %s (Python %s, %s)", __version__, fields["host"],
             fields["user"], platform.python_version(), platform.platform(terse=True))
    for problem in settings.problems:
        log.warning("configuration: %s", problem)
    if system_problem:
        log.warning("the system log (system_log = true) is not available: %s", system_problem)
    return path


def _shared_name(settings: Settings, name: str) -> str:
    """``name`` in a per-user log folder; ``<stem>-<uid>-<user><suffix>`` in a folder the
    site configuration names (``log_dir``), which every account of the machine shares, so
    that each writes and rotates only its own files (the folder: root:lightbox 3770)."""
    from viewer.host.settings import SITE

    if settings.source("log_dir") != SITE:
        return name
    stem, dot, suffix = name.partition(".")
    uid = f"{os.getuid()}-" if hasattr(os, "getuid") else ""
    user = re.sub(r"[^A-Za-z0-9._-]", "_", _user())
    return f"{stem}-{uid}{user}{dot}{suffix}"


def log_file(settings: Settings) -> Path:
    """This account's application log: ``lightbox.log``, or per user in a shared folder."""
    return settings.log_dir / _shared_name(settings, LOG_NAME)


def system_log_handler(address: str | None = None) -> logging.Handler:
    """The handler for the system log IT collects: journald (``systemd.journal``, Debian's
    python3-systemd) when importable, else syslog on ``/dev/log``; on Windows the Event Log
    (``NTEventLogHandler``, needs pywin32). ``address``: a syslog socket to use instead.
    Raises OSError or ImportError when none is reachable."""
    if address is not None:
        return _syslog(address)
    if sys.platform == "win32":  # pragma: no cover - Windows
        import win32evtlogutil  # noqa: F401 - pywin32; NTEventLogHandler needs it

        return logging.handlers.NTEventLogHandler("Lightbox")
    try:
        from systemd.journal import JournalHandler  # type: ignore[import-not-found]
    except ImportError:
        return _syslog("/var/run/syslog" if sys.platform == "darwin" else "/dev/log")
    handler: logging.Handler = JournalHandler(SYSLOG_IDENTIFIER="lightbox")
    return handler


def _syslog(address: str) -> logging.Handler:
    # The handler swallows a missing socket and would then print an error for every
    # record: a handler whose socket did not connect is refused here, so that a missing
    # one is one warning in the file log. (The standard library owns the socket: Lightbox's
    # own modules import no network library, tests/test_offline.py.)
    handler = logging.handlers.SysLogHandler(
        address=address, facility=logging.handlers.SysLogHandler.LOG_USER)
    # typeshed does not declare the socket the handler always has.
    if handler.socket.fileno() < 0:  # type: ignore[attr-defined]
        handler.close()
        raise OSError(f"no syslog socket at {address}")
    return handler


class SystemLogFormatter(SafeFormatter):
    """``lightbox: host=… user=… version=… time=<UTC ISO> LEVEL logger: message``: each
    record says where, who, which version and when, with the same redaction as the file."""

    def __init__(self) -> None:
        fields = host_fields()
        prefix = (f"lightbox[{os.getpid()}]: host={fields['host']} user={fields['user']} "
                  f"version={fields['version']}").replace("%", "%%")
        super().__init__(prefix + " time=%(asctime)s %(levelname)s %(name)s: %(message)s")


def enable_fault_log(settings: Settings) -> Path | None:
    """Python tracebacks of every thread into ``fatal-errors.log`` if the process dies
    hard (a crash inside Qt or a native library, where no exception is raised). Those
    tracebacks name code files and functions only. For the GUI process; returns the file,
    or None when it cannot be opened."""
    global _fault_file
    path = settings.log_dir / _shared_name(settings, FAULT_LOG_NAME)
    try:
        settings.log_dir.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process
    except OSError:
        return None
    faulthandler.enable(handle, all_threads=True)
    if _fault_file is not None:
        _fault_file.close()
    _fault_file = handle
    return path


def shutdown_logging() -> None:
    """Remove and close the handler :func:`setup_logging` installed."""
    with _lock:
        _remove_handlers(logging.getLogger())


def _remove_handlers(root: logging.Logger) -> None:
    """Close what setup_logging installed (the caller holds ``_lock``)."""
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed.clear()


# --- tracebacks and crash reports --------------------------------------------------------


def _code_path(filename: str) -> str:
    """A code file's path from its package down (``viewer/ui/app.py``), never the folders
    above it: they can name the user or the install, and say nothing about the bug."""
    parts = Path(filename).parts
    for anchor in ("site-packages", "dist-packages", "lib-dynload"):
        if anchor in parts:
            return "/".join(parts[parts.index(anchor) + 1:])
    if "viewer" in parts:
        index = len(parts) - 1 - parts[::-1].index("viewer")
        return "/".join(parts[index:])
    return "/".join(parts[-2:])


def safe_traceback(error: BaseException) -> str:
    """The traceback of ``error`` and its causes: types, code files, lines, functions and
    the source lines; no exception messages, no variable values, no data paths."""
    lines: list[str] = []
    chain: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = error
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "The above was the direct cause of:"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, "Another error happened while handling:"
        else:
            current = None
    for exc, link_text in reversed(chain):
        lines.append("Traceback (most recent call last):")
        for frame in traceback.extract_tb(exc.__traceback__):
            lines.append(f'  File "{_code_path(frame.filename)}", line {frame.lineno}, '
                         f"in {frame.name}")
            if frame.line:
                lines.append(f"    {frame.line.strip()}")
        kind = type(exc)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message left out)")
        if link_text:
            lines.append("")
            lines.append(link_text)
            lines.append("")
    return "\n".join(lines) + "\n"


def host_fields() -> dict[str, str]:
    """Host name, account, version, OS and the time (UTC, ISO 8601): on every system-log
    record, crash report and self-test report, so IT can tell machines apart."""
    return {"host": platform.node(), "user": _user(), "version": __version__,
            "os": platform.platform(terse=True),
            "time": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")}


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        import getpass

        try:
            return getpass.getuser()
        except Exception:  # noqa: BLE001 - no name is better than no record
            return "unknown"


def _versions() -> list[str]:
    found = [f"Lightbox {__version__}",
             f"Python {platform.python_version()} ({platform.python_implementation()})",
             f"OS {platform.platform()}",
             f"frozen build: {'yes' if getattr(sys, 'frozen', False) else 'no'}"]
    for name, label in (("PySide6", "PySide6"), ("onnxruntime", "ONNX Runtime"),
                        ("numpy", "numpy"), ("pydicom", "pydicom")):
        module = sys.modules.get(name)
        if module is not None:
            found.append(f"{label} {getattr(module, '__version__', '?')}")
    qtcore = sys.modules.get("PySide6.QtCore")
    if qtcore is not None:
        found.append(f"Qt {qtcore.qVersion()}")
    return found


def crash_report_text(error: BaseException, thread: str | None = None) -> str:
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    fields = host_fields()
    lines = [
        "Lightbox crash report",
        "This report holds no patient data: exception messages, variable values and data",
        "file paths are left out by design. Send it to your IT support as it is.",
        "",
        f"time: {when} (UTC {fields['time']})",
        f"host: {fields['host']}",
        f"user: {fields['user']}",
        f"thread: {thread or threading.current_thread().name}",
        f"error: {type(error).__module__}.{type(error).__qualname__}",
        *_versions(),
        "",
        safe_traceback(error),
    ]
    return "\n".join(lines)


def write_crash_report(error: BaseException, folder: Path, *,
                       thread: str | None = None) -> Path | None:
    """Write a crash report into ``folder`` (the log folder: ``Settings.log_dir``); returns its path,
    or None when it could not be written. Never raises: it runs while handling a crash.
    Keeps the newest :data:`KEEP_CRASH_REPORTS` reports."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        path = folder / f"{CRASH_PREFIX}{stamp}-{os.getpid()}.txt"
        path.write_text(crash_report_text(error, thread), encoding="utf-8")
        _prune(folder)
    except Exception:  # noqa: BLE001 - a failing report must not hide the crash itself
        log.error("cannot write a crash report", exc_info=True)
        return None
    log.error("unhandled %s in thread %s; crash report %s", type(error).__name__,
              thread or threading.current_thread().name, path.name)
    return path


def _prune(folder: Path) -> None:
    """Remove this account's oldest reports (in a shared folder others' are not ours)."""
    mine = [p for p in sorted(folder.glob(f"{CRASH_PREFIX}*.txt"))
            if not hasattr(os, "getuid") or p.stat().st_uid == os.getuid()]
    for old in mine[:-KEEP_CRASH_REPORTS]:
        try:
            old.unlink(missing_ok=True)
        except OSError:
            continue
