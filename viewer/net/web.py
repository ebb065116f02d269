"""One DICOMweb service: the HTTP session, its failures as the network errors, QIDO-RS.

:func:`client` is the only way this package talks HTTP: it takes a
:class:`~viewer.host.dicomweb_nodes.DicomWebNode` from the settings (never a free URL)
and builds a ``requests`` session that

* ignores the environment (``trust_env = False``: no ``HTTP(S)_PROXY``, no ``.netrc``,
  no ``REQUESTS_CA_BUNDLE``): only the configured node is contacted, directly;
* verifies HTTPS with the site's ``tls_ca_file`` (else the system's authorities, not the
  bundle requests ships), and presents ``tls_cert_file``/``tls_key_file`` when both are
  set;
* refuses a redirect to any other host or port (the credentials go nowhere else);
* waits ``dicom_timeout_s`` to connect and for each read; never retries by itself.

:func:`failure` turns what ``requests`` raises into the error that names the cause
(credentials refused, no service at that path, the service failing, nothing listening,
no answer in time, the certificate not trusted). :func:`echo` is a QIDO-RS search with
``limit=1``; :func:`find` is :func:`viewer.net.query.find` over QIDO-RS, with the same
:class:`~viewer.net.query.Query` checks, the same typed matches and the same cap.

``requests`` and ``dicomweb_client`` are imported here only when a DICOMweb node is
used (start-up and a site without one never load them); their logs stay out of the
application log (a search's URL holds the patient name it looks for). Qt-free.
"""

from __future__ import annotations

import logging
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.errors import Cancelled
from viewer.host.dicomweb_nodes import DicomWebNode
from viewer.host.settings import Settings
from viewer.net.errors import (
    AssociationRefusedError,
    NetworkError,
    NodeFailureError,
    NodeNotConfiguredError,
    NodeTimeoutError,
    NodeUnreachableError,
    TransferBrokenError,
)
from viewer.net.query import FindResult, Query, SeriesMatch, StudyMatch, _match
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from dicomweb_client.api import DICOMwebClient

log = logging.getLogger(__name__)
_lock = threading.Lock()

#: Study-level and series-level attributes asked for besides the defaults (tags).
#: The attributes a QIDO-RS search asks for beyond the archive's defaults: those C-FIND
#: asks for (viewer.net.query), so a match reads the same from either (Issuer of Patient
#: ID and Body Part Examined included: the priors compare them).
STUDY_FIELDS = ("00100030", "00080030", "00081030", "00080061", "00201206", "00201208",
                "00100021")
SERIES_FIELDS = ("0008103E", "00200011", "00201209", "00180015")
#: Bytes read from the socket at a time while a WADO-RS answer arrives: a part is handed
#: on as soon as its end is read, and a connection lost mid-answer loses at most this
#: (fetched again on resume). 64 KiB reads retrieved a 300-image CT 1.4x slower here.
CHUNK = 1 << 20
#: What a query string leaves as it is (encodeURIComponent's set, and the ? wildcard).
SAFE = "-_.!~*'()?"


def load_requests() -> Any:
    """``requests``, imported quietly: without charset_normalizer (not shipped in the
    frozen app; DICOMweb is JSON and DICOM, never guessed text) it warns once."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*character detection dependency")
        import requests
    with _lock:
        for name in ("dicomweb_client", "urllib3", "requests"):
            logger = logging.getLogger(name)
            logger.propagate = False
            logger.setLevel(logging.CRITICAL)
    return requests


def where(node: DicomWebNode) -> str:
    return f"DICOMweb node {node.name!r} ({node.url})"


def _secret(node: DicomWebNode, path: Path | None, what: str) -> str:
    """The password or token in ``path``. On POSIX a file any account may read is
    refused (as ssh refuses such a key): the secret would be everyone's."""
    import os
    import stat

    assert path is not None
    try:
        if os.name == "posix" and path.stat().st_mode & stat.S_IROTH:
            raise NodeNotConfiguredError(
                f"{where(node)}: the {what} file {path} is readable by every account on "
                f"this computer; IT makes it readable by Lightbox's users only (chmod o-r "
                f"{path})")
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise NodeNotConfiguredError(
            f"{where(node)}: the {what} file {path} cannot be read "
            f"({exc.strerror or exc}); ask IT to check it and its permissions") from None
    if not text:
        raise NodeNotConfiguredError(f"{where(node)}: the {what} file {path} is empty")
    return text


