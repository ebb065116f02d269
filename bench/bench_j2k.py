"""JPEG 2000 series: Lightbox's loader against the decode floor and a plain process pool.

    .venv/bin/python bench/bench_j2k.py [--sizes 128,512] [--slices 300,60] [--rounds 3]
                                        [--compare CHECKOUT] [--profile DIR]

Issue 13's target: a JPEG 2000 series loads in at most 0.55x the single-thread decode floor
on 2 cores, and the first image is not delayed by the decoder processes. For each size a
phantom CT series is written once (JPEG 2000 lossless), then every round measures, one
after the other (interleaved, so a busy machine slows all alike):

* floor     the OpenJPEG decoder alone on each frame's codestream, already in memory, one
            thread: no file, no header, no copy
* pool      a plain two-process ``ProcessPoolExecutor.map`` of ``dcmread(f).pixel_array``
            (processes started beforehand): the peer
* Lightbox  in a fresh process with its decoder processes started: scan the folder, then
            ``SeriesLoader`` until every frame is in the cache (scan and load timed apart)
* other     the same for another checkout (``--compare``, e.g. main's worktree)
* CPU       the CPU time of Lightbox's process and its decoder processes per series (scan
            and load), against the floor's CPU time: unlike wall clock, hardly moved by the
            machine's other work; half of it is the best two free cores could do

Lightbox's child process also times the first image with the decoder processes not yet
started (what a reader sees on opening a compressed series first): ``request`` of the
middle frame until it is in the cache, beside decoding that frame in the thread.

Prints medians over the rounds and the ratios; the load average is printed at the start and
the end, since the machine's other work moves every absolute figure.

``--profile DIR`` also writes ``DIR/j2k_<size>.txt`` per size: where a whole-series load
spends its time (wall clock, the CPU time of this process and of the decoder processes,
against the floor), one thread's worker path per frame beside the floor, and a cProfile of
this process during the load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pydicom
from pydicom.encaps import generate_frames
from pydicom.uid import JPEG2000Lossless

HERE = Path(__file__).resolve().parent.parent
if str(HERE) not in sys.path:  # this checkout's viewer, not an installed one
    sys.path.insert(0, str(HERE))

from viewer.io.demo import write_phantom_series  # noqa: E402

#: Run in a fresh process whose sys.path starts at a checkout: the first image with cold
#: decoder processes, then (processes started) ``runs`` timed scan + whole-series loads.
CHILD = r"""
import json, os, sys, threading, time
from pathlib import Path
folder, runs = Path(sys.argv[1]), int(sys.argv[2])
from viewer.io import decode_pool
from viewer.io.cache import FrameCache
from viewer.io.loader import SeriesLoader
from viewer.io.scan import scan

