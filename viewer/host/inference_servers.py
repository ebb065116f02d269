"""The inference servers (``lightbox serve``) IT lets the viewer send a series to, checked.

The site file lists each server as a table::

    [inference_servers.gpu1]
    url = "https://ai.hospital.local:8443"
    api_key_file = "/etc/lightbox/gpu1.key"   # a file IT protects; holds the API key
    timeout_s = 300                           # the longest wait for one answer

TLS goes through the site's ``tls_ca_file`` (the server's certificate is verified and must
name the URL's host) and ``tls_cert_file``/``tls_key_file`` (offered when the server asks
for a client certificate: mutual TLS). These keys are the site's alone: a user's
preferences cannot add a server or point one elsewhere. With no ``inference_servers`` the
viewer's HTTP client is never imported and no connection is made (tests/test_offline.py).

Pure checks, no network: ``viewer.host.settings`` calls :func:`check_servers` the way it
checks every other value; a mistake leaves no server at all (never a half-read one).
Qt-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Seconds to wait for a server to connect or to answer one request (a run included).
DEFAULT_SERVER_TIMEOUT_S = 300.0
SERVER_FIELDS = ("url", "api_key_file", "timeout_s")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: scheme://host[:port][/]: a host name, an IPv4 address or a bracketed IPv6 one. Parsed
#: here by hand: viewer/host imports no network library, urllib included (test_offline).
_URL = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:\[(?P<ipv6>[0-9A-Fa-f:.]{2,45})\]"
                  r"|(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})))(?::(?P<port>\d{1,5}))?/?")


@dataclass(frozen=True)
class InferenceServer:
    """One ``lightbox serve`` IT configured: where it is, and how the viewer proves itself."""

    name: str
    scheme: str  # "http" | "https"
    host: str
    port: int
    api_key_file: Path | None = None
    timeout_s: float = DEFAULT_SERVER_TIMEOUT_S

    @property
    def address(self) -> str:
        """host:port, the only place the viewer connects to for this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.address}"


def _url(where: str, value: Any) -> tuple[tuple[str, str, int] | None, str]:
    if not isinstance(value, str) or not value.strip():
        return None, f"{where}: url must be a string like \"https://ai.hospital.local:8443\""
    text = value.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in ("http", "https"):
        return None, f"{where}: url must start with https:// (or http://), not {value!r}"
    if "@" in text:
        return None, (f"{where}: url must not hold a user or password; the key goes in "
                      "api_key_file")
    match = _URL.fullmatch(text)
    if match is None:
        return None, f"{where}: url must be only scheme://host[:port], not {value!r}"
    port = int(match["port"]) if match["port"] else (443 if scheme == "https" else 80)
    if not 1 <= port <= 65535:
        return None, f"{where}: url has the port {port}: use 1 to 65535"
    return (scheme, match["ipv6"] or match["host"], port), ""


def check_servers(value: Any, base: Path | None = None
                  ) -> tuple[dict[str, InferenceServer] | None, str]:
    """The servers by name, or (None, what is wrong with the first bad one). ``base``: the
    site file's folder (a relative ``api_key_file`` is read from there)."""
    if not isinstance(value, dict):
        return None, ("must be tables, one per server: [inference_servers.NAME] with url "
                      "(and api_key_file)")
    servers: dict[str, InferenceServer] = {}
    for name, table in value.items():
        where = f"server {name!r}"
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            return None, (f"has the server name {name!r}: use letters, digits, '-', '_' "
                          "or '.' (up to 64), starting with a letter or digit")
        if not isinstance(table, dict):
            return None, f"{where} must be a table with url (and api_key_file)"
        unknown = sorted(set(table) - set(SERVER_FIELDS))
        if unknown:
            return None, (f"{where} has unknown field(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(SERVER_FIELDS)})")
        if "url" not in table:
            return None, f"{where} lacks url"
        parsed, reason = _url(where, table["url"])
        if parsed is None:
            return None, reason
        key_file = table.get("api_key_file", "")
        if not isinstance(key_file, str):
            return None, f"{where}: api_key_file must be a file path in quotes"
        key_path = None
        if key_file.strip():
            key_path = Path(key_file.strip()).expanduser()
            if not key_path.is_absolute() and base is not None:
                key_path = base / key_path
        timeout = table.get("timeout_s", DEFAULT_SERVER_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) \
                or not 0 < timeout <= 3600:
            return None, (f"{where}: timeout_s must be a number of seconds above 0 and at "
                          f"most 3600, not {timeout!r}")
        scheme, host, port = parsed
        servers[name] = InferenceServer(name, scheme, host, port, key_path, float(timeout))
    return servers, ""
