"""Retrieve a study (or one series) from a configured node into the local store.

C-GET brings the images back on the association that asked for them; C-MOVE asks the
node to send them to Lightbox's own Storage SCP (:mod:`viewer.net.storage_scp`), opened
on the site's ``storage_port`` for the retrieve's duration and accepting only the
configured nodes' AE titles, or, when the viewer already listens there for pushes
(:mod:`viewer.net.listener`), that listener, which hands the study's images to this
retrieve.

Resumable by construction: the node is first asked which images the study (or series)
holds (C-FIND at image level), images already in the local store are skipped, a series
none of whose images are here is asked for whole, a series partly here image by image
(the missing ones only). The study carries a ``.partial`` marker until every listed image
is stored. Cancel (:class:`~viewer.tasks.cancel.CancelToken`), a lost connection, a
full disk or a node that stops answering leave complete files and the marker; running
the same retrieve again fetches the rest.

``progress`` is called after each image, from the receiver's writer thread (or
pynetdicom's, for an image refused or already here): it must be quick and must not block
(the UI hands it to its bridge).
"""

from __future__ import annotations

import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from viewer.errors import Cancelled
from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import Settings
from viewer.net.dimse import broke_off, make_ae, open_association
from viewer.net.errors import (
    NodeFailureError,
    QueryKeyError,
    TransferBrokenError,
)
from viewer.net.receiver import Progress, Receiver
from viewer.net.store import LocalStore, is_uid
from viewer.tasks.cancel import CancelToken

if TYPE_CHECKING:
    from pydicom import Dataset
    from pynetdicom.association import Association
    from pynetdicom.events import Event

log = logging.getLogger(__name__)

Method = Literal["get", "move"]
#: Transfer syntaxes Lightbox accepts images in: what its decoders read (io.pixels).
ACCEPTED_SYNTAXES = (
    "1.2.840.10008.1.2.1",  # Explicit VR Little Endian
    "1.2.840.10008.1.2",  # Implicit VR Little Endian
    "1.2.840.10008.1.2.1.99",  # Deflated Explicit VR Little Endian
    "1.2.840.10008.1.2.2",  # Explicit VR Big Endian
    "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51",  # JPEG baseline, extended
    "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",  # JPEG lossless
    "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81",  # JPEG-LS
    "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",  # JPEG 2000
    "1.2.840.10008.1.2.5",  # RLE
)
#: Most images one C-GET / C-MOVE at image level names (a list of UIDs in one key).
UIDS_PER_REQUEST = 100
#: A study listing longer than this is refused: no archive study holds more images.
MOST_IMAGES = 200_000


def node_method(node: DicomNode) -> Method:
    """How IT set the node to be retrieved from (``retrieve`` in its table)."""
    return "move" if node.retrieve == "move" else "get"


@dataclass(frozen=True)
class RetrieveOutcome:
    study_uid: str
    stored: int
    skipped: int
    failed: int
    total: int
    complete: bool
    problems: tuple[str, ...] = ()


def retrieve(node: DicomNode, settings: Settings, study_uid: str,
             series_uid: str | None = None, *, method: Method = "get",
             progress: Callable[[Progress], None] | None = None,
             token: CancelToken | None = None,
             store: LocalStore | None = None) -> RetrieveOutcome:
    """Bring the study (or one series of it) from ``node`` into the local store.

    Raises :class:`~viewer.errors.Cancelled` when ``token`` is cancelled, a
    :class:`~viewer.net.errors.NetworkError` when the node cannot be used or stops half
    way, :class:`~viewer.net.errors.LocalStoreError` when the store cannot take more;
    in every case what was stored stays, complete, and the study stays marked partial.
    """
    with retrieving_into(settings, store, study_uid, series_uid) as local:
        return _retrieve(node, settings, study_uid, series_uid, method, progress,
                         token or CancelToken(), local)


# --- what every retrieve shares, C-GET, C-MOVE and WADO-RS alike ------------------------


@contextlib.contextmanager
def retrieving_into(settings: Settings, store: LocalStore | None, study_uid: str,
                    series_uid: str | None) -> Iterator[LocalStore]:
    """The UIDs checked to be UIDs (they become folder names), and the store to use: the
    one given, or the site's, opened for this retrieve and closed after it."""
    for what, uid in (("study", study_uid), ("series", series_uid)):
        if uid is not None and not is_uid(uid):
            raise QueryKeyError(f"the {what} UID to retrieve is not a DICOM UID (digits "
                                "and dots, at most 64 characters)")
    own = store is None
    local = store or LocalStore.of(settings)
    try:
        yield local
    finally:
        if own:
            local.close()


