"""The DICOMweb services IT lets Lightbox talk to, as the site file states them, checked.

A DICOMweb node is a base URL (QIDO-RS, WADO-RS and STOW-RS under it) and how to
authenticate to it::

    [dicomweb_nodes.web]
    url = "https://pacs.hospital.local/dicom-web"
    auth = "basic"                          # "none" (default), "basic" or "bearer"
    username = "lightbox"
    password_file = "secrets/pacs-password"  # relative to the site file

    [dicomweb_nodes.cloud]
    url = "https://archive.hospital.local/dicomweb"
    auth = "bearer"
    token_file = "/etc/lightbox/archive-token"

Secrets are never in the site file itself: that file must be readable by every account
that runs Lightbox (and is copied into tickets and backups), while a password or token
file is one IT can make readable to a group alone, and rotate without touching the site
policy. Lightbox reads it when the node is used (refusing, on POSIX, a file every
account may read), never logs it, and sends it only to the node's own host and port (a
redirect elsewhere is refused).

Node names share one namespace with ``dicom_nodes`` (``default_node`` and
``results_destination`` may name either kind): a name in both is a mistake
(``viewer.host.settings`` drops it and says so). These keys are the site's alone; a
mistake leaves Lightbox with no DICOMweb node at all. Pure checks, no network. Qt-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewer.host.dicom_nodes import DicomNode

NODE_FIELDS = ("url", "auth", "username", "password_file", "token_file")
AUTH_METHODS = ("none", "basic", "bearer")
_NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: scheme://host[:port][/path], host a name, an IPv4 or a bracketed IPv6 literal. A URL
#: parser of our own: this room imports no network library (tests/test_offline.py).
_URL = re.compile(r"(?P<scheme>https?)://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)"
                  r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[^?#\s]*)?", re.IGNORECASE)


def split_url(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a base URL this module accepted, or None."""
    match = _URL.fullmatch(url)
    if match is None:
        return None
    scheme = match["scheme"].lower()
    port = int(match["port"]) if match["port"] else (443 if scheme == "https" else 80)
    return scheme, match["host"].strip("[]").lower(), port


@dataclass(frozen=True)
class DicomWebNode:
    """A DICOMweb service IT configured (QIDO-RS, WADO-RS, STOW-RS under ``url``)."""

    name: str
    url: str  # without a trailing slash
    auth: str = "none"  # AUTH_METHODS
    username: str = ""
    password_file: Path | None = None
    token_file: Path | None = None

    @property
    def scheme(self) -> str:
        return (split_url(self.url) or ("http", "", 80))[0]

    @property
    def host(self) -> str:
        return (split_url(self.url) or ("http", "", 80))[1]

    @property
    def port(self) -> int:
        return (split_url(self.url) or ("http", "", 80))[2]

    @property
    def address(self) -> str:
        return self.url

    @property
    def ae_title(self) -> str:
        """DICOMweb has no AE title: "" (the audit record's field stays empty)."""
        return ""


#: A node of either kind, as the commands and the viewer take it.
AnyNode = DicomNode | DicomWebNode


def _file(value: Any, base: Path | None) -> Path | None:
    if not isinstance(value, str) or not value.strip():
        return None
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() or base is None else base / path


def check_url(value: Any) -> tuple[str | None, str]:
    """(the base URL without a trailing slash, "") or (None, why it is not one)."""
    if not isinstance(value, str):
        return None, f"url must be an http:// or https:// URL, not {value!r}"
    url = value.strip().rstrip("/")
    if not re.match(r"https?://", url, re.IGNORECASE):
        return None, (f"url must start with http:// or https:// and name a host, e.g. "
                      f"\"http://pacs:8042/dicom-web\", not {value!r}")
    if "@" in url.split("/", 3)[2]:
        return None, ("url may not hold a user name or password: use auth with username "
                      "and password_file")
    if "?" in url or "#" in url:
        return None, "url is the service's base URL: no '?query' or '#fragment'"
    parts = split_url(url)
    if parts is None or not parts[1] or not 1 <= parts[2] <= 65535:
        return None, f"url {value!r} is not a URL of a host (and port 1-65535)"
    return url, ""


def check_web_nodes(value: Any, base: Path | None = None,
                    ) -> tuple[dict[str, DicomWebNode] | None, str]:
    """The DICOMweb nodes by name, or (None, what is wrong with the first bad one): a
    mistake leaves Lightbox with none, never with a half-understood one. ``base``: the
    site file's folder, for credential files given relative to it."""
    if not isinstance(value, dict):
        return None, ("must be tables, one per node: [dicomweb_nodes.NAME] with url (and "
                      "auth)")
    nodes: dict[str, DicomWebNode] = {}
    for name, table in value.items():
        where = f"node {name!r}"
        if not isinstance(name, str) or not _NODE_NAME.fullmatch(name):
            return None, (f"has the node name {name!r}: use letters, digits, '-', '_' "
                          "or '.' (up to 64), starting with a letter or digit")
        if not isinstance(table, dict) or "url" not in table:
            return None, f"{where} must be a table with url"
        unknown = sorted(set(table) - set(NODE_FIELDS))
        if unknown:
            return None, (f"{where} has unknown field(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(NODE_FIELDS)})")
        url, reason = check_url(table["url"])
        if url is None:
            return None, f"{where}: {reason}"
        auth = table.get("auth", "none")
        if auth not in AUTH_METHODS:
            return None, (f"{where}: auth must be \"none\", \"basic\" or \"bearer\", not "
                          f"{auth!r}")
        username = table.get("username", "")
        password_file = _file(table.get("password_file"), base)
        token_file = _file(table.get("token_file"), base)
        if auth == "basic" and not (isinstance(username, str) and username.strip()
                                    and password_file is not None):
            return None, f"{where}: auth = \"basic\" needs username and password_file"
        if auth == "bearer" and token_file is None:
            return None, f"{where}: auth = \"bearer\" needs token_file"
        if auth != "basic" and ("username" in table or "password_file" in table):
            return None, f"{where}: username and password_file go with auth = \"basic\""
        if auth != "bearer" and "token_file" in table:
            return None, f"{where}: token_file goes with auth = \"bearer\""
        nodes[name] = DicomWebNode(name, url, auth, str(username).strip(),
                                   password_file if auth == "basic" else None,
                                   token_file if auth == "bearer" else None)
    return nodes, ""
