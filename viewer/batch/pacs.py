"""A PACS node as a batch job's source (``lightbox batch --node NAME``, docs/batch.md).

The studies are listed by one study-level search of the node (C-FIND or QIDO-RS, through
:mod:`viewer.net.nodes` like every other caller), capped by the site's
``pacs_max_results`` (or ``--limit``): a query matching more is refused before anything
is retrieved, with the advice to narrow it. The driver then skips the studies the ledger
says are done, so **a finished study is never retrieved again**.

Each other study is retrieved in the driver, by one thread (``--retrieves N``: N, for a
C-GET or DICOMweb node), with the node's own retrieve (C-GET, C-MOVE through the Storage
SCP where IT set ``retrieve = "move"``, or WADO-RS), into a spool folder under DIR
(``batch-spool/<study UID>/``, the store's layout and checks, no study list, no cache), a
few studies ahead of the engine: its window plus the retrieves. The engine takes a study
only once it is there, and runs it exactly as a study of a folder (its files are the
spool's); when its outcome is recorded its spool folder is removed. So the spool never
holds more than that many studies, the node sees at most N retrieves at a time (a C-MOVE
node one: its Storage SCP is one port), the workers (pool or Ray) read local files and
never talk to the network, and nothing is kept beyond the job: the spool is emptied at
its end and at the start of the next one (a killed job's).

A retrieve that fails (the node refuses, goes away, sends part of the study) is the
study's failure (``retrieve_failed``, "retrieve failed: ..."), recorded like any other,
and the job goes on with the next study; the next run retries it (only the failed and
unfinished studies are listed to run).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import shutil
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from viewer.batch.job import Discovery, OnOutcome, Progress
from viewer.batch.tasks import (
    RETRIEVE_FAILED,
    StudyOutcome,
    StudyTask,
    TooManyStudiesError,
    study_folder_name,
)
from viewer.errors import Cancelled, LightboxError
from viewer.host.dicomweb_nodes import AnyNode
from viewer.host.settings import Settings
from viewer.net.query import Query, StudyMatch
from viewer.net.store import LocalStore, is_uid
from viewer.tasks.cancel import CancelToken

log = logging.getLogger(__name__)

#: The spool's folder under the job's DIR (shared storage, as DIR, for a Ray cluster).
SPOOL_DIR = "batch-spool"


class PacsSource:
    """The studies of ``node`` that match ``query``, as a job's source (job.StudySource)."""

    def __init__(self, node: AnyNode, query: Query, settings: Settings, out: Path, *,
                 limit: int | None = None, window: int = 1, retrieves: int = 1) -> None:
        """``window``: the most studies the engine has in flight; ``retrieves``: studies
        retrieved at once (1 for a C-MOVE node: one storage port)."""
        from viewer.net.nodes import protocol

        self.node, self.query, self.settings = node, query.checked(), settings
        self.limit = limit or settings.pacs_max_results
        self.spool = Path(out) / SPOOL_DIR
        self.retrieves = max(1, retrieves)
        # The engine's studies in flight, and one place per retrieve (being retrieved or
        # ready): the engine never waits on a full spool while only a study it runs could
        # free a place (no deadlock).
        self.ahead = max(1, window) + self.retrieves
        self.where = f"found on node {node.name} ({protocol(node)})"
        self._slots = threading.Semaphore(self.ahead)

    def discover(self) -> Discovery:
        from viewer.net.nodes import find

        result = find(self.node, self.query, self.settings, limit=self.limit)
        if result.more:
            raise TooManyStudiesError(
                f"more than {self.limit} studies match on node {self.node.name}; nothing "
                "ran: narrow the query (--date FROM-TO, --modality, --patient-id, "
                "--accession) and run one job per part into the same --out, or raise the "
                "cap with --limit N")
        found = Discovery()
        seen: set[str] = set()
        for match in result.matches:
            if not isinstance(match, StudyMatch) or match.study_uid in seen:
                continue
            seen.add(match.study_uid)
            if is_uid(match.study_uid):
                found.tasks.append(StudyTask(match.study_uid, (),
                                             study_folder_name(match.study_uid)))
            else:  # never a folder name; never asked for
                found.failed.append(StudyOutcome(
                    "(a study whose UID is not a DICOM UID)", "failed", RETRIEVE_FAILED,
                    "retrieve failed: the node lists a study UID that is not a DICOM UID"))
        return found

    @contextlib.contextmanager
    def feed(self, tasks: list[StudyTask], record: OnOutcome,
             progress: Progress) -> Iterator[Iterable[StudyTask]]:
        shutil.rmtree(self.spool, ignore_errors=True)  # a killed job's
        progress.retrieved = 0
        retriever = _Retriever(self, tasks, record, progress)
        try:
            yield retriever.ready()
        finally:
            retriever.stop()
            shutil.rmtree(self.spool, ignore_errors=True)

    def release(self, outcome: StudyOutcome) -> None:
        if is_uid(outcome.study_uid):
            shutil.rmtree(self.spool / outcome.study_uid, ignore_errors=True)
        self._slots.release()