def begin(store: LocalStore, study_uid: str, series_uid: str | None,
          listed: set[tuple[str, str]], strangers: int, token: CancelToken,
          progress: Callable[[Progress], None] | None) -> tuple[Receiver, set[tuple[str, str]]]:
    """Before a transfer: a killed retrieve's temporary files removed, and the receiver of
    this one with what is here already counted; returns it and the images still missing."""
    store.discard_leftovers(study_uid)
    here = store.instances(study_uid)
    missing = listed - here
    receiver = Receiver(store, study_uid, series_uid, len(listed) + strangers,
                        len(listed & here), token, progress, failed=strangers)
    if strangers:
        receiver.problems.append(
            f"the node lists {strangers} image(s) whose UIDs are not DICOM UIDs; they "
            "cannot be stored safely and are not retrieved")
    receiver._report()
    return receiver, missing


@contextlib.contextmanager
def transferring(store: LocalStore, study_uid: str, node_name: str,
                 receiver: Receiver) -> Iterator[None]:
    """Around the transfer itself: the study marked partial (it resumes after a crash),
    room made in the cache (the oldest studies first), and, however it ends, every image
    received on disk or dropped; the receiver's own failure (a full disk) raised after."""
    store.mark_partial(study_uid, node_name)
    store.enforce_cache({study_uid})
    receiver.start()
    try:
        yield
    finally:
        receiver.finish()
        store.sync(study_uid)
    if receiver.fatal is not None:
        raise receiver.fatal


def finish(store: LocalStore, study_uid: str, listed: set[tuple[str, str]], strangers: int,
           receiver: Receiver, how: str, node_name: str) -> RetrieveOutcome:
    """After it: the partial marker cleared when every listed image is here, the cache
    trimmed, and the outcome (logged without any patient data)."""
    left = listed - store.instances(study_uid)
    if not left:
        store.clear_partial(study_uid)
    store.enforce_cache({study_uid})
    outcome = RetrieveOutcome(study_uid, receiver.stored, receiver.skipped, receiver.failed,
                              receiver.total, not left and not strangers,
                              tuple(receiver.problems))
    log.info("%s from node %s: %d stored, %d already here, %d refused, %d listed%s",
             how, node_name, outcome.stored, outcome.skipped, outcome.failed, outcome.total,
             "" if outcome.complete else " (incomplete)")
    return outcome


def _retrieve(node: DicomNode, settings: Settings, study_uid: str, series_uid: str | None,
              method: Method, progress: Callable[[Progress], None] | None,
              token: CancelToken, store: LocalStore) -> RetrieveOutcome:
    from pynetdicom import build_role, evt

    from pynetdicom.sop_class import (  # type: ignore[attr-defined] # isort: skip
        StudyRootQueryRetrieveInformationModelFind as FindModel,
        StudyRootQueryRetrieveInformationModelGet as GetModel,
        StudyRootQueryRetrieveInformationModelMove as MoveModel,
    )

    if method == "move" and node.tls:
        from viewer.net.tls import server_context

        server_context(settings)  # its certificate files, before anything is asked or marked
    ae = make_ae(settings)
    ae.add_requested_context(FindModel)
    model = GetModel if method == "get" else MoveModel
    ae.add_requested_context(model)
    storage = storage_classes()
    if method == "get":
        for uid in storage[:128 - len(ae.requested_contexts)]:
            ae.add_requested_context(uid, ACCEPTED_SYNTAXES)
    roles = ([build_role(c.abstract_syntax, scp_role=True) for c in ae.requested_contexts
              if c.abstract_syntax in storage] if method == "get" else [])
    receiver: Receiver | None = None
    handlers: list[tuple[Any, Any]] = []

    def on_store(event: Event) -> int:
        assert receiver is not None
        return receiver.on_store(event)

    if method == "get":
        handlers.append((evt.EVT_C_STORE, on_store))
    with open_association(ae, node, settings, handlers=handlers, ext_neg=roles) as assoc:
        listed, strangers = _list_images(assoc, FindModel, node, settings, study_uid,
                                         series_uid)
        receiver, missing = begin(store, study_uid, series_uid, listed, strangers, token,
                                  progress)
        if missing:
            requests = list(_requests(study_uid, listed, missing))
            with transferring(store, study_uid, node.name, receiver):
                if method == "get":
                    _run(assoc, requests, model, receiver, node, token, move_to=None)
                else:
                    with _scp_for(settings, study_uid, on_store, tls=node.tls):
                        _run(assoc, requests, model, receiver, node, token,
                             move_to=settings.local_ae_title)
    return finish(store, study_uid, listed, strangers, receiver,
                  "C-GET" if method == "get" else "C-MOVE", node.name)


def _scp_for(settings: Settings, study_uid: str, on_store: Callable[[Event], int], *,
             tls: bool) -> contextlib.AbstractContextManager[None]:
    """Where the C-MOVE's images arrive: the listener already open on the storage port in
    this process (the viewer receiving pushes), routed to this retrieve; else a Storage
    SCP of the retrieve's own, for its duration (over TLS for a TLS node)."""
    from viewer.net.listener import running

    shared = running(settings)
    if shared is not None:
        return shared.routing(study_uid, on_store)
    from viewer.net.storage_scp import storage_scp

    return storage_scp(settings, on_store, tls=tls)


