"""C-STORE of Lightbox's results (SEG, SR, key images, annotations) to a configured node.

What goes is exactly the files Lightbox wrote (``lightbox infer --dicom``, the key-image
and annotation exports): each file's data set is sent as its bytes on disk, after the file
meta (pynetdicom's chunked send), never decoded and re-encoded, so the PACS receives what
the writer wrote. Only the kinds of object Lightbox writes may go (:data:`SENDABLE`):
Lightbox is not a way to forward a patient's images elsewhere.

One association carries them all: a presentation context per SOP class and transfer syntax
the objects have (that syntax only: a node that cannot take it refuses the context, and
the object is named as refused, not converted). Every object's answer is read: success, a
warning (the node coerced or dropped an element: stored all the same), a failure, no
context, no answer. A cancel stops between objects; the rest are "not sent". The node must
be one of the site's ``dicom_nodes`` (checked before any socket). Nothing of a patient
(names, IDs) reaches a log: messages name files, SOP classes and status codes.

The caller records the outcome in the audit log (``viewer.cli.pacs_send``): this layer
cannot import the audit and does not need to. Qt-free.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from viewer.errors import LightboxError
from viewer.host.dicom_nodes import DicomNode
from viewer.host.dicomweb_nodes import AnyNode
from viewer.host.settings import Settings
from viewer.net.dimse import make_ae, open_association
from viewer.net.errors import AssociationRefusedError, NetworkError, NodeNotConfiguredError
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

#: The SOP classes Lightbox writes, and so may send: name for messages and the audit.
SENDABLE: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.66.4": "Segmentation",
    "1.2.840.10008.5.1.4.1.1.88.34": "Comprehensive 3D SR",
    "1.2.840.10008.5.1.4.1.1.88.33": "Comprehensive SR",
    "1.2.840.10008.5.1.4.1.1.88.22": "Enhanced SR",
    "1.2.840.10008.5.1.4.1.1.88.59": "Key Object Selection",
    "1.2.840.10008.5.1.4.1.1.11.1": "Grayscale Softcopy Presentation State",
    "1.2.840.10008.5.1.4.1.1.7": "Secondary Capture",
}
#: The AI model named in a Lightbox AI object's Contribution Description.
_MODEL_PREFIX = "AI model "

Status = Literal["sent", "warning", "failed", "refused", "not sent"]


class SendFileError(LightboxError):
    """A file that cannot be sent: not DICOM, or not a kind of object Lightbox sends."""


@dataclass(frozen=True)
class SendObject:
    """One file to send, as its header says (read before anything is sent)."""

    path: Path
    sop_class: str
    sop_instance: str
    transfer_syntax: str
    study_uid: str
    series_uid: str
    #: The series the object is about (a SEG's source images, an SR's evidence).
    references: tuple[str, ...] = ()
    #: (model id, version, digest) for an AI object Lightbox wrote; None otherwise.
    model: tuple[str, str, str] | None = None

    @property
    def kind(self) -> str:
        return SENDABLE.get(self.sop_class, self.sop_class)


@dataclass(frozen=True)
class ObjectOutcome:
    """What became of one object: its status, the node's status code, why."""

    object: SendObject
    status: Status
    code: int | None = None
    detail: str = ""

    @property
    def stored(self) -> bool:
        return self.status in ("sent", "warning")


@dataclass(frozen=True)
class SendOutcome:
    """Every object's outcome, in order; ``error`` is why the association failed or
    broke (then the objects without an answer are "not sent")."""

    node: AnyNode
    objects: tuple[ObjectOutcome, ...]
    duration_s: float
    cancelled: bool = False
    error: str = ""
    refused: bool = False  # the node refused the association itself

    @property
    def ok(self) -> bool:
        return not self.cancelled and not self.error and all(o.stored for o in self.objects)

    @property
    def sent(self) -> int:
        return sum(o.stored for o in self.objects)

    def problems(self) -> list[str]:
        lines = [f"{o.object.path.name} ({o.object.kind}): {o.status}"
                 + (f" — {o.detail}" if o.detail else "")
                 for o in self.objects if o.status != "sent"]
        return ([self.error] if self.error else []) + lines


