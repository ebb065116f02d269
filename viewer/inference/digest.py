"""Digests of artifact files and of the canonical manifest (docs/model-artifact.md).

Shared by the writer (viewer.modelkit) and the verifier (viewer.inference), so both
compute the very same bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest without its ``digest`` key, serialised canonically."""
    body = {k: v for k, v in manifest.items() if k != "digest"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 (hex) of :func:`canonical_bytes`: the value of the manifest's ``digest``."""
    return hashlib.sha256(canonical_bytes(manifest)).hexdigest()