def session(node: DicomWebNode, settings: Settings) -> Any:
    """A ``requests.Session`` for ``node`` alone (see the module's docstring)."""
    requests = load_requests()
    from urllib.parse import urljoin, urlsplit

    class NodeSession(requests.Session):  # type: ignore[misc,name-defined]
        def get_redirect_target(self, resp: Any) -> str | None:
            target: str | None = super().get_redirect_target(resp)
            if target:
                parts = urlsplit(urljoin(resp.url, target))
                port = parts.port or (443 if parts.scheme == "https" else 80)
                if (parts.scheme, parts.hostname, port) != (
                        node.scheme, node.host, node.port):
                    raise NodeFailureError(
                        f"{where(node)} redirected to another address "
                        f"({parts.scheme}://{parts.hostname}:{port}); Lightbox contacts "
                        "only the configured URL: ask IT to configure the address it "
                        "redirects to")
            return target

    http = NodeSession()
    http.trust_env = False
    http.max_redirects = 5
    http.verify = True
    if node.scheme == "https":
        http.mount("https://", _tls_adapter(requests, node, settings))
    if node.auth == "basic":
        http.auth = (node.username, _secret(node, node.password_file, "password"))
    elif node.auth == "bearer":
        http.headers["Authorization"] = "Bearer " + _secret(node, node.token_file, "token")
    return http


def _tls_adapter(requests: Any, node: DicomWebNode, settings: Settings) -> Any:
    """HTTPS that trusts the site's ``tls_ca_file`` alone when set, else the system's
    authorities (not a bundle shipped with requests), and presents this workstation's
    certificate when ``tls_cert_file`` and ``tls_key_file`` are both set."""
    import ssl

    try:
        context = ssl.create_default_context(
            cafile=str(settings.tls_ca_file) if settings.tls_ca_file else None)
        if settings.tls_cert_file and settings.tls_key_file:
            context.load_cert_chain(str(settings.tls_cert_file), str(settings.tls_key_file))
    except (OSError, ssl.SSLError) as exc:
        raise NodeNotConfiguredError(
            f"{where(node)}: the site's TLS files (tls_ca_file, tls_cert_file, "
            f"tls_key_file) cannot be used ({getattr(exc, 'strerror', None) or exc}); ask "
            "IT to check them") from None

    class SiteTLS(requests.adapters.HTTPAdapter):  # type: ignore[misc]
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            kwargs["ssl_context"] = context
            super().init_poolmanager(*args, **kwargs)

        def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
            conn.cert_reqs = "CERT_REQUIRED"  # the context's authorities, nothing added

    return SiteTLS()


def client(node: DicomWebNode, settings: Settings) -> DICOMwebClient:
    """A ``dicomweb_client`` client of ``node``, over :func:`session`, no retries."""
    if settings.dicomweb_nodes.get(node.name) != node:
        raise NodeNotConfiguredError(f"{where(node)} is not one the site configured: "
                                     "Lightbox contacts nothing else")
    http = session(node, settings)
    from dicomweb_client.api import DICOMwebClient

    timeout = settings.dicom_timeout_s
    web = DICOMwebClient(node.url, session=http, timeout=(timeout, timeout),
                         chunk_size=CHUNK)
    web.set_http_retry_params(retry=False)
    return web


def failure(node: DicomWebNode, settings: Settings, exc: BaseException,
            during: str = "the request") -> NetworkError:
    """The network error that says why ``exc`` (from requests) happened, and what to do."""
    requests = load_requests()
    errors = requests.exceptions
    at = where(node)
    timeout = settings.dicom_timeout_s
    if isinstance(exc, NetworkError):
        return exc
    if isinstance(exc, errors.HTTPError) and exc.response is not None:
        code = exc.response.status_code
        if code in (401, 403):
            how = {"none": "it asks for credentials and none are configured",
                   "basic": f"the user name {node.username!r} or its password was refused",
                   "bearer": "the token was refused (expired or wrong)"}[node.auth]
            if code == 403:
                how = "the credentials were accepted but do not allow " + during
            return AssociationRefusedError(
                f"{at} refused {during} (HTTP {code}): {how}; ask IT to check the node's "
                "auth, username and password or token file")
        if code == 404:
            return NodeFailureError(
                f"{at} answered 404 (not found) to {during}: the URL's path is probably "
                "not the DICOMweb service's base (e.g. http://pacs:8042/dicom-web), or the "
                "study is not there")
        if code >= 500:
            return NodeFailureError(f"{at} failed {during} (HTTP {code}): the service has "
                                    "a problem; try again later or ask its administrator")
        return NodeFailureError(f"{at} refused {during} (HTTP {code})")
    if isinstance(exc, errors.SSLError):
        return NodeUnreachableError(
            f"{at}: the TLS connection failed ({reason(exc)}): its certificate is not "
            "trusted by this workstation or does not name that host; IT sets tls_ca_file "
            "to the hospital's certificate authority")
    if isinstance(exc, errors.Timeout):
        return NodeTimeoutError(f"{at} did not answer {during} within {timeout:g} s: the "
                                "service is down or overloaded, or a firewall drops the "
                                "connection")
    if isinstance(exc, errors.ConnectionError):
        text = reason(exc)
        if "Name or service not known" in text or "getaddrinfo" in text:
            return NodeUnreachableError(f"{at}: the host name {node.host!r} is unknown on "
                                        "this network; check the site configuration")
        return NodeUnreachableError(f"{at} cannot be reached ({text}): the service is not "
                                    "running, or the URL's host or port is wrong")
    if isinstance(exc, errors.ChunkedEncodingError):
        return TransferBrokenError(f"the connection to {at} was lost during {during}; try "
                                   "again")
    if isinstance(exc, errors.RequestException | ValueError):
        return NodeFailureError(f"{at} sent an answer to {during} that is not DICOMweb "
                                f"({type(exc).__name__}): check the URL")
    raise exc


