"""``lightbox audit``: check the AI-run log's signed chain, export a time range for review.

    lightbox audit verify [FILE]
    lightbox audit verify --export FILE
    lightbox audit export --from ISO --to ISO --out FILE [--log FILE]
    lightbox audit export --from ISO --to ISO --all --out FOLDER
    lightbox audit report --from DATE --to DATE --out report.html [--reference FROM:TO]
        [--log FILE ...] [--export FILE ...]

``verify`` checks the log (default: this account's, with its head file, its key state and
the site's ``audit_required_since``, and then every other account's log in the audit folder
that the caller can read: an administrator verifies them all) or an export written by
``export``, and names the first edited, deleted, reordered, forged or swapped record. ``export`` writes the records
with ``from <= time < to`` (ISO 8601; a time without a zone is UTC; a bare date is its
midnight) with the rest of the chain as signed stubs, so the export verifies on its own.
``report`` (``viewer.cli.audit_report``) draws the drift report of verified logs and exports.
Exit status: 0 intact / written, 1 a problem found or the log unreadable, 2 usage.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from viewer.audit.chain import (
    Expect,
    Verdict,
    export_lines,
    is_export,
    read_head,
    verify_export,
    verify_lines,
)
from viewer.audit.log import AuditLog, logs_in, os_user, owner_in_name
from viewer.audit.signing import AuditError, load_state
from viewer.cli import audit_report
from viewer.cli.args import output_file, output_folder
from viewer.host.settings import Settings, load_settings
from viewer.io.atomic import ExportError, write_text_atomic


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """``lightbox audit``; ``settings`` (for the log's folder) as :func:`viewer.cli.main.main`
    built them, read here when this is called as its own entry point."""
    parser = argparse.ArgumentParser(prog="lightbox audit", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the signed chain")
    verify.add_argument("file", nargs="?", type=Path, help="a log or an export (default: the log)")
    verify.add_argument("--export", dest="export_file", type=Path,
                        help="an export written by 'lightbox audit export', checked on its own")
    export = commands.add_parser("export", help="write a time range for a governance review")
    export.add_argument("--from", dest="start", required=True, help="ISO 8601 start (inclusive)")
    export.add_argument("--to", dest="end", required=True, help="ISO 8601 end (exclusive)")
    export.add_argument("--out", type=Path, required=True,
                        help="file to write (JSON lines): a new name or a file to replace; "
                        "with --all a folder, one export per account")
    export.add_argument("--log", type=Path, help="the log to read (default: this account's)")
    export.add_argument("--all", action="store_true",
                        help="every account's log in the audit folder that you can read")
    audit_report.add_parser(commands)
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    settings = settings if settings is not None else load_settings()
    if args.command == "report":
        return audit_report.run(args, settings)
    if args.command == "export":
        try:
            args.out = (output_folder if args.all else output_file)(str(args.out))
        except argparse.ArgumentTypeError as exc:
            print(f"lightbox audit export: argument --out: {exc}", file=sys.stderr)
            return 2
    if args.command == "verify":
        if args.export_file is not None:
            return _verify_export(args.export_file)
        return _verify(args.file, settings)
    return _export(args, settings)


def _fail(message: str) -> int:
    print(f"lightbox audit verify: {message}", file=sys.stderr)
    return 1


def _read_lines(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"{path} cannot be read ({getattr(exc, 'strerror', None) or exc})")
        return None


def _verify(file: Path | None, settings: Settings) -> int:
    if file is not None:
        return _verify_one(file, settings)
    own = AuditLog.of(settings)
    codes = [_verify_one(None, settings, own)]
    for path in logs_in(settings.audit_dir):
        if path == own.path:
            continue
        if not stat.S_ISREG(path.lstat().st_mode):  # never opened: a FIFO would hang root
            codes.append(_report(path, Verdict(0, problem=(
                "not a regular file (a link, pipe or device put in the audit folder): "
                "ask IT to move it aside"))))
            continue
        if not os.access(path, os.R_OK):
            print(f"note: {path.name} not checked: not readable by you (an administrator "
                  "verifies every account's log)")
            continue
        codes.append(_verify_other(AuditLog(path), settings))
    return max(codes)


def _verify_other(log: AuditLog, settings: Settings) -> int:
    """Another account's log in the shared folder: its own chain and head, the account its
    name gives, and who owns the file."""
    named = owner_in_name(log.path)
    expected_user = None
    if named is not None and named[0] is not None:
        with contextlib.suppress(ImportError, KeyError):
            import pwd

            expected_user = pwd.getpwuid(named[0]).pw_name
        owner = log.path.stat().st_uid
        if owner != named[0]:
            return _report(log.path, Verdict(0, problem=(
                f"the file belongs to uid {owner}, not to uid {named[0]} whose log its name "
                "says it is (made or replaced by another account)")))
    lines = _read_lines(log.path)
    if lines is None:
        return 1
    try:
        state = load_state(log.path)  # the caller's key state: None unless the caller wrote it
    except AuditError as exc:
        return _fail(str(exc))
    verdict = verify_lines(lines, Expect(
        head=read_head(log.head_path), state=state, user=expected_user,
        required_since=settings.audit_required_since))
    return _report(log.path, verdict)


def _verify_one(file: Path | None, settings: Settings, own: AuditLog | None = None) -> int:
    log = AuditLog(file) if file is not None else (own or AuditLog.of(settings))
    try:
        state = load_state(log.path)
    except AuditError as exc:
        return _fail(str(exc))
    since = settings.audit_required_since
    if not log.path.is_file():
        if file is not None:
            return _fail(f"{log.path} does not exist")
        if state is not None and state.seq > 0:  # seq 0: record 1's key, kept before it
            return _fail(f"{log.path} is missing (deleted): this account wrote {state.seq} "
                         "record(s) to it")
        if log.head_path.is_file():  # the chain's head survives: the log itself was removed
            return _fail(f"{log.path} is missing but its chain head {log.head_path.name} "
                         "exists: the log was deleted")
        if since is not None and datetime.now(UTC) >= since and not _administrator(log):
            return _fail(f"{log.path} is missing: the site configuration requires an audit "
                         f"log since {since:%Y-%m-%d} (deleted, or never written)")
        print(f"{log.path.name}: no AI runs recorded yet")
        return 0
    lines = _read_lines(log.path)
    if lines is None:
        return 1
    if file is not None and is_export(lines):
        return _verify_export(file, lines)
    verdict = verify_lines(lines, Expect(
        head=read_head(log.head_path), state=state, required_since=since,
        user=os_user() if file is None else None))
    return _report(log.path, verdict)


def _administrator(log: AuditLog) -> bool:
    """root checking the other accounts' logs in a shared folder: root runs no models, so
    its own log's absence is no failure there."""
    return (hasattr(os, "getuid") and os.getuid() == 0
            and any(p != log.path for p in logs_in(log.path.parent)))


def _verify_export(path: Path, lines: list[str] | None = None) -> int:
    lines = lines if lines is not None else _read_lines(path)
    if lines is None:
        return 1
    if not is_export(lines):
        return _fail(f"{path.name} is not an export written by 'lightbox audit export'")
    try:
        verdict = verify_export(lines)
    except (ValueError, KeyError, TypeError):
        return _fail(f"{path.name}: the export's first line is damaged")
    return _report(path, verdict)


def _report(path: Path, verdict: Verdict) -> int:
    for note in verdict.notes:
        print(f"note: {note}")
    if not verdict.ok:
        print(f"{path.name}: TAMPERED: {verdict.problem}")
        return 1
    print(f"{path.name}: intact, {verdict.records} signed record(s)"
          + (f" of {verdict.user}, chain {verdict.chain}" if verdict.chain else ""))
    return 0


def _when(text: str) -> datetime:
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"lightbox audit export: {text!r} is not an ISO 8601 time") from None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    try:
        start, end = _when(args.start), _when(args.end)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    if end <= start:
        print("lightbox audit export: --to must come after --from", file=sys.stderr)
        return 2
    if args.all:
        if args.log is not None:
            print("lightbox audit export: --all and --log exclude each other", file=sys.stderr)
            return 2
        args.out.mkdir(parents=True, exist_ok=True)
        codes = []
        for path in logs_in(settings.audit_dir):
            if not stat.S_ISREG(path.lstat().st_mode):
                print(f"note: {path.name} not exported: not a regular file")
                continue
            if not os.access(path, os.R_OK):
                print(f"note: {path.name} not exported: not readable by you")
                continue
            out = args.out / (path.name.removesuffix(".jsonl") + ".export.jsonl")
            codes.append(_export_one(AuditLog(path), out, start, end))
        if not codes:
            print(f"lightbox audit export: no audit log you can read in {settings.audit_dir}",
                  file=sys.stderr)
            return 1
        return max(codes)
    log = AuditLog(args.log) if args.log is not None else AuditLog.of(settings)
    return _export_one(log, args.out, start, end)


def _export_one(log: AuditLog, out: Path, start: datetime, end: datetime) -> int:
    if log.path.is_file():
        verdict = verify_lines(log.path.read_text(encoding="utf-8").splitlines(),
                               Expect(head=read_head(log.head_path)))
        if not verdict.ok:
            print(f"warning: the log itself is not intact: {verdict.problem}", file=sys.stderr)
    lines = export_lines(log.records(), read_head(log.head_path), start, end)
    try:
        write_text_atomic(out, "\n".join(lines) + "\n")
    except ExportError as exc:
        print(f"lightbox audit export: {exc}", file=sys.stderr)
        return 1
    written = sum(1 for line in lines[1:] if '"stub": true' not in line)
    print(f"wrote {written} record(s) of {log.path.name} to {out}")
    return 0
