"""Header scan benchmark: whole processes, Lightbox against plain pydicom and SimpleITK.

    .venv/bin/python bench/bench_scan.py [--files 300,2000] [--size 512] [--repeat 5]

Writes a CT phantom series of each size (uncompressed, one file per slice) into a
temporary folder, then starts each contestant as a fresh process on the same folder, in
interleaved rounds (the median is printed), so imports count as a reader waits for them:

* ``lightbox info FOLDER``  the real command: scan, group, sort, print the tree
* plain pydicom             ``dcmread(f, stop_before_pixels=True)`` for every file
* SimpleITK (GDCM)          ``ImageSeriesReader.GetGDCMSeriesIDs`` + ``GetGDCMSeriesFileNames``
                            (GDCM's scanner reads the headers it sorts by)

and, for the first image: Lightbox ``scan`` + the middle slice through ``SeriesLoader`` +
``render_frame``, against SimpleITK's series scan + ``ReadImage`` of the middle file +
``GetArrayFromImage``. SimpleITK is a benchmark peer only (skipped when not installed).

Targets (issue 13): the scan ≤ 0.6× plain pydicom at every size (SimpleITK is about
0.65×), and per-file cost flat as the folder grows; scan + first image ≤ SimpleITK's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SCAN = 0.6


def _child(name: str, folder: str) -> None:
    """One contestant, run in its own process (``--child NAME FOLDER``)."""
    if name == "pydicom":
        from pydicom import dcmread

        for root, _dirs, files in os.walk(folder):
            for f in sorted(files):
                dcmread(os.path.join(root, f), stop_before_pixels=True)
    elif name in ("sitk", "sitk-first"):
        import SimpleITK as sitk

        reader = sitk.ImageSeriesReader()
        names = [reader.GetGDCMSeriesFileNames(folder, uid)
                 for uid in reader.GetGDCMSeriesIDs(folder)]
        if name == "sitk-first":
            files = names[0]
            sitk.GetArrayFromImage(sitk.ReadImage(files[len(files) // 2]))
    elif name == "lightbox-first":
        sys.path.insert(0, str(ROOT))
        from viewer.imaging.lut import default_window
        from viewer.imaging.render import render_frame
        from viewer.io.cache import FrameCache
        from viewer.io.loader import SeriesLoader
        from viewer.io.scan import scan

        (series,) = scan([folder]).all_series()
        loader = SeriesLoader(series, FrameCache(1 << 30))
        try:
            middle = len(series.frames) // 2
            stored = loader.load(middle)
            ref = series.frames[middle]
            render_frame(stored, ref.instance, ref.frame,
                         default_window(ref.instance, ref.frame, stored))
        finally:
            loader.close()
    else:
        raise SystemExit(f"unknown contestant {name}")


def _command(name: str, folder: Path) -> list[str]:
    if name == "lightbox":
        return [sys.executable, "-m", "viewer", "info", str(folder)]
    return [sys.executable, str(Path(__file__).resolve()), "--child", name, str(folder)]


def _run(command: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return elapsed


def _medians(names: list[str], folder: Path, repeat: int) -> dict[str, float]:
    times: dict[str, list[float]] = {n: [] for n in names}
    for name in names:  # one warm-up round: the OS file cache and .pyc files
        _run(_command(name, folder))
    for _ in range(repeat):
        for name in names:
            times[name].append(_run(_command(name, folder)))
    return {n: statistics.median(t) for n, t in times.items()}


def _has_sitk() -> bool:
    done = subprocess.run([sys.executable, "-c", "import SimpleITK"], capture_output=True,
                          check=False)
    return done.returncode == 0


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", default="300,2000", help="series sizes, comma-separated")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--repeat", type=int, default=5)
    ns = ap.parse_args()
    sizes = [int(n) for n in ns.files.split(",")]
    sys.path.insert(0, str(ROOT))
    from viewer.io.demo import write_phantom_series

    sitk = _has_sitk()
    print(f"cores: {os.cpu_count()}, load average {_load()}, {ns.size}x{ns.size} CT, "
          f"whole processes, median of {ns.repeat} interleaved rounds"
          + ("" if sitk else "; SimpleITK not installed: its lines skipped"))
    per_file: list[tuple[int, float]] = []
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-scan-") as tmp:
        for count in sizes:
            folder = Path(tmp) / f"ct{count}"
            write_phantom_series(folder, slices=count, size=ns.size)
            names = ["lightbox", "pydicom"] + (["sitk"] if sitk else [])
            t = _medians(names, folder, ns.repeat)
            ratio = t["lightbox"] / t["pydicom"]
            verdict = "ok" if ratio <= TARGET_SCAN else "MISSED"
            print(f"scan {count:6d} files  lightbox info {t['lightbox'] * 1e3:8.1f} ms   "
                  f"plain pydicom {t['pydicom'] * 1e3:8.1f} ms   ratio {ratio:.2f}x   "
                  f"target <= {TARGET_SCAN}x: {verdict}")
            if sitk:
                print(f"scan {count:6d} files  SimpleITK/GDCM {t['sitk'] * 1e3:8.1f} ms   "
                      f"({t['sitk'] / t['pydicom']:.2f}x plain pydicom, "
                      f"lightbox {t['lightbox'] / t['sitk']:.2f}x SimpleITK)")
            per_file.append((count, t["lightbox"]))
            if sitk and count == sizes[0]:
                f = _medians(["lightbox-first", "sitk-first"], folder, ns.repeat)
                ratio = f["lightbox-first"] / f["sitk-first"]
                print(f"first image {count:6d} files  lightbox scan+first "
                      f"{f['lightbox-first'] * 1e3:8.1f} ms   SimpleITK scan+read "
                      f"{f['sitk-first'] * 1e3:8.1f} ms   ratio {ratio:.2f}x   target <= 1.0x: "
                      f"{'ok' if ratio <= 1.0 else 'MISSED'}")
    if len(per_file) > 1:
        (n0, t0), (n1, t1) = per_file[0], per_file[-1]
        marginal = (t1 - t0) / (n1 - n0)
        print(f"lightbox marginal cost {marginal * 1e3:.3f} ms/file between {n0} and {n1} files "
              f"(whole process at {n1}: {t1 / n1 * 1e3:.3f} ms/file)")
    print(f"load average at the end {_load()}")


if __name__ == "__main__":
    main()
