"""One report from start to finish: gather and verify the sources, compute the figures,
state what a reader must know (no runs, sources not counted, older records, version
changes), write the HTML and its figures as JSON beside it (``report.json`` next to
``report.html``: the same numbers, for a script or a test)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from viewer.audit.drift import DriftThresholds
from viewer.audit.report.figures import PsiLimits, build
from viewer.audit.report.render import render
from viewer.audit.report.sources import Gathered
from viewer.io.atomic import write_text_atomic

FORMAT = "lightbox-drift-report"


def parse_time(text: str) -> datetime:
    """ISO 8601; a time without a zone is UTC, a bare date its midnight. ValueError if not."""
    stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def parse_period(text: str) -> tuple[datetime, datetime]:
    """``FROM:TO`` (ISO times hold ':' themselves: split where both halves read).
    ValueError if not, or if it ends before it starts."""
    for i, char in enumerate(text):
        if char == ":":
            try:
                start, end = parse_time(text[:i]), parse_time(text[i + 1:])
            except ValueError:
                continue
            if end <= start:
                raise ValueError("the period must end after it starts")
            check_span(start, end, "the reference period")
            return start, end
    raise ValueError(text)


#: The longest period a report covers (a hundred years of ISO weeks): it is drawn week
#: by week, and ``--from 0001-01-01`` once ran for ever while ``--to 9999-12-31`` crashed.
MAX_YEARS = 100
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def check_span(start: datetime, end: datetime, what: str = "the period") -> None:
    """ValueError (a sentence saying what to type instead) unless ``[start, end)`` lies
    between 1970 and 9000 and is at most :data:`MAX_YEARS` long."""
    if start < EARLIEST or end > LATEST:
        raise ValueError(f"{what} must lie between 1970-01-01 and 9000-01-01")
    if end - start > timedelta(days=366 * MAX_YEARS):
        raise ValueError(f"{what} is longer than {MAX_YEARS} years: choose a shorter "
                         "period")


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _gaps(weeks: Sequence[str], empty: Sequence[str]) -> list[str]:
    """Consecutive empty weeks as ranges: ``2026-W10 to 2026-W11``."""
    gaps: list[list[str]] = []
    previous = None
    for i, week in enumerate(weeks):
        if week in empty:
            if previous == i - 1 and gaps:
                gaps[-1].append(week)
            else:
                gaps.append([week])
            previous = i
    return [g[0] if len(g) == 1 else f"{g[0]} to {g[-1]}" for g in gaps]


def figures(gathered: Gathered, start: datetime, end: datetime,
            reference: tuple[datetime, datetime] | None,
            limits: Callable[[str, str], PsiLimits],
            thresholds: DriftThresholds) -> dict[str, Any]:
    """The report's content (what :func:`write` draws and saves)."""
    built = build(gathered.records, start, end, reference, limits, thresholds)
    statements = []
    if not gathered.sources:
        statements.append("No audit log or export was given or found.")
    if not built["runs"]:
        statements.append("No AI run was recorded in the period in any verified source.")
    elif built["empty_weeks"]:
        statements.append("No AI run was recorded in " + "; ".join(
            _gaps(built["weeks"], built["empty_weeks"])) + " (in any verified source).")
    older = sum(m["older_format"] for m in built["models"])
    if older:
        statements.append(f"{older} run(s) recorded by an older Lightbox carry no "
                          "statistics: counted as runs only.")
    for source in gathered.sources:
        for note in source.notes:
            statements.append(f"{source.path.name}: {note}")
    return {
        "format": FORMAT, "v": 1,
        "period": {"from": _iso(start), "to": _iso(end)},
        "reference": None if reference is None else {
            "from": _iso(reference[0]), "to": _iso(reference[1])},
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sources": [{"name": s.path.name, "kind": s.kind, "runs": s.runs, "new": s.new,
                     "problem": s.problem} for s in gathered.sources],
        "duplicates": gathered.duplicates,
        "statements": statements,
        **built,
    }


def companion(out: Path) -> Path:
    """Where the figures go beside the HTML: ``report.html`` → ``report.json``."""
    return out.with_suffix(".json") if out.suffix.lower() != ".json" else \
        out.with_name(out.name + ".figures.json")


def write(report: dict[str, Any], out: Path, language: str = "en") -> tuple[Path, Path]:
    """Draw (may raise AuditError: no matplotlib) before writing anything, then the
    figures, then the HTML (in ``language``), each whole or not at all."""
    page = render(report, language)
    data = companion(out)
    write_text_atomic(data, json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    write_text_atomic(out, page)
    return out, data
