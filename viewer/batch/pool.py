"""The default engine: a local process pool (``concurrent.futures`` with the spawn
context: no fork of a process holding threads and ONNX Runtime sessions). Each worker
verifies the model once, before its first study, and reuses its session.

At most ``workers`` studies are in flight, so a worker that dies (killed, out of memory)
breaks only those: the pool is made again, each of them is retried once, and a study
whose worker dies twice is failed with the reason; the job goes on.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from viewer.batch.job import OnOutcome, TaskQueue
from viewer.batch.tasks import UNEXPECTED, WORKER_DIED, JobSpec, StudyOutcome, StudyTask
from viewer.batch.worker import run_study

#: A study whose worker died this many times is failed, not run again.
MAX_ATTEMPTS = 2


def _ignore_ctrl_c() -> None:
    """In each worker: Ctrl+C (sent to the whole process group) is the driver's to handle;
    a worker finishes its study and the driver records it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class PoolEngine:
    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or default_workers()
        self.window = self.workers
        self.name = f"a local pool of {self.workers} worker process(es)"

    def run(self, spec: JobSpec, tasks: Iterable[StudyTask], on_outcome: OnOutcome) -> None:
        with stop_on_ctrl_c() as stop:
            self._run(spec, TaskQueue(tasks), on_outcome, stop)
        if stop.is_set():
            raise KeyboardInterrupt

    def _run(self, spec: JobSpec, queue: TaskQueue, on_outcome: OnOutcome,
             stop: threading.Event) -> None:
        attempts: dict[str, int] = {}
        context = multiprocessing.get_context("spawn")
        while not stop.is_set() and queue.more():
            pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                       initializer=_ignore_ctrl_c)
            running: dict[Future[StudyOutcome], StudyTask] = {}
            try:
                while True:
                    while (not stop.is_set() and len(running) < self.workers
                           and (task := queue.take()) is not None):
                        running[pool.submit(run_study, spec, task)] = task
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    broken = False
                    for future in finished:
                        task = running.pop(future)
                        try:
                            outcome = future.result()
                        except BrokenProcessPool:
                            broken = True
                            attempts[task.study_uid] = attempts.get(task.study_uid, 0) + 1
                            if attempts[task.study_uid] < MAX_ATTEMPTS:
                                queue.again(task)  # retried in the next pool
                                continue
                            outcome = StudyOutcome(
                                task.study_uid, "failed", WORKER_DIED,
                                f"the worker process running it died {MAX_ATTEMPTS} times")
                        except Exception as exc:  # noqa: BLE001 - the pool's, not the study's
                            outcome = StudyOutcome(task.study_uid, "failed", UNEXPECTED,
                                                   f"the process pool: {type(exc).__name__}")
                        on_outcome(outcome)
                    if broken:
                        for future, task in running.items():  # in flight: retried too
                            future.cancel()
                            queue.again(task)
                        running.clear()
                        break
            except KeyboardInterrupt:  # Ctrl+C a second time: at once
                pool.shutdown(wait=False, cancel_futures=True)
                raise
            pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def stop_on_ctrl_c() -> Iterator[threading.Event]:
    """The first Ctrl+C sets the event (nothing new starts; the studies running finish and
    are recorded whole: outputs, audit record, ledger, so a resumed job runs none twice);
    a second one interrupts at once."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def requested(_signum: int, _frame: object) -> None:
        stop.set()
        print("lightbox batch: stopping after the studies running now (Ctrl+C again to "
              "stop at once)", file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, requested)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None
                      else signal.default_int_handler)
