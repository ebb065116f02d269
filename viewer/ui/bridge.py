"""The one place where background threads hand work to the GUI thread.

Workers (scan, thumbnails, the series loader's decode pool) never touch widgets. They call
``Bridge.post(fn, *args)``; a queued signal carries the call to the GUI thread, where it
runs. Results and exceptions travel together in an ``Outcome`` (viewer.tasks.jobs) so that an error raised in
a worker reaches the UI's error boundary instead of vanishing in a thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

from viewer.tasks.jobs import Outcome

__all__ = ["Background", "Bridge", "Outcome"]
log = logging.getLogger(__name__)
T = TypeVar("T")


class Bridge(QObject):
    """Runs callables posted from any thread on the thread that owns the bridge."""

    _posted = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._closed = threading.Event()
        # Queued, so the slot always runs from the GUI event loop, never inside the worker.
        self._posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Thread-safe. After ``close()``, posts are dropped (the widgets may be gone)."""
        if self._closed.is_set():
            return
        try:
            self._posted.emit((fn, args))
        except RuntimeError:  # the C++ side was deleted between the check and the emit
            self._closed.set()

    def close(self) -> None:
        self._closed.set()

    @Slot(object)
    def _run(self, call: tuple[Callable[..., Any], tuple[Any, ...]]) -> None:
        if self._closed.is_set():
            return
        fn, args = call
        fn(*args)


class Background:
    """A small thread pool whose results come back to the GUI thread through a bridge."""

    def __init__(self, bridge: Bridge, workers: int = 2, name: str = "lightbox-ui") -> None:
        self._bridge = bridge
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._closed = False

    def submit(self, job: Callable[[], T], done: Callable[[Outcome[T]], None]) -> Future[T] | None:
        """Run ``job()`` in the pool; call ``done(outcome)`` on the GUI thread afterwards."""
        if self._closed:
            return None
        future = self._pool.submit(job)

        def finished(f: Future[T]) -> None:
            if f.cancelled():
                return
            error = f.exception()
            outcome: Outcome[T] = Outcome(error=error) if error else Outcome(value=f.result())
            self._bridge.post(done, outcome)

        future.add_done_callback(finished)
        return future

    def close(self) -> None:
        """Drop queued jobs; running ones finish on their own (they check their cancel token)."""
        self._closed = True
        self._pool.shutdown(wait=False, cancel_futures=True)
