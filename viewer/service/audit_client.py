"""The same hash-chained audit log as the desktop, each record naming the calling client:
``key:<key id>`` (the first 12 hex digits of the key's hash), or ``peer:<address>`` where
no key is configured. Never the key, never patient data (series are keyed hashes).

Every record goes through the service's one :class:`~viewer.audit.group.GroupCommit`:
requests that finish together share one write and one ``fsync``, and each is answered
only after its own record is durable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viewer.audit.group import GroupCommit
from viewer.audit.log import AuditLog, Record


@dataclass(frozen=True)
class _WithClient:
    record: Record
    client: str

    @property
    def outcome(self) -> str:
        return self.record.outcome

    def as_dict(self) -> dict[str, Any]:
        return {**self.record.as_dict(), "client": self.client}


class ClientAuditLog(AuditLog):
    """:class:`AuditLog` whose every record carries ``client``."""

    def __init__(self, log: AuditLog, client: str, group: GroupCommit) -> None:
        super().__init__(log.path)
        self.client, self.group = client, group

    def append(self, record: Record) -> dict[str, Any]:
        return self.group.append(AuditLog(self.path), _WithClient(record, self.client))
