"""The driver of a batch job: find the studies, skip what the ledger says is done, hand
the rest to an engine, and record each outcome as it comes back — the audit records
first (one writer: this process), then the ledger, then the progress line. At the end a
summary of failures by reason, on stderr and in ``DIR/batch-summary-MODEL.json``.

Order matters for resumption: a study's outputs land (atomically, by its worker), then
its intent, its audit records (one write, one fsync), then its ledger file. A job killed
anywhere leaves each study either in the ledger, or with an intent whose records the
next job finds in the audit log (then marked finished: ledger.py), or neither (run
again, its outputs rewritten whole): its audit records are written once for each run
that counted.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TextIO

from viewer.audit.log import AuditLog, utc_now
from viewer.batch.ledger import FixedRecord, Ledger
from viewer.batch.tasks import (
    NO_IMAGE,
    UNREADABLE,
    JobSpec,
    StudyOutcome,
    StudyTask,
    study_folder_name,
)
from viewer.host.files import PART_SUFFIX, write_atomic

OnOutcome = Callable[[StudyOutcome], None]


class Engine(Protocol):
    """Runs :func:`viewer.batch.worker.run_study` for each task somewhere, calling
    ``on_outcome`` in this process as each study ends (in any order). ``tasks`` is read
    lazily (:class:`TaskQueue`): a PACS job retrieves each study only when it is taken."""

    name: str
    window: int  # the most studies it has in flight at once

    def run(self, spec: JobSpec, tasks: Iterable[StudyTask], on_outcome: OnOutcome) -> None: ...


class TaskQueue:
    """An engine's tasks, read from ``tasks`` one at a time as they are taken (taking
    one may wait for its study's retrieve), and the tasks to run again, taken first."""

    def __init__(self, tasks: Iterable[StudyTask]) -> None:
        self._source: Iterator[StudyTask] = iter(tasks)
        self._ready: list[StudyTask] = []

    def more(self) -> bool:
        if not self._ready:
            task = next(self._source, None)
            if task is not None:
                self._ready.append(task)
        return bool(self._ready)

    def take(self) -> StudyTask | None:
        return self._ready.pop(0) if self.more() else None

    def again(self, task: StudyTask) -> None:
        self._ready.insert(0, task)


@dataclass
class Discovery:
    tasks: list[StudyTask] = field(default_factory=list)
    failed: list[StudyOutcome] = field(default_factory=list)  # known before any run


def discover(source: Path) -> Discovery:
    """Every study under ``source`` (a folder tree or a DICOMDIR), read with the viewer's
    own scan; an unreadable file and a study without images are failures with a reason."""
    from viewer.io.scan import scan

    scanned = scan([source])
    found = Discovery()
    for study in scanned.studies:
        files = sorted({str(inst.path) for s in study.series for inst in s.instances})
        if not any(s.has_images for s in study.series):
            found.failed.append(StudyOutcome(study.uid, "failed", NO_IMAGE,
                                             "no image to run on (no series with pixels)"))
            continue
        folder = study_folder_name(study.uid, tuple(files))
        found.tasks.append(StudyTask(study.uid, tuple(files), folder))
    for problem in scanned.problems:
        where = _relative(problem.path, source)
        found.failed.append(StudyOutcome(where, "failed", UNREADABLE,
                                         problem.reason))
    return found


class StudySource(Protocol):
    """Where a job's studies come from: a folder tree or DICOMDIR (:class:`FolderSource`)
    or a PACS node (:class:`viewer.batch.pacs.PacsSource`)."""

    where: str  # for the job's first line: "with images under archive/"

    def discover(self) -> Discovery: ...

    def feed(self, tasks: list[StudyTask], record: OnOutcome,
             progress: Progress) -> contextlib.AbstractContextManager[Iterable[StudyTask]]:
        """The tasks as the engine will take them (with their files), for the job's
        duration; a study that cannot be made ready is a failure given to ``record``."""
        ...

    def release(self, outcome: StudyOutcome) -> None:
        """The study's outcome is recorded: what it held for the run can go."""
        ...


