"""The DICOM nodes IT lets Lightbox talk to, as the site file states them, checked.

The site file (``lightbox.toml`` or a drop-in in ``conf.d``) lists each node as a table::

    local_ae_title = "LIGHTBOX_WS1"      # Lightbox's own AE title
    storage_port = 11112                 # where Lightbox's Storage SCP listens (C-MOVE)

    [dicom_nodes.pacs]
    ae_title = "ORTHANC"
    host = "pacs.hospital.local"
    port = 4242
    tls = false
    retrieve = "get"                     # or "move": how the viewer retrieves from it

These keys are the site's alone (``Key.user`` is false): a user's preferences file cannot
add a node, change one, or move Lightbox's port. With no ``dicom_nodes`` nothing in
``viewer.net`` runs and no socket is ever opened (tests/test_offline.py). A node with ``tls = true`` is reached over DICOM
TLS only, with the site's ``tls_ca_file``/``tls_cert_file``/``tls_key_file``
(``viewer.net.tls``).

Pure checks, no network: ``viewer.host.settings`` calls :func:`check_nodes` and
:func:`check_ae_title` the way it checks every other value. Qt-free.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

#: The default AE title of this workstation, and the port of its Storage SCP.
DEFAULT_AE_TITLE = "LIGHTBOX"
DEFAULT_STORAGE_PORT = 11112
#: The most matches a query shows before it asks to narrow the search.
DEFAULT_MAX_RESULTS = 500
#: Seconds to wait for a node to connect or to answer one message.
DEFAULT_TIMEOUT_S = 30
#: The size of the local cache of retrieved and received studies, in gigabytes (10⁹ bytes).
DEFAULT_CACHE_GB = 50.0

#: PS3.5 6.2: at most 16 characters of the default repertoire, no backslash, no control
#: characters, not only spaces.
_AE_TITLE = re.compile(r"[\x20-\x5b\x5d-\x7e]{1,16}")
#: A node's name as the commands take it: letters, digits, ``-``, ``_``, ``.``.
_NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: A host name (RFC 1123 labels) or an IPv4/IPv6 literal.
_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]{2,45}")
NODE_FIELDS = ("ae_title", "host", "port", "tls", "retrieve")
#: How studies are retrieved from a node: C-GET (no incoming port) or C-MOVE.
RETRIEVE_METHODS = ("get", "move")


@dataclass(frozen=True)
class DicomNode:
    """A DICOM node IT configured: a PACS, a modality, another workstation."""

    name: str
    ae_title: str
    host: str
    port: int
    tls: bool = False
    retrieve: str = "get"  # "get" or "move" (RETRIEVE_METHODS)

    @property
    def address(self) -> str:
        return f"{self.ae_title}@{self.host}:{self.port}"


def check_ae_title(value: Any) -> tuple[str | None, str]:
    """(the AE title, "") or (None, why it is not one)."""
    if isinstance(value, str) and _AE_TITLE.fullmatch(value) and value.strip():
        return value.strip(), ""
    return None, (f"must be an AE title: 1 to 16 characters (letters, digits, spaces, "
                  f"punctuation; no backslash), not {value!r}")


def check_port(value: Any) -> tuple[int | None, str]:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value, ""
    return None, f"must be a TCP port number from 1 to 65535, not {value!r}"


def check_nodes(value: Any) -> tuple[dict[str, DicomNode] | None, str]:
    """The nodes by name, or (None, what is wrong with the first bad node): a mistake
    leaves Lightbox with no node at all, never with a half-understood one."""
    if not isinstance(value, dict):
        return None, ("must be tables, one per node: [dicom_nodes.pacs] with ae_title, "
                      "host, port (and tls = false)")
    nodes: dict[str, DicomNode] = {}
    titles: dict[str, str] = {}
    for name, table in value.items():
        where = f"node {name!r}"
        if not isinstance(name, str) or not _NODE_NAME.fullmatch(name):
            return None, (f"has the node name {name!r}: use letters, digits, '-', '_' "
                          "or '.' (up to 64), starting with a letter or digit")
        if not isinstance(table, dict):
            return None, f"{where} must be a table with ae_title, host and port"
        unknown = sorted(set(table) - set(NODE_FIELDS))
        if unknown:
            return None, (f"{where} has unknown field(s) {', '.join(map(repr, unknown))} "
                          f"(known: {', '.join(NODE_FIELDS)})")
        missing = [f for f in ("ae_title", "host", "port") if f not in table]
        if missing:
            return None, f"{where} lacks {', '.join(missing)}"
        title, reason = check_ae_title(table["ae_title"])
        if title is None:
            return None, f"{where}: ae_title {reason}"
        host = table["host"]
        if not isinstance(host, str) or not _HOST.fullmatch(host.strip()):
            return None, f"{where}: host must be a host name or IP address, not {host!r}"
        port, reason = check_port(table["port"])
        if port is None:
            return None, f"{where}: port {reason}"
        tls = table.get("tls", False)
        if not isinstance(tls, bool):
            return None, f"{where}: tls must be true or false, not {tls!r}"
        retrieve = table.get("retrieve", "get")
        if retrieve not in RETRIEVE_METHODS:
            return None, (f"{where}: retrieve must be \"get\" (C-GET) or \"move\" "
                          f"(C-MOVE to Lightbox's storage port), not {retrieve!r}")
        if title in titles:
            return None, (f"{where} has the AE title {title!r} of node {titles[title]!r}: "
                          "each node needs its own, so that a received object's sender is "
                          "known")
        titles[title] = name
        nodes[name] = DicomNode(name, title, host.strip(), port, tls, retrieve)
    return nodes, ""
