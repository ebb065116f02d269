"""Cancellation for background work, shared by io, inference and the UI workers.

A ``CancelToken`` is handed to a long task; the task calls :meth:`CancelToken.check` at
safe points and stops by raising :class:`~viewer.errors.Cancelled`. A ``threading.Event``
carries the flag, so the GUI thread can cancel while a worker thread checks, without a
lock of our own.
"""

from __future__ import annotations

import threading

from viewer.errors import Cancelled


class CancelToken:
    """A one-way flag: once cancelled, it stays cancelled."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`Cancelled` if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled()

    def __repr__(self) -> str:
        return f"CancelToken(cancelled={self.cancelled})"
