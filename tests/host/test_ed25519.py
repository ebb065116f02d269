"""Ed25519 through libsodium gives the signatures and key files of the standards (RFC 8032,
RFC 8410), so every key and signature written with the earlier library stays valid, and
every key file that is not an unencrypted Ed25519 PKCS #8 key is refused with the reason."""

from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from viewer.host import ed25519

# RFC 8032 section 7.1, TEST 1 and TEST 2: (private seed, public key, message, signature).
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
     "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
     "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
]
# RFC 8410 section 10.3: the same key, as PKCS #8 version 0 (what openssl genpkey and
# lightbox model keygen write) and as version 1 with an attribute and the public key.
RFC8410_SEED = "d4ee72dbf913584ad5b6d8f1f769f8ad3afe7c28cbf1d4fbe097a88f44755842"
RFC8410_PUBLIC = "19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1"
RFC8410_V0 = (b"-----BEGIN PRIVATE KEY-----\n"
              b"MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
              b"-----END PRIVATE KEY-----\n")
RFC8410_V1 = (b"-----BEGIN PRIVATE KEY-----\n"
              b"MHICAQEwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n"
              b"oB8wHQYKKoZIhvcNAQkJFDEPDA1DdXJkbGUgQ2hhaXJzgSEAGb9ECWmEzf6FQbrB\n"
              b"Z9w7lshQhqowtrbLDFw4rXAxZuE=\n"
              b"-----END PRIVATE KEY-----\n")


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_the_standard_test_vectors(seed, public, message, signature):
    seed_b, message_b = bytes.fromhex(seed), bytes.fromhex(message)
    assert ed25519.public_key(seed_b).hex() == public
    assert ed25519.sign(seed_b, message_b).hex() == signature
    assert ed25519.verify(bytes.fromhex(public), bytes.fromhex(signature), message_b)


def test_a_changed_message_signature_or_key_does_not_verify():
    seed, public, message, signature = (bytes.fromhex(v) for v in RFC8032[1])
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    other = bytes.fromhex(RFC8032[0][1])
    assert not ed25519.verify(public, signature, message + b"!")
    assert not ed25519.verify(public, flipped, message)
    assert not ed25519.verify(other, signature, message)
    assert not ed25519.verify(public, signature[:63], message)  # malformed: False, no error
    assert not ed25519.verify(public[:31], signature, message)


def test_fresh_keys_sign_and_verify_and_differ():
    first, second = ed25519.new_seed(), ed25519.new_seed()
    assert len(first) == 32 and first != second
    assert ed25519.verify(ed25519.public_key(first), ed25519.sign(first, b"x"), b"x")
    with pytest.raises(ValueError, match="32 bytes"):
        ed25519.public_key(first[:31])


def test_the_key_file_is_the_one_openssl_writes_and_reads_back():
    seed = bytes.fromhex(RFC8410_SEED)
    assert ed25519.pem_of(seed) == RFC8410_V0
    assert ed25519.seed_from_pem(RFC8410_V0) == seed
    assert ed25519.seed_from_pem(RFC8410_V1) == seed  # attributes and the public key
    assert ed25519.public_key(seed).hex() == RFC8410_PUBLIC
    # Text around the block (RFC 7468 allows it) and CRLF line ends are fine.
    assert ed25519.seed_from_pem(b"my key\r\n" + RFC8410_V0.replace(b"\n", b"\r\n")) == seed


def _pem(der: bytes, label: bytes = b"PRIVATE KEY") -> bytes:
    body = base64.encodebytes(der)
    return b"-----BEGIN " + label + b"-----\n" + body + b"-----END " + label + b"-----\n"


V0_DER = base64.b64decode(b"MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC")
V1_DER = base64.b64decode(b"".join(RFC8410_V1.splitlines()[1:-1]))


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "not a PEM key file"),
    (b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA", "not a PEM key file"),
    (_pem(V0_DER, b"ENCRYPTED PRIVATE KEY"), "the key is encrypted"),
    (_pem(V0_DER, b"OPENSSH PRIVATE KEY"), "'OPENSSH PRIVATE KEY' PEM block, not an Ed25519"),
    (_pem(V0_DER, b"PUBLIC KEY"), "'PUBLIC KEY' PEM block"),
    (RFC8410_V0 + RFC8410_V0, "holds 2 PEM blocks"),
    (RFC8410_V0.replace(b"-----END PRIVATE KEY-----", b""), "no matching"),
    (RFC8410_V0.replace(b"MC4C", b"MC4*"), "not valid base64"),
    # X25519 (1.3.101.110) in the same layout: another algorithm
    (_pem(V0_DER.replace(bytes.fromhex("2b6570"), bytes.fromhex("2b656e"))),
     "not an Ed25519 private key"),
    (_pem(V0_DER[:-1]), "the key is truncated"),
    (_pem(V0_DER + b"\x00"), "unexpected bytes after the key"),
    (_pem(V0_DER[:1] + b"\x81\x2e" + V0_DER[2:]), "not DER"),  # a long form for 46
    (_pem(V0_DER[:4] + b"\x02" + V0_DER[5:]), "an unknown PKCS #8 version"),
    (_pem(V1_DER[:-1] + bytes([V1_DER[-1] ^ 1])), "does not belong to its private key"),
    (_pem(V1_DER[:4] + b"\x00" + V1_DER[5:]), "a public key in a version 0"),
])
def test_anything_else_is_refused_with_what_it_is(data, reason):
    with pytest.raises(ed25519.KeyFormatError, match=reason):
        ed25519.seed_from_pem(data)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="no openssl on this machine")
def test_a_key_openssl_made_signs_as_openssl_does(tmp_path):
    """docs/security.md: the key file is the one ``openssl genpkey`` writes."""
    key, message = tmp_path / "k.pem", tmp_path / "m"
    message.write_bytes(b"lightbox model signature v1\n" + b"ab" * 32)
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(key)], check=True)
    seed = ed25519.seed_from_pem(key.read_bytes())
    assert ed25519.pem_of(seed) == key.read_bytes()
    done = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", str(key),
                           "-in", str(message)], capture_output=True, check=True)
    assert ed25519.sign(seed, message.read_bytes()) == done.stdout
