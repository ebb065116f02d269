"""Studies the PACS pushes to this workstation (C-STORE to Lightbox's Storage SCP).

:func:`receive_pushes` opens the Storage SCP on the site's ``storage_port`` (only the
configured nodes' AE titles may store) for as long as the ``with`` block runs, and stores
whatever they send into the local store through the same checks and atomic writes as a
retrieve (:class:`~viewer.net.receiver.Receiver`, with no study imposed). ``lightbox pacs
listen`` is the command; the viewer receives pushes with :mod:`viewer.net.listener`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

from viewer.host.settings import Settings
from viewer.net.errors import NodeNotConfiguredError
from viewer.net.receiver import Progress, Receiver
from viewer.net.storage_scp import storage_scp
from viewer.net.store import LocalStore
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)


def listens_tls(settings: Settings) -> bool:
    """Whether pushes are received over TLS: when any configured node is a TLS node. The
    port then takes TLS only (a TLS node's studies never cross the network in the clear,
    and a plain node cannot push): a site with both kinds pushes from the TLS ones."""
    return any(node.tls for node in settings.dicom_nodes.values())


@contextlib.contextmanager
def receive_pushes(settings: Settings, *, store: LocalStore | None = None,
                   progress: Callable[[Progress], None] | None = None) -> Iterator[Receiver]:
    """Listen for pushed objects during the block; the receiver counts what came."""
    if not settings.dicom_nodes:
        raise NodeNotConfiguredError(
            "no DICOM node is configured, so none may send studies to this workstation "
            f"(site configuration: {settings.site_file}; see docs/pacs.md)")
    own = store is None
    store = store or LocalStore.of(settings)
    receiver = Receiver(store, None, None, 0, 0, CancelToken(), progress)
    receiver.start()
    try:
        with storage_scp(settings, receiver.on_store, tls=listens_tls(settings)):
            yield receiver
    finally:
        receiver.finish()
        for study in sorted(receiver.studies):
            store.sync(study)
        store.enforce_cache(set(receiver.studies))
        if own:
            store.close()
        log.info("pushed to this workstation: %d stored, %d already here, %d refused, "
                 "%d studies", receiver.stored, receiver.skipped, receiver.failed,
                 len(receiver.studies))
