"""What travels between the driver and a worker: plain, picklable data only (a process
pool and Ray both pickle it), so a worker on another machine needs nothing but the paths."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from viewer.errors import LightboxError

#: The reasons a study is not done, as the summary counts them.
NO_IMAGE = "no_image"
UNREADABLE = "unreadable_file"
OUTSIDE_INTENDED_USE = "outside_intended_use"
NOT_RUNNABLE = "cannot_run"
MODEL_UNAVAILABLE = "model_unavailable"
WORKER_DIED = "worker_died"
WRITE_FAILED = "write_failed"
UNEXPECTED = "unexpected_error"
RETRIEVE_FAILED = "retrieve_failed"

class EngineUnavailableError(LightboxError):
    """The engine cannot start (a Ray cluster that does not answer): nothing ran."""


class TooManyStudiesError(LightboxError):
    """A PACS query matched more studies than the job may take: nothing ran."""


_SAFE_UID = re.compile(r"^[0-9][0-9.]{0,63}$")


def study_folder_name(study_uid: str, files: tuple[str, ...] = ()) -> str:
    """The study's output folder under DIR: its UID (digits and dots, safe on every file
    system), else a hash of its files (plain images carry no UID)."""
    if _SAFE_UID.match(study_uid) and ".." not in study_uid:
        return study_uid
    key = study_uid or "\n".join(files)
    return "study-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class JobSpec:
    """The job's settings, the same for every study."""

    model_id: str
    model_folder: str
    digest: str
    out: str
    accept_warnings: bool = False
    dicom: bool = False
    all_frames: bool = False


@dataclass(frozen=True)
class StudyTask:
    study_uid: str
    files: tuple[str, ...]
    folder: str  # the study's output folder name under the job's DIR


@dataclass
class StudyOutcome:
    """How one study ended. ``status``: ``done`` or ``failed`` (``reason`` one of the
    names above, ``message`` in words). ``records``: the audit records of the run, which
    the driver appends (one audit writer per job)."""

    study_uid: str
    status: str
    reason: str = ""
    message: str = ""
    files: list[str] = field(default_factory=list)
    frames: int = 0
    records: list[Any] = field(default_factory=list)
    worker: int = 0  # the process id that ran it
    node: str = ""  # on a Ray cluster, the node that ran it (its name and id): the summary counts them
