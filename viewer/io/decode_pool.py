"""A shared process pool for CPU-heavy decoding (JPEG 2000, JPEG, JPEG-LS, RLE).

The pylibjpeg decoders hold the GIL while they work (measured: 20 JPEG 2000 slices took as
long on two threads as on one), so threads cannot use a second core; processes can.
One pool serves every loader, started on first use. Workers are started with
``forkserver`` on Linux (safe while the GUI's threads run) and ``spawn`` elsewhere; a
frozen executable must call ``multiprocessing.freeze_support()`` at start-up.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_disabled = False
#: Set once the current pool's processes have answered (see :func:`ready_pool`).
_warm = threading.Event()
_starting: threading.Thread | None = None


def worker_count() -> int:
    return max(1, os.cpu_count() or 1)


def get_pool() -> ProcessPoolExecutor | None:
    """The shared pool, or None on a single-core machine (decode in-thread there)."""
    global _pool
    if worker_count() < 2 or _disabled:
        return None
    with _lock:
        if _pool is None:
            method = "forkserver" if sys.platform.startswith("linux") else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":
                # Import the decoders once in the server, not in every worker.
                context.set_forkserver_preload(["viewer.io.loader"])
            _pool = ProcessPoolExecutor(max_workers=worker_count(), mp_context=context)
            _stop_at_exit()
        return _pool


def _ready() -> int:
    return os.getpid()


def warm_up() -> None:
    """Start the worker processes now (about half a second) instead of on the first
    compressed frame; the app calls this from a background thread at start-up."""
    pool = get_pool()
    if pool is None:
        return
    try:
        for future in [pool.submit(_ready) for _ in range(worker_count())]:
            future.result()
    except Exception:  # a pool that cannot start is handled where frames are decoded
        discard_pool()
        return
    with _lock:
        if _pool is pool:
            _warm.set()


def ready_pool() -> ProcessPoolExecutor | None:
    """The pool if its processes are running; else None, having started them in the
    background. For the frame the reader waits for: decoding it in the caller's thread
    (a few to a few hundred milliseconds) beats waiting half a second for the processes
    to start, so the first image of a compressed series is never delayed by the pool."""
    global _starting
    if _warm.is_set():
        return get_pool()
    with _lock:
        if _disabled or worker_count() < 2 or (_starting is not None and _starting.is_alive()):
            return None
        _starting = threading.Thread(target=warm_up, name="lightbox-decoders-start", daemon=True)
        _starting.start()
    return None


def discard_pool(*, disable: bool = False) -> None:
    """Drop a broken pool (a worker died); the next ``get_pool`` starts a fresh one.

    ``disable``: processes cannot start here at all (e.g. a script without a
    ``if __name__ == "__main__"`` guard); decode in threads from now on.
    """
    global _pool, _disabled
    with _lock:
        pool, _pool = _pool, None
        _disabled = _disabled or disable
        _warm.clear()
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def shutdown_pool(timeout: float = 3.0) -> None:
    """Stop the workers (at exit, see :func:`_stop_at_exit`; safe to call again).

    Workers still alive after ``timeout`` seconds are terminated: they only ever decode,
    so nothing is lost.
    """
    global _pool
    with _lock:
        pool, _pool = _pool, None
        _warm.clear()
    if pool is None:
        return
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join(1.0)


def _stop_at_exit() -> None:
    """Stop the workers before ``concurrent.futures``' own exit hook runs.

    That hook (a threading-atexit callback, run before ``atexit``) waits for every worker;
    a frozen build was seen waiting forever for one that never got its stop sentinel.
    Threading-atexit callbacks run newest first, so this one, registered with each new
    pool, runs before it; plain ``atexit`` is the fallback where that hook is gone.
    """
    register = getattr(threading, "_register_atexit", None)
    try:
        if register is None:
            raise RuntimeError("no threading-atexit hook")
        register(shutdown_pool)
    except RuntimeError:  # interpreter already shutting down, or no such hook
        atexit.register(shutdown_pool)