def storage_classes() -> list[str]:
    """The storage SOP classes a retrieve asks for, commonest first (128 contexts is
    the protocol's limit for one association)."""
    from pynetdicom import StoragePresentationContexts

    return [str(c.abstract_syntax) for c in StoragePresentationContexts]


def _list_images(assoc: Association, find_model: Any, node: DicomNode, settings: Settings,
                 study_uid: str, series_uid: str | None) -> tuple[set[tuple[str, str]], int]:
    """The (series, SOP instance) UIDs the node lists, and how many listed images have
    UIDs that are not UIDs (never asked for: they could not be stored safely)."""
    from pydicom import Dataset

    ds = Dataset()
    ds.QueryRetrieveLevel = "IMAGE"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid or ""
    ds.SOPInstanceUID = ""
    listed: set[tuple[str, str]] = set()
    strangers = 0
    for status, found in assoc.send_c_find(ds, find_model):
        code = getattr(status, "Status", None)
        if code is None:
            raise broke_off(node, settings, "the listing of the study's images")
        if code in (0xFF00, 0xFF01) and found is not None:
            series, sop = str(found.get("SeriesInstanceUID", "")), str(
                found.get("SOPInstanceUID", ""))
            if is_uid(series) and is_uid(sop):
                listed.add((series, sop))
            else:
                strangers += 1
            if len(listed) > MOST_IMAGES:
                raise NodeFailureError(f"DICOM node {node.name!r} lists more than "
                                       f"{MOST_IMAGES} images for one study")
        elif code not in (0x0000, 0xFF00, 0xFF01):
            raise NodeFailureError(
                f"DICOM node {node.name!r} ({node.address}) refused to list the study's "
                f"images (status 0x{code:04X})")
    if not listed and not strangers:
        raise NodeFailureError(f"DICOM node {node.name!r} ({node.address}) has no images "
                               "of that study" + (" and series" if series_uid else ""))
    return listed, strangers


def _requests(study_uid: str, listed: set[tuple[str, str]],
              missing: set[tuple[str, str]]) -> Iterator[Dataset]:
    """The identifiers to ask for: whole series where none is here, else the missing
    images in lists of :data:`UIDS_PER_REQUEST`."""
    from pydicom import Dataset

    by_series: dict[str, list[str]] = defaultdict(list)
    for series, sop in sorted(missing):
        by_series[series].append(sop)
    whole = {s for s, _ in listed}
    for series, sops in by_series.items():
        if len(sops) == sum(1 for s, _ in listed if s == series):
            ds = Dataset()
            ds.QueryRetrieveLevel = "SERIES"
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series
            yield ds
            continue
        assert series in whole
        for start in range(0, len(sops), UIDS_PER_REQUEST):
            ds = Dataset()
            ds.QueryRetrieveLevel = "IMAGE"
            ds.StudyInstanceUID = study_uid
            ds.SeriesInstanceUID = series
            ds.SOPInstanceUID = sops[start:start + UIDS_PER_REQUEST]
            yield ds


def _run(assoc: Association, requests: Iterable[Dataset], model: Any, receiver: Receiver,
         node: DicomNode, token: CancelToken, move_to: str | None) -> None:
    where = f"DICOM node {node.name!r} ({node.address})"
    for request in requests:
        responses = (assoc.send_c_get(request, model) if move_to is None
                     else assoc.send_c_move(request, move_to, model))
        for status, _ in responses:
            if token.cancelled:
                assoc.abort()
                raise Cancelled()
            if receiver.fatal is not None:
                assoc.abort()
                raise receiver.fatal
            code = getattr(status, "Status", None)
            if code is None:
                p = receiver.snapshot()
                raise TransferBrokenError(
                    f"the connection to {where} was lost or timed out after {p.done} of "
                    f"{p.total} images; what arrived is kept: retrieve again to fetch the "
                    "rest")
            if code in (0x0000, 0xFF00, 0xFE00, 0xB000):
                continue
            if code == 0xA801:
                raise NodeFailureError(
                    f"{where} does not know the destination {move_to!r}: ask the PACS "
                    f"administrator to add Lightbox's AE title {move_to!r} with this "
                    "workstation's address and storage port")
            if code >= 0xA700:  # sub-operations failed: the final count says what is missing
                problem = f"{where} reported that images could not be sent (status 0x{code:04X})"
                if move_to is not None:
                    problem += (f"; it may not reach this workstation at the address and "
                                f"port it has for {move_to!r} (check them there, and the "
                                "firewall), or use C-GET")
                if problem not in receiver.problems:
                    receiver.problems.append(problem)
                break
    if token.cancelled:
        raise Cancelled()
    if receiver.fatal is not None:
        raise receiver.fatal
