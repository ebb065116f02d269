"""Lightbox's Storage SCP: the port a node sends C-MOVE results to.

Opened only while a C-MOVE retrieve (or ``viewer.net.push.receive_pushes``) runs, on the site's ``storage_port`` (all interfaces:
the node connects from the hospital network), over TLS when the node it serves is a
TLS node (:func:`viewer.net.tls.server_context`), with Lightbox's AE title as the only called
AE title it answers to and the configured nodes' AE titles as the only callers it
accepts; anything else is refused at association. Each received object goes to the
handler the retrieve gave (:class:`viewer.net.receiver.Receiver`), which checks and
stores it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from viewer.host.settings import Settings
from viewer.net.dimse import make_ae
from viewer.net.errors import NetworkError

if TYPE_CHECKING:
    from pynetdicom.events import Event

log = logging.getLogger(__name__)


@contextlib.contextmanager
def storage_scp(settings: Settings, on_store: Callable[[Event], int], *,
                tls: bool = False) -> Iterator[None]:
    """A listening Storage SCP for the duration of the ``with`` block; with ``tls``, it
    speaks DICOM over TLS only, and only TLS nodes (their certificate verified) may
    store."""
    from pynetdicom import AllStoragePresentationContexts, evt

    from viewer.net.retrieve import ACCEPTED_SYNTAXES

    ssl_context = None
    if tls:
        from viewer.net.tls import server_context

        ssl_context = server_context(settings)
    ae = make_ae(settings)
    for context in AllStoragePresentationContexts:
        if context.abstract_syntax is not None:
            ae.add_supported_context(context.abstract_syntax, ACCEPTED_SYNTAXES)
    ae.require_called_aet = True
    allowed = sorted({node.ae_title for node in settings.dicom_nodes.values()
                      if node.tls or not tls})
    ae.require_calling_aet = allowed

    def accept_known(event: Event) -> int:
        if str(event.assoc.requestor.ae_title).strip() not in allowed:
            return 0xC211  # the association check already refuses; never store a stranger's
        return on_store(event)

    try:
        server = ae.start_server(("", settings.storage_port), block=False,
                                 evt_handlers=[(evt.EVT_C_STORE, accept_known)],
                                 ssl_context=ssl_context)
    except OSError as exc:
        raise NetworkError(
            f"Lightbox cannot listen on its storage port {settings.storage_port} "
            f"({exc.strerror or exc}): another program uses it, or the site's "
            "storage_port needs changing; C-GET retrieves work without it") from exc
    assert server is not None  # block=False returns the server
    log.info("storage SCP listening on port %d%s", settings.storage_port,
             " (TLS)" if tls else "")
    try:
        yield
    finally:
        server.shutdown()
        log.info("storage SCP closed")