def load(series, wanted=None):
    total = len(series.frames)
    done, lock, seen = threading.Event(), threading.Lock(), set()
    def on_frame(i):
        with lock:
            seen.add(i)
            if (wanted is not None and i == wanted) or len(seen) == total:
                done.set()
    loader = SeriesLoader(series, FrameCache(4 << 30), on_frame=on_frame)
    try:
        if wanted is None:
            loader.prefetch(total // 2)
        else:
            loader.request(wanted)
        if not done.wait(600):
            raise RuntimeError(f"only {len(seen)} of {total} frames loaded")
    finally:
        loader.close()

(series,) = scan([folder]).all_series()
middle = len(series.frames) // 2
t0 = time.perf_counter(); load(series, middle); cold = time.perf_counter() - t0
t0 = time.perf_counter(); SeriesLoader(series, FrameCache(1 << 30)).load(middle - 1)
in_thread = time.perf_counter() - t0
decode_pool.warm_up()
pids = list(decode_pool.get_pool()._processes)

def decoders_cpu():
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")

scans, loads, cpus = [], [], []
for _ in range(runs + 1):  # the first run is untimed: lazy imports, first-touch pages
    c0, d0 = time.process_time(), decoders_cpu()
    t0 = time.perf_counter(); (series,) = scan([folder]).all_series()
    t1 = time.perf_counter(); load(series); t2 = time.perf_counter()
    scans.append(t1 - t0); loads.append(t2 - t1)
    cpus.append((time.process_time() - c0, decoders_cpu() - d0))
best = min(range(1, runs + 1), key=lambda k: scans[k] + loads[k])
print(json.dumps({"scan": scans[best], "load": loads[best], "cold_first": cold,
                  "in_thread": in_thread,
                  "cpu_parent": sum(c[0] for c in cpus[1:]) / runs,
                  "cpu_decoders": sum(c[1] for c in cpus[1:]) / runs}))
decode_pool.shutdown_pool()
"""


def lightbox(checkout: Path, folder: Path, runs: int) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", CHILD, str(folder), str(runs)], cwd=checkout,
                         env=env, capture_output=True, text=True, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"{checkout}: {out.stderr[-2000:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def decode_floor(frames: list[bytes], cpu: list[float] | None = None) -> float:
    """Seconds of wall clock; its CPU seconds appended to ``cpu`` when given."""
    import openjpeg

    c0, t0 = time.process_time(), time.perf_counter()
    for frame in frames:
        openjpeg.decode(frame)
    if cpu is not None:
        cpu.append(time.process_time() - c0)
    return time.perf_counter() - t0


def _decode_file(path: Path) -> int:
    return int(pydicom.dcmread(path).pixel_array.shape[0])


def plain_pool(pool: ProcessPoolExecutor, files: list[Path]) -> float:
    t0 = time.perf_counter()
    list(pool.map(_decode_file, files))
    return time.perf_counter() - t0


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (Linux ``/proc``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _load(series: object) -> None:
    import threading

    from viewer.io.cache import FrameCache
    from viewer.io.loader import SeriesLoader
    from viewer.io.model import Series

    assert isinstance(series, Series)
    total = len(series.frames)
    done, lock, seen = threading.Event(), threading.Lock(), set()

    def on_frame(i: int) -> None:
        with lock:
            seen.add(i)
            if len(seen) == total:
                done.set()

    with SeriesLoader(series, FrameCache(4 << 30), on_frame=on_frame) as loader:
        loader.prefetch(total // 2)
        if not done.wait(600):
            raise RuntimeError(f"only {len(seen)} of {total} frames loaded")


def profile(folder: Path, frames: list[bytes], out: Path) -> None:
    """The ``--profile`` report for one series (see the module docstring)."""
    import cProfile
    import io
    import pstats

    from viewer.io import decode_pool
    from viewer.io.loader import SeriesLoader
    from viewer.io.pixels import decode_stored
    from viewer.io.scan import scan

    decode_pool.warm_up()
    pool = decode_pool.get_pool()
    pids = list(getattr(pool, "_processes", {}))
    (series,) = scan([folder]).all_series()
    _load(series)  # untimed: lazy imports, first-touch pages
    # One thread's figures in CPU time: wall clock on a shared machine says little.
    floor_cpu: list[float] = []
    decode_floor(frames, floor_cpu)
    floor = floor_cpu[0]
    jobs = [(f.instance.path, f.frame, f.instance.pixel.transfer_syntax, f.instance.pixel,
             f.instance.items_offset) for f in series.frames if f.instance.pixel]
    t0 = time.process_time()
    for job in jobs:
        decode_stored(*job)
    worker = time.process_time() - t0
    # The loader's work happens on its threads: each is profiled on its own (cProfile sees
    # one thread), the main thread too, and the statistics added up.
    profiles = [cProfile.Profile()]
    work = SeriesLoader._work

    def profiled_work(self: SeriesLoader) -> None:
        profiles.append(cProfile.Profile())
        profiles[-1].runcall(work, self)

    SeriesLoader._work = profiled_work  # type: ignore[method-assign]
    workers0, parent0, t0 = _cpu_seconds(pids), time.process_time(), time.perf_counter()
    try:
        profiles[0].runcall(_load, series)
    finally:
        SeriesLoader._work = work  # type: ignore[method-assign]
    wall = time.perf_counter() - t0
    parent, workers = time.process_time() - parent0, _cpu_seconds(pids) - workers0
    n = len(frames)
    text = io.StringIO()
    print(f"{n} frames, load average {os.getloadavg()[0]:.2f}\n"
          f"decode floor, 1 thread   {floor * 1e3:8.1f} ms CPU  ({floor / n * 1e3:.2f} ms/frame)\n"
          f"worker path, 1 thread    {worker * 1e3:8.1f} ms CPU  ({worker / floor:.2f}x floor: "
          f"read the frame, check, decode)\n"
          f"whole-series load, wall  {wall * 1e3:8.1f} ms  ({wall / floor:.2f}x floor)\n"
          f"  CPU of this process    {parent * 1e3:8.1f} ms  ({parent / n * 1e3:.3f} ms/frame)\n"
          f"  CPU of the decoders    {workers * 1e3:8.1f} ms  ({workers / floor:.2f}x floor; "
          f"/proc clock ticks)\n", file=text)
    stats = pstats.Stats(profiles[0], stream=text)
    for prof in profiles[1:]:
        stats.add(prof)
    print(f"cProfile of the main thread and the {len(profiles) - 1} loader threads:",
          file=text)
    stats.sort_stats("tottime").print_stats(20)
    out.write_text(text.getvalue())
    print(f"  profile written to {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="128,512")
    ap.add_argument("--slices", default="300,60", help="per size, comma-separated")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--runs", type=int, default=2, help="timed loads per Lightbox process")
    ap.add_argument("--compare", type=Path, help="another checkout, e.g. main's worktree")
    ap.add_argument("--profile", type=Path, help="write a load profile per size here")
    ns = ap.parse_args()
    sizes = [int(s) for s in ns.sizes.split(",")]
    slices = [int(s) for s in ns.slices.split(",")]
    print(f"cores: {os.cpu_count()}, rounds: {ns.rounds}, "
          f"load average {os.getloadavg()[0]:.2f} at the start")
    with tempfile.TemporaryDirectory(prefix="lightbox-j2k-") as tmp, \
            ProcessPoolExecutor(2) as peer:
        list(peer.map(abs, range(4)))  # both peer processes started
        for size, count in zip(sizes, slices, strict=True):
            folder = Path(tmp) / f"s{size}"
            files = write_phantom_series(folder, slices=count, size=size,
                                         transfer_syntax=JPEG2000Lossless)
            frames = [next(generate_frames(pydicom.dcmread(f).PixelData, number_of_frames=1))
                      for f in files]
            runs: dict[str, list[float]] = {}
            for _ in range(ns.rounds):
                runs.setdefault("floor", []).append(
                    decode_floor(frames, runs.setdefault("floor cpu", [])))
                runs.setdefault("pool", []).append(plain_pool(peer, files))
                mine = lightbox(HERE, folder, ns.runs)
                for key, value in mine.items():
                    runs.setdefault(key, []).append(value)
                runs.setdefault("series", []).append(mine["scan"] + mine["load"])
                if ns.compare:
                    other = lightbox(ns.compare, folder, ns.runs)
                    runs.setdefault("other", []).append(other["scan"] + other["load"])
                    runs.setdefault("other cold", []).append(other["cold_first"])
            m = {key: statistics.median(values) for key, values in runs.items()}
            floor = m["floor"]
            print(f"\n[JPEG 2000 {count} x {size}x{size}] medians of {ns.rounds} rounds")
            print(f"  decode floor, 1 thr {m['floor'] * 1e3:8.1f} ms")
            print(f"  plain 2-proc pool   {m['pool'] * 1e3:8.1f} ms  ({m['pool'] / floor:.2f}x floor)")
            print(f"  Lightbox series     {m['series'] * 1e3:8.1f} ms  "
                  f"({m['series'] / floor:.2f}x floor, {m['series'] / m['pool']:.2f}x the plain "
                  f"pool; target <= 0.55x floor)")
            print(f"    scan              {m['scan'] * 1e3:8.1f} ms  ({m['scan'] / floor:.2f}x floor)")
            print(f"    load              {m['load'] * 1e3:8.1f} ms  ({m['load'] / floor:.2f}x floor)")
            print(f"  first image, cold   {m['cold_first'] * 1e3:8.1f} ms  (decoder processes "
                  f"not started; one frame in the thread {m['in_thread'] * 1e3:.1f} ms)")
            # CPU time moves far less than wall clock with the machine's other work: what
            # the whole load costs in CPU against the floor's, and so the best wall clock
            # two free cores could give (both busy all the time).
            cpu = m["cpu_parent"] + m["cpu_decoders"]
            print(f"  CPU per series      {cpu * 1e3:8.1f} ms  ({cpu / m['floor cpu']:.2f}x the "
                  f"floor's {m['floor cpu'] * 1e3:.1f} ms: this process "
                  f"{m['cpu_parent'] * 1e3:.1f}, decoders {m['cpu_decoders'] * 1e3:.1f}; on 2 "
                  f"free cores at best {cpu / 2 / m['floor cpu']:.2f}x floor)")
            per_round = [a / b for a, b in zip(runs["series"], runs["floor"], strict=True)]
            print("  Lightbox / floor per round: " + " ".join(f"{r:.2f}" for r in per_round))
            if ns.compare:
                per_round = [a / b for a, b in zip(runs["series"], runs["other"], strict=True)]
                print("  this / other per round:     " + " ".join(f"{r:.2f}" for r in per_round))
                print(f"  other checkout      {m['other'] * 1e3:8.1f} ms  "
                      f"({m['other'] / floor:.2f}x floor; this one "
                      f"{m['series'] / m['other']:.2f}x it; its cold first image "
                      f"{m['other cold'] * 1e3:.1f} ms)")
            if ns.profile:
                ns.profile.mkdir(parents=True, exist_ok=True)
                profile(folder, frames, ns.profile / f"j2k_{size}.txt")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
