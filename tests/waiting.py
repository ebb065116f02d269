"""A bound on how long a call may take, for code that could block on a named pipe."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


def within(seconds: float, fn: Callable[[], Any], *fifos: Path) -> Any:
    """``fn()``, failing (not hanging) if it takes longer: a reader blocked on a named
    pipe is released by opening the pipe's other end."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"still running after {seconds} s (blocked on a named pipe?)")
    if "error" in box:
        raise box["error"]
    return box["value"]
