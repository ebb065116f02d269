"""One association with one configured node, and C-ECHO.

:func:`open_association` is the only way this package connects to anything: it takes a
:class:`~viewer.host.dicom_nodes.DicomNode` from the settings (never a free host name),
applies the site's timeout and, for a ``tls = true`` node, DICOM over TLS
(:mod:`viewer.net.tls`), and turns every way an association can fail into an error
that names the cause: refused by the node (with the node's reason), nothing listening,
unknown host, no answer in time, and for TLS the handshake's cause (an untrusted or
misnamed certificate, a plain node, a certificate the node requires). pynetdicom reports those by logging them, not by
raising, so its log is kept out of the application log (it can quote a whole data set at
debug level) and the reason is read from the few records that carry it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import Settings
from viewer.net.errors import (
    AssociationRefusedError,
    NodeFailureError,
    NodeNotConfiguredError,
    NodeTimeoutError,
    NodeUnreachableError,
    TransferBrokenError,
)

if TYPE_CHECKING:
    from pynetdicom import AE
    from pynetdicom.association import Association

log = logging.getLogger(__name__)
_quiet_lock = threading.Lock()
_reasons: list[str] = []


class _Reasons(logging.Handler):
    """Keeps pynetdicom's rejection reason (its only report of it), drops the rest."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(("Reason: ", "Result: ")):
            _reasons.append(message)
            del _reasons[:-4]


def quiet_pynetdicom() -> None:
    """pynetdicom's records never reach the application log: at debug level they hold
    whole data sets (names, birth dates). Idempotent."""
    with _quiet_lock:
        logger = logging.getLogger("pynetdicom")
        if not any(isinstance(h, _Reasons) for h in logger.handlers):
            logger.addHandler(_Reasons())
        logger.propagate = False
        logger.setLevel(logging.ERROR)


def node_named(settings: Settings, name: str | None) -> DicomNode:
    """The configured node ``name`` (the user's ``default_node`` when None)."""
    nodes = settings.dicom_nodes
    if not nodes:
        raise NodeNotConfiguredError(
            "no DICOM node is configured: IT lists them in the site configuration "
            f"({settings.site_file}), [dicom_nodes.NAME] tables (see docs/pacs.md)")
    chosen = name or settings.default_node
    if chosen is None:
        raise NodeNotConfiguredError(
            f"name the node to use: one of {', '.join(sorted(nodes))}")
    if chosen not in nodes:
        raise NodeNotConfiguredError(
            f"no DICOM node named {chosen!r} is configured; the configured ones are "
            f"{', '.join(sorted(nodes))}")
    return nodes[chosen]


def make_ae(settings: Settings) -> AE:
    """This workstation's Application Entity, with the site's timeouts."""
    from pynetdicom import AE

    quiet_pynetdicom()
    ae = AE(ae_title=settings.local_ae_title)
    timeout = settings.dicom_timeout_s
    ae.connection_timeout = timeout
    ae.acse_timeout = timeout
    ae.dimse_timeout = timeout
    ae.network_timeout = timeout
    ae.maximum_associations = 4
    return ae


@contextlib.contextmanager
def open_association(ae: AE, node: DicomNode, settings: Settings, *,
                     handlers: Sequence[tuple[Any, Any]] = (),
                     ext_neg: Sequence[Any] = ()) -> Iterator[Association]:
    """An established association with ``node`` (released, or aborted after an error,
    on leaving). Raises the error that names why there is none."""
    tls_args = None
    if node.tls:
        from viewer.net.tls import client_context

        tls_args = (client_context(settings), node.host)  # checks the site's files first

    def associate() -> Association:
        del _reasons[:]
        return ae.associate(node.host, node.port, ae_title=node.ae_title,
                            evt_handlers=list(handlers), ext_neg=list(ext_neg) or None,
                            tls_args=tls_args)

    assoc = associate()
    if not (assoc.is_established or assoc.is_rejected or _reasons) and node.tls and _probe(
            node, settings) is None:
        from viewer.net.tls import handshake_problem

        problem = handshake_problem(node, settings)
        if problem is not None:
            raise problem
    if not (assoc.is_established or assoc.is_rejected or _reasons) and _probe(
            node, settings) is None:
        # The node is there and answered nothing we saw: a rejection whose connection
        # closed before pynetdicom read it looks like this. Once more, to read why.
        assoc = associate()
    if not assoc.is_established:
        raise _why_not(node, settings, assoc.is_rejected or any(
            r.startswith("Reason: ") for r in _reasons))
    log.info("association with DICOM node %s (%s)", node.name, node.address)
    try:
        yield assoc
    except BaseException:
        assoc.abort()
        raise
    else:
        if assoc.is_established:
            assoc.release()


