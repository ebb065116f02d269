"""The audit log's signed chain: what makes an edited, deleted, forged or swapped log visible.

Each record carries ``seq`` (1, 2, 3, … in writing order), ``prev`` (the *link* of the
record before: SHA-256 of its ``hash`` and ``sig``; :data:`GENESIS` for record 1),
``hash`` (SHA-256 of its canonical bytes without ``hash`` and ``sig``), ``next_key`` (the
public half of the key that signs the next record) and ``sig`` (Ed25519, by the key the
record before named, over ``seq`` and ``hash``). Record 1 names its own key in
``chain_key``; its digest is the chain's identity. Canonical bytes: the JSON object with
sorted keys, no spaces, UTF-8 (:func:`canonical`). Keys: ``viewer.audit.signing``.

The *head* file beside the log holds the last ``seq`` and link, signed by the key of the
*next* record, which the writer still holds: a log cut short needs a head signed by a key
that no longer exists. The account's key state (``signing.ChainState``) is a second copy
of where the chain stands, kept elsewhere.

The log line is the one write of a record made durable before the run counts; the head
and the key state are written after it without an ``fsync``, so a crash (or a power cut)
can leave either *behind* the log, never ahead of it. Verification accepts a valid head
of the record before the last (a new chain writes a head of "record 0" first, signed with
record 1's key) and a key state whose keys (:func:`signing.ratchet`) signed every record
after it (:func:`follow_state`), and says so in a note; the next append brings both up to
date. A head or key state *ahead* of the log is records cut off the end.
An unfinished last line (a write the crash cut) is accepted only where neither names a
record past the last complete one; the next append removes it.

Records without a signature (older Lightbox versions) may stand only at the start of a
log and only before the site's ``audit_required_since``; they cannot be checked. An
export (:func:`export_lines`) carries the whole chain: full records in its time range,
*stubs* (the chain fields only) outside it, and the signed head, so it verifies on its own.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from viewer.audit.signing import ChainState, chain_id, public_hex, ratchet, sign, signature_ok

GENESIS = "0" * 64
CHAIN_FIELDS = ("seq", "prev", "hash", "next_key", "sig", "chain_key", "stub")
STUB_FIELDS = ("seq", "prev", "hash", "next_key", "sig", "chain_key")
EXPORT_KEY = "lightbox_audit_export"


def canonical(record: dict[str, Any]) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def own_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record without ``hash`` and ``sig``: what ``hash`` holds."""
    return hashlib.sha256(canonical(
        {k: v for k, v in record.items() if k not in ("hash", "sig")})).hexdigest()


def link_hash(record: dict[str, Any]) -> str:
    """What the next record's ``prev`` holds: a digest of this one's ``hash`` and ``sig``."""
    return hashlib.sha256(f"{record.get('hash')}|{record.get('sig')}".encode()).hexdigest()


def _signed(seq: int, digest: str) -> bytes:
    return f"lightbox-audit-v2|record|{seq}|{digest}".encode()


def _head_signed(seq: int, link: str) -> bytes:
    return f"lightbox-audit-v2|head|{seq}|{link}".encode()


def link(entry: dict[str, Any], previous: dict[str, Any] | None, seed: bytes,
         next_seed: bytes) -> dict[str, Any]:
    """``entry`` signed with ``seed`` after ``previous`` (None: it starts the chain), naming
    ``next_seed``'s public key for the record after it."""
    entry = {k: v for k, v in entry.items() if k not in CHAIN_FIELDS}
    if previous is None:
        entry["seq"], entry["prev"], entry["chain_key"] = 1, GENESIS, public_hex(seed)
    else:
        entry["seq"], entry["prev"] = int(previous["seq"]) + 1, link_hash(previous)
    entry["next_key"] = public_hex(next_seed)
    entry["hash"] = own_hash(entry)
    entry["sig"] = sign(seed, _signed(entry["seq"], entry["hash"]))
    return entry


def head_of_start(seed: bytes) -> dict[str, Any]:
    """The head of a new chain before its record 1, signed with record 1's key: what a crash
    before record 1's own head leaves (one record behind, as any head a crash leaves)."""
    return {"seq": 0, "link": GENESIS, "time": "", "sig": sign(seed, _head_signed(0, GENESIS))}


def head_of(entry: dict[str, Any], next_seed: bytes) -> dict[str, Any]:
    """The head file's content after ``entry``, signed with the key of the record to come."""
    seq, link_ = int(entry["seq"]), link_hash(entry)
    return {"seq": seq, "link": link_, "time": entry.get("time", ""),
            "sig": sign(next_seed, _head_signed(seq, link_))}


