"""MPR benchmark: open a series → its first coronal plane, against peers, same run.

    .venv/bin/python bench/bench_mpr.py [--slices 2000] [--size 512] [--repeat 1]
                                        [--profile bench/profiles]

Writes a CT phantom series (``--slices`` × ``--size``², uncompressed, one file a slice)
into a temporary folder, then times on the same files, each contestant in a fresh
interpreter (so each one's peak memory is its own):

* floor      every file's bytes read by two threads (what two cores can do at best)
* pydicom    plain ``dcmread(f)`` of every file, sorted by position, ``np.stack`` of the
             ``pixel_array``s, rescaled to HU, the middle coronal plane cut (the script a
             researcher would write)
* lightbox   ``scan`` the folder, the volume read through the frame cache (as the MPR
             view does: ``empty_volume``, whose planes are shown at once, then
             ``fill_volume``), the middle coronal plane in HU once every slice is in
* warm       as the viewer runs it: the series already in the frame cache (the reader
             was looking at it), then MPR opened; memory is the whole process's

and prints seconds, ratios to the floor and to pydicom, peak memory (tracemalloc and
RSS growth) against the series' stored pixel bytes. Targets (issue 13): lightbox ≤ 2×
the floor; memory with MPR open ≤ 1.3× the series' pixels. ``--profile DIR`` also writes
a cProfile + tracemalloc summary of the lightbox run to ``DIR/mpr_<slices>.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; 0 where unavailable)."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
        return int(fields[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def floor(folder: Path) -> dict[str, float]:
    """Two threads reading every file whole: the issue's floor (one new buffer a file),
    and the same bytes read into one buffer allocated once (``into``), the stricter floor:
    the volume is filled that way, so it can beat the first."""
    files = sorted(folder.glob("*.dcm"))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        data = list(pool.map(Path.read_bytes, files))
    seconds = time.perf_counter() - t0
    total = sum(len(d) for d in data)
    del data
    sizes = [f.stat().st_size for f in files]
    offsets = np.cumsum([0, *sizes[:-1]]).tolist()
    t0 = time.perf_counter()
    buffer = np.zeros(sum(sizes), np.uint8)
    view = memoryview(buffer)

    def read_into(k: int) -> None:
        with files[k].open("rb", buffering=0) as f:
            f.readinto(view[offsets[k]:offsets[k] + sizes[k]])

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(read_into, range(len(files))))
    into = time.perf_counter() - t0
    return {"seconds": seconds, "into": into, "bytes": float(total)}


def plain_pydicom(folder: Path, traced: bool) -> dict[str, float]:
    import pydicom

    base = rss_bytes()
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    datasets = [pydicom.dcmread(f) for f in sorted(folder.glob("*.dcm"))]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    stack = np.stack([ds.pixel_array for ds in datasets])
    slope = float(datasets[0].RescaleSlope)
    intercept = float(datasets[0].RescaleIntercept)
    hu = stack.astype(np.float32) * np.float32(slope) + np.float32(intercept)
    plane = np.ascontiguousarray(hu[::-1, hu.shape[1] // 2, :])
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    assert plane.size
    return {"seconds": seconds, "traced": float(peak),
            "rss": float(peak_rss_bytes() - base)}


def lightbox(folder: Path, warm: bool, traced: bool, profile: Path | None) -> dict[str, float]:
    from viewer.imaging import mpr
    from viewer.imaging.mpr import Plane, Reformat, load_volume
    from viewer.io.cache import FrameCache, default_cache_bytes
    from viewer.io.frames import frame_source
    from viewer.io.loader import SeriesLoader
    from viewer.io.scan import scan

    cache = FrameCache(default_cache_bytes())
    series = None
    if warm:
        (series,) = scan([folder]).all_series()
        loader = SeriesLoader(series, cache)
        try:
            for i in range(len(series.frames)):
                loader.load(i)
        finally:
            loader.close()
    base = rss_bytes()
    if traced:
        tracemalloc.start()
    profiler = cProfile.Profile() if profile is not None else None
    t0 = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    if series is None:
        (series,) = scan([folder]).all_series()
    t_scan = time.perf_counter() - t0
    source = frame_source(cache)
    shown = None
    if hasattr(mpr, "empty_volume"):  # the planes open on the blank volume, then fill in
        volume = mpr.empty_volume(series, source=source)
        blank = Reformat.of(volume, Plane.CORONAL)
        blank.image(blank.count // 2)
        shown = time.perf_counter() - t0
        mpr.fill_volume(volume, series, source=source)
    else:  # the code before issue 13: the whole volume, then the planes
        volume = load_volume(series, source=source)
    coronal = Reformat.of(volume, Plane.CORONAL)
    plane = coronal.image(coronal.count // 2)
    seconds = time.perf_counter() - t0
    if profiler is not None:
        profiler.disable()
    _, peak = tracemalloc.get_traced_memory()
    snapshot = tracemalloc.take_snapshot() if profile is not None and traced else None
    assert plane.size
    pixels = sum(f.instance.pixel.rows * f.instance.pixel.columns * 2
                 for f in series.frames if f.instance.pixel)
    out = {"seconds": seconds, "scan": t_scan, "traced": float(peak),
           "rss": float(peak_rss_bytes() - base), "rss_now": float(rss_bytes()),
           "pixels": float(pixels), "cache": float(cache.nbytes),
           "volume_dtype_bytes": float(volume.data.dtype.itemsize)}
    if shown is not None:
        out["shown"] = shown
    if profiler is not None and profile is not None and snapshot is not None:
        text = io.StringIO()
        text.write(f"lightbox open -> first coronal plane, {len(series.frames)} slices, "
                   f"{'warm cache' if warm else 'cold'}: {seconds:.3f} s "
                   f"(scan {t_scan:.3f} s); tracemalloc peak {peak / 2**20:.0f} MiB, "
                   f"series pixels {pixels / 2**20:.0f} MiB, volume dtype "
                   f"{volume.data.dtype}\n\n")
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(25)
        text.write("\ntracemalloc, largest live allocations by line:\n")
        for stat in snapshot.statistics("lineno")[:12]:
            text.write(f"  {stat}\n")
        profile.mkdir(parents=True, exist_ok=True)
        name = f"mpr_{len(series.frames)}{'_warm' if warm else ''}.txt"
        (profile / name).write_text(text.getvalue())
    return out


def child(kind: str, folder: Path, profile: Path | None = None,
          traced: bool = False) -> dict[str, float]:
    """Run one contestant in a fresh interpreter; its printed JSON is the result. Timed
    runs are not traced (tracemalloc slows every allocation, pydicom's most of all)."""
    args = [sys.executable, __file__, "--child", kind, "--folder", str(folder)]
    if traced:
        args.append("--traced")
    if profile is not None:
        args += ["--profile", str(profile)]
    done = subprocess.run(args, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=2000)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--profile", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--traced", action="store_true", help=argparse.SUPPRESS)
    ns = ap.parse_args()
    if ns.child is not None:
        if ns.child == "floor":
            result = floor(ns.folder)
        elif ns.child == "pydicom":
            result = plain_pydicom(ns.folder, ns.traced)
        else:
            result = lightbox(ns.folder, ns.child == "warm", ns.traced, ns.profile)
        print(json.dumps(result))
        return

    from viewer.io.demo import write_phantom_series

    print(f"cores: {os.cpu_count()}, load average: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
          f"series: {ns.slices} x {ns.size}x{ns.size} uncompressed")
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-mpr-") as tmp:
        folder = Path(tmp) / "ct"
        t0 = time.perf_counter()
        write_phantom_series(folder, slices=ns.slices, size=ns.size, thickness=0.5)
        print(f"wrote {ns.slices} files in {time.perf_counter() - t0:.1f} s")
        runs: dict[str, list[dict[str, float]]] = {}
        for _ in range(ns.repeat):  # interleaved rounds: load drifts hit every contestant
            for kind in ("floor", "pydicom", "lightbox", "warm"):
                runs.setdefault(kind, []).append(child(kind, folder))
        for kind in ("pydicom", "lightbox"):
            profile = ns.profile if kind == "lightbox" else None
            runs[f"{kind} traced"] = [child(kind, folder, profile, traced=True)]

    def median(kind: str, key: str) -> float:
        return float(np.median([r[key] for r in runs[kind]]))

    t_floor, t_plain = median("floor", "seconds"), median("pydicom", "seconds")
    t_lb, t_warm = median("lightbox", "seconds"), median("warm", "seconds")
    pixels = median("lightbox", "pixels")
    mib = 2**20
    t_into = median("floor", "into")
    print(f"  two-thread read floor   {t_floor * 1e3:9.1f} ms")
    print(f"  ... into one buffer     {t_into * 1e3:9.1f} ms  (allocated once, as the volume "
          "is)")
    print(f"  plain pydicom + numpy   {t_plain * 1e3:9.1f} ms  ({t_plain / t_floor:.2f}x floor)")
    print(f"  lightbox open -> plane  {t_lb * 1e3:9.1f} ms  ({t_lb / t_floor:.2f}x floor, "
          f"{t_lb / t_plain:.2f}x pydicom; scan {median('lightbox', 'scan') * 1e3:.0f} ms)")
    if all("shown" in r for r in runs["lightbox"]):
        t_shown = median("lightbox", "shown")
        print(f"  lightbox planes shown   {t_shown * 1e3:9.1f} ms  (blank, filling in as "
              "slices arrive)")
    t_read = t_lb - median("lightbox", "scan")
    print(f"  lightbox after the scan {t_read * 1e3:9.1f} ms  ({t_read / t_floor:.2f}x floor: "
          "volume read + plane)")
    print(f"  lightbox, cache warm    {t_warm * 1e3:9.1f} ms  ({t_warm / t_floor:.2f}x floor)")
    print(f"  lightbox open -> plane  {t_lb / t_into:.2f}x the one-buffer floor")
    print("  target: lightbox open -> plane <= 2x floor")
    print(f"  series pixels (stored)  {pixels / mib:9.1f} MiB")
    for kind in ("pydicom", "lightbox"):
        traced, rss = median(f"{kind} traced", "traced"), median(kind, "rss")
        print(f"  {kind:8s} peak memory  {traced / mib:9.1f} MiB traced "
              f"({traced / pixels:.2f}x pixels), RSS growth {rss / mib:.1f} MiB "
              f"({rss / pixels:.2f}x pixels)")
    warm_total = median("warm", "rss_now")
    print(f"  warm: whole process with MPR open {warm_total / mib:9.1f} MiB RSS "
          f"({warm_total / pixels:.2f}x pixels; peak growth while opening "
          f"{median('warm', 'rss') / mib:.1f} MiB, {median('warm', 'rss') / pixels:.2f}x)")
    print("  target: memory with MPR open <= 1.3x the series' pixels")


if __name__ == "__main__":
    main()
