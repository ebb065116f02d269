"""Who approved a model: Ed25519 signatures over the manifest digest (docs/security.md).

Digests prove that an artifact's files are the ones its manifest pins; they say nothing
about who wrote the manifest. A model therefore runs only when ``signature.json`` in its
folder holds an Ed25519 signature of its manifest digest by a key the site trusts and has
not revoked (:class:`TrustPolicy`, built from the administrator-written site file only).

``signature.json`` is small and detached: it is not listed in the manifest's ``files``
(it signs the manifest digest, which pins every file). It holds the format, the
algorithm, the signer's public key and its id, the digest signed and the signature.

The demonstration key (:data:`DEMO_PUBLIC_KEY`; its private half is in the repository,
``models/keys/``, for demonstration only) is trusted only while the site file lists no
keys of its own, and only for artifacts marked ``not_for_clinical_use``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.host import ed25519
from viewer.inference.errors import ModelError
from viewer.inference.manifest import Manifest, read_limited

if TYPE_CHECKING:
    from viewer.host.settings import Settings

SIGNATURE = "signature.json"
ALGORITHM = "Ed25519"
FORMAT = 1
KEY_PREFIX = "ed25519:"
#: What the signature covers: a fixed context, then the manifest digest (hex, ASCII).
CONTEXT = b"lightbox model signature v1\n"
MAX_SIGNATURE_BYTES = 16 * 1024
#: The demonstration key's public half (private half: models/keys/, demo only).
DEMO_PUBLIC_KEY = "ed25519:sH+bBMdXf627g03aAhPN7bZ49kTSht1Q5WQYh5XoZu0="
#: How every list and result marks a model that runs without a trusted signature.
UNSIGNED_MARK = "UNSIGNED · developer mode"
ASK_IT = "not signed by a key this site trusts — ask IT"


class UntrustedModelError(ModelError):
    """The artifact is intact but nobody this site trusts approved it (or it was revoked)."""


@dataclass(frozen=True)
class TrustPolicy:
    """Which signers this workstation accepts: from the site file, never the user."""

    trusted_keys: frozenset[str] = frozenset()  # "ed25519:<base64>"
    revoked_keys: frozenset[str] = frozenset()  # key ids or "ed25519:<base64>"
    revoked_models: frozenset[str] = frozenset()  # manifest digests
    developer_mode: bool = False  # unsigned local models run, marked UNSIGNED

    @classmethod
    def of(cls, settings: Settings) -> TrustPolicy:
        return cls(frozenset(settings.trusted_keys), frozenset(settings.revoked_keys),
                   frozenset(settings.revoked_models), settings.developer_mode)

    def trusts(self, key: str, manifest: Manifest) -> bool:
        if self.trusted_keys:
            return key in self.trusted_keys
        return key == DEMO_PUBLIC_KEY and manifest.not_for_clinical_use

    def revokes(self, key: str) -> bool:
        return key in self.revoked_keys or key_id(key) in self.revoked_keys


@dataclass(frozen=True)
class Trust:
    """Why a model may run: signed by ``key_id``, or ``unsigned`` in developer mode."""

    key_id: str | None
    unsigned: bool = False

    @property
    def note(self) -> str:
        return UNSIGNED_MARK if self.unsigned else f"signed by key {self.key_id}"


# --- keys ------------------------------------------------------------------------------


def raw_key(text: str) -> bytes | None:
    """The 32 bytes of an ``ed25519:<base64>`` public key, or None if it is not one."""
    if not text.startswith(KEY_PREFIX):
        return None
    try:
        raw = base64.b64decode(text[len(KEY_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def key_id(key: str) -> str:
    """A short, stable name of a public key: the first 16 hex digits of its SHA-256."""
    raw = raw_key(key)
    return hashlib.sha256(raw if raw is not None else key.encode()).hexdigest()[:16]


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """An Ed25519 private key read from a key file (its 32-byte seed; never printed)."""

    seed: bytes

    def sign(self, message: bytes) -> bytes:
        return ed25519.sign(self.seed, message)


def public_key_text(private: PrivateKey) -> str:
    raw = ed25519.public_key(private.seed)
    return KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def load_private_key(path: str | Path) -> PrivateKey:
    """An Ed25519 private key from a PEM file; raises :class:`ModelError` with the reason."""
    path = Path(path)
    data = read_limited(path, MAX_SIGNATURE_BYTES, what=path.name)
    try:
        return PrivateKey(ed25519.seed_from_pem(data))
    except ed25519.KeyFormatError as exc:
        raise ModelError(path, f"{exc}; a signing key is an unencrypted Ed25519 PEM "
                         "file such as 'lightbox model keygen' writes") from None


def generate_key(out: str | Path, name: str = "model-signing") -> tuple[Path, Path]:
    """Write ``NAME.pem`` (private, 0600) and ``NAME.pub`` (``ed25519:…``) into ``out``."""
    from viewer.host.files import write_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    private, public = out / f"{name}.pem", out / f"{name}.pub"
    if private.exists():
        raise ModelError(private, "already exists; a signing key is never overwritten")
    key = PrivateKey(ed25519.new_seed())
    write_atomic(private, ed25519.pem_of(key.seed), mode=0o600)
    write_atomic(public, public_key_text(key) + "\n")
    return private, public


# --- signing ---------------------------------------------------------------------------


def sign_digest(digest: str, private: PrivateKey) -> dict[str, Any]:
    key = public_key_text(private)
    signature = private.sign(CONTEXT + digest.encode("ascii"))
    return {"format": FORMAT, "algorithm": ALGORITHM, "key": key, "key_id": key_id(key),
            "digest": digest, "signature": base64.b64encode(signature).decode("ascii")}


def sign_artifact(folder: str | Path, key_path: str | Path) -> Path:
    """Check the artifact's digests, then write its ``signature.json``; returns its path."""
    from viewer.host.files import write_atomic
    from viewer.inference.manifest import read_manifest
    from viewer.inference.verify import check_digests

    manifest = read_manifest(folder)
    check_digests(manifest)  # never vouch for files that do not match their manifest
    document = sign_digest(manifest.digest, load_private_key(key_path))
    return write_atomic(manifest.folder / SIGNATURE, json.dumps(document, indent=2) + "\n")