def follow_state(records: Mapping[int, dict[str, Any]], state: ChainState,
                 last_seq: int) -> tuple[ChainState | None, str | None]:
    """Roll a key state that stands at an earlier record forward to ``last_seq``.

    ``records`` maps seq to record (at least ``state.seq`` to ``last_seq``). Each record
    after the state must link to the one before, match its hash, be signed with the key
    the state holds (ratcheted once per record) and name the next ratchet key: only the
    holder of the key state can have written it. Returns (the state after ``last_seq``,
    None), or (None, what does not match)."""
    base = records.get(state.seq)
    if (link_hash(base) if base is not None else GENESIS if state.seq == 0 else None) \
            != state.link:
        return None, (f"record {state.seq}, where this account's key state stands, is not "
                      "the one it wrote")
    seed, link_ = state.next_seed, state.link
    for seq in range(state.seq + 1, last_seq + 1):
        record = records.get(seq)
        next_seed = ratchet(seed)
        if (record is None or record.get("prev") != link_ or record.get("hash") != own_hash(record)
                or not signature_ok(public_hex(seed), record.get("sig"),
                                    _signed(seq, str(record.get("hash"))))
                or record.get("next_key") != public_hex(next_seed)):
            return None, f"record {seq} was not signed with this account's key"
        seed, link_ = next_seed, link_hash(record)
    return ChainState(state.chain, last_seq, link_, seed), None


@dataclass(frozen=True)
class Verdict:
    """What :func:`verify_lines` found. ``problem`` is None when the chain is intact."""

    records: int  # signed records checked
    unchained: int = 0  # older unsigned records before the chain, which cannot be checked
    problem: str | None = None
    line: int | None = None  # 1-based line of the file where the problem shows
    seq: int | None = None  # the record it concerns
    notes: tuple[str, ...] = field(default_factory=tuple)
    chain: str = ""  # the chain's identity (digest of record 1's key)
    user: str = ""  # the account record 1 names

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


def _time(value: object) -> datetime | None:
    try:
        stamp = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Expect:
    """What a log must agree with besides itself."""

    head: dict[str, Any] | None = None  # the head file (None: there is none)
    head_required: bool = True  # a signed log without a head was cut or had its head deleted
    state: ChainState | None = None  # this account's key state for the log
    user: str | None = None  # the account whose log this must be
    required_since: datetime | None = None  # the site's audit anchor
    stubs: bool = False  # an export: records outside its range are stubs


