"""The one Storage SCP of a running Lightbox: studies pushed to it, and C-MOVE results.

``lightbox pacs listen`` and the viewer with ``receive_pushes`` keep one listener open on
the site's ``storage_port`` (:mod:`viewer.net.storage_scp`: only the configured nodes'
AE titles may store). A C-MOVE retrieve in the same process must not open that port a
second time (the second bind would fail): while a listener runs, the retrieve registers
its own receiver for its study (:meth:`Listener.routing`) and the listener hands that
study's objects to it; every other object is a push.

A push has no announced size: each association a node opens is one delivery. The first
object of a study in it marks the study partial (``LocalStore.mark_receiving``: the study
list shows it incomplete), each object is checked and written by the same
:class:`~viewer.net.receiver.Receiver` as a retrieve's, and when the node closes the
association the writer is drained, the files made durable, the mark removed and
:class:`Arrival` reported (``on_arrival``, from pynetdicom's thread: quick, no blocking;
the viewer hands it to its bridge). ``on_arrival`` also hears each image as it lands
(``done`` False), so an open study can fill in.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from viewer.host.settings import Settings
from viewer.net.errors import LocalStoreError, NodeNotConfiguredError
from viewer.net.receiver import Progress, Receiver
from viewer.net.storage_scp import caller_of, serve
from viewer.net.store import LocalStore
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from pynetdicom.events import Event
    from pynetdicom.transport import ThreadedAssociationServer

log = logging.getLogger(__name__)
_running_lock = threading.Lock()
_running: Listener | None = None


def running(settings: Settings) -> Listener | None:
    """The listener open in this process on ``settings``' storage port, if any."""
    with _running_lock:
        found = _running
    if found is not None and found.port == settings.storage_port:
        return found
    return None


@dataclass(frozen=True)
class Arrival:
    """Images of one pushed study landed so far (``done``: its association ended)."""

    study_uid: str
    node: str  # the configured node's name (its AE title if several share it)
    images: int  # stored now or already here
    done: bool
    patient_name: str = ""
    failed: int = 0


@dataclass
class _Delivery:
    """One association of a node pushing to us."""

    node: str
    receiver: Receiver
    names: dict[str, str]  # study → patient name, from its first object
    #: Studies already partial before this delivery (a retrieve that stopped short):
    #: they stay so, the next retrieve completes them.
    partial_before: set[str] = field(default_factory=set)


