"""HTTP to an inference server IT configured (``inference_servers``; docs/service.md).

The viewer's half of ``lightbox serve``'s ``/v1`` API, over the standard library's
``http.client``: no proxy from the environment (``http.client`` reads none, unlike
urllib), a timeout on every connection and answer (the server's ``timeout_s``), TLS with
the site's files (:func:`viewer.net.tls.client_context`: the server's certificate checked
against ``tls_ca_file`` and its host name; this workstation's certificate offered for
mutual TLS). The only host contacted is the configured server's host:port.

The API key is read from the site's ``api_key_file`` when a request is made and sent as
``Authorization: Bearer``; it is never logged, kept in an error or written anywhere.
Uploads are streamed from the files in chunks (multipart/form-data with a computed
Content-Length), never held whole in memory; a cancel between chunks closes the
connection. Every failure becomes a :class:`~viewer.net.errors.ServerError` naming the
server by its configured name and address and saying what to do. Qt-free.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from viewer.host.inference_servers import InferenceServer
from viewer.host.settings import Settings
from viewer.net.errors import (
    ServerAuthError,
    ServerError,
    ServerNotConfiguredError,
    ServerRefusedError,
    ServerUnreachableError,
)
from viewer.tasks.cancel import CancelToken

_CHUNK = 1 << 20
#: Called with (bytes sent, bytes in all) while an upload goes.
Sent = Callable[[int, int], None]


def server_named(settings: Settings, name: str) -> InferenceServer:
    server = settings.inference_servers.get(name)
    if server is None:
        known = ", ".join(sorted(settings.inference_servers)) or "none is configured"
        raise ServerNotConfiguredError(f"no inference server named {name!r} is configured; "
                                       f"the configured ones are {known}")
    return server


class ServerClient:
    """Requests to one configured server; each opens its own connection."""

    def __init__(self, server: InferenceServer, settings: Settings) -> None:
        self.server, self.settings = server, settings
        self.where = f"inference server {server.name} ({server.address})"

    # --- the API ----------------------------------------------------------------------

    def models(self) -> list[dict[str, Any]]:
        """``GET /v1/models``: every model the server lists, as it describes them."""
        answer = self._request("GET", "/v1/models")
        models = answer.get("models") if isinstance(answer, dict) else None
        if not isinstance(models, list):
            raise ServerRefusedError(f"{self.where} did not answer as lightbox serve does "
                                     "(no model list): is the url right?", "bad_answer")
        return [m for m in models if isinstance(m, dict)]

    def run(self, model_id: str, files: Sequence[Path], *, accept_warnings: bool,
            dicom: Sequence[str] = (), arrays: bool = False,
            cancel: CancelToken | None = None, sent: Sent | None = None) -> dict[str, Any]:
        """``POST /v1/models/{id}/run`` with ``files`` streamed as one multipart body
        (``arrays``: ask for the pixels too, ``?outputs=arrays``)."""
        query: dict[str, str] = {}
        if arrays:
            query["outputs"] = "arrays"
        if accept_warnings:
            query["accept_warnings"] = "true"
        if dicom:
            query["dicom"] = ",".join(dicom)
        path = f"/v1/models/{quote(model_id, safe='')}/run"
        if query:
            path += "?" + urlencode(query)
        boundary = uuid.uuid4().hex
        heads = [(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
                  f"filename=\"{i:06d}.dcm\"\r\nContent-Type: application/dicom\r\n\r\n"
                  ).encode("ascii") for i in range(len(files))]
        tail = f"--{boundary}--\r\n".encode("ascii")
        try:
            sizes = [p.stat().st_size for p in files]
        except OSError as exc:
            raise ServerError(f"an image of the series cannot be read for the upload to "
                              f"{self.where} ({exc.strerror or exc})") from exc
        total = sum(len(h) + s + 2 for h, s in zip(heads, sizes, strict=True)) + len(tail)

        def body() -> Iterator[bytes]:
            done = 0
            for head, path_ in zip(heads, files, strict=True):
                yield head
                with path_.open("rb") as f:
                    while chunk := f.read(_CHUNK):
                        if cancel is not None:
                            cancel.check()
                        done += len(chunk)
                        yield chunk
                        if sent is not None:
                            sent(done, total)
                yield b"\r\n"
            yield tail

        answer = self._request("POST", path, body(), total,
                               f"multipart/form-data; boundary={boundary}")
        if not isinstance(answer, dict):
            raise ServerRefusedError(f"{self.where} answered the run with no result",
                                     "bad_answer")
        return answer

    def check_files(self) -> None:
        """What can be checked without a network (the self-test): the key file reads, the
        TLS files make a context. Raises the error a call would meet."""
        self._key()
        if self.server.scheme == "https":
            from viewer.net.tls import client_context

            client_context(self.settings)

    # --- one request ------------------------------------------------------------------

    def _key(self) -> str | None:
        path = self.server.api_key_file
        if path is None:
            return None
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ServerAuthError(
                f"the API key of {self.where} cannot be read from the site's api_key_file "
                f"{path} ({getattr(exc, 'strerror', None) or type(exc).__name__}): IT must "
                "make it readable to Lightbox's users") from None
        if not key:
            raise ServerAuthError(f"the site's api_key_file {path} of {self.where} is empty")
        return key

    def _connection(self) -> http.client.HTTPConnection:
        server = self.server
        if server.scheme == "https":
            from viewer.net.tls import client_context

            return http.client.HTTPSConnection(server.host, server.port,
                                               timeout=server.timeout_s,
                                               context=client_context(self.settings))
        return http.client.HTTPConnection(server.host, server.port, timeout=server.timeout_s)

    def _request(self, method: str, path: str, body: Iterator[bytes] | None = None,
                 length: int = 0, content_type: str = "") -> Any:
        headers = {"Accept": "application/json", "User-Agent": "Lightbox"}
        key = self._key()
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        if body is not None:
            headers["Content-Type"] = content_type
            headers["Content-Length"] = str(length)
        connection = self._connection()
        try:
            # A server that answered early (413, 401) and closed: read its answer.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                connection.request(method, path, body=body, headers=headers,
                                   encode_chunked=False)
            reply = connection.getresponse()
            status, data = reply.status, reply.read()
        except ssl.SSLError as exc:
            raise self._tls(exc) from None
        except TimeoutError:
            raise ServerUnreachableError(
                f"{self.where} did not answer within {self.server.timeout_s:g} s: it is "
                "overloaded or down, or a firewall drops the connection") from None
        except socket.gaierror:
            raise ServerUnreachableError(
                f"{self.where}: the host name {self.server.host} is unknown on this "
                "network; check the site configuration") from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            if self.server.scheme == "https" and self.settings.tls_cert_file is None and \
                    isinstance(exc, http.client.RemoteDisconnected | ConnectionResetError):
                # TLS 1.3: a server that wants a client certificate closes after the
                # handshake, and the alert saying so is often lost with the connection.
                raise ServerUnreachableError(
                    f"{self.where} closed the connection: it requires this workstation's "
                    "certificate (mutual TLS), and the site gives none: IT sets "
                    "tls_cert_file and tls_key_file") from None
            raise ServerUnreachableError(
                f"{self.where} cannot be reached ({type(exc).__name__}): the server is not "
                "running, or the url is wrong") from None
        finally:
            connection.close()
        return self._answer(status, data)

    def _answer(self, status: int, data: bytes) -> Any:
        try:
            answer = json.loads(data) if data else None
        except ValueError:
            answer = None
        if 200 <= status < 300:
            if answer is None:
                raise ServerRefusedError(f"{self.where} answered with no JSON: is it "
                                         "lightbox serve?", "bad_answer", status)
            return answer
        problem = answer if isinstance(answer, dict) else {}
        reason = str(problem.get("reason", ""))
        message = str(problem.get("message", "")) or f"HTTP {status}"
        if status == 401:
            if self.server.api_key_file is None:
                raise ServerAuthError(f"{self.where} asks for an API key and the site gives "
                                      "none: IT sets api_key_file for it")
            raise ServerAuthError(f"{self.where} does not accept this workstation's API key "
                                  f"(from {self.server.api_key_file}): IT must give a key "
                                  "the server's service_api_keys lists")
        if status == 413:
            raise ServerRefusedError(f"{self.where} does not take a series this large "
                                     f"({message}): run it here, or IT raises the server's "
                                     "service_max_request_mb / service_max_instances",
                                     reason, status)
        if status >= 500:
            raise ServerRefusedError(f"{self.where} failed (HTTP {status}, "
                                     f"{reason or 'no reason'}): {message}", reason, status)
        raise ServerRefusedError(f"{self.where} refused the request (HTTP {status}, "
                                 f"{reason or 'no reason'}): {message}", reason, status,
                                 tuple(str(w) for w in problem.get("warnings") or ()))

    def _tls(self, exc: ssl.SSLError) -> ServerError:
        if isinstance(exc, ssl.SSLCertVerificationError):
            detail = str(exc.verify_message or exc.reason).rstrip(".")
            trusted = (f"the site's tls_ca_file {self.settings.tls_ca_file}"
                       if self.settings.tls_ca_file else "the system's authorities")
            return ServerUnreachableError(
                f"{self.where}: its certificate is not trusted by {trusted} or does not "
                f"name {self.server.host} ({detail}): IT must give the CA that issued it")
        reason = exc.reason or type(exc).__name__
        if self.settings.tls_cert_file is None and "CERTIFICATE_REQUIRED" in reason:
            return ServerUnreachableError(
                f"{self.where} closed the connection: it requires this workstation's "
                "certificate (mutual TLS), and the site gives none: IT sets "
                "tls_cert_file and tls_key_file")
        return ServerUnreachableError(f"{self.where}: the TLS handshake failed ({reason}); "
                                      "is it an https server on this port?")