def verify_lines(lines: list[str], expect: Expect = Expect()) -> Verdict:  # noqa: B008 - frozen
    """Check a log's (or an export's records') lines against itself and ``expect``."""
    rows = _parse(lines)
    unchained = checked = 0
    key: str | None = None
    last: dict[str, Any] | None = None
    by_seq: dict[int, dict[str, Any]] = {}
    expected_seq, expected_prev = 1, GENESIS
    chain, user = "", ""
    torn: int | None = None  # an unfinished last line: a write a crash cut, or an edit

    def fail(problem: str, line: int | None, seq: int | None) -> Verdict:
        return Verdict(checked, unchained, problem, line, seq, (), chain, user)

    def incomplete(number: int) -> str:
        return f"line {number} is not a complete record (edited or torn)"

    if rows and rows[-1][1] is None and not expect.stubs:
        torn, rows = rows[-1][0], rows[:-1]
    for number, record in rows:
        if record is None:
            return fail(incomplete(number), number, None)
        if EXPORT_KEY in record:
            return fail(f"line {number} is an export's first line: this file is an export, "
                        "not the log (replaced?)", number, None)
        if "sig" not in record:
            if checked or expect.stubs:
                return fail(f"line {number} has no signature: it was inserted, or its chain "
                            "fields were stripped", number, None)
            when = _time(record.get("time"))
            if expect.required_since is not None and (when is None
                                                      or when >= expect.required_since):
                return fail(f"line {number} has no signature although the site requires a "
                            f"signed audit since {expect.required_since:%Y-%m-%d}: its chain "
                            "fields were stripped", number, None)
            unchained += 1
            continue
        seq = record.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool):
            return fail(f"line {number}: its sequence number was edited", number, None)
        if seq != expected_seq:
            return fail(_misplaced(rows, number, seq, expected_seq), number, seq)
        stub = record.get("stub") is True and expect.stubs
        if seq == 1:
            key = record.get("chain_key")
            chain = chain_id(str(key))
            user = str(record.get("user", ""))
        if not stub and record.get("hash") != own_hash(record):
            return fail(f"record {seq} (line {number}) was edited: it no longer matches its "
                        "hash", number, seq)
        if record.get("prev") != expected_prev:
            return fail(f"record {seq} (line {number}) does not follow record {seq - 1}: one of "
                        "them was edited or replaced", number, seq)
        if not signature_ok(key, record.get("sig"), _signed(seq, str(record.get("hash")))):
            return fail(f"record {seq} (line {number}) has no valid signature: it was "
                        "rewritten (re-chained after an edit) or forged", number, seq)
        if not stub and not user:  # record 1 is a stub (an export): take the first full one
            user = str(record.get("user", ""))
        if not stub and record.get("user", user) != user:
            return fail(f"record {seq} (line {number}) names user {record.get('user')!r} in the "
                        f"log of {user!r} (inserted from another log)", number, seq)
        key, last, checked = record.get("next_key"), record, checked + 1
        expected_seq, expected_prev = seq + 1, link_hash(record)
        by_seq[seq] = record
    notes = [f"{unchained} older record(s) before the chain cannot be verified"] if unchained \
        else []
    last_seq = expected_seq - 1
    end = len(lines) + 1

    def fail_end(problem: str, seq: int | None) -> Verdict:
        return Verdict(checked, unchained, problem, end, seq, tuple(notes), chain, user)

    if torn is not None:
        head_seq = expect.head.get("seq") if expect.head is not None else None
        named = [n for n in (expect.state.seq if expect.state is not None else None, head_seq)
                 if isinstance(n, int) and not isinstance(n, bool)]
        if any(n > last_seq for n in named) or (not named and checked):
            return Verdict(checked, unchained, incomplete(torn), torn, None, (), chain, user)
        notes.append(f"line {torn} is a record Lightbox began writing when it stopped (not "
                     "complete, so no result counted on it); the next run removes it")

    head = expect.head
    if head is not None and "sig" not in head and "link" not in head and not checked:
        head = None  # the head of an older, unsigned log: it says nothing about signatures
        notes.append("the head file was written by an older Lightbox and cannot be verified")
    signed_before = (expect.state is not None and expect.state.seq > 0) or (
        head is not None and head.get("seq") != 0)  # seq 0: a new chain's, before record 1
    if unchained and not checked and signed_before:
        witness = "its key state" if expect.state is not None else "its head"
        return fail_end(f"the log holds no signed record, but {witness} says signed records "
                        "were written: their chain fields were stripped", None)
    if expect.user is not None and checked and user != expect.user:
        return fail_end(f"this is the log of {user!r}, not of {expect.user!r} (logs swapped "
                        "or copied)", None)
    state = expect.state
    if state is not None:
        if checked and state.chain != chain:
            return fail_end("this log is not the one this account started (its chain "
                            f"{chain} differs from {state.chain}): replaced or swapped", None)
        if state.seq > last_seq:
            return fail_end(f"{_gone(last_seq + 1, state.seq)} missing at the end (deleted, "
                            "truncated or rolled back): this account wrote record "
                            f"{state.seq}", last_seq + 1)
        if state.seq < last_seq:
            if follow_state(by_seq, state, last_seq)[1] is not None:
                return fail_end(f"record {state.seq + 1} onwards were not written by Lightbox "
                                f"for this account (forged append): it wrote {state.seq} "
                                "record(s)", state.seq + 1)
            notes.append(f"the key state stands at record {state.seq}, "
                         f"{_behind(last_seq - state.seq)}: Lightbox stopped before it was "
                         "brought up to date; the next run does it")
    if head is not None:
        problem = _head_problem(head, last_seq, last, key)
        if problem and _head_of_previous(head, by_seq, last_seq):
            problem = None
            notes.append(f"the head names record {last_seq - 1}, one before the end: "
                         "Lightbox stopped before it was brought up to date; the next run "
                         "does it")
        elif problem and _head_before_group(head, by_seq, last_seq):
            problem = None
            notes.append(f"the head names record {head['seq']}, just before the last "
                         f"{last_seq - head['seq']} records written together (one fsync): "
                         "Lightbox stopped before it was brought up to date; the next run "
                         "does it")
        if problem:
            return fail_end(problem, last_seq)
    elif checked and expect.head_required:
        return fail_end("the head file is missing (deleted): records cut off the end could "
                        "not be ruled out", None)
    return Verdict(checked, unchained, None, None, None, tuple(notes), chain, user)


def _behind(n: int) -> str:
    return f"{n} record{'s' if n > 1 else ''} before the end"


def _head_before_group(head: dict[str, Any], by_seq: Mapping[int, dict[str, Any]],
                       last_seq: int) -> bool:
    """Whether ``head`` is the valid head of the record just before the last record's
    group (records appended with one write and one fsync, ``viewer.audit.group``: each
    carries the signed ``group`` {first, last}): what a crash between that fsync and the
    head leaves. The group's own records are signed, so a cut inside it that leaves a
    later head is still caught as records missing at the end."""
    group = by_seq.get(last_seq, {}).get("group")
    if not isinstance(group, dict) or not isinstance(group.get("first"), int):
        return False
    return _head_of_previous(head, by_seq, group["first"], of=group["first"] - 1)


