"""Ed25519 keys and signatures through libsodium (PyNaCl), and the one key file format.

Lightbox signs with Ed25519 only: model approvals (:mod:`viewer.inference.signing`) and
the audit chain (:mod:`viewer.audit.signing`). libsodium does that in a 0.6 MB library
where the general-purpose ``cryptography`` package froze to 12 MB. Ed25519 signatures
are deterministic (RFC 8032), so the same key signs the same bytes to the same signature
whichever library computes it: signatures and keys written before stay valid.

A private key is kept on disk as PEM "PRIVATE KEY" (PKCS #8, RFC 5208/5958 with the
Ed25519 algorithm of RFC 8410), the file ``openssl genpkey -algorithm ed25519`` and
``lightbox model keygen`` write. :func:`seed_from_pem` reads exactly that: one PEM block
whose DER is the Ed25519 ``PrivateKeyInfo`` (optionally with the public key, which must
then match); anything else (another algorithm, an encrypted key, an OpenSSH key, extra
bytes) is refused with a :class:`KeyFormatError` that says what the file is instead.

PyNaCl is imported by the functions that sign or check, not with this module: the
viewer's start-up reads :mod:`viewer.inference.signing`'s constants and must not load
libsodium (and cffi) before the first image is painted (tests/ui/test_startup.py).
"""

from __future__ import annotations

import base64
import binascii
import re

SEED_BYTES = 32
PUBLIC_BYTES = 32
SIGNATURE_BYTES = 64
#: id-Ed25519 (1.3.101.112), DER-encoded with its tag and length.
_ED25519_OID = bytes.fromhex("06032b6570")
#: PrivateKeyInfo of an Ed25519 key, up to the 32-byte seed: SEQUENCE (46 bytes),
#: version 0, AlgorithmIdentifier {id-Ed25519}, OCTET STRING { OCTET STRING (32) }.
_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_PEM_BEGIN = re.compile(rb"-----BEGIN ([^-\r\n]*)-----")
_LABEL = b"PRIVATE KEY"


class KeyFormatError(ValueError):
    """A key file is not an unencrypted Ed25519 PKCS #8 PEM key; ``str()`` says why."""


def new_seed() -> bytes:
    """A fresh private key (its 32-byte seed) from the operating system's random source."""
    from nacl.signing import SigningKey

    return bytes(SigningKey.generate())


def public_key(seed: bytes) -> bytes:
    """The 32-byte public key of the private key ``seed``."""
    from nacl.signing import SigningKey

    return bytes(SigningKey(_seed(seed)).verify_key)


def sign(seed: bytes, message: bytes) -> bytes:
    """The 64-byte Ed25519 signature of ``message`` by the private key ``seed``."""
    from nacl.signing import SigningKey

    return SigningKey(_seed(seed)).sign(message).signature


def verify(public: bytes, signature: bytes, message: bytes) -> bool:
    """Whether ``signature`` is ``public``'s over ``message``; False for anything malformed."""
    from nacl.exceptions import CryptoError
    from nacl.signing import VerifyKey

    if len(public) != PUBLIC_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        VerifyKey(public).verify(message, signature)
    except (CryptoError, ValueError):
        return False
    return True


def _seed(seed: bytes) -> bytes:
    if len(seed) != SEED_BYTES:
        raise ValueError(f"an Ed25519 private key is {SEED_BYTES} bytes, not {len(seed)}")
    return seed


# --- the key file ------------------------------------------------------------------------


def pem_of(seed: bytes) -> bytes:
    """``seed`` as an unencrypted PKCS #8 PEM file (what ``openssl genpkey`` writes)."""
    der = _PKCS8_PREFIX + _seed(seed)
    return (b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der).replace(b"\n", b"")
            + b"\n-----END PRIVATE KEY-----\n")


