"""Start-up benchmark: a whole ``lightbox PATH`` process from launch to a painted image.

    .venv/bin/python bench/bench_startup.py [--slices 300] [--size 512] [--rounds 5]

Writes a CT phantom series (uncompressed) into a temporary folder, then launches, in
interleaved rounds (one of each per round, so load on the machine hits both alike):

* lightbox, one file     ``python -m viewer FILE`` (the middle slice)
* minimal, one file      ``python bench/minimal_viewer.py FILE``: pydicom read, NumPy
                         window, painted in a PySide6 widget
* lightbox, folder       ``python -m viewer FOLDER``
* minimal, folder        the minimal script on the folder (it paints the middle file)
* lightbox, scan end     ``python -m viewer FOLDER`` with ``LIGHTBOX_BENCH_SCAN_END=1``:
                         the first painted image's time and the scan's end (its result
                         listed in the browser), from one process. The folder's first
                         image is painted while the scan reads the rest
                         (viewer/ui/window/early_image.py): the line "folder: first image
                         painted vs scan end" shows by how much it comes first.

Each process is started with ``LIGHTBOX_BENCH_FIRST_PAINT=PATH`` (the bench hook in
``viewer/ui/first_paint.py``): at its first painted image it writes ``time.time()`` there
and quits. The figure is that time minus the time just before the launch: interpreter
start, imports, Qt, settings, window, scan, decode and paint. Compiled modules are
cached (in the temporary folder; the untimed first launch of each writes them), as in an
installed app. Medians of the rounds;
target: Lightbox ≤ 1.5× the minimal script. The OS file cache is warm for all.
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
sys.path.insert(0, str(ROOT))

from viewer.io.demo import write_phantom_series  # noqa: E402

MINIMAL = ROOT / "bench" / "minimal_viewer.py"
TARGET_RATIO = 1.5
LIMIT_S = 120


def noted(command: list[str], marker: Path, env: dict[str, str], cwd: Path) -> list[float]:
    """Seconds from launch to each time the process noted: its first painted image (and,
    with LIGHTBOX_BENCH_SCAN_END=1 in ``env``, its scan's end)."""
    marker.unlink(missing_ok=True)
    t0 = time.time()
    done = subprocess.run(command, cwd=cwd, env=dict(env, LIGHTBOX_BENCH_FIRST_PAINT=str(marker)),
                          capture_output=True, text=True, timeout=LIMIT_S)
    if not marker.exists():
        raise RuntimeError(f"no image was painted by {command}: exit {done.returncode}\n"
                           f"{done.stdout}\n{done.stderr}")
    return [float(line) - t0 for line in marker.read_text(encoding="ascii").split()]


def first_paint(command: list[str], marker: Path, env: dict[str, str], cwd: Path) -> float:
    """Seconds from launch to the first painted image of one process."""
    return noted(command, marker, env, cwd)[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=300)
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--compare", type=Path, metavar="CHECKOUT",
                    help="also launch the viewer of another checkout (same hook needed)")
    ns = ap.parse_args()

    def cwd(name: str) -> Path:
        return ns.compare if ns.compare and name.startswith("other") else ROOT

    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-") as tmp:
        folder = Path(tmp) / "ct"
        files = write_phantom_series(folder, slices=ns.slices, size=ns.size)
        middle = files[len(files) // 2]
        # Settings, logs and audit go to the temporary folder, not the developer's own.
        env.setdefault("LIGHTBOX_CONFIG_DIR", str(Path(tmp) / "config"))
        # Compiled modules cached as an installed app has them (the untimed first launch
        # writes them), in the temporary folder, not beside the sources.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        marker = Path(tmp) / "first-paint"
        contestants = {
            "lightbox, one file": [py, "-m", "viewer", str(middle)],
            "minimal, one file": [py, str(MINIMAL), str(middle)],
            "lightbox, folder": [py, "-m", "viewer", str(folder)],
            "minimal, folder": [py, str(MINIMAL), str(folder)],
        }
        if ns.compare:  # another checkout (with the same bench hook), e.g. before a change
            contestants["other checkout, one file"] = [py, "-m", "viewer", str(middle)]
            contestants["other checkout, folder"] = [py, "-m", "viewer", str(folder)]
        times: dict[str, list[float]] = {name: [] for name in contestants}
        progressive = [py, "-m", "viewer", str(folder)]
        scan_env = dict(env, LIGHTBOX_BENCH_SCAN_END="1")
        painted_then_scanned: list[list[float]] = []
        for name, command in contestants.items():  # one untimed launch each: warm caches
            first_paint(command, marker, env, cwd(name))
        for _ in range(ns.rounds):
            for name, command in contestants.items():
                times[name].append(first_paint(command, marker, env, cwd(name)))
            painted_then_scanned.append(noted(progressive, marker, scan_env, ROOT))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"cores: {os.cpu_count()}, load average {load:.2f}, series: {ns.slices} x "
          f"{ns.size}x{ns.size} uncompressed, {ns.rounds} interleaved rounds, medians")
    median = {name: statistics.median(values) for name, values in times.items()}
    for what in ("one file", "folder"):
        ours, peer = median[f"lightbox, {what}"], median[f"minimal, {what}"]
        ratio = ours / peer
        ok = "ok" if ratio <= TARGET_RATIO else "MISSED"
        spread = f"{min(times[f'lightbox, {what}']) * 1e3:.0f}-" \
                 f"{max(times[f'lightbox, {what}']) * 1e3:.0f}"
        if ns.compare:
            other = median[f"other checkout, {what}"]
            print(f"  other checkout, {what:<8}          {other * 1e3:7.0f} ms  "
                  f"({other / peer:.2f}x minimal; this checkout {ours / other:.2f}x it)")
        print(f"  start-up to first image, {what:<8}  lightbox {ours * 1e3:7.0f} ms "
              f"(range {spread})  minimal PySide6 {peer * 1e3:7.0f} ms  "
              f"({ratio:.2f}x)   target <= {TARGET_RATIO}x: {ok}")
    paint = statistics.median(p for p, _ in painted_then_scanned)
    end = statistics.median(e for _, e in painted_then_scanned)
    before = sum(p < e for p, e in painted_then_scanned)
    print(f"  folder: first image painted vs scan end  painted {paint * 1e3:7.0f} ms  "
          f"scan end {end * 1e3:7.0f} ms  ({paint / end:.2f}x; painted first in "
          f"{before} of {len(painted_then_scanned)} rounds)")


if __name__ == "__main__":
    main()
