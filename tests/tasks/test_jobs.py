"""The one background-job mechanism, without Qt: numbering, stale drop, cancel, throttle."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from viewer.errors import Cancelled
from viewer.tasks.jobs import Batch, Job, Jobs, Outcome


class Manual:
    """Runs submitted work when told, and delivers posts in order, like a GUI event loop."""

    def __init__(self) -> None:
        self.pending: list[tuple[Callable[[], Any], Callable[[Outcome[Any]], None]]] = []
        self.posts: list[tuple[Callable[..., None], tuple[Any, ...]]] = []

    def submit(self, work: Callable[[], Any], done: Callable[[Outcome[Any]], None]) -> None:
        self.pending.append((work, done))

    def post(self, fn: Callable[..., None], *args: Any) -> None:
        self.posts.append((fn, args))

    def run_all(self) -> None:
        while self.pending:
            work, done = self.pending.pop(0)
            try:
                outcome: Outcome[Any] = Outcome(value=work())
            except BaseException as exc:  # noqa: BLE001 - travels with the outcome
                outcome = Outcome(error=exc)
            self.post(done, outcome)
        self.deliver()

    def deliver(self) -> None:
        while self.posts:
            fn, args = self.posts.pop(0)
            fn(*args)


@pytest.fixture
def loop() -> Manual:
    return Manual()


def test_jobs_are_numbered_and_carry_their_frozen_request(loop):
    jobs: Jobs[str, int] = Jobs(loop.submit, loop.post)
    seen: list[tuple[int, str, int | None]] = []
    jobs.start("a", lambda job: 1, lambda job, o: seen.append((job.number, job.request, o.value)))
    loop.run_all()
    jobs.start("b", lambda job: 2, lambda job, o: seen.append((job.number, job.request, o.value)))
    loop.run_all()
    assert seen == [(1, "a", 1), (2, "b", 2)]
    with pytest.raises(AttributeError):
        job = Job(1, "x")
        job.number = 2  # type: ignore[misc]


def test_a_newer_job_cancels_the_older_and_its_outcome_is_dropped(loop):
    jobs: Jobs[str, str] = Jobs(loop.submit, loop.post)
    seen: list[str] = []
    first = jobs.start("old", lambda job: "old", lambda job, o: seen.append(str(o.value)))
    jobs.start("new", lambda job: "new", lambda job, o: seen.append(str(o.value)))
    assert first.cancelled
    loop.run_all()
    assert seen == ["new"]
    assert not jobs.busy


def test_cancel_is_an_outcome_not_an_error(loop):
    jobs: Jobs[None, int] = Jobs(loop.submit, loop.post)
    seen: list[Outcome[int]] = []

    def work(job: Job[None]) -> int:
        job.check()
        return 1

    jobs.start(None, work, lambda job, o: seen.append(o))
    jobs.cancel()
    loop.run_all()
    (outcome,) = seen
    assert outcome.cancelled and not outcome.ok


def test_a_job_that_finishes_as_cancel_is_pressed_adds_nothing(loop):
    jobs: Jobs[None, int] = Jobs(loop.submit, loop.post)
    seen: list[Outcome[int]] = []
    jobs.start(None, lambda job: 7, lambda job, o: seen.append(o))
    work, done = loop.pending.pop()
    outcome = Outcome(value=work())  # finished on the worker...
    jobs.cancel()  # ...as the reader pressed Cancel
    done(outcome)
    loop.deliver()
    assert seen[0].cancelled and seen[0].value is None


def test_exceptions_travel_with_the_outcome(loop):
    jobs: Jobs[None, int] = Jobs(loop.submit, loop.post)
    seen: list[Outcome[int]] = []

    def work(job: Job[None]) -> int:
        raise ValueError("bad file")

    jobs.start(None, work, lambda job, o: seen.append(o))
    loop.run_all()
    assert isinstance(seen[0].error, ValueError) and not seen[0].cancelled


def test_dropped_jobs_deliver_nothing(loop):
    jobs: Jobs[None, int] = Jobs(loop.submit, loop.post)
    seen: list[object] = []
    jobs.start(None, lambda job: 1, lambda job, o: seen.append(o))
    jobs.drop()
    loop.run_all()
    assert seen == []


def test_progress_is_throttled_and_the_last_report_always_arrives(loop):
    now = [0.0]
    jobs: Jobs[None, None] = Jobs(loop.submit, loop.post, interval=0.05, clock=lambda: now[0])
    reports: list[tuple[int, int]] = []

    def work(job: Job[None]) -> None:
        for done in range(1, 101):
            now[0] += 0.001  # 100 items in 0.1 s
            job.progress(done, 100)

    jobs.start(None, work, lambda job, o: None, lambda job, d, t: reports.append((d, t)))
    loop.run_all()
    assert 2 <= len(reports) <= 4
    assert reports[-1] == (100, 100)


def test_progress_of_a_stale_job_is_dropped(loop):
    jobs: Jobs[str, None] = Jobs(loop.submit, loop.post)
    reports: list[str] = []
    first = jobs.start("old", lambda job: None, lambda job, o: None,
                       lambda job, d, t: reports.append(job.request))
    first.progress(1, 1)
    jobs.start("new", lambda job: None, lambda job, o: None,
               lambda job, d, t: reports.append(job.request))
    loop.deliver()
    assert reports == []


def test_real_threads_deliver_through_post():
    posts: list[tuple[Callable[..., None], tuple[Any, ...]]] = []
    pool = ThreadPoolExecutor(max_workers=1)

    def submit(work: Callable[[], Any], done: Callable[[Outcome[Any]], None]) -> None:
        def run() -> None:
            try:
                posts.append((done, (Outcome(value=work()),)))
            except BaseException as exc:  # noqa: BLE001
                posts.append((done, (Outcome(error=exc),)))
        pool.submit(run)

    jobs: Jobs[int, int] = Jobs(submit, lambda fn, *a: posts.append((fn, a)))
    seen: list[int | None] = []
    jobs.start(20, lambda job: job.request * 2, lambda job, o: seen.append(o.value))
    pool.shutdown(wait=True)
    for fn, args in posts:
        fn(*args)
    assert seen == [40]
    assert isinstance(Cancelled(), BaseException)


def test_a_batch_runs_all_and_clear_drops_what_is_on_its_way(loop):
    def submit(work, done):
        loop.submit(work, done)
        return True

    batch: Batch[int, int] = Batch(submit)
    seen: list[int | None] = []
    batch.start(1, lambda job: job.request * 10, lambda job, o: seen.append(o.value))
    batch.start(2, lambda job: job.request * 10, lambda job, o: seen.append(o.value))
    assert batch.pending == 2
    loop.run_all()
    assert seen == [10, 20] and batch.pending == 0
    late = batch.start(3, lambda job: 30, lambda job, o: seen.append(o.value))
    batch.clear()
    assert late is not None and late.cancelled
    loop.run_all()
    assert seen == [10, 20]


def test_a_batch_whose_pool_is_closed_starts_nothing():
    batch: Batch[int, int] = Batch(lambda work, done: None)
    assert batch.start(1, lambda job: 1, lambda job, o: None) is None
    assert batch.pending == 0