def reason(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, without the URL it repeats."""
    inner: BaseException = exc
    while inner.__context__ is not None and len(str(inner.__context__)) < len(str(inner)):
        inner = inner.__context__
    text = str(inner.args[0] if getattr(inner, "args", None) else inner)
    for marker in ("Errno", "CERTIFICATE_VERIFY_FAILED", "Connection refused", "timed out"):
        at = text.find(marker)
        if at >= 0:
            return text[max(0, at - 1):].strip("[( )]'\"")[:160]
    return text[-160:]


def search(web: DICOMwebClient, url: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """One QIDO-RS GET: the DICOM JSON matches. The query string is encoded as browsers'
    ``encodeURIComponent`` does (``*`` and ``?`` stay wildcards: some archives, Orthanc
    among them, do not decode ``%2A``), and not through the client's own builder."""
    from urllib.parse import quote

    query = "&".join(f"{key}={quote(str(v), safe=SAFE)}" for key, value in params.items()
                     for v in (value if isinstance(value, list | tuple) else [value]))
    response = web._session.get(f"{url}?{query}" if query else url, timeout=web._timeout,
                                headers={"Accept": "application/dicom+json"})
    response.raise_for_status()
    found = response.json() if response.content else []
    return [found] if isinstance(found, dict) else list(found)


def echo(node: DicomWebNode, settings: Settings) -> None:
    """The DICOMweb "echo": a QIDO-RS study search with ``limit=1`` answers."""
    web = client(node, settings)  # requests first, quietly (load_requests)
    from dicomweb_client.web import _Transaction

    try:
        search(web, web._get_studies_url(_Transaction.SEARCH),
               {"limit": 1, "includefield": "0020000D"})
    except Exception as exc:  # noqa: BLE001 - failure() names it or raises it again
        raise failure(node, settings, exc, "a search") from None


def filters(query: Query) -> dict[str, str]:
    """The QIDO-RS match keys of ``query`` (empty keys are not sent: they match all)."""
    keys = {"PatientName": query.patient_name, "PatientID": query.patient_id,
            "AccessionNumber": query.accession, "StudyDate": query.study_date.replace(" ", ""),
            "ModalitiesInStudy" if query.level == "study" else "Modality": query.modality}
    if query.level == "study":
        keys["StudyInstanceUID"] = query.study_uid
    return {k: v for k, v in keys.items() if v}


def find(node: DicomWebNode, query: Query, settings: Settings, limit: int | None = None,
         token: CancelToken | None = None) -> FindResult:
    """QIDO-RS ``query`` at ``node``: at most ``limit`` (default ``pacs_max_results``)
    matches, and whether it had more (one more is asked for, to know)."""
    from pydicom import Dataset

    query = query.checked()
    limit = limit or settings.pacs_max_results
    web = client(node, settings)  # requests first, quietly (load_requests)
    from dicomweb_client.web import _Transaction

    study = query.level == "series" and query.study_uid or None
    url = (web._get_studies_url(_Transaction.SEARCH) if query.level == "study"
           else web._get_series_url(_Transaction.SEARCH, study))
    params: dict[str, Any] = {
        "limit": limit + 1, **filters(query),
        "includefield": list(STUDY_FIELDS if query.level == "study" else SERIES_FIELDS)}
    try:
        found = search(web, url, params)
    except Exception as exc:  # noqa: BLE001 - failure() names it or raises it again
        raise failure(node, settings, exc, "the search") from None
    if token is not None and token.cancelled:
        raise Cancelled()
    matches: list[StudyMatch | SeriesMatch] = []
    for item in found:
        try:
            matches.append(_match(query.level, Dataset.from_json(item)))
        except (TypeError, ValueError, KeyError, AttributeError):
            log.warning("DICOMweb node %s sent a match that cannot be read; skipped",
                        node.name)
    more = len(matches) > limit
    log.info("QIDO-RS at node %s: %d match(es)%s", node.name, min(len(matches), limit),
             ", more not listed" if more else "")
    return FindResult(tuple(matches[:limit]), more, limit)