# --- checking --------------------------------------------------------------------------


def check_trust(manifest: Manifest, policy: TrustPolicy) -> Trust:
    """Why ``manifest`` may run under ``policy``; raises :class:`UntrustedModelError`."""
    folder = manifest.folder
    if manifest.digest in policy.revoked_models:
        raise UntrustedModelError(folder, f"this model (digest {manifest.digest[:16]}…) was "
                                  "revoked by the site configuration — ask IT")
    path = folder / SIGNATURE
    if not path.exists() and not path.is_symlink():
        if policy.developer_mode:
            return Trust(None, unsigned=True)
        raise UntrustedModelError(folder, f"{ASK_IT} (it has no {SIGNATURE})")
    key = _verified_signer(manifest, path)
    if policy.revokes(key):
        raise UntrustedModelError(folder, f"signed by key {key_id(key)}, which the site "
                                  "configuration revoked — ask IT")
    if policy.trusts(key, manifest):
        return Trust(key_id(key))
    if policy.developer_mode:
        return Trust(None, unsigned=True)
    if key == DEMO_PUBLIC_KEY and not policy.trusted_keys:
        raise UntrustedModelError(folder, f"{ASK_IT} (the demonstration key vouches only "
                                  "for models marked not for clinical use)")
    raise UntrustedModelError(folder, f"{ASK_IT} (signed by key {key_id(key)})")


def _verified_signer(manifest: Manifest, path: Path) -> str:
    """The public key whose valid signature of this manifest's digest ``path`` holds."""
    folder = manifest.folder
    data = read_limited(path, MAX_SIGNATURE_BYTES, what=SIGNATURE)
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UntrustedModelError(folder, f"{SIGNATURE} is not readable JSON") from None
    if not isinstance(document, dict) or document.get("algorithm") != ALGORITHM:
        raise UntrustedModelError(folder, f"{SIGNATURE}: only {ALGORITHM} signatures are "
                                  "accepted")
    key = document.get("key")
    raw = raw_key(key) if isinstance(key, str) else None
    signature = document.get("signature")
    if raw is None or not isinstance(signature, str):
        raise UntrustedModelError(folder, f"{SIGNATURE}: the key or signature is malformed")
    if document.get("digest") != manifest.digest:
        raise UntrustedModelError(folder, f"{SIGNATURE} signs another manifest (the manifest "
                                  "changed after it was signed)")
    try:
        signed = ed25519.verify(raw, base64.b64decode(signature, validate=True),
                                CONTEXT + manifest.digest.encode("ascii"))
    except (binascii.Error, ValueError):
        signed = False
    if not signed:
        raise UntrustedModelError(folder, f"{SIGNATURE}: the signature does not verify "
                                  "(forged or damaged)")
    assert isinstance(key, str)
    return key