def _head_of_previous(head: dict[str, Any], by_seq: Mapping[int, dict[str, Any]],
                      last_seq: int, of: int | None = None) -> bool:
    """Whether ``head`` is the valid head of the record before the last (or of record
    ``of``; signed with the key that record names for the next; for record 0, record 1's
    own key): the head a crash between the log line and the head leaves. Further behind
    is not a crash's (except before a group: :func:`_head_before_group`)."""
    seq = head.get("seq")
    if seq != (last_seq - 1 if of is None else of) or isinstance(seq, bool) \
            or last_seq not in by_seq:
        return False
    if seq == 0:
        link_, key = GENESIS, by_seq[1].get("chain_key")
    else:
        record = by_seq.get(seq)
        if record is None:
            return False
        link_, key = link_hash(record), record.get("next_key")
    return head.get("link") == link_ and signature_ok(key, head.get("sig"),
                                                      _head_signed(seq, link_))


def _gone(first: int, last: int) -> str:
    return f"record {first} is" if first == last else f"records {first}–{last} are"


def _misplaced(rows: list[tuple[int, dict[str, Any] | None]], number: int, seq: int,
               expected: int) -> str:
    later = [n for n, r in rows if n > number and r is not None and r.get("seq") == expected]
    if later:
        return (f"line {number} holds record {seq} where record {expected} belongs; record "
                f"{expected} stands on line {later[0]} (reordered)")
    if seq > expected:
        return f"{_gone(expected, seq - 1)} missing before line {number} (deleted)"
    return (f"line {number} holds record {seq} where record {expected} belongs (reordered or "
            "duplicated)")


def _head_problem(head: dict[str, Any], last_seq: int, last: dict[str, Any] | None,
                  key: str | None) -> str | None:
    seq = head.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        return "the head file is damaged (edited)"
    if seq == 0 == last_seq and head.get("link") == GENESIS:
        return None  # a new chain's head, made before its record 1 (which a crash cut)
    if seq > last_seq:
        return (f"{_gone(last_seq + 1, seq)} missing at the end (deleted or truncated): the "
                f"head names record {seq}")
    if seq < last_seq:
        return (f"the head names record {seq} but the log goes on to record {last_seq}: "
                "records were appended without Lightbox (forged), or the head was replaced")
    if last is None or head.get("link") != link_hash(last):
        return f"record {last_seq} differs from the one the head names (edited or replaced)"
    if not signature_ok(key, head.get("sig"), _head_signed(seq, str(head.get("link")))):
        return "the head file's signature is not valid (forged)"
    return None


def read_head(path: Path) -> dict[str, Any] | None:
    """The head file, or None when it does not exist; an unreadable one reads as damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"seq": None}
    return data if isinstance(data, dict) else {"seq": None}


# --- exports ---------------------------------------------------------------------------


def export_lines(records: Iterable[dict[str, Any]], head: dict[str, Any] | None,
                 start: datetime, end: datetime) -> list[str]:
    """Lines of an export: a first line that describes it, then every signed record of the
    log, in full when ``start <= time < end``, else as a stub; the head goes in the first
    line, so the export proves how long the log was when it was made."""
    chained = [r for r in records if "sig" in r]
    lines, inside = [], 0
    for record in chained:
        when = _time(record.get("time"))
        if when is not None and start <= when < end:
            inside += 1
            lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        else:
            stub = {k: record[k] for k in STUB_FIELDS if k in record} | {"stub": True}
            lines.append(json.dumps(stub, sort_keys=True))
    first = chained[0] if chained else {}
    meta = {
        "from": start.isoformat(), "to": end.isoformat(),
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "records": inside, "chain": chain_id(str(first.get("chain_key"))) if first else "",
        "user": first.get("user", ""), "head": head,
    }
    return [json.dumps({EXPORT_KEY: meta}, sort_keys=True)] + lines


def is_export(lines: list[str]) -> bool:
    first = _parse(lines[:1])
    return bool(first) and first[0][1] is not None and EXPORT_KEY in first[0][1]


def verify_export(lines: list[str]) -> Verdict:
    """Check an export on its own: its chain from record 1, its head, its counts."""
    meta = json.loads(lines[0])[EXPORT_KEY]
    head = meta.get("head")
    verdict = verify_lines([""] + lines[1:], Expect(
        head=head if isinstance(head, dict) else None, head_required=True, stubs=True))
    if not verdict.ok:
        return verdict
    full = sum(1 for _, r in _parse(lines[1:]) if r is not None and r.get("stub") is not True)
    problem = None
    if verdict.chain != meta.get("chain") or (verdict.user and verdict.user != meta.get("user")):
        problem = "the export's first line names another chain or user than its records"
    elif full != meta.get("records"):
        problem = f"the export says {meta.get('records')} record(s) but holds {full} in full"
    if problem:
        return Verdict(verdict.records, 0, problem, 1, None, (), verdict.chain, verdict.user)
    return verdict
