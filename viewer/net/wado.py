"""Retrieve a study (or one series) from a DICOMweb node with WADO-RS, as C-GET does.

The same store, the same checks, the same outcome as :mod:`viewer.net.retrieve`: the
node is first asked which images the study (or series) holds (QIDO-RS at instance
level), images already in the local store are skipped, a series none of whose images
is here is asked for whole (one WADO-RS request), a series partly here image by image
(the missing ones only). The study carries the ``.partial`` marker until every listed
image is stored.

The multipart answer is read as it arrives (``stream=True``: one part at a time is held,
never the whole series): each part's header is read to check its UIDs, then its bytes
(the file as the node sends it, transfer syntax as stored: ``transfer-syntax=*``) go to
the same :class:`~viewer.net.receiver.Receiver` a C-GET uses, whose one writer thread
stores each file atomically. A part that is not a DICOM file is refused and named; a
broken multipart body, a dropped connection or a timeout stop the retrieve with
:class:`~viewer.net.errors.TransferBrokenError`; what arrived stays, and the next
retrieve fetches the rest. ``progress`` and ``token`` as in :mod:`viewer.net.retrieve`.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from io import BytesIO
from typing import Any

from viewer.errors import Cancelled
from viewer.host.dicomweb_nodes import DicomWebNode
from viewer.host.settings import Settings
from viewer.net.errors import NodeFailureError, TransferBrokenError
from viewer.net.receiver import Progress, Receiver
from viewer.net.retrieve import (
    MOST_IMAGES,
    RetrieveOutcome,
    begin,
    finish,
    retrieving_into,
    transferring,
)
from viewer.net.store import LocalStore, is_uid
from viewer.net.web import client, failure, reason, search, where
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

#: Any transfer syntax: the file as the node stores it (Lightbox decodes them all).
ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*'


def retrieve(node: DicomWebNode, settings: Settings, study_uid: str,
             series_uid: str | None = None, *,
             progress: Callable[[Progress], None] | None = None,
             token: CancelToken | None = None,
             store: LocalStore | None = None) -> RetrieveOutcome:
    """Bring the study (or one series of it) from ``node`` into the local store; raises
    as :func:`viewer.net.retrieve.retrieve` does."""
    with retrieving_into(settings, store, study_uid, series_uid) as local:
        return _retrieve(node, settings, study_uid, series_uid, progress,
                         token or CancelToken(), local)


def _retrieve(node: DicomWebNode, settings: Settings, study_uid: str,
              series_uid: str | None, progress: Callable[[Progress], None] | None,
              token: CancelToken, store: LocalStore) -> RetrieveOutcome:
    web = client(node, settings)
    listed, strangers = _list_images(web, node, settings, study_uid, series_uid)
    receiver, missing = begin(store, study_uid, series_uid, listed, strangers, token,
                              progress)
    if missing:
        with transferring(store, study_uid, node.name, receiver):
            for url in _urls(web, study_uid, listed, missing):
                _fetch(web, url, node, settings, receiver, token)
    return finish(store, study_uid, listed, strangers, receiver, "WADO-RS", node.name)


def _list_images(web: Any, node: DicomWebNode, settings: Settings, study_uid: str,
                 series_uid: str | None) -> tuple[set[tuple[str, str]], int]:
    """(series, SOP instance) UIDs the node lists (QIDO-RS, instance level), and how
    many listed images have UIDs that are not UIDs."""
    from dicomweb_client.web import _Transaction

    try:
        found = search(web, web._get_instances_url(_Transaction.SEARCH, study_uid, series_uid),
                       {"includefield": ["0020000E", "00080018"]})
    except Exception as exc:  # noqa: BLE001 - failure() names it or raises it again
        raise failure(node, settings, exc, "the listing of the study's images") from None
    listed: set[tuple[str, str]] = set()
    strangers = 0
    for item in found:
        series, sop = _value(item, "0020000E"), _value(item, "00080018")
        if is_uid(series) and is_uid(sop):
            listed.add((series, sop))
        else:
            strangers += 1
        if len(listed) > MOST_IMAGES:
            raise NodeFailureError(f"{where(node)} lists more than {MOST_IMAGES} images "
                                   "for one study")
    if not listed and not strangers:
        raise NodeFailureError(f"{where(node)} has no images of that study"
                               + (" and series" if series_uid else ""))
    return listed, strangers


def _value(item: Any, tag: str) -> str:
    try:
        return str(item[tag]["Value"][0])
    except (KeyError, IndexError, TypeError):
        return ""


def _urls(web: Any, study_uid: str, listed: set[tuple[str, str]],
          missing: set[tuple[str, str]]) -> Iterator[str]:
    """Whole series where none is here, else each missing image."""
    from dicomweb_client.web import _Transaction

    by_series: dict[str, list[str]] = defaultdict(list)
    for series, sop in sorted(missing):
        by_series[series].append(sop)
    for series, sops in by_series.items():
        if len(sops) == sum(1 for s, _ in listed if s == series):
            yield web._get_series_url(_Transaction.RETRIEVE, study_uid, series)
        else:
            for sop in sops:
                yield web._get_instances_url(_Transaction.RETRIEVE, study_uid, series, sop)


def _fetch(web: Any, url: str, node: DicomWebNode, settings: Settings, receiver: Receiver,
           token: CancelToken) -> None:
    """One WADO-RS request, each part handed to the receiver as it is read."""
    requests = web._session  # the node's own session (viewer.net.web.session)
    at = where(node)
    try:
        response = requests.get(url, headers={"Accept": ACCEPT}, stream=True,
                                timeout=web._timeout)
        response.raise_for_status()
    except Exception as exc:  # noqa: BLE001 - failure() names it or raises it again
        raise failure(node, settings, exc, "the retrieve") from None
    kind = response.headers.get("Content-Type", "")
    with response:
        try:
            parts = (web._decode_multipart_message(response, stream=True)
                     if kind.lower().startswith("multipart/") else iter([response.content]))
            for part in parts:
                if token.cancelled:
                    raise Cancelled()
                if receiver.fatal is not None:
                    raise receiver.fatal
                _offer(bytes(part), receiver)
        except (Cancelled, NodeFailureError):
            raise
        except ValueError:
            receiver.finish()  # what was read is on disk before it is counted
            p = receiver.snapshot()
            raise TransferBrokenError(
                f"{at} sent a malformed multipart answer after {p.done} of {p.total} "
                "images; what arrived is kept: retrieve again to fetch the rest") from None
        except Exception as exc:  # noqa: BLE001 - requests' errors while streaming
            receiver.finish()  # what was read is on disk before it is counted
            if receiver.fatal is not None:
                raise receiver.fatal from None
            p = receiver.snapshot()
            raise TransferBrokenError(
                f"the connection to {at} was lost or timed out after {p.done} of "
                f"{p.total} images ({reason(exc)}); what arrived is kept: retrieve again to "
                "fetch the rest") from None


def _offer(data: bytes, receiver: Receiver) -> None:
    """Check one part's header and hand its bytes to the receiver."""
    import pydicom

    try:
        ds = pydicom.dcmread(BytesIO(data), stop_before_pixels=True,
                             specific_tags=["StudyInstanceUID", "SeriesInstanceUID",
                                            "SOPInstanceUID"])
        study, series, sop = (str(ds.get(k, "") or "") for k in
                              ("StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"))
    except Exception:  # noqa: BLE001 - whatever pydicom raises on a broken part
        receiver.refuse("a part that is not a readable DICOM file (malformed)", 0xC210)
        return
    if not all(is_uid(u) for u in (study, series, sop)):
        receiver.refuse("an object whose UIDs are not DICOM UIDs", 0xC210)
        return
    receiver.take(study, series, sop, lambda: data)
