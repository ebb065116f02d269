"""A local, append-only record of every AI run (no patient data).

AuditLog(path=None).append(AuditRecord(...))   one JSON line per run, fsynced
AuditLog().records() -> list[dict]
series_hash(uid) -> str                         keyed hash of a series UID
audit_dir()    LIGHTBOX_AUDIT_DIR, else the site configuration, else per-user data
config_dir()   LIGHTBOX_CONFIG_DIR, else the per-user config folder
Records are hash-chained (viewer.audit.chain: verify_file, export_range); the command is
``lightbox audit verify|export`` (viewer.cli.audit).
"""

from viewer.audit.log import AuditLog, AuditRecord, audit_dir, config_dir, os_user, series_hash

__all__ = ["AuditLog", "AuditRecord", "audit_dir", "config_dir", "os_user", "series_hash"]