def _why_not(node: DicomNode, settings: Settings, rejected: bool) -> Exception:
    where = f"DICOM node {node.name!r} ({node.address})"
    if rejected:
        reason = next((r[len("Reason: "):] for r in _reasons if r.startswith("Reason: ")),
                      "no reason given")
        return AssociationRefusedError(
            f"{where} refused to talk to this workstation ({reason}): check that the node "
            f"knows Lightbox's AE title {settings.local_ae_title!r} and that "
            f"{node.ae_title!r} is the node's own AE title")
    # pynetdicom says only "unable to connect": find out why, by the same address.
    timeout = settings.dicom_timeout_s
    return _probe(node, settings) or NodeTimeoutError(
        f"{where} accepted the connection but did not answer the association request "
        f"within {timeout:g} s: is it a DICOM node, on this port?")


def _probe(node: DicomNode, settings: Settings) -> Exception | None:
    """Why a plain TCP connection to the node fails, or None when it succeeds."""
    where = f"DICOM node {node.name!r} ({node.address})"
    timeout = settings.dicom_timeout_s
    try:
        with socket.create_connection((node.host, node.port), timeout=timeout):
            pass
    except socket.gaierror:
        return NodeUnreachableError(
            f"{where}: the host name {node.host!r} is unknown on this network; check the "
            "site configuration or the workstation's name resolution")
    except TimeoutError:
        return NodeTimeoutError(
            f"{where} did not answer within {timeout:g} s: the node is down, or a firewall "
            "drops the connection")
    except OSError as exc:
        return NodeUnreachableError(
            f"{where} cannot be reached ({exc.strerror or exc}): the node is not running "
            "or the port is wrong")
    return None


def broke_off(node: DicomNode, settings: Settings, during: str) -> TransferBrokenError:
    """The error for an association that ended without a final answer. pynetdicom does
    not say whether the node aborted it, the connection dropped or the wait timed out, so
    the message names the three, and the usual cause of an immediate abort."""
    return TransferBrokenError(
        f"DICOM node {node.name!r} ({node.address}) broke off {during}: it aborted the "
        f"association, the connection was lost, or it did not answer within "
        f"{settings.dicom_timeout_s:g} s. Try again; if it happens at once every time, the "
        f"node may not let Lightbox's AE title {settings.local_ae_title!r} search or "
        "retrieve: ask its administrator to add it")


def echo(node: DicomNode, settings: Settings) -> None:
    """C-ECHO: the node is reachable and talks DICOM to this workstation, or an error."""
    from pynetdicom.sop_class import Verification  # type: ignore[attr-defined]

    ae = make_ae(settings)
    ae.add_requested_context(Verification)
    with open_association(ae, node, settings) as assoc:
        status = assoc.send_c_echo()
        code = getattr(status, "Status", None)
        if code is None:
            raise NodeTimeoutError(f"DICOM node {node.name!r} ({node.address}) did not "
                                   "answer the echo")
        if code != 0x0000:
            raise NodeFailureError(f"DICOM node {node.name!r} ({node.address}) answered "
                                   f"the echo with status 0x{code:04X}")