def seed_from_pem(data: bytes) -> bytes:
    """The seed of the Ed25519 private key in the PEM file ``data``; raises
    :class:`KeyFormatError` for anything else, saying what it found."""
    labels = _PEM_BEGIN.findall(data)
    if not labels:
        raise KeyFormatError("not a PEM key file (no '-----BEGIN PRIVATE KEY-----' line)")
    if len(labels) > 1:
        raise KeyFormatError(f"holds {len(labels)} PEM blocks; a key file holds one "
                             "private key")
    label = labels[0]
    if label == b"ENCRYPTED PRIVATE KEY":
        raise KeyFormatError("the key is encrypted; Lightbox reads unencrypted keys only "
                             "(keep the file owner-only instead)")
    if label != _LABEL:
        found = label.decode("ascii", "replace")
        raise KeyFormatError(f"the file holds a '{found}' PEM block, not an Ed25519 "
                             "'PRIVATE KEY' (PKCS #8)")
    block = _PEM_BLOCK.search(data)
    if block is None:
        raise KeyFormatError("the PEM block has no matching '-----END PRIVATE KEY-----' line")
    body = re.sub(rb"\s+", b"", block.group(2))
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise KeyFormatError("the PEM block is not valid base64") from None
    return _seed_from_der(der)


def _seed_from_der(der: bytes) -> bytes:
    """The seed of a DER ``PrivateKeyInfo``/``OneAsymmetricKey`` holding an Ed25519 key."""
    if der.startswith(_PKCS8_PREFIX) and len(der) == len(_PKCS8_PREFIX) + SEED_BYTES:
        return der[len(_PKCS8_PREFIX):]
    reader = _Der(der)
    outer = _Der(reader.take(0x30, "the key"))
    reader.end("the key")
    version = outer.take(0x02, "the version")
    algorithm = outer.take(0x30, "the algorithm")
    if algorithm != _ED25519_OID:  # RFC 8410: the OID alone, no parameters
        raise KeyFormatError("not an Ed25519 private key (PKCS #8 of another algorithm)")
    if version not in (b"\x00", b"\x01"):
        raise KeyFormatError("an unknown PKCS #8 version")
    inner = _Der(outer.take(0x04, "the private key"))
    seed = inner.take(0x04, "the private key")
    inner.end("the private key")
    if len(seed) != SEED_BYTES:
        raise KeyFormatError(f"the Ed25519 private key is {len(seed)} bytes, not {SEED_BYTES}")
    if outer.peek() == 0xA0:  # [0] attributes: allowed by PKCS #8, unused by Ed25519
        outer.take(0xA0, "the attributes")
    if outer.peek() == 0x81:  # [1] public key (RFC 5958, version 1): must be this key's
        if version != b"\x01":
            raise KeyFormatError("a public key in a version 0 PKCS #8 key")
        public = outer.take(0x81, "the public key")
        if public != b"\x00" + public_key(seed):
            raise KeyFormatError("the public key in the file does not belong to its private "
                                 "key (the file is damaged)")
    outer.end("the key")
    return seed


class _Der:
    """Reads definite-length DER elements, refusing any non-minimal or overlong length."""

    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def peek(self) -> int | None:
        return self.data[self.at] if self.at < len(self.data) else None

    def take(self, tag: int, what: str) -> bytes:
        data, at = self.data, self.at
        if at + 2 > len(data) or data[at] != tag:
            raise KeyFormatError(f"not an Ed25519 PKCS #8 key ({what} is missing or wrong)")
        length, at = data[at + 1], at + 2
        if length & 0x80:
            count = length & 0x7F
            raw = data[at:at + count]
            if count not in (1, 2) or len(raw) != count or raw[0] == 0 or (
                    count == 1 and raw[0] < 0x80):
                raise KeyFormatError(f"not DER: the length of {what} is malformed")
            length, at = int.from_bytes(raw, "big"), at + count
        if at + length > len(data):
            raise KeyFormatError(f"the key is truncated ({what} runs past its end)")
        self.at = at + length
        return data[at:at + length]

    def end(self, what: str) -> None:
        if self.at != len(self.data):
            raise KeyFormatError(f"unexpected bytes after {what}")
