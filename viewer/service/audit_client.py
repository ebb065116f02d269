"""The same hash-chained audit log as the desktop, each record naming the calling client:
``key:<key id>`` (the first 12 hex digits of the key's hash), or ``peer:<address>`` where
no key is configured. Never the key, never patient data (series are keyed hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

    def __init__(self, log: AuditLog, client: str) -> None:
        super().__init__(log.path)
        self.client = client

    def append(self, record: Record) -> dict[str, Any]:
        return super().append(_WithClient(record, self.client))
