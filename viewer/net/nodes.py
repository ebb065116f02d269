"""One dispatch for both kinds of node: DICOM (DIMSE) and DICOMweb.

Every caller (``lightbox pacs``, ``infer --send``, the self-test, the Search PACS window,
"Send AI results to PACS") names a node; :func:`node_named` finds it among the site's
``dicom_nodes`` and ``dicomweb_nodes`` (one namespace), and :func:`echo`, :func:`find`,
:func:`retrieve` and :func:`send` run the protocol that node speaks, with the same
arguments, results and errors either way. Importing this module imports no network
library: each protocol's module imports its own when it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from viewer.host.dicomweb_nodes import AnyNode, DicomWebNode
from viewer.host.settings import Settings
from viewer.net.errors import NodeNotConfiguredError
from viewer.net.query import FindResult, Query
from viewer.net.receiver import Progress
from viewer.net.retrieve import RetrieveOutcome
from viewer.net.send import SendObject, SendOutcome, SendProgress
from viewer.net.store import LocalStore
from viewer.tasks.cancel import CancelToken


def configured(settings: Settings) -> Mapping[str, AnyNode]:
    """Every node the site configured, by name (the DICOM ones first)."""
    return {**settings.dicom_nodes, **settings.dicomweb_nodes}


def protocol(node: AnyNode) -> str:
    """How the node is spoken to, for messages and listings."""
    return "DICOMweb" if isinstance(node, DicomWebNode) else "DICOM"


def node_named(settings: Settings, name: str | None) -> AnyNode:
    """The configured node ``name`` (the user's ``default_node`` when None)."""
    nodes = configured(settings)
    if not nodes:
        raise NodeNotConfiguredError(
            "no DICOM or DICOMweb node is configured: IT lists them in the site "
            f"configuration ({settings.site_file}), [dicom_nodes.NAME] or "
            "[dicomweb_nodes.NAME] tables (see docs/pacs.md)")
    chosen = name or settings.default_node
    if chosen is None:
        raise NodeNotConfiguredError(
            f"name the node to use: one of {', '.join(sorted(nodes))}")
    if chosen not in nodes:
        raise NodeNotConfiguredError(
            f"no node named {chosen!r} is configured; the configured ones are "
            f"{', '.join(sorted(nodes))}")
    return nodes[chosen]


def echo(node: AnyNode, settings: Settings) -> None:
    """C-ECHO, or a QIDO-RS search with limit 1: the node answers, or an error."""
    if isinstance(node, DicomWebNode):
        from viewer.net import web

        web.echo(node, settings)
    else:
        from viewer.net import dimse

        dimse.echo(node, settings)


def find(node: AnyNode, query: Query, settings: Settings, limit: int | None = None,
         token: CancelToken | None = None) -> FindResult:
    """C-FIND or QIDO-RS (see :func:`viewer.net.query.find`)."""
    if isinstance(node, DicomWebNode):
        from viewer.net import web

        return web.find(node, query, settings, limit=limit, token=token)
    from viewer.net import query as dimse_query

    return dimse_query.find(node, query, settings, limit=limit, token=token)


def retrieve(node: AnyNode, settings: Settings, study_uid: str,
             series_uid: str | None = None, *, move: bool = False,
             progress: Callable[[Progress], None] | None = None,
             token: CancelToken | None = None,
             store: LocalStore | None = None) -> RetrieveOutcome:
    """WADO-RS, or the DICOM node's own retrieve (C-GET, or C-MOVE where IT set it or
    ``move``): see :func:`viewer.net.retrieve.retrieve`."""
    if isinstance(node, DicomWebNode):
        from viewer.net import wado

        return wado.retrieve(node, settings, study_uid, series_uid, progress=progress,
                             token=token, store=store)
    from viewer.net.retrieve import node_method
    from viewer.net.retrieve import retrieve as dimse_retrieve

    return dimse_retrieve(node, settings, study_uid, series_uid,
                          method="move" if move else node_method(node),
                          progress=progress, token=token, store=store)


def send(node: AnyNode, settings: Settings, objects: Sequence[SendObject], *,
         progress: Callable[[SendProgress], None] | None = None,
         token: CancelToken | None = None) -> SendOutcome:
    """STOW-RS or C-STORE of results (see :func:`viewer.net.send.send`)."""
    if isinstance(node, DicomWebNode):
        from viewer.net import stow

        return stow.send(node, settings, objects, progress=progress, token=token)
    from viewer.net import send as dimse_send

    return dimse_send.send(node, settings, objects, progress=progress, token=token)
