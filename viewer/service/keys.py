"""API keys: only their SHA-256 is stored (site file ``service_api_keys``), compared in
constant time. A key is 32 random bytes (``lightbox serve --hash-key`` makes one and
prints it with its hash); its *key id*, what the audit and the log name, is the first 12
hex digits of the hash: enough to tell the site's keys apart, useless to call with.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

PREFIX = "sha256:"


def new_key() -> str:
    """A fresh API key (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """``sha256:<hex>`` of a key: what IT writes into ``service_api_keys``."""
    return PREFIX + hashlib.sha256(key.strip().encode()).hexdigest()


def key_id(hashed: str) -> str:
    return hashed.removeprefix(PREFIX)[:12]


def match(key: str, hashes: Iterable[str]) -> str | None:
    """The key id of the stored hash ``key`` hashes to, else None. Every stored hash is
    compared (``hmac.compare_digest``), so the time taken says nothing of which one, or
    how much of one, matched."""
    given = hash_key(key).encode()
    found: str | None = None
    for stored in hashes:
        if hmac.compare_digest(given, stored.encode()):
            found = key_id(stored)
    return found
