"""The audit log's hash chain: what makes an edited, deleted or reordered record visible.

Each chained record carries ``seq`` (1, 2, 3, … in writing order), ``prev`` (the SHA-256
of the previous record's canonical bytes; :data:`GENESIS` for the first) and ``hash``
(the SHA-256 of its own canonical bytes without ``hash``). Canonical bytes: the JSON
object with sorted keys, no spaces, UTF-8 (:func:`canonical`). A small *head* file
beside the log holds the last record's ``seq`` and ``hash``, so that a record cut off
the end is missed too.

* an edited record no longer matches its own ``hash`` (or, if that was recomputed, the
  ``prev`` its successor holds);
* a deleted record leaves a gap in ``seq``; a swap puts a ``seq`` out of order;
* a truncated end falls short of the head.

Records written before the chain (older Lightbox versions: no ``seq``) may stand at the
start of a log; the first chained record links to the last of them, and verification
says how many there are. An export (:func:`export_range`) starts with an anchor line
(the ``seq`` and ``hash`` just before the range, and the range's last ones) so that it
can be verified on its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

GENESIS = "0" * 64
CHAIN_FIELDS = ("seq", "prev", "hash")
EXPORT_KEY = "lightbox_audit_export"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the whole record as stored (its ``hash`` included): what ``prev`` holds."""
    return hashlib.sha256(canonical(record)).hexdigest()


def own_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record without its ``hash`` field: what ``hash`` holds."""
    return hashlib.sha256(canonical({k: v for k, v in record.items() if k != "hash"})).hexdigest()


def link(entry: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """``entry`` chained after ``previous`` (None: the log is empty)."""
    entry = {k: v for k, v in entry.items() if k not in CHAIN_FIELDS}
    if previous is None:
        entry["seq"], entry["prev"] = 1, GENESIS
    elif "seq" not in previous:  # the last record of an older, unchained log
        entry["seq"], entry["prev"] = 1, record_hash(previous)
        entry["chain_start"] = "after unchained records written by an older Lightbox"
    else:
        entry["seq"], entry["prev"] = int(previous["seq"]) + 1, record_hash(previous)
    entry["hash"] = own_hash(entry)
    return entry


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify_lines` found. ``problem`` is None when the chain is intact."""

    records: int  # chained records checked
    unchained: int = 0  # older records before the chain, which cannot be checked
    problem: str | None = None
    line: int | None = None  # 1-based line of the file where the problem shows
    seq: int | None = None  # the record it concerns
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _parse(lines: list[str]) -> list[tuple[int, dict[str, Any] | None]]:
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        out.append((number, value if isinstance(value, dict) else None))
    return out


