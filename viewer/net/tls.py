"""DICOM over TLS with the nodes IT marked ``tls = true`` (docs/pacs.md, "TLS").

The site's three files decide everything; nothing here is the user's:

* ``tls_ca_file``: the authorities whose certificates Lightbox trusts (the hospital's CA);
  without it, the system's. Lightbox verifies the node's certificate always, and checks
  that it names the node's configured ``host`` (a name or an IP address);
* ``tls_cert_file`` + ``tls_key_file``: this workstation's certificate, offered to nodes
  that require mutual TLS, and the Storage SCP's own when a TLS node sends by C-MOVE
  (that port then requires the node's certificate, verified against the same
  authorities).

TLS 1.2 is the least accepted. :func:`client_context` and :func:`server_context` build the
``ssl.SSLContext`` objects pynetdicom wraps its sockets with; a file that cannot be read
or is not what its key says raises :class:`~viewer.net.errors.TlsSetupError` naming the
file and the key. :func:`handshake_problem` finds out, after pynetdicom could not
associate (it logs the cause instead of raising it), why the TLS handshake failed, by
making one itself to the same node: an untrusted certificate, another host name, a node
that does not speak TLS, a node that wants a certificate Lightbox was not given.
:func:`tls_problems` is the self-test's: what is wrong with the files, without a network.
"""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import Settings
from viewer.net.errors import (
    TlsCertificateRequiredError,
    TlsHostnameError,
    TlsNotSpokenError,
    TlsSetupError,
    TlsUntrustedError,
)

#: OpenSSL's verify codes for a certificate that names another host or address.
_NAME_MISMATCH = {62, 64}
#: How long the probe waits, after its handshake, for a node's refusal of it (TLS 1.3
#: sends "certificate required" after the client thinks the handshake is done).
_REFUSAL_WAIT_S = 2.0


def _load(context: ssl.SSLContext, settings: Settings, *, own_required: bool) -> None:
    ca, cert, key = settings.tls_ca_file, settings.tls_cert_file, settings.tls_key_file
    if ca is not None:
        try:
            context.load_verify_locations(cafile=str(ca))
        except OSError as exc:  # ssl.SSLError is an OSError
            raise TlsSetupError(_file_problem("tls_ca_file", ca, exc)) from exc
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH if context.check_hostname
                                   else ssl.Purpose.CLIENT_AUTH)
    if (cert is None) != (key is None):
        given, missing = ("tls_cert_file", "tls_key_file") if key is None else (
            "tls_key_file", "tls_cert_file")
        raise TlsSetupError(f"the site sets {given} but not {missing}: this workstation's "
                            "certificate needs both (or neither)")
    if cert is None or key is None:
        if own_required:
            raise TlsSetupError(
                "a TLS node sends by C-MOVE, so Lightbox's storage port needs its own "
                "certificate: the site must set tls_cert_file and tls_key_file (or the "
                "node retrieve = \"get\")")
        return
    for name, path in (("tls_cert_file", cert), ("tls_key_file", key)):
        try:
            path.read_bytes()
        except OSError as exc:
            raise TlsSetupError(_file_problem(name, path, exc)) from exc
    try:
        # No password: an encrypted key fails here instead of OpenSSL asking a terminal.
        context.load_cert_chain(str(cert), str(key), password=_no_password)
    except ssl.SSLError as exc:
        if "KEY_VALUES_MISMATCH" in str(exc):
            raise TlsSetupError(f"the site's tls_key_file {key} is not the private key of "
                                f"its tls_cert_file {cert}") from exc
        raise TlsSetupError(
            f"the site's tls_cert_file {cert} or tls_key_file {key} is not a PEM "
            f"certificate and its unencrypted PEM private key "
            f"({exc.reason or 'not readable as PEM'})") from exc


def _no_password() -> bytes:
    return b""


def _file_problem(name: str, path: Path, exc: OSError) -> str:
    if isinstance(exc, ssl.SSLError):
        return (f"the site's {name} {path} holds no PEM certificate Lightbox can use "
                f"({exc.reason or 'not readable as PEM'})")
    return f"the site's {name} {path} cannot be read ({exc.strerror or exc})"


