"""``lightbox audit report``: the monthly drift / governance report (docs/governance.md).

    lightbox audit report --from DATE --to DATE --out report.html
        [--reference FROM:TO] [--language en|ja] [--log FILE|FOLDER ...] [--export FILE ...]

Reads this workstation's audit folder (every account's log you can read, and the
service's ``serve-*`` logs in it) unless ``--log`` / ``--export`` name the sources: the
exports of many workstations (``lightbox audit export``) and logs, each verified before
it counts. Writes ``report.html`` (self-contained, offline) and ``report.json`` (its
figures). The PSI thresholds are each model's own where that version is installed here.
Exit status: 0 written, 1 nothing written (no matplotlib, a file not writable) or a
source failed verification (the report is written, naming it), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from viewer.audit.drift import DriftThresholds
from viewer.audit.report.figures import installed_limits
from viewer.audit.report.make import check_span, figures, parse_period, parse_time, write
from viewer.audit.report.sources import gather
from viewer.audit.report.words import LANGUAGES
from viewer.audit.signing import AuditError
from viewer.cli.args import output_file
from viewer.host.settings import Settings
from viewer.io.atomic import ExportError

PROG = "lightbox audit report"


def add_parser(commands: Any) -> None:
    report = commands.add_parser("report", help="the drift / governance report (HTML)")
    report.add_argument("--from", dest="start", required=True, help="ISO 8601 start (inclusive)")
    report.add_argument("--to", dest="end", required=True, help="ISO 8601 end (exclusive)")
    report.add_argument("--out", required=True, help="the HTML file to write (its figures "
                        "go beside it as .json)")
    report.add_argument("--reference", metavar="FROM:TO",
                        help="the reference period the outputs are compared with "
                        "(two ISO dates joined by ':', e.g. 2026-01-01:2026-02-01)")
    report.add_argument("--language", choices=LANGUAGES, default="en",
                        help="the language of the page's headings and statements (ja: "
                        "Japanese, with the desktop's terms; the plots stay English)")
    report.add_argument("--log", type=Path, action="append", default=[],
                        help="an audit log, or a folder of them (repeatable)")
    report.add_argument("--export", type=Path, action="append", default=[],
                        help="an export written by 'lightbox audit export' (repeatable)")


def _usage(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 2


def _limits(settings: Settings) -> Any:
    """Each model's own PSI thresholds where that version is installed, else the defaults
    (both from viewer.inference, which the audit room sits below)."""
    from viewer.inference.manifest import DomainThresholds
    from viewer.inference.registry import ModelRegistry

    return installed_limits(ModelRegistry(settings=settings), DomainThresholds())


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        start, end = parse_time(args.start), parse_time(args.end)
    except ValueError:
        return _usage("--from and --to must be ISO 8601 dates or times")
    if end <= start:
        return _usage("--to must come after --from")
    try:
        check_span(start, end, "the period from --from to --to")
    except ValueError as exc:
        return _usage(str(exc))
    try:
        reference = parse_period(args.reference) if args.reference else None
    except ValueError as exc:
        return _usage(f"--reference {args.reference!r}: " + (
            str(exc) if "must" in str(exc) or "longer" in str(exc) else "not FROM:TO (two ISO 8601 dates)"))
    try:
        out = output_file(args.out)
    except argparse.ArgumentTypeError as exc:
        return _usage(f"argument --out: {exc}")
    logs = list(args.log)
    if not logs and not args.export and settings.audit_dir.is_dir():
        logs = [settings.audit_dir]  # none there yet: a report that says so
    gathered = gather(logs, args.export)
    report = figures(gathered, start, end, reference, _limits(settings),
                     DriftThresholds.of(settings.drift_alerts))
    try:
        html_path, data_path = write(report, out, args.language)
    except (AuditError, ExportError) as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    for source in gathered.rejected:
        print(f"{source.path.name}: NOT COUNTED: {source.problem}", file=sys.stderr)
    print(f"wrote {html_path} ({report['runs']} run(s) of {len(report['models'])} model "
          f"series from {len(gathered.sources) - len(gathered.rejected)} verified source(s)) "
          f"and its figures {data_path.name}")
    return 1 if gathered.rejected else 0