def verify_lines(
    lines: list[str],
    *,
    anchor: tuple[int, str] | None = None,
    head: tuple[int, str] | None = None,
) -> Verdict:
    """Check a log's lines. ``anchor``: (seq, record hash) the first record follows (an
    export); ``head``: (seq, hash) the last record must have (the head file)."""
    rows = _parse(lines)
    unchained = 0
    previous: dict[str, Any] | None = None
    expected_seq, expected_prev = (anchor[0] + 1, anchor[1]) if anchor else (1, GENESIS)
    checked = 0

    def fail(problem: str, line: int | None, seq: int | None) -> Verdict:
        return Verdict(checked, unchained, problem, line, seq)

    for number, record in rows:
        if record is None:
            return fail(f"line {number} is not a complete record (edited or torn)", number, None)
        if "seq" not in record:
            if checked or anchor:
                return fail(f"line {number} has no place in the chain (inserted or edited)",
                            number, None)
            unchained += 1
            previous = record
            expected_prev = record_hash(record)
            continue
        seq = record.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            return fail(f"line {number}: its sequence number was edited", number, None)
        if seq != expected_seq:
            later = [n for n, r in rows if n > number and r is not None and r.get("seq") == expected_seq]
            if later:
                return fail(f"line {number} holds record {seq} where record {expected_seq} "
                            f"belongs; record {expected_seq} stands on line {later[0]} (reordered)",
                            number, seq)
            if seq > expected_seq:
                gone = (f"record {expected_seq} is" if seq == expected_seq + 1
                        else f"records {expected_seq}–{seq - 1} are")
                return fail(f"{gone} missing before line {number} (deleted)", number, expected_seq)
            return fail(f"line {number} holds record {seq} where record {expected_seq} belongs "
                        "(reordered or duplicated)", number, seq)
        if record.get("hash") != own_hash(record):
            return fail(f"record {seq} (line {number}) was edited: it no longer matches its hash",
                        number, seq)
        if record.get("prev") != expected_prev:
            if previous is not None and "seq" in previous:
                where = f"record {seq - 1} (line {number - 1})"
                return fail(f"{where} was edited: record {seq} holds a different hash of it",
                            number - 1, seq - 1)
            return fail(f"record {seq} (line {number}) does not follow what comes before it",
                        number, seq)
        previous, checked = record, checked + 1
        expected_seq, expected_prev = seq + 1, record_hash(record)
    notes: list[str] = []
    if unchained:
        notes.append(f"{unchained} older record(s) before the chain cannot be verified")
    if head is not None:
        last_seq = expected_seq - 1
        if last_seq < head[0]:
            gone = (f"record {head[0]} is" if head[0] == last_seq + 1
                    else f"records {last_seq + 1}–{head[0]} are")
            return Verdict(checked, unchained, f"{gone} missing at the end (deleted or truncated)",
                           len(lines) + 1, last_seq + 1, tuple(notes))
        if last_seq == head[0] and previous is not None and record_hash(previous) != head[1]:
            return Verdict(checked, unchained, f"record {last_seq} differs from the head's hash",
                           rows[-1][0], last_seq, tuple(notes))
    elif anchor is None:
        notes.append("no head file: records cut off the end could not be checked")
    return Verdict(checked, unchained, None, None, None, tuple(notes))


def read_head(path: Path) -> tuple[int, str] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return int(data["seq"]), str(data["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verify_file(log_path: Path, head_path: Path | None = None) -> Verdict:
    """Verify a log (with its head file, if there is one) or an export (its anchor line)."""
    lines = log_path.read_text(encoding="utf-8").splitlines()
    first = _parse(lines[:1])
    if first and first[0][1] is not None and EXPORT_KEY in first[0][1]:
        meta = first[0][1][EXPORT_KEY]
        verdict = verify_lines(
            ["" for _ in range(1)] + lines[1:],
            anchor=(int(meta["after_seq"]), str(meta["after_hash"])),
            head=(int(meta["last_seq"]), str(meta["last_hash"])) if meta.get("last_seq") else None,
        )
        return verdict
    head = read_head(head_path) if head_path is not None else None
    return verify_lines(lines, head=head)


def _time(value: str) -> datetime:
    stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def export_range(
    records: Iterable[dict[str, Any]], start: datetime, end: datetime
) -> list[str]:
    """Lines of an export: the anchor, then every chained record with ``start <= time < end``.

    The range is contiguous in the chain (from the first record in range to the last), so
    that its links can be checked; an out-of-range record between them stays in.
    """
    chained = [r for r in records if "seq" in r]
    inside = [i for i, r in enumerate(chained) if start <= _time(str(r.get("time", ""))) < end]
    chosen = chained[inside[0] : inside[-1] + 1] if inside else []
    before = chained[inside[0] - 1] if inside and inside[0] > 0 else None
    meta = {
        "from": start.isoformat(), "to": end.isoformat(),
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": len(chosen),
        "after_seq": int(before["seq"]) if before else (int(chosen[0]["seq"]) - 1 if chosen else 0),
        "after_hash": record_hash(before) if before else (chosen[0]["prev"] if chosen else GENESIS),
        "last_seq": int(chosen[-1]["seq"]) if chosen else 0,
        "last_hash": record_hash(chosen[-1]) if chosen else GENESIS,
    }
    return [json.dumps({EXPORT_KEY: meta}, sort_keys=True)] + [
        json.dumps(r, ensure_ascii=False, sort_keys=True) for r in chosen
    ]
