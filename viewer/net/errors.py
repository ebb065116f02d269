"""Network and local-store errors, in the one tree (``viewer.errors.LightboxError``).

Every message names the node by its configured name and address (IT's data, never a
patient's) and says what to do. A retrieve that stopped half-way says so and that running
it again resumes it: what was stored stays, complete files only.
"""

from __future__ import annotations

from viewer.errors import LightboxError


class NetworkError(LightboxError):
    """A DICOM node could not be used."""


class NodeNotConfiguredError(NetworkError):
    """The node named is not one IT configured (or none is)."""


class NodeUnreachableError(NetworkError):
    """Nothing answers at the node's address (refused, no route, unknown host name)."""


class NodeTimeoutError(NetworkError):
    """The node did not answer in time."""


class AssociationRefusedError(NetworkError):
    """The node refused to talk to this workstation (A-ASSOCIATE-RJ)."""


class NodeFailureError(NetworkError):
    """The node answered a request with a failure status."""


class TransferBrokenError(NetworkError):
    """A retrieve stopped before every image arrived; running it again resumes it."""


class QueryKeyError(LightboxError):
    """A search key that cannot be sent (wrong date range, a backslash, too long)."""


class LocalStoreError(LightboxError):
    """The local store cannot take a received object (full disk, no permission)."""


class TlsError(NetworkError):
    """A TLS node could not be used over TLS (certificates, host name, handshake)."""


class TlsSetupError(TlsError):
    """The site's TLS files cannot be used (unreadable, not PEM, key not the cert's)."""


class TlsUntrustedError(TlsError):
    """The node's certificate is not issued by an authority Lightbox trusts."""


class TlsHostnameError(TlsError):
    """The node's certificate names another host than the site's ``host``."""


class TlsNotSpokenError(TlsError):
    """The node does not complete a TLS handshake (a plain DICOM port)."""


class TlsCertificateRequiredError(TlsError):
    """The node requires (or refuses) this workstation's certificate (mutual TLS)."""


class ServerError(NetworkError):
    """An inference server (``inference_servers``) could not be used for a run."""


class ServerNotConfiguredError(ServerError):
    """The server named is not one IT configured (or none is)."""


class ServerUnreachableError(ServerError):
    """Nothing answers at the server's address, or it did not answer in time."""


class ServerAuthError(ServerError):
    """The server refused the workstation's key (401), or the key file cannot be read."""


class ServerRefusedError(ServerError):
    """The server answered a run with an error (its reason code is kept in ``reason``)."""

    def __init__(self, message: str, reason: str = "", status: int = 0,
                 warnings: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.reason, self.status, self.warnings = reason, status, warnings


class ServerModelMismatchError(ServerError):
    """The server's model is not the artifact this workstation verified: each difference
    is named (id, version, digest), and the run is refused."""

    def __init__(self, message: str, differences: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.differences = differences
