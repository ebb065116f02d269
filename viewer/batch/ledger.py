"""The job's memory in DIR: one small file per finished study, keyed by the study UID and
the model's digest, written atomically after the study's outputs and its audit record.
A study with a ledger file is never run again by the same model; a study killed mid-run
has none, so the next run redoes it (its outputs are rewritten whole, under the same
names). A new version of the model (another digest) runs every study again.

Between the audit record and the ledger file a kill would leave a run that counted (it
is in the audit log) but is not in the ledger, and the next job would run and audit it
a second time. So, before its audit records are appended, a finished study gets an
*intent* (``KEY.pending``: the exact records, its files and frames); the ledger file
replaces it. A job that finds an intent looks for those records in the audit log: all
there, the study is finished (its ledger file is written now, nothing runs again); not
there, the intent is dropped and the study runs again. Audit records hold no patient
data, so neither does the intent."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from viewer.audit.log import utc_now
from viewer.host.files import write_atomic

LEDGER_DIR = "batch-ledger"


def ledger_key(study_uid: str, digest: str) -> str:
    return hashlib.sha256(f"{study_uid}\n{digest}".encode()).hexdigest()[:32]


class Ledger:
    def __init__(self, out: Path, digest: str) -> None:
        self.folder = Path(out) / LEDGER_DIR
        self.digest = digest

    def path(self, study_uid: str) -> Path:
        return self.folder / f"{ledger_key(study_uid, self.digest)}.json"

    def done(self, study_uid: str) -> bool:
        return self.path(study_uid).is_file()

    def intend(self, study_uid: str, model_id: str, files: list[str], frames: int,
               records: Sequence[dict[str, Any]]) -> None:
        """Before the study's audit records are appended: what :meth:`recover` needs."""
        self.folder.mkdir(parents=True, exist_ok=True)
        entry = {"study_uid": study_uid, "model": model_id, "files": files,
                 "frames": frames, "records": list(records)}
        write_atomic(self.path(study_uid).with_suffix(".pending"), json.dumps(entry) + "\n",
                     mode=0o600, durable=False)

    def recover(self, audited: Callable[[], Sequence[dict[str, Any]]]) -> int:
        """Settle the intents a killed job left, against the audit log's records (read
        only when there is an intent): a study whose records are all there is finished
        (marked now); any other runs again. Returns how many studies were marked."""
        marked = 0
        intents = sorted(self.folder.glob("*.pending")) if self.folder.is_dir() else []
        records = audited() if intents else []
        for pending in intents:
            try:
                entry = json.loads(pending.read_text(encoding="utf-8"))
                intended = entry["records"]
                counted = bool(intended) and all(
                    any(_holds(record, want) for record in records) for want in intended)
                if counted and not self.done(entry["study_uid"]):
                    self.mark(entry["study_uid"], entry["model"], entry["files"],
                              entry["frames"])
                    marked += 1
            except (OSError, ValueError, KeyError, TypeError):
                pass  # unreadable: the study simply runs again
            pending.unlink(missing_ok=True)
        return marked

    def mark(self, study_uid: str, model_id: str, files: list[str], frames: int) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        entry: dict[str, Any] = {"study_uid": study_uid, "model": model_id,
                                 "digest": self.digest, "frames": frames, "files": files,
                                 "time": utc_now()}
        # Atomic but not fsynced: a power cut may forget it (the study is then run again,
        # harmlessly), never leave it half-written; the outputs it vouches for were
        # written durably before it. Two fsyncs fewer per study in the driver.
        write_atomic(self.path(study_uid), json.dumps(entry, indent=1) + "\n", mode=0o600,
                     durable=False)
        self.path(study_uid).with_suffix(".pending").unlink(missing_ok=True)


def _holds(record: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether the audit log's ``record`` is the intended one (the log adds its chain
    fields to what was appended, and changes none of it)."""
    return all(key in record and record[key] == value for key, value in want.items())


@dataclass(frozen=True)
class FixedRecord:
    """An audit record whose fields (its time included) are fixed before it is appended,
    so the intent names exactly what the log will hold."""

    data: dict[str, Any]

    @property
    def outcome(self) -> str:
        return str(self.data.get("outcome", ""))

    def as_dict(self) -> dict[str, Any]:
        return dict(self.data)
