"""The audit chain's keys: an Ed25519 key for every record, the next one's kept secret.

Record *n* is signed with key *n* and names the public half of key *n+1*; once record *n*
is written, key *n* is gone and only the private half of key *n+1* is kept, in the
account's *key state* (:func:`state_path`, in the per-user config folder, not beside the
log). Anyone can check every signature with the public keys the log carries, but nobody
can sign a record that is already written again: its key no longer exists. The state also
holds the chain's identity (the digest of record 1's key), its last record number and
link, so a log that is deleted, shortened, rolled back or swapped no longer matches it.

Key *n+1* is :func:`ratchet` of key *n* (a one-way hash; record 1's key is random), so the
key state needs no ``fsync`` of its own: the log line is the one durable write of a
record, and a key state that a crash left one or more records behind is rolled forward
from the log (each record checked with the key it was signed with) at the next run
(``viewer.audit.log``). Holding key *n+1* gives every later key, never an earlier one.
A key state written by an older Lightbox (random next keys) continues the same way.

What this cannot do without a privileged writer: the account can always sign the *next*
record (it holds that key), and it can delete every copy it owns and start a new chain.
docs/security.md ``## Audit`` says what that leaves to IT.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from viewer.errors import LightboxError
from viewer.host import ed25519
from viewer.host.files import write_atomic
from viewer.host.folders import user_config_dir

STATE_FOLDER = "audit-chain"


class AuditError(LightboxError):
    """The audit record of a run cannot be written, so the run does not count as done."""


def new_key() -> tuple[bytes, str]:
    """A fresh key: (private seed, public key as hex)."""
    seed = ed25519.new_seed()
    return seed, public_hex(seed)


def ratchet(seed: bytes) -> bytes:
    """The private key of the record after the one ``seed`` signs: SHA-256 of it, labelled.
    One-way: the key state (key *n+1*) cannot give back key *n*."""
    return hashlib.sha256(b"lightbox-audit-ratchet|" + seed).digest()


def public_hex(seed: bytes) -> str:
    """The public key (hex) of the private key ``seed``; ValueError if it is not 32 bytes."""
    return ed25519.public_key(seed).hex()


def sign(seed: bytes, message: bytes) -> str:
    return ed25519.sign(seed, message).hex()


def signature_ok(public: object, signature: object, message: bytes) -> bool:
    """Whether ``signature`` (hex) is ``public``'s (hex) over ``message``; False for junk."""
    if not isinstance(public, str) or not isinstance(signature, str):
        return False
    try:
        return ed25519.verify(bytes.fromhex(public), bytes.fromhex(signature), message)
    except ValueError:
        return False


def chain_id(first_key: str) -> str:
    """A chain's identity: the digest of record 1's public key (32 hex characters)."""
    return hashlib.sha256(first_key.encode("ascii", "replace")).hexdigest()[:32]


@dataclass(frozen=True)
class ChainState:
    """Where this account's chain for one log stands, and the key of its next record."""

    chain: str  # chain_id of the log
    seq: int  # the last record written
    link: str  # link hash of that record
    next_seed: bytes  # private key of record seq + 1

    def as_json(self, log_path: Path) -> str:
        return json.dumps({"log": str(log_path), "chain": self.chain, "seq": self.seq,
                           "link": self.link, "next_key": self.next_seed.hex()}, sort_keys=True)


def state_path(log_path: Path) -> Path:
    """The key state of the log at ``log_path``: per account, named after the log's path."""
    name = hashlib.sha256(str(log_path.resolve()).encode("utf-8")).hexdigest()[:16]
    return user_config_dir() / STATE_FOLDER / f"{name}.json"


def load_state(log_path: Path) -> ChainState | None:
    """The key state of ``log_path``; None when there is none. A damaged one is an
    :class:`AuditError` that says what to do."""
    path = state_path(log_path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"the audit key state {path} cannot be read ({exc.strerror}): "
                         "check its owner and permissions (it must be readable by you)") from None
    try:
        data = json.loads(text)
        state = ChainState(str(data["chain"]), int(data["seq"]), str(data["link"]),
                           bytes.fromhex(data["next_key"]))
        if len(state.next_seed) != 32:  # what from_private_bytes would refuse
            raise ValueError("not an Ed25519 private key")
    except (ValueError, KeyError, TypeError):
        raise AuditError(
            f"the audit key state {path} is damaged, so no AI run can be recorded. Do not "
            "delete it: ask IT to check the audit log with 'lightbox audit verify' and to move "
            "the log and this file aside to start a new log") from None
    return state


def save_state(log_path: Path, state: ChainState, *, durable: bool = True) -> None:
    """Replace the key state (atomically; ``durable=False``: without its ``fsync``s, for a
    state that can be rolled forward from the log after a power cut)."""
    path = state_path(log_path)
    if durable:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomic(path, state.as_json(log_path), mode=0o600, durable=durable)
