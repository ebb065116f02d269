"""The audit record of a send to the PACS: what went where, object by object.

A record with ``"event": "send"`` joins the same signed chain as the AI-run records (an
AI-run record has no ``event``): ``lightbox audit verify`` checks it the same way, field
for field. It names the node as IT configured it (name, AE title, host:port: the site's
data), who sent and when, how it ended, and per object its SOP class, the model (id,
version, digest) for an AI object, the node's answer — and, like the AI-run records, no
UID in the clear: the object's own instance, series and study UIDs and the series it refers
to are keyed hashes (:func:`viewer.audit.log.series_hash`, this install's key), which match
on this workstation and cannot be reversed elsewhere. No patient data.

Built by :func:`send_record` from plain values (``viewer.audit`` does not import the
network layer); the caller appends it with :meth:`viewer.audit.log.AuditLog.append`
before it reports the send as done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from viewer.audit.log import os_user, series_hash, utc_now

SEND_EVENT = "send"


@dataclass(frozen=True)
class SentObject:
    """One object of a send, as the audit keeps it (UIDs still in the clear here; they
    are hashed when the record is made)."""

    sop_class: str
    sop_instance: str
    series_uid: str
    study_uid: str
    references: tuple[str, ...]
    status: str  # sent | warning | failed | refused | not sent
    code: int | None = None
    detail: str = ""
    model: tuple[str, str, str] | None = None  # (id, version, digest)


@dataclass(frozen=True)
class SendRecord:
    """A send's audit record (:meth:`as_dict` is the JSON line's fields)."""

    node: str
    ae_title: str
    address: str  # host:port
    outcome: str  # ok | cancelled | error | refused
    objects: tuple[Mapping[str, Any], ...]
    duration_s: float
    message: str = ""
    trigger: str = "reader"  # reader | automatic (results_auto_send)
    time: str = ""
    user: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "event": SEND_EVENT,
            "node": self.node, "ae_title": self.ae_title, "address": self.address,
            "outcome": self.outcome, "message": self.message, "trigger": self.trigger,
            "objects": [dict(o) for o in self.objects],
            "sent": sum(1 for o in self.objects if o["status"] in ("sent", "warning")),
            "duration_s": round(self.duration_s, 4),
            "time": self.time or utc_now(), "user": self.user or os_user(),
        }


def send_record(node: str, ae_title: str, address: str, objects: Sequence[SentObject], *,
                outcome: str, duration_s: float, message: str = "",
                trigger: str = "reader") -> SendRecord:
    """The record of a send; raises :class:`~viewer.audit.signing.AuditError` when the
    install key (for the hashes) is damaged or cannot be made."""
    rows = []
    for o in objects:
        row: dict[str, Any] = {
            "sop_class": o.sop_class,
            "instance_hash": series_hash(o.sop_instance),
            "series_hash": series_hash(o.series_uid),
            "study_hash": series_hash(o.study_uid),
            "references": [series_hash(uid) for uid in o.references],
            "status": o.status,
        }
        if o.code is not None:
            row["code"] = f"0x{o.code:04X}"
        if o.detail:
            row["detail"] = o.detail
        if o.model is not None:
            row["model_id"], row["model_version"], row["model_digest"] = o.model
        rows.append(row)
    return SendRecord(node, ae_title, address, outcome, tuple(rows), duration_s, message,
                      trigger)
