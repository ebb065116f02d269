"""The job's memory in DIR: one small file per finished study, keyed by the study UID and
the model's digest, written atomically after the study's outputs and its audit record.
A study with a ledger file is never run again by the same model; a study killed mid-run
has none, so the next run redoes it (its outputs are rewritten whole, under the same
names). A new version of the model (another digest) runs every study again."""

from __future__ import annotations

import hashlib
import json
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
