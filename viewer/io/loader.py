"""Background loading of one series' frames into a :class:`FrameCache`.

A bounded pool of worker threads takes frames from one priority queue: frames the reader
asked for (``request``, newest first) before prefetched ones (``prefetch``, nearest to
the current slice first). Native frames are read in the worker thread (``np.fromfile``
releases the GIL); compressed frames are decoded in the shared process pool because the
decoders hold the GIL. Callbacks run on worker threads; the UI bridges them to its own.
After ``close()`` nothing more is decoded and late results are dropped.

A compressed series keeps :data:`IN_FLIGHT_PER_PROCESS` tasks per decoder process in
flight (one thread waits on each), so a process never idles while its last result travels
back and the next task travels out. Prefetched frames travel in batches of about
:data:`BATCH_PIXELS` pixels, results in one message, each frame's failure its own; the
reader's frame always goes alone, and while the processes are still starting it is
decoded in the loader's thread instead (the first image never waits for them). Tasks
queued in the pool but not yet started are taken back when the reader asks for another
frame (``request``) or the loader closes: what the reader looks at never waits behind more
than the batches already being decoded.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np

from viewer.errors import FileProblemError, UnreadableFileError
from viewer.io import decode_pool
from viewer.io.budget import check_frame
from viewer.io.cache import FrameCache, frame_bytes
from viewer.io.frame_buffer import FrameBuffer, Placed, stored_bytes
from viewer.io.frames import CachedFrames
from viewer.io.model import FrameRef, Instance, Series
from viewer.io.pixels import (
    DECODER_CRASHED,
    FrameJob,
    decode_batch,
    finish_frame,
    needs_decoder,
    read_frame,
)

log = logging.getLogger(__name__)

_REQUEST, _PREFETCH = 0, 1
#: Share of the cache prefetching may fill; the rest keeps room for other viewports.
_PREFETCH_SHARE = 0.8
#: Compressed frames in flight per decoder process (bounded: each holds a waiting thread,
#: and every one queued ahead of a request may delay it by one decode).
IN_FLIGHT_PER_PROCESS = 2
#: Prefetched frames go to a decoder process in batches of about this many pixels: about
#: 10 ms of JPEG 2000 decoding here (0.1 µs a pixel), six 128 x 128 frames, one 512 x 512
#: frame. Handing a task over and its result back costs about as much as decoding one
#: 128 x 128 frame (bench/profiles/j2k_128.txt); a batch pays it once, and a request
#: queued behind a batch waits at most about that long.
BATCH_PIXELS = 100_000
MAX_BATCH = 16

Entry = tuple[int, float, int, int]  # (class, rank, sequence, frame index)
Decoded = np.ndarray | FileProblemError | Placed  # one frame of a task's result


class SeriesLoader:
    def __init__(
        self,
        series: Series,
        cache: FrameCache,
        on_frame: Callable[[int], None] | None = None,
        on_error: Callable[[int, Exception], None] | None = None,
        workers: int | None = None,
    ) -> None:
        self._frames: list[FrameRef] = list(series.frames)
        self._cache = cache
        self._source = CachedFrames(cache)
        self._on_frame = on_frame
        self._on_error = on_error
        self._workers = max(1, workers or decode_pool.worker_count())
        # Compressed frames: enough threads to keep IN_FLIGHT_PER_PROCESS frames per
        # decoder process in flight (only when the pool is used at all: workers > 1).
        compressed = self._workers > 1 and any(
            needs_decoder(inst) for inst in {id(f.instance): f.instance for f in self._frames}.values())
        self._threads_wanted = (
            self._workers * IN_FLIGHT_PER_PROCESS if compressed else self._workers)
        # Frames handed to the decoder pool and not back yet: frame -> (future, entry).
        self._in_pool: dict[int, tuple[Future[list[Decoded]], Entry]] = {}
        self._cond = threading.Condition()
        self._heap: list[Entry] = []
        self._queued: dict[int, Entry] = {}  # frame index -> its live heap entry
        self._busy: set[int] = set()
        # Frames this loader told its reader about: never announced twice.
        self._announced: set[int] = set()
        self._failed: set[int] = set()
        # Frames that go to a decoder process alone: their batch killed a process.
        self._solo: set[int] = set()
        self._sequence = itertools.count()
        self._threads: list[threading.Thread] = []
        self._closed = False

    # -- reading ------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._frames)

    def get(self, i: int) -> np.ndarray | None:
        """The frame if it is already decoded; never blocks."""
        return self._cache.get(self._frames[i].key)

    def load(self, i: int) -> np.ndarray:
        """Decode frame ``i`` now, in this thread (first image, command line)."""
        ref = self._frames[i]
        if ref.key in self._cache:
            return self._source(ref)
        array = self._source(ref)
        with self._cond:
            self._failed.discard(i)
        return array

    @property
    def progress(self) -> tuple[int, int]:
        """(frames finished, total): decoded and in the cache, or failed."""
        with self._cond:
            failed = set(self._failed)
        done = sum(1 for i, f in enumerate(self._frames) if i in failed or f.key in self._cache)
        return done, len(self._frames)

    # -- scheduling ---------------------------------------------------------------------

    def request(self, i: int) -> None:
        """Decode frame ``i`` before anything else (what the reader is looking at)."""
        if not 0 <= i < len(self._frames):
            raise IndexError(i)
        if self._frames[i].key in self._cache:
            return
        with self._cond:
            if self._closed:
                return
            self._failed.discard(i)  # an explicit request retries a failed frame
            # Newest request first: the reader has scrolled on from older ones.
            self._push((_REQUEST, -next(self._sequence), 0, i))
            if i not in self._in_pool:
                self._take_back(lambda entry: entry[0] == _PREFETCH)
            self._start_workers()
            self._cond.notify_all()

    def prefetch(self, center: int) -> None:
        """Queue every frame, nearest to ``center`` first, as many as the cache can hold."""
        with self._cond:
            if self._closed:
                return
            order = sorted(range(len(self._frames)), key=lambda i: (abs(i - center), i))
            budget = int(self._cache.max_bytes * _PREFETCH_SHARE)
            requests = [e for e in self._queued.values() if e[0] == _REQUEST]
            self._queued = {e[3]: e for e in requests}
            self._heap = list(requests)
            for rank, i in enumerate(order):
                pixel = self._frames[i].instance.pixel
                budget -= frame_bytes(pixel) if pixel else 0
                if budget < 0:
                    break
                # A cached frame not announced is queued too: a thumbnail or an AI run may
                # have put it there after our reader counted what was cached, and the
                # worker announces it without decoding (see _next).
                if i in self._queued or i in self._failed or (
                        i in self._announced and self._frames[i].key in self._cache):
                    continue
                entry = (_PREFETCH, float(rank), next(self._sequence), i)
                self._queued[i] = entry
                self._heap.append(entry)
            heapq.heapify(self._heap)
            self._start_workers()
            self._cond.notify_all()

    def close(self) -> None:
        """Stop: drop queued work; results still in flight are discarded. Idempotent."""
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._queued.clear()
            self._take_back(lambda entry: True)
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> SeriesLoader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _push(self, entry: Entry) -> None:
        old = self._queued.get(entry[3])
        if old is not None and old[:2] <= entry[:2]:
            return
        self._queued[entry[3]] = entry
        heapq.heappush(self._heap, entry)

    def _take_back(self, which: Callable[[Entry], bool]) -> None:
        """Cancel the pool work of ``which`` frames that no process has started yet; the
        threads waiting on them put them back in the queue (see ``_work``). Hold the lock."""
        for future, entry in list(self._in_pool.values()):
            if which(entry):
                future.cancel()

    def _start_workers(self) -> None:
        while len(self._threads) < self._threads_wanted:
            t = threading.Thread(
                target=self._work, name=f"lightbox-loader-{len(self._threads)}", daemon=True
            )
            self._threads.append(t)
            t.start()

    # -- workers ------------------------------------------------------------------------

    def _next(self) -> tuple[int, bool, Entry] | None:
        """The next frame to decode, whether it is in the cache already, and its entry."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                while self._heap:
                    entry = heapq.heappop(self._heap)
                    i = entry[3]
                    if self._queued.get(i) is not entry:
                        continue  # superseded by a newer request or prefetch
                    del self._queued[i]
                    if i in self._busy:
                        continue
                    if self._frames[i].key in self._cache:
                        if i in self._announced:
                            continue
                        # Put there since it was queued by another reader of the same
                        # cache (a thumbnail, an AI run, another viewport): nothing to
                        # decode, but whoever asked for it must still hear that it is here.
                        self._announced.add(i)
                        return i, True, entry
                    self._busy.add(i)
                    return i, False, entry
                self._cond.wait()

    def _work(self) -> None:
        buffer = FrameBuffer()  # this thread's, for the frames its tasks return
        try:
            self._work_with(buffer)
        finally:
            buffer.close()

    def _work_with(self, buffer: FrameBuffer) -> None:
        while (nxt := self._next()) is not None:
            i, cached, entry = nxt
            if cached:
                if self._on_frame:
                    self._on_frame(i)
                continue
            pool = self._pool_for(i, entry)
            if pool is None:
                self._in_thread(i)
                continue
            batch = [(i, entry)]
            if entry[0] == _PREFETCH and i not in self._solo:
                batch += self._more_prefetch(i)
            if not self._in_pool_run(pool, batch, buffer):
                return  # closed

    def _pool_for(self, i: int, entry: Entry) -> ProcessPoolExecutor | None:
        """The decoder pool for frame ``i``, or None to decode it in this thread: a
        native frame, one core, or the reader's frame while the processes are still
        starting (the first image never waits for them; prefetch does)."""
        inst = self._frames[i].instance
        if self._workers < 2 or not needs_decoder(inst):
            return None
        if entry[0] == _REQUEST:
            return decode_pool.ready_pool()
        return decode_pool.get_pool()

    def _more_prefetch(self, first: int) -> list[tuple[int, Entry]]:
        """Further prefetched frames to send with ``first`` in one task: the next ones in
        the queue that also need the pool, up to :data:`BATCH_PIXELS` in all, and no more
        than an even share of what is queued (so the last frames still go to every
        process). The reader's frames never join a batch."""
        more: list[tuple[int, Entry]] = []
        with self._cond:
            share = len(self._queued) // self._threads_wanted
            budget = BATCH_PIXELS - _pixels(self._frames[first].instance)
            while self._heap and budget > 0 and len(more) < min(MAX_BATCH - 1, share):
                entry = self._heap[0]
                j = entry[3]
                if self._queued.get(j) is not entry:
                    heapq.heappop(self._heap)  # superseded
                    continue
                ref = self._frames[j]
                if (entry[0] != _PREFETCH or j in self._busy or j in self._solo
                        or ref.key in self._cache or not needs_decoder(ref.instance)):
                    break  # for _next to deal with
                heapq.heappop(self._heap)
                del self._queued[j]
                self._busy.add(j)
                more.append((j, entry))
                budget -= _pixels(ref.instance)
        return more

    def _in_thread(self, i: int) -> None:
        ref = self._frames[i]
        try:
            array = self._decode(ref)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - one bad frame must not stop the others
            self._fail(i, exc)
            return
        self._deliver(i, array)

    def _decode(self, ref: FrameRef) -> np.ndarray:
        return read_frame(ref)

    def _in_pool_run(self, pool: ProcessPoolExecutor, batch: list[tuple[int, Entry]],
                     buffer: FrameBuffer) -> bool:
        """Decode ``batch`` as one task in a decoder process and deliver each frame;
        False once the loader is closed."""
        jobs: list[FrameJob] = []
        sent: list[tuple[int, Entry]] = []
        for i, entry in batch:
            inst = self._frames[i].instance
            pixel = inst.pixel
            assert pixel is not None
            frame = self._frames[i].frame
            try:
                if not 0 <= frame < pixel.number_of_frames:
                    read_frame(self._frames[i])  # raises the usual error
                check_frame(inst.path, pixel)
            except Exception as exc:  # noqa: BLE001 - reported for this frame alone
                if not self._fail(i, exc):
                    return False
                continue
            jobs.append((inst.path, frame, pixel.transfer_syntax, pixel, inst.items_offset))
            sent.append((i, entry))
        if not sent:
            return True
        target = buffer.target(sum(stored_bytes(job[3]) for job in jobs))
        try:
            try:
                future = pool.submit(decode_batch, jobs, target)
            except BrokenProcessPool:
                # A worker died earlier, on another frame: a fresh pool takes these.
                decode_pool.discard_pool()
                fresh = decode_pool.get_pool()
                if fresh is None:
                    raise
                future = fresh.submit(decode_batch, jobs, target)
        except Exception:
            # The pool cannot even take work: processes cannot start here (e.g. a script
            # without an ``if __name__ == "__main__"`` guard). Nothing was decoded yet.
            log.exception("decoder processes cannot run here; decoding in threads instead")
            decode_pool.discard_pool(disable=True)
            for i, _entry in sent:
                self._in_thread(i)
            return not self._closed
        with self._cond:
            for i, entry in sent:
                self._in_pool[i] = (future, entry)
            if self._closed:
                future.cancel()
        try:
            try:
                # FileProblemError pickles (see errors.py), so a bad frame comes back typed.
                results = future.result()
            finally:
                with self._cond:
                    for i, _entry in sent:
                        self._in_pool.pop(i, None)
        except CancelledError:
            # Taken back before any process started it (a request came, or close()):
            # queued again where it was, unless something newer did.
            with self._cond:
                for i, entry in sent:
                    self._busy.discard(i)
                    if not self._closed and i not in self._queued:
                        self._push(entry)
                self._cond.notify_all()
            return not self._closed
        except BrokenProcessPool as exc:
            # A worker died (a decoder abort, SIGSEGV, the OOM killer). A fresh pool serves
            # the next task. In a batch, which frame did it is unknown: each goes again on
            # its own, and only the one that kills a process alone fails. Never retried in
            # this process: what killed a worker would kill the app.
            log.warning("a decoder process died; starting a fresh pool")
            decode_pool.discard_pool()
            if len(sent) > 1:
                with self._cond:
                    for i, entry in sent:
                        self._busy.discard(i)
                        self._solo.add(i)
                        if not self._closed and i not in self._queued:
                            self._push(entry)
                    self._cond.notify_all()
                return not self._closed
            i = sent[0][0]
            crashed = UnreadableFileError(self._frames[i].instance.path, DECODER_CRASHED)
            crashed.__cause__ = exc
            return self._fail(i, crashed)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - whatever came back, the frames failed
            log.warning("decoding frames failed in their process (%s)", type(exc).__name__)
            for i, _entry in sent:
                if not self._fail(i, UnreadableFileError(
                        self._frames[i].instance.path, DECODER_CRASHED)):
                    return False
            return True
        for (i, _entry), result in zip(sent, results, strict=True):
            if isinstance(result, tuple):
                result = buffer.take(result)
            if isinstance(result, np.ndarray):
                try:
                    array = finish_frame(self._frames[i].instance, result)
                except FileProblemError as exc:
                    result = exc
                else:
                    if not self._deliver(i, array):
                        return False
                    continue
            if not self._fail(i, result):
                return False
        return True

    def _deliver(self, i: int, array: np.ndarray) -> bool:
        """Put frame ``i`` in the cache and announce it; False (nothing done) once closed."""
        with self._cond:
            self._busy.discard(i)
            if self._closed:
                return False  # stale: whoever asked has gone
            self._announced.add(i)
        self._cache.put(self._frames[i].key, array)
        if self._on_frame:
            self._on_frame(i)
        return True

    def _fail(self, i: int, exc: BaseException) -> bool:
        """Report frame ``i`` failed; False (nothing reported) once closed. The thread
        survives anything a decoder throws (a panic derives from BaseException): the frame
        is reported failed, never left "loading"."""
        ref = self._frames[i]
        error = exc if isinstance(exc, Exception) else UnreadableFileError(
            ref.instance.path, DECODER_CRASHED)
        with self._cond:
            self._busy.discard(i)
            if self._closed:
                return False
            self._failed.add(i)
        log.info("frame %d of %s failed: %s", i, ref.instance.path.name, error)
        if self._on_error:
            self._on_error(i, error)
        return True


def _pixels(inst: Instance) -> int:
    pixel = inst.pixel
    return pixel.rows * pixel.columns * pixel.samples_per_pixel if pixel else 0