class Listener:
    """Open :meth:`start`, close :meth:`stop` (both safe from any thread)."""

    def __init__(self, settings: Settings, *, store: LocalStore | None = None,
                 on_arrival: Callable[[Arrival], None] | None = None) -> None:
        if not settings.dicom_nodes:
            raise NodeNotConfiguredError(
                "no DICOM node is configured, so none may send studies to this workstation "
                f"(site configuration: {settings.site_file}; see docs/pacs.md)")
        self.settings = settings
        self.port = settings.storage_port
        self._own_store = store is None
        self.store = store or LocalStore.of(settings)
        self._on_arrival = on_arrival
        self._lock = threading.Lock()
        self._routes: dict[str, Callable[[Event], int]] = {}
        self._deliveries: dict[int, _Delivery] = {}
        self._server: ThreadedAssociationServer | None = None
        self._names = {node.ae_title: name for name, node in
                       sorted(settings.dicom_nodes.items(), reverse=True)}
        #: Totals over every delivery since start (what ``lightbox pacs listen`` prints).
        self.stored = self.skipped = self.failed = 0
        self.studies: set[str] = set()

    @property
    def listening(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Listen; :class:`~viewer.net.errors.NetworkError` when the port is taken."""
        global _running
        from pynetdicom import evt

        from viewer.net.push import listens_tls

        # As `lightbox pacs listen`: TLS only when any node is a TLS node (docs/pacs.md).
        self._server = serve(self.settings, self._on_store,
                             handlers=[(evt.EVT_CONN_CLOSE, self._closed)],
                             tls=listens_tls(self.settings))
        with _running_lock:
            _running = self

    def stop(self) -> None:
        """Close the port (a delivery under way is aborted, what landed is kept); idempotent."""
        global _running
        with _running_lock:
            if _running is self:
                _running = None
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()  # aborts the open associations: their close ends them
            log.info("storage SCP closed")
        with self._lock:
            left = list(self._deliveries)
        for key in left:
            self._end(key)
        if self._own_store:
            self.store.close()

    @contextlib.contextmanager
    def routing(self, study_uid: str, on_store: Callable[[Event], int]) -> Iterator[None]:
        """During the block, objects of ``study_uid`` go to ``on_store`` (a retrieve's)."""
        with self._lock:
            self._routes[study_uid] = on_store
        try:
            yield
        finally:
            with self._lock:
                self._routes.pop(study_uid, None)

    # -- pynetdicom's threads --------------------------------------------------------------

    def _on_store(self, event: Event) -> int:
        try:
            study = str(event.dataset.get("StudyInstanceUID", ""))
        except Exception:  # noqa: BLE001 - the receiver refuses it with the reason
            study = ""
        with self._lock:
            route = self._routes.get(study)
            delivery = None if route is not None else self._delivery(event)
        if route is not None:
            return route(event)
        assert delivery is not None
        if study and study not in delivery.names:
            try:
                delivery.names[study] = str(event.dataset.get("PatientName", "") or "")
                if self.store.is_partial(study):
                    delivery.partial_before.add(study)  # its marker stays as it is
                else:
                    self.store.mark_receiving(study, delivery.node)
            except (LocalStoreError, ValueError):
                pass  # a UID that is not one: the receiver refuses the object and says so
            except Exception:  # noqa: BLE001 - a broken name: the receiver decides
                log.warning("a pushed object's header could not be read", exc_info=True)
        return delivery.receiver.on_store(event)

    def _delivery(self, event: Event) -> _Delivery:
        key = id(event.assoc)
        found = self._deliveries.get(key)
        if found is None:
            caller = caller_of(event)
            node = self._names.get(caller, caller)
            receiver = Receiver(self.store, None, None, 0, 0, CancelToken(),
                                lambda p: self._landed(key, p))
            receiver.start()
            found = self._deliveries[key] = _Delivery(node, receiver, {})
        return found

    def _landed(self, key: int, _progress: Progress) -> None:
        if self._on_arrival is None:
            return
        delivery = self._deliveries.get(key)
        if delivery is None:
            return
        for study, count in list(delivery.receiver.images.items()):
            self._on_arrival(Arrival(study, delivery.node, count, False,
                                     delivery.names.get(study, "")))

    def _closed(self, event: Event) -> None:
        self._end(id(event.assoc))

    def _end(self, key: int) -> None:
        with self._lock:
            delivery = self._deliveries.pop(key, None)
        if delivery is None:
            return
        receiver = delivery.receiver
        receiver.finish()
        with self._lock:
            self.stored += receiver.stored
            self.skipped += receiver.skipped
            self.failed += receiver.failed
            self.studies |= set(delivery.names)
        for study in sorted(set(delivery.names) - delivery.partial_before):
            try:
                self.store.clear_partial(study)
            except (LocalStoreError, OSError, ValueError) as exc:
                log.warning("a pushed study could not be completed: %s", exc)
        self.store.enforce_cache(set(delivery.names))
        for problem in receiver.problems:
            log.warning("push from %s: %s", delivery.node, problem)
        if receiver.fatal is not None:
            log.warning("push from %s: %s", delivery.node, receiver.fatal)
        log.info("pushed by %s: %d stored, %d already here, %d refused, %d studies",
                 delivery.node, receiver.stored, receiver.skipped, receiver.failed,
                 len(delivery.names))
        if self._on_arrival is not None:
            for study in sorted(delivery.names):
                images = receiver.images.get(study, 0)
                if images:
                    self._on_arrival(Arrival(study, delivery.node, images, True,
                                             delivery.names[study], receiver.failed))