@dataclass(frozen=True)
class SendProgress:
    done: int
    total: int
    last: ObjectOutcome | None = field(default=None)


def read_objects(paths: Sequence[str | Path]) -> list[SendObject]:
    """Each file's header, or :class:`SendFileError` naming the first that cannot go."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    found = []
    for item in paths:
        path = Path(item)
        try:
            ds = pydicom.dcmread(path, stop_before_pixels=True)
        except FileNotFoundError:
            raise SendFileError(f"{path}: no such file") from None
        except (InvalidDicomError, OSError, ValueError, EOFError) as exc:
            raise SendFileError(f"{path} cannot be read as a DICOM file "
                                f"({type(exc).__name__})") from None
        meta = getattr(ds, "file_meta", None)
        syntax = str(getattr(meta, "TransferSyntaxUID", "") or "")
        sop_class = str(ds.get("SOPClassUID", "") or "")
        if not syntax or not getattr(meta, "MediaStorageSOPInstanceUID", None):
            raise SendFileError(f"{path} is not a DICOM file with a file meta header "
                                "(Part 10): Lightbox sends only the files it wrote")
        if sop_class not in SENDABLE:
            raise SendFileError(
                f"{path} is not a kind of object Lightbox sends back (SOP class "
                f"{sop_class or 'missing'}): only {', '.join(sorted(set(SENDABLE.values())))}")
        found.append(SendObject(
            path=path, sop_class=sop_class, sop_instance=str(ds.get("SOPInstanceUID", "")),
            transfer_syntax=syntax, study_uid=str(ds.get("StudyInstanceUID", "")),
            series_uid=str(ds.get("SeriesInstanceUID", "")),
            references=_references(ds), model=_model(ds)))
    return found


def _references(ds: object) -> tuple[str, ...]:
    """The series an object refers to: a SEG's or GSPS's ReferencedSeriesSequence, an
    SR's or KOS's evidence."""
    uids: list[str] = []

    def series_of(items: object) -> None:
        for item in items or ():  # type: ignore[attr-defined]
            uid = str(getattr(item, "SeriesInstanceUID", "") or "")
            if uid and uid not in uids:
                uids.append(uid)

    series_of(getattr(ds, "ReferencedSeriesSequence", None))
    for name in ("CurrentRequestedProcedureEvidenceSequence",
                 "StudiesContainingOtherReferencedInstancesSequence"):
        for study in getattr(ds, name, None) or ():
            series_of(getattr(study, "ReferencedSeriesSequence", None))
    return tuple(uids)


def _model(ds: object) -> tuple[str, str, str] | None:
    """(id, version, digest) from the Contributing Equipment Lightbox writes on AI objects
    (``viewer.inference.dicom_export.contributing_equipment``)."""
    for item in getattr(ds, "ContributingEquipmentSequence", None) or ():
        text = str(getattr(item, "ContributionDescription", "") or "")
        if not text.startswith(_MODEL_PREFIX):
            continue
        parts = [p.strip() for p in text[len(_MODEL_PREFIX):].split(";")]
        model_id = parts[0]
        digest = next((p[len("digest "):] for p in parts if p.startswith("digest ")), "")
        versions = getattr(item, "SoftwareVersions", None)
        version = str(versions[0] if isinstance(versions, Sequence) and not isinstance(
            versions, str) and versions else versions or "")
        return model_id, version, digest
    return None


def _check_configured(node: DicomNode, settings: Settings) -> None:
    if settings.dicom_nodes.get(node.name) != node:
        raise NodeNotConfiguredError(
            f"DICOM node {node.name!r} ({node.address}) is not one the site configured: "
            "Lightbox sends nothing to it")


def _status(code: int) -> Status:
    if code == 0x0000:
        return "sent"
    if code == 0x0001 or 0xB000 <= code <= 0xBFFF:
        return "warning"
    return "failed"


_MEANING = {0xA700: "out of resources", 0xA900: "data set does not match SOP class",
            0xB000: "coercion of data elements", 0xB006: "elements discarded",
            0xB007: "data set does not match SOP class", 0x0117: "invalid SOP instance",
            0x0122: "SOP class not supported", 0x0124: "not authorised",
            0x0111: "duplicate SOP instance"}


def _meaning(code: int) -> str:
    text = _MEANING.get(code) or _MEANING.get(code & 0xFF00) or (
        "cannot understand" if 0xC000 <= code <= 0xCFFF else "")
    return f"status 0x{code:04X}" + (f" ({text})" if text else "")


def send(node: DicomNode, settings: Settings, objects: Sequence[SendObject], *,
         progress: Callable[[SendProgress], None] | None = None,
         token: CancelToken | None = None) -> SendOutcome:
    """C-STORE ``objects`` to ``node`` over one association; every object's outcome.

    Raises :class:`NodeNotConfiguredError` (before any socket) for a node the site did not
    configure; every other failure is in the outcome, so that the caller can record what
    was and was not sent."""
    from pynetdicom import _config

    _check_configured(node, settings)
    if not objects:  # no association for nothing (pynetdicom cannot propose no context)
        return SendOutcome(node, (), 0.0)
    token = token or CancelToken()
    start = time.monotonic()
    # The file's data set goes as its bytes on disk: what the writer wrote, not re-encoded.
    _config.STORE_SEND_CHUNKED_DATASET = True
    ae = make_ae(settings)
    contexts = sorted({(o.sop_class, o.transfer_syntax) for o in objects})
    if len(contexts) > 128:
        raise SendFileError("more than 128 kinds of object in one send: send them in parts")
    for sop_class, syntax in contexts:
        ae.add_requested_context(sop_class, [syntax])
    done: list[ObjectOutcome] = []

    def finish(cancelled: bool = False, error: str = "", refused: bool = False) -> SendOutcome:
        rest = [ObjectOutcome(o, "not sent") for o in objects[len(done):]]
        return SendOutcome(node, (*done, *rest), time.monotonic() - start, cancelled,
                           error, refused)

    try:
        with open_association(ae, node, settings) as assoc:
            accepted = {(str(c.abstract_syntax), str(c.transfer_syntax[0]))
                        for c in assoc.accepted_contexts}
            for number, item in enumerate(objects, start=1):
                if token.cancelled:
                    return finish(cancelled=True)
                outcome = _store_one(assoc, item, accepted, number)
                done.append(outcome)
                if progress is not None:
                    progress(SendProgress(len(done), len(objects), outcome))
                if outcome.status == "failed" and outcome.code is None:
                    return finish(error=(
                        f"DICOM node {node.name!r} ({node.address}) broke off the transfer: "
                        f"{outcome.detail}"))
    except AssociationRefusedError as exc:
        return finish(error=str(exc), refused=True)
    except NetworkError as exc:
        return finish(error=str(exc))
    log.info("sent %d of %d object(s) to DICOM node %s", sum(o.stored for o in done),
             len(objects), node.name)
    return finish()


def _store_one(assoc: object, item: SendObject, accepted: set[tuple[str, str]],
               number: int) -> ObjectOutcome:
    if (item.sop_class, item.transfer_syntax) not in accepted:
        return ObjectOutcome(item, "refused", None,
                             f"the node does not accept {item.kind} objects in transfer "
                             f"syntax {item.transfer_syntax}")
    try:
        answer = assoc.send_c_store(item.path, msg_id=number % 65536)  # type: ignore[attr-defined]
    except (OSError, ValueError, AttributeError, RuntimeError) as exc:
        return ObjectOutcome(item, "failed", None, f"it could not be sent ({type(exc).__name__})")
    code = getattr(answer, "Status", None)
    if code is None:
        return ObjectOutcome(item, "failed", None,
                             "no answer (aborted, connection lost or timed out)")
    status = _status(int(code))
    return ObjectOutcome(item, status, int(code), "" if status == "sent" else _meaning(int(code)))
