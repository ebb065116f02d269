"""One mechanism for background jobs, without Qt: numbered, cancellable, stale-safe.

Every long task of the viewer (a scan, an AI run, an MPR volume, thumbnails) needs the
same ceremony: a frozen request with a number, a cancel token, progress throttled so the
worker does not flood the GUI thread, newer requests cancelling older ones, and outcomes of
superseded requests dropped. It is written once here. How work reaches a thread
(``submit``) and how a call reaches the GUI thread (``post``) are handed in, so the UI's
one bridge stays the only place that knows Qt, and tests run jobs with no Qt at all.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from viewer.errors import Cancelled
from viewer.tasks.cancel import CancelToken

T = TypeVar("T")
R = TypeVar("R")
#: Seconds between progress reports sent to the GUI thread (about 20 a second): a report
#: per item would make the GUI thread compete with the worker for the interpreter.
PROGRESS_INTERVAL_S = 0.05

Submit = Callable[[Callable[[], Any], Callable[["Outcome[Any]"], None]], object]
Post = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A finished job: its value, or the exception it raised (it travels with the result)."""

    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def cancelled(self) -> bool:
        """Cancelled is an outcome, not an error: nothing to report."""
        return isinstance(self.error, Cancelled)


@dataclass(frozen=True)
class Job(Generic[R]):
    """One request, frozen when it was made: its number, its payload and its cancel token."""

    number: int
    request: R
    token: CancelToken = field(default_factory=CancelToken, compare=False)
    _report: Callable[[int, int], None] = field(default=lambda done, total: None,
                                                repr=False, compare=False)

    def progress(self, done: int, total: int) -> None:
        """Called by the worker; reaches the GUI thread at most ~20 times a second."""
        self._report(done, total)

    def check(self) -> None:
        self.token.check()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled


class Jobs(Generic[R, T]):
    """A line of jobs of one kind: starting one cancels (and drops) the one before it."""

    def __init__(self, submit: Submit, post: Post, *,
                 interval: float = PROGRESS_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._submit, self._post = submit, post
        self._interval, self._clock = interval, clock
        self._number = 0
        self._current: Job[R] | None = None

    @property
    def current(self) -> Job[R] | None:
        return self._current

    @property
    def busy(self) -> bool:
        return self._current is not None

    def is_current(self, job: Job[R]) -> bool:
        return job is self._current

    def start(self, request: R, work: Callable[[Job[R]], T],
              done: Callable[[Job[R], Outcome[T]], None],
              progress: Callable[[Job[R], int, int], None] | None = None) -> Job[R]:
        """Run ``work(job)`` in the background; ``done(job, outcome)`` comes back through
        ``post`` unless a newer job started meanwhile (then the outcome is stale)."""
        self.drop()
        self._number += 1
        job: Job[R] = Job(self._number, request, CancelToken(),
                          self._reporter(lambda: job, progress))
        self._current = job
        self._submit(lambda: work(job), lambda outcome: self._finish(job, outcome, done))
        return job

    def cancel(self) -> None:
        """Ask the current job to stop; its ``done`` still comes, with a Cancelled outcome."""
        if self._current is not None:
            self._current.token.cancel()

    def drop(self) -> None:
        """Cancel the current job and forget it: its outcome will be stale."""
        if self._current is not None:
            self._current.token.cancel()
            self._current = None

    def _finish(self, job: Job[R], outcome: Outcome[T],
                done: Callable[[Job[R], Outcome[T]], None]) -> None:
        if job is not self._current:
            return  # superseded or dropped: a stale outcome never reaches the view
        self._current = None
        if job.cancelled and not outcome.cancelled:
            # Finished just as the reader pressed Cancel: dropped too, nothing partial.
            outcome = Outcome(error=Cancelled())
        done(job, outcome)

    def _reporter(self, get_job: Callable[[], Job[R]],
                  progress: Callable[[Job[R], int, int], None] | None
                  ) -> Callable[[int, int], None]:
        if progress is None:
            return lambda done, total: None
        lock = threading.Lock()
        last = [float("-inf")]

        def deliver(job: Job[R], done: int, total: int) -> None:  # on the GUI thread
            if job is self._current:
                progress(job, done, total)

        def report(done: int, total: int) -> None:  # on the worker
            now = self._clock()
            with lock:
                if done < total and now - last[0] < self._interval:
                    return
                last[0] = now
            self._post(deliver, get_job(), done, total)

        return report


class Batch(Generic[R, T]):
    """Many jobs of one generation (thumbnails): all run, none cancels another, and
    :meth:`clear` drops every outcome still on its way (the list they were for is gone)."""

    def __init__(self, submit: Submit) -> None:
        self._submit = submit
        self._generation = 0
        self._pending: dict[int, Job[R]] = {}
        self._number = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self, request: R, work: Callable[[Job[R]], T],
              done: Callable[[Job[R], Outcome[T]], None]) -> Job[R] | None:
        """Run ``work(job)``; ``done`` comes back unless the batch was cleared meanwhile.
        None when ``submit`` refused the work (the pool is closed)."""
        self._number += 1
        job: Job[R] = Job(self._number, request)
        generation = self._generation

        def finish(outcome: Outcome[T]) -> None:
            if generation != self._generation:
                return  # cleared meanwhile: stale
            self._pending.pop(job.number, None)
            done(job, outcome)

        if self._submit(lambda: work(job), finish) is None:
            return None
        self._pending[job.number] = job
        return job

    def clear(self) -> None:
        """Cancel every pending job and drop their outcomes."""
        self._generation += 1
        for job in self._pending.values():
            job.token.cancel()
        self._pending.clear()
