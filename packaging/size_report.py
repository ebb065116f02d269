#!/usr/bin/env python3
"""What each dependency adds to the frozen folder, largest first.

    python packaging/size_report.py [dist/lightbox] [--against OTHER] [--top 25]

Groups the files of a folder build by what brought them: a top-level package of
``_internal`` (``numpy`` and ``numpy.libs`` count as numpy, ``PySide6/Qt/lib/libicu*`` as
ICU, the other Qt libraries and plugins as Qt), the executable itself (the bootloader and
the compressed Python modules), the bundled models. ``--against`` prints a second build's
figures beside it (before/after a trim). Sizes as ``du --apparent-size`` counts them, in
MB (10^6 bytes) and MiB; the issue's budget is 180 MB.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

BUDGET_MB = 180.0
_VERSIONED = re.compile(r"-\d[\w.]*\.dist-info$")


def group_of(relative: Path) -> str:
    parts = relative.parts
    if parts[0] != "_internal":
        return f"executable ({parts[0]})"
    if len(parts) == 2:
        name = parts[1]
        if name.startswith("libpython"):
            return "python (libpython, lib-dynload, base_library)"
        return f"loose libraries ({name.split('.so')[0].split('-')[0]})" if ".so" in name \
            else "python (libpython, lib-dynload, base_library)" if name.endswith(".zip") \
            else f"other ({name})"
    top = parts[1]
    if top == "PySide6" and len(parts) > 4 and parts[2:4] == ("Qt", "lib"):
        return "Qt: ICU" if parts[4].startswith("libicu") else "Qt: libraries"
    if top == "PySide6" and len(parts) > 3 and parts[2] == "Qt":
        return f"Qt: {parts[3]}"
    if top in ("PySide6", "shiboken6"):
        return "PySide6 bindings"
    if top == "python3.11" or top.startswith("python3"):
        return "python (libpython, lib-dynload, base_library)"
    if top.endswith(".dist-info"):
        return "package metadata"
    top = top.removesuffix(".libs")
    return {"pillow": "PIL"}.get(top, top)


def sizes(folder: Path) -> Counter[str]:
    total: Counter[str] = Counter()
    for path in folder.rglob("*"):
        if path.is_dir():
            continue
        total[group_of(path.relative_to(folder))] += path.lstat().st_size
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", nargs="?", default="dist/lightbox", type=Path)
    ap.add_argument("--against", type=Path, help="another build to compare with")
    ap.add_argument("--top", type=int, default=25)
    ns = ap.parse_args()
    now = sizes(ns.folder)
    other = sizes(ns.against) if ns.against else None
    head = f"{'group':48} {'MB':>7}"
    if other is not None:
        head += f" {'before':>7} {'change':>7}"
    print(head)
    names = sorted(set(now) | set(other or ()), key=lambda k: -max(now[k], (other or now)[k]))
    for name in names[:ns.top]:
        line = f"{name[:48]:48} {now[name] / 1e6:7.2f}"
        if other is not None:
            line += f" {other[name] / 1e6:7.2f} {(now[name] - other[name]) / 1e6:+7.2f}"
        print(line)
    rest = names[ns.top:]
    if rest:
        print(f"{f'({len(rest)} smaller groups)':48} {sum(now[k] for k in rest) / 1e6:7.2f}")
    total = sum(now.values())
    line = f"{'total':48} {total / 1e6:7.2f}"
    if other is not None:
        before = sum(other.values())
        line += f" {before / 1e6:7.2f} {(total - before) / 1e6:+7.2f}"
    print(line)
    print(f"total {total / 2**20:.1f} MiB; budget {BUDGET_MB:.0f} MB: "
          f"{total / 1e6 / BUDGET_MB:.2f}x")


if __name__ == "__main__":
    main()
