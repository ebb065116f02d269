"""A local, append-only record of every AI run (no patient data).

AuditLog(path=None).append(AuditRecord(...))   one JSON line per run, fsynced
AuditLog().records() -> list[dict]
series_hash(uid) -> str                         keyed hash of a series UID
audit_dir() / config_dir()                      LIGHTBOX_AUDIT_DIR / LIGHTBOX_CONFIG_DIR
"""

from viewer.audit.log import AuditLog, AuditRecord, audit_dir, config_dir, os_user, series_hash

__all__ = ["AuditLog", "AuditRecord", "audit_dir", "config_dir", "os_user", "series_hash"]
