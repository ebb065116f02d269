"""Lightbox's Storage SCP: the port nodes send C-MOVE results and pushed studies to.

Opened on the site's ``storage_port`` (all interfaces: the node connects from the
hospital network) only while something needs it: a C-MOVE retrieve, ``lightbox pacs
listen``, or the viewer running with ``receive_pushes`` (:mod:`viewer.net.listener`,
which a C-MOVE retrieve then uses instead of opening the port a second time); over TLS
when the node it serves is a TLS node (:func:`viewer.net.tls.server_context`). Lightbox's
AE title is the only called AE title it answers to and the configured nodes' AE titles
the only callers it accepts (with TLS, the TLS nodes only, their certificate verified);
anything else is refused at association, and an object from any other caller is never
stored. Each received object goes to the handler given
(:class:`viewer.net.receiver.Receiver` or the listener), which checks and stores it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from viewer.host.settings import Settings
from viewer.net.dimse import make_ae
from viewer.net.errors import NetworkError

if TYPE_CHECKING:
    from pynetdicom.events import Event
    from pynetdicom.transport import ThreadedAssociationServer

log = logging.getLogger(__name__)


def caller_of(event: Event) -> str:
    """The calling AE title of the association an event belongs to."""
    return str(event.assoc.requestor.ae_title).strip()


def serve(settings: Settings, on_store: Callable[[Event], int], *,
          handlers: Sequence[tuple[Any, Any]] = (),
          tls: bool = False) -> ThreadedAssociationServer:
    """Start listening (on pynetdicom's threads); ``shutdown()`` the server to stop. With
    ``tls`` it speaks DICOM over TLS only, and only TLS nodes may store. Raises
    :class:`NetworkError` when the port cannot be opened (another program)."""
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
        if caller_of(event) not in allowed:
            return 0xC211  # the association check already refuses; never store a stranger's
        return on_store(event)

    try:
        server = ae.start_server(("", settings.storage_port), block=False,
                                 evt_handlers=[(evt.EVT_C_STORE, accept_known),
                                               *handlers],
                                 ssl_context=ssl_context)
    except OSError as exc:
        raise NetworkError(
            f"Lightbox cannot listen on its storage port {settings.storage_port} "
            f"({exc.strerror or exc}): another program uses it (another Lightbox, "
            "lightbox pacs listen), or the site's storage_port needs changing; C-GET "
            "retrieves work without it") from exc
    assert server is not None  # block=False returns the server
    log.info("storage SCP listening on port %d%s", settings.storage_port,
             " (TLS)" if tls else "")
    return server


@contextlib.contextmanager
def storage_scp(settings: Settings, on_store: Callable[[Event], int], *,
                tls: bool = False) -> Iterator[None]:
    """A listening Storage SCP for the duration of the ``with`` block (``tls``: see
    :func:`serve`)."""
    server = serve(settings, on_store, tls=tls)
    try:
        yield
    finally:
        server.shutdown()
        log.info("storage SCP closed")