def client_context(settings: Settings) -> ssl.SSLContext:
    """The context of a connection to a TLS node: TLS 1.2 or later, the node's certificate
    verified and its host name checked, this workstation's certificate when the site
    gives one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, checks the host name
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    _load(context, settings, own_required=False)
    return context


def server_context(settings: Settings) -> ssl.SSLContext:
    """The Storage SCP's context for TLS nodes' C-MOVE results and pushes: Lightbox's
    certificate, and the node's required and verified against the same authorities."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    _load(context, settings, own_required=True)
    return context


def tls_problems(settings: Settings) -> list[str]:
    """What keeps the configured TLS nodes from working, found without a network (the
    files, the C-MOVE certificate); empty when there is no TLS node or nothing is wrong."""
    nodes = [n for n in settings.dicom_nodes.values() if n.tls]
    if not nodes:
        return []
    problems: list[str] = []
    try:
        client_context(settings)
    except TlsSetupError as exc:
        problems.append(str(exc))
    moving = [n.name for n in nodes if n.retrieve == "move"]
    if moving and not problems:
        try:
            server_context(settings)
        except TlsSetupError as exc:
            problems.append(f"node(s) {', '.join(moving)}: {exc}")
    return problems


def handshake_problem(node: DicomNode, settings: Settings) -> Exception | None:
    """Why a TLS connection to ``node`` fails, by making one; None when it succeeds."""
    where = f"DICOM node {node.name!r} ({node.address})"
    context = client_context(settings)
    timeout = settings.dicom_timeout_s
    try:
        with socket.create_connection((node.host, node.port), timeout=timeout) as raw, \
                context.wrap_socket(raw, server_hostname=node.host) as tls:
            tls.settimeout(min(timeout, _REFUSAL_WAIT_S))
            try:
                tls.recv(1)  # a DICOM node says nothing first: only a refusal comes
            except TimeoutError:
                return None
    except ssl.SSLCertVerificationError as exc:
        detail = str(exc.verify_message or exc.reason).rstrip(".")
        if exc.verify_code in _NAME_MISMATCH:
            return TlsHostnameError(
                f"{where}: the node's certificate is not issued for {node.host!r}: the "
                "site's host must be a name or address the certificate lists, or the node "
                "needs a certificate for it")
        if settings.tls_ca_file is None:
            return TlsUntrustedError(
                f"{where}: the node's certificate is not trusted ({detail}) by the system's "
                "authorities, and the site sets no tls_ca_file: IT must give the CA that "
                "issued it")
        return TlsUntrustedError(
            f"{where}: the node's certificate is not trusted ({detail}) by the site's "
            f"tls_ca_file {settings.tls_ca_file}: IT must give the CA that issued it")
    except ssl.SSLError as exc:
        reason = exc.reason or ""
        if "CERTIFICATE_REQUIRED" in reason or (
                "HANDSHAKE_FAILURE" in reason and settings.tls_cert_file is None):
            return TlsCertificateRequiredError(
                f"{where} requires this workstation's certificate (mutual TLS), and the "
                "site gives none: IT sets tls_cert_file and tls_key_file")
        if any(word in reason for word in ("UNKNOWN_CA", "BAD_CERTIFICATE",
                                           "CERTIFICATE_UNKNOWN", "DECRYPT_ERROR")):
            return TlsCertificateRequiredError(
                f"{where} does not accept this workstation's certificate "
                f"{settings.tls_cert_file} ({reason}): the node must trust the CA that "
                "issued it")
        return _not_tls(where, reason or str(exc))
    except (ConnectionError, TimeoutError, EOFError) as exc:
        return _not_tls(where, type(exc).__name__)
    except OSError:
        return None  # not a TLS matter: the plain probe names it
    return None


def _not_tls(where: str, detail: str) -> TlsNotSpokenError:
    return TlsNotSpokenError(
        f"{where} did not complete a TLS handshake ({detail}): it does not speak DICOM "
        "over TLS on this port; set tls = false for it, or ask for its TLS port")
