"""A local, append-only record of every AI run and every send to the PACS (no patient data).

AuditLog(path).append(AuditRecord(...))        one JSON line per run, fsynced
AuditLog(path).append(send_record(...))        one per send ("event": "send"; audit.sends)
AuditLog.of(settings)   the configured log: Settings.audit_dir (LIGHTBOX_AUDIT_DIR, else the
                        site configuration, else per-user data)
AuditLog(path).records() -> list[dict]
series_hash(uid) -> str                         keyed hash of a series UID
config_dir()   LIGHTBOX_CONFIG_DIR, else the per-user config folder
Records are signed and chained (viewer.audit.chain: verify_lines, export_lines; keys in
viewer.audit.signing); a record that cannot be written raises AuditError. The command is
``lightbox audit verify|export`` (viewer.cli.audit).
"""

from viewer.audit.log import AuditLog, AuditRecord, config_dir, log_name, os_user, series_hash
from viewer.audit.signing import AuditError

__all__ = ["AuditError", "AuditLog", "AuditRecord", "config_dir", "log_name", "os_user",
           "series_hash"]
