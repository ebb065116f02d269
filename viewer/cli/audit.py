"""``lightbox audit``: check the AI-run log's hash chain, export a time range for review.

    lightbox audit verify [FILE]
    lightbox audit export --from ISO --to ISO --out FILE [--log FILE]

``verify`` checks the log (default: this workstation's, with its head file) or an export
written by ``export``, and names the first edited, deleted or reordered record by line
and sequence number. ``export`` writes the chained records with ``from <= time < to``
(ISO 8601; a time without a zone is UTC; a bare date is its midnight), preceded by an
anchor line so the export can be verified on its own.
Exit status: 0 intact / written, 1 a problem found or the log unreadable, 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from viewer.audit.chain import export_range, verify_file
from viewer.audit.log import AuditLog
from viewer.cli.args import output_file
from viewer.host.settings import Settings, load_settings
from viewer.io.atomic import ExportError, write_text_atomic


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    """``lightbox audit``; ``settings`` (for the log's folder) as :func:`viewer.cli.main.main`
    built them, read here when this is called as its own entry point."""
    parser = argparse.ArgumentParser(prog="lightbox audit", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the hash chain")
    verify.add_argument("file", nargs="?", type=Path, help="a log or an export (default: the log)")
    export = commands.add_parser("export", help="write a time range for a governance review")
    export.add_argument("--from", dest="start", required=True, help="ISO 8601 start (inclusive)")
    export.add_argument("--to", dest="end", required=True, help="ISO 8601 end (exclusive)")
    export.add_argument("--out", type=output_file, required=True,
                        help="file to write (JSON lines): a new name or a file to replace")
    export.add_argument("--log", type=Path, help="the log to read (default: this workstation's)")
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    settings = settings if settings is not None else load_settings()
    if args.command == "verify":
        return _verify(args.file, settings)
    return _export(args, settings)


def _verify(file: Path | None, settings: Settings) -> int:
    log = AuditLog(file) if file is not None else AuditLog.of(settings)
    if not log.path.is_file():
        if log.head_path.is_file():  # the chain's head survives: the log itself was removed
            print(f"lightbox audit verify: {log.path} is missing but its chain head "
                  f"{log.head_path.name} exists: the log was deleted", file=sys.stderr)
            return 1
        if file is not None:
            print(f"lightbox audit verify: {log.path} does not exist", file=sys.stderr)
            return 1
        print(f"{log.path.name}: no AI runs recorded yet")
        return 0
    try:
        verdict = verify_file(log.path, log.head_path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"lightbox audit verify: {log.path.name} cannot be read ({exc})", file=sys.stderr)
        return 1
    except (ValueError, KeyError, TypeError):
        print(f"lightbox audit verify: {log.path.name}: the export's anchor line is damaged",
              file=sys.stderr)
        return 1
    for note in verdict.notes:
        print(f"note: {note}")
    if not verdict.ok:
        print(f"{log.path.name}: TAMPERED: {verdict.problem}")
        return 1
    print(f"{log.path.name}: intact, {verdict.records} chained record(s)")
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
    log = AuditLog(args.log) if args.log is not None else AuditLog.of(settings)
    verdict = verify_file(log.path, log.head_path) if log.path.is_file() else None
    if verdict is not None and not verdict.ok:
        print(f"warning: the log itself is not intact: {verdict.problem}", file=sys.stderr)
    lines = export_range(log.records(), start, end)
    try:
        write_text_atomic(args.out, "\n".join(lines) + "\n")
    except ExportError as exc:
        print(f"lightbox audit export: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(lines) - 1} record(s) to {args.out}")
    return 0
