"""The frozen Lightbox against ``python -m viewer``: start to window shown, and sizes.

    python packaging/build.py --onefile        # first: dist/lightbox/ and the single file
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/bench_frozen.py [--repeat N]

"Start to window shown" is the wall time of ``lightbox --screenshot OUT.png FILE`` on one
small uncompressed CT slice: the process starts, imports, builds the main window, shows
it, loads and paints the slice, saves the window and exits. The same command runs from
the source (``python -m viewer``), the folder build and the single file, in this run,
alternating. Each program runs once first to warm the disk cache (that first time is
printed as "first start"); the figure is the best of ``--repeat`` later starts.

Targets (issue 4): the folder build under 180 MiB (``du --apparent-size``); its start no
slower than 1.5x the source's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import bundle  # noqa: E402

FOLDER_TARGET_MIB = 180
START_TARGET_RATIO = 1.5


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def sized(size: int) -> str:
    return f"{size / 2**20:6.1f} MiB ({size / 1e6:.1f} MB)"


def start_once(command: list[str], sample: Path, out: Path, env: dict[str, str]) -> float:
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    done = subprocess.run([*command, "--screenshot", str(out), str(sample)], env=env,
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not out.is_file():
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--folder", type=Path, default=ROOT / "dist" / bundle.EXE_NAME)
    parser.add_argument("--onefile", type=Path, default=None,
                        help="the single file (default: dist/lightbox-<version>-*)")
    ns = parser.parse_args()
    version = bundle.version()
    folder_exe = ns.folder / bundle.EXE_NAME
    if not folder_exe.is_file():
        print(f"no folder build at {ns.folder}: run python packaging/build.py first",
              file=sys.stderr)
        return 2
    onefile = ns.onefile or next(
        (p for p in sorted(ns.folder.parent.glob(f"{bundle.EXE_NAME}-{version}-*"))
         if p.is_file() and not p.name.endswith((".deb", ".tar.gz", ".part"))), None)

    folder_size = tree_size(ns.folder)
    ok = "ok" if folder_size < FOLDER_TARGET_MIB * 2**20 else "MISSED"
    print(f"folder build    {sized(folder_size)}  {ns.folder}   "
          f"target < {FOLDER_TARGET_MIB} MiB: {ok}")
    if onefile is not None:
        print(f"single file     {sized(tree_size(onefile))}  {onefile}")
    else:
        print("single file     not built (python packaging/build.py --onefile)")

    import pydicom.data

    programs = {"python -m viewer": [sys.executable, "-m", "viewer"],
                "frozen folder": [str(folder_exe)]}
    if onefile is not None:
        programs["frozen one file"] = [str(onefile)]
    with tempfile.TemporaryDirectory(prefix="bench-frozen-") as tmp:
        work = Path(tmp)
        sample = work / "slice" / "CT_small.dcm"
        sample.parent.mkdir()
        shutil.copyfile(pydicom.data.get_testdata_file("CT_small.dcm", download=False), sample)
        env = dict(os.environ, LIGHTBOX_CACHE_DIR=str(work / "cache"),
                   LIGHTBOX_CONFIG_DIR=str(work / "config"), LIGHTBOX_LOG_DIR=str(work / "logs"),
                   LIGHTBOX_AUDIT_DIR=str(work / "audit"))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        first = {name: start_once(cmd, sample, work / "out.png", env)
                 for name, cmd in programs.items()}
        times: dict[str, list[float]] = {name: [] for name in programs}
        for _ in range(max(1, ns.repeat)):
            for name, cmd in programs.items():  # alternate, so drift hits all alike
                times[name].append(start_once(cmd, sample, work / "out.png", env))
    base = min(times["python -m viewer"])
    for name in programs:
        best = min(times[name])
        line = (f"start to window {name:<17} {best:6.2f} s  ({best / base:.2f}x source)"
                f"   first start {first[name]:.2f} s")
        if name == "frozen folder":
            verdict = "ok" if best / base < START_TARGET_RATIO else "MISSED"
            line += f"   target < {START_TARGET_RATIO}x: {verdict}"
        if name == "frozen one file":
            line += ("   (Linux: unpacks once, on its first start; Windows, macOS: into a "
                     "temporary folder on every start)")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
