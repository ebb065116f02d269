"""The records a report counts: every log and export given, each verified whole first.

A source that fails verification (edited, cut, forged, swapped, unreadable) is counted
nowhere and named with the reason: a committee must not read figures that rest on a
record nobody can vouch for. A record found in two sources (two overlapping exports of
one workstation, or an export beside its own log) is counted once: records are told apart
by their chain and sequence number, which the signatures bind. Only signed AI-run records
count (a send to the PACS has ``"event"``; an export's stubs are the chain alone; older
unsigned records cannot be verified and are said, not counted).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from viewer.audit.chain import (
    Expect,
    Verdict,
    is_export,
    read_head,
    verify_export,
    verify_lines,
)
from viewer.audit.log import logs_in

#: Sub-folders of an audit folder that hold the service's own logs (docs/service.md).
SERVICE_FOLDERS = "serve-*"


@dataclass(frozen=True)
class Source:
    """One file given to the report and what its verification found."""

    path: Path
    kind: str  # "log" | "export"
    runs: int = 0  # AI-run records it holds (signed, in full)
    new: int = 0  # of those, not already counted from an earlier source
    problem: str | None = None  # why it is counted nowhere (None: verified)
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass
class Gathered:
    records: list[dict[str, Any]] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    duplicates: int = 0  # records met again in a later source, counted once

    @property
    def rejected(self) -> list[Source]:
        return [s for s in self.sources if not s.ok]


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; a folder stands for every audit log in it and in its ``serve-*``
    sub-folders (the service's replicas)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += logs_in(path)
            for sub in sorted(path.glob(SERVICE_FOLDERS)):
                if sub.is_dir():
                    found += logs_in(sub)
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def gather(logs: Sequence[Path] = (), exports: Sequence[Path] = ()) -> Gathered:
    """Verify each source and keep the AI-run records of those that pass, once each."""
    out = Gathered()
    seen: set[tuple[str, int]] = set()
    for kind, paths in (("log", expand(logs)), ("export", list(exports))):
        for path in paths:
            source, records = _read(path, kind)
            new = 0
            for record in records:
                key = (str(record["_chain"]), int(record["seq"]))
                if key in seen:
                    out.duplicates += 1
                    continue
                seen.add(key)
                out.records.append(record)
                new += 1
            out.sources.append(Source(source.path, source.kind, len(records), new,
                                      source.problem, source.notes))
    return out


def _read(path: Path, kind: str) -> tuple[Source, list[dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        return Source(path, kind, problem=f"cannot be read ({why})"), []
    exported = is_export(lines)
    if kind == "export" and not exported:
        return Source(path, kind, problem="not an export written by 'lightbox audit export'"), []
    if exported:
        kind = "export"
        try:
            verdict = verify_export(lines)
        except (ValueError, KeyError, TypeError):
            verdict = Verdict(0, problem="the export's first line is damaged")
        body = lines[1:]
    else:
        verdict = verify_lines(lines, Expect(head=read_head(
            path.with_name(path.name + ".head"))))
        body = lines
    if not verdict.ok:
        return Source(path, kind, problem=verdict.problem, notes=verdict.notes), []
    records = [dict(r, _chain=verdict.chain) for r in _runs(body)]
    notes = verdict.notes
    if verdict.unchained:
        notes = (*notes, f"{verdict.unchained} older unsigned record(s) not counted "
                 "(they cannot be verified)")
    return Source(path, kind, problem=None, notes=notes), records


def _runs(lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if (isinstance(record, dict) and "sig" in record and record.get("stub") is not True
                and "event" not in record and isinstance(record.get("seq"), int)):
            yield record