class _Retriever:
    """``retrieves`` threads retrieving the studies in order, each once a spool place is
    free; the engine's thread takes them (and records the failed ones) from :meth:`ready`."""

    def __init__(self, source: PacsSource, tasks: list[StudyTask], record: OnOutcome,
                 progress: Progress) -> None:
        self.source, self.tasks, self.record, self.progress = source, tasks, record, progress
        self.items: queue.Queue[StudyTask | StudyOutcome | None] = queue.Queue()
        self.token = CancelToken()
        self.pending = iter(tasks)
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def ready(self) -> Iterator[StudyTask]:
        """The retrieved studies as the engine takes them; the threads start with the
        first (an engine that cannot start retrieves nothing)."""
        self.threads = [threading.Thread(target=self._retrieve_all, daemon=True,
                                         name=f"batch-retrieve-{n}")
                        for n in range(self.source.retrieves)]
        for thread in self.threads:
            thread.start()
        ended = 0
        while ended < len(self.threads):
            item = self.items.get()
            if item is None:
                ended += 1
            elif isinstance(item, StudyOutcome):
                self.record(item)  # counted by reason; the job goes on
            else:
                assert self.progress.retrieved is not None
                self.progress.retrieved += 1
                yield item

    def stop(self) -> None:
        """The job is over (or interrupted): the retrieves under way are cancelled, the
        threads end before the spool is removed."""
        self.token.cancel()
        for _ in range(len(self.tasks) + len(self.threads)):  # whatever they wait for
            self.source._slots.release()
        for thread in self.threads:
            thread.join()

    def _retrieve_all(self) -> None:
        try:
            while True:
                self.source._slots.acquire()
                with self.lock:
                    task = None if self.token.cancelled else next(self.pending, None)
                if task is None:
                    return
                item = self._retrieve(task)
                if item is None:
                    return
                self.items.put(item)
        finally:
            self.items.put(None)

    def _retrieve(self, task: StudyTask) -> StudyTask | StudyOutcome | None:
        from viewer.net.nodes import retrieve

        source, uid = self.source, task.study_uid
        store = LocalStore(source.spool, indexed=False)
        try:
            outcome = retrieve(source.node, source.settings, uid, token=self.token,
                               store=store)
            if not outcome.complete:
                missing = outcome.total - outcome.stored - outcome.skipped
                said = "; ".join(outcome.problems)
                return _failed(uid, f"{missing} of {outcome.total} images did not arrive"
                               + (f" ({said})" if said else ""))
            files = tuple(sorted(str(p) for p in store.study_dir(uid).glob("*/*.dcm")))
        except Cancelled:
            return None
        except (LightboxError, OSError) as exc:
            return _failed(uid, str(exc))
        except Exception as exc:  # noqa: BLE001 - one study's retrieve must not stop the job
            log.exception("a retrieve failed unexpectedly")
            return _failed(uid, f"an unexpected {type(exc).__name__}")
        return replace(task, files=files)


def _failed(study_uid: str, why: str) -> StudyOutcome:
    return StudyOutcome(study_uid, "failed", RETRIEVE_FAILED, f"retrieve failed: {why}")