class FolderSource:
    """A folder tree or a DICOMDIR: the files are there already."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"with images under {path}"

    def discover(self) -> Discovery:
        return discover(self.path)

    @contextlib.contextmanager
    def feed(self, tasks: list[StudyTask], record: OnOutcome,
             progress: Progress) -> Iterator[Iterable[StudyTask]]:
        yield tasks

    def release(self, outcome: StudyOutcome) -> None:
        return None


def _remove_leftovers(folder: Path) -> None:
    """The atomic writer's temporary files left by a job killed mid-write (never a result:
    those are renamed into place whole)."""
    if folder.is_dir():
        for leftover in folder.glob(f".*{PART_SUFFIX}"):
            leftover.unlink(missing_ok=True)


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root if root.is_dir() else root.parent))
    except ValueError:
        return path.name


class Progress:
    """``batch: 12/40 studies, 1 failed, 3.4 studies/s, ETA 0:00:08`` on stderr: after the
    first study, then at most every ``EVERY_S`` seconds, and after the last (a job of
    40,000 studies writes a readable log, not 40,000 lines)."""

    EVERY_S = 1.0

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.stream = total, stream or sys.stderr
        self.done = self.failed = 0
        self.retrieved: int | None = None  # studies retrieved so far (a PACS job)
        self.started = self.shown = time.monotonic()

    def __call__(self, outcome: StudyOutcome) -> None:
        self.done += 1
        self.failed += outcome.status != "done"
        now = time.monotonic()
        if 1 < self.done < self.total and now - self.shown < self.EVERY_S:
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        eta = time.strftime("%H:%M:%S", time.gmtime(left))
        fetched = "" if self.retrieved is None else f"{self.retrieved} retrieved, "
        print(f"batch: {self.done}/{self.total} studies, {self.failed} failed, {fetched}"
              f"{rate:.2f} studies/s, ETA {eta}", file=self.stream, flush=True)


def _remove_empty(folder: Path) -> None:
    """Remove ``folder`` and the folders under it, only those that hold nothing."""
    for below, _dirs, _files in sorted(os.walk(folder), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            os.rmdir(below)


def run_job(spec: JobSpec, source: Path | StudySource, engine: Engine, audit: AuditLog,
            stream: TextIO | None = None) -> dict[str, Any]:
    """Run the job over ``source`` (a folder or DICOMDIR path, or a study source); returns
    the summary (also written to DIR). The audit log is checked before anything runs: a
    job whose runs cannot be recorded does not start."""
    stream = stream or sys.stderr
    studies = FolderSource(source) if isinstance(source, Path) else source
    audit.check()
    out = Path(spec.out)
    created = not os.path.lexists(out)
    out.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(out, spec.digest)
    try:
        ledger.recover(audit.records)  # a kill between a study's audit record and its ledger
        found = studies.discover()  # before any retrieve: a finished study is never fetched
    except BaseException:  # the PACS cannot be searched: no empty DIR left behind
        if created:
            _remove_empty(out)
        raise
    todo = [t for t in found.tasks if not ledger.done(t.study_uid)]
    for folder in [ledger.folder, *(out / t.folder for t in todo)]:
        _remove_leftovers(folder)
    skipped = len(found.tasks) - len(todo)
    print(f"batch: {len(found.tasks)} studies {studies.where}; {skipped} already "
          f"done (skipped), {len(todo)} to run on {engine.name}", file=stream, flush=True)
    outcomes: list[StudyOutcome] = list(found.failed)
    progress = Progress(len(todo), stream)
    started = time.monotonic()

    def record(outcome: StudyOutcome) -> None:
        fixed = [FixedRecord(rec.as_dict()) for rec in outcome.records]
        if outcome.status == "done":  # the intent first (ledger.py): a kill now reruns it
            ledger.intend(outcome.study_uid, spec.model_id, outcome.files, outcome.frames,
                          [f.data for f in fixed])
        if fixed:  # one audit writer: this process; one write and one fsync per study
            audit.append_many(fixed)
        if outcome.status == "done":
            ledger.mark(outcome.study_uid, spec.model_id, outcome.files, outcome.frames)
        outcomes.append(outcome)
        studies.release(outcome)
        progress(outcome)

    with studies.feed(todo, record, progress) as tasks:
        engine.run(spec, tasks, record)
    summary = _summary(spec, engine.name, len(found.tasks), skipped, outcomes,
                       time.monotonic() - started)
    write_atomic(out / f"batch-summary-{spec.model_id}.json",
                 json.dumps(summary, indent=2, ensure_ascii=False) + "\n", mode=0o600)
    _print_summary(summary, stream)
    return summary


def _summary(spec: JobSpec, engine: str, studies: int, skipped: int,
             outcomes: list[StudyOutcome], seconds: float) -> dict[str, Any]:
    failed = [o for o in outcomes if o.status != "done"]
    ran = [o for o in outcomes if o.status == "done"]
    return {
        "model": {"id": spec.model_id, "digest": spec.digest},
        "engine": engine,
        "finished": utc_now(),
        "studies": studies,
        "skipped_already_done": skipped,
        "done": len(ran),
        "failed": len(failed),
        "seconds": round(seconds, 3),
        "failures_by_reason": dict(Counter(o.reason for o in failed).most_common()),
        # on a Ray cluster: how many studies each node ran (the pool: absent)
        **({"done_by_node": dict(sorted(Counter(o.node for o in ran).items()))}
           if any(o.node for o in ran) else {}),
        "failures": [{"study": o.study_uid, "reason": o.reason, "message": o.message}
                     for o in sorted(failed, key=lambda o: (o.reason, o.study_uid))],
    }


def _print_summary(summary: dict[str, Any], stream: TextIO) -> None:
    print(f"batch: {summary['done']} done, {summary['skipped_already_done']} skipped (done "
          f"before), {summary['failed']} failed", file=stream)
    nodes = summary.get("done_by_node", {})
    if nodes:
        print(f"batch: done on {len(nodes)} node(s): "
              + ", ".join(f"{node} {count}" for node, count in nodes.items()), file=stream)
    for reason, count in summary["failures_by_reason"].items():
        print(f"  {reason}: {count}", file=stream)
        for failure in [f for f in summary["failures"] if f["reason"] == reason][:3]:
            print(f"    {failure['study']}: {failure['message']}", file=stream)
    stream.flush()
