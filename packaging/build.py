#!/usr/bin/env python3
"""Build the standalone Lightbox: the folder, one file, a .deb, a portable archive.

    python packaging/build.py                 # dist/lightbox/ (the folder; the default)
    python packaging/build.py --onefile       # dist/lightbox-<version>-<os>-<arch>[.exe]
    python packaging/build.py --onefile --no-build  # Linux: the single file of dist/lightbox/
    python packaging/build.py --deb --archive # the folder, then the .deb and .tar.gz
    python packaging/build.py --deb --no-build  # package the dist/lightbox/ already built
    python packaging/build.py --msi --payload dist/lightbox  # an MSI of that folder (wixl)
    python packaging/build.py --deb --sign KEY  # and sign it: <deb>.asc (GnuPG key KEY)

On Linux the single file is the folder build behind a POSIX shell launcher
(``onefile.py``: it unpacks once into a folder the user may run programs from, or refuses
with the remedy where every candidate is mounted ``noexec``); on Windows and macOS it is
PyInstaller's own single file.

Run it with the Python that has Lightbox and PyInstaller installed
(``pip install -e '.[build]'``); on Linux it also needs binutils. Each build goes to a
temporary folder inside ``dist/``, is checked (nothing that must stay out, such as torch
or QtWebEngine, is in it), and only then replaces the previous one, so a failed build
never leaves a half-built product where the last good one was. Exit status 0 on
success; any failure stops with a message and a non-zero status.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bundle  # noqa: E402

ROOT = bundle.ROOT
SPEC = HERE / "lightbox.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"


class BuildError(Exception):
    pass


def tree_size(path: Path) -> int:
    """Bytes on disk as ``du --apparent-size`` counts them (links count as links)."""
    if path.is_file():
        return path.stat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if not p.is_dir())


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB ({size / 1e6:.1f} MB)"


def forbidden_content(folder: Path) -> list[str]:
    """What a finished folder build holds that ``bundle.py`` keeps out (empty: clean)."""
    internal = folder / "_internal" if (folder / "_internal").is_dir() else folder
    found = [f"{name}/" for name in bundle.FORBIDDEN_IN_BUILD if (internal / name).exists()]
    for path in folder.rglob("*"):
        if any(fragment in path.name for fragment in bundle.FORBIDDEN_FILE_FRAGMENTS):
            found.append(str(path.relative_to(folder)))
    return found


def unexpected_qt_plugins(folder: Path) -> list[str]:
    plugins = next(folder.rglob("plugins/platforms"), None)
    if plugins is None:
        return []
    root = plugins.parent
    return [str(p.relative_to(root)) for p in root.glob("*/*")
            if not any(fnmatch.fnmatch(str(p.relative_to(root)), pattern)
                       for pattern in bundle.QT_PLUGINS)]


def run_pyinstaller(distpath: Path, onefile: bool) -> None:
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(distpath), "--workpath", str(WORK), str(SPEC)]
    if onefile:
        command += ["--", "--onefile"]
    print("building:", " ".join(command), flush=True)
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise BuildError("PyInstaller failed (see its messages above)")


def replace(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``, removing the previous build only once ``new`` is ready."""
    old = target.with_name(f".{target.name}.old")
    if old.exists() or old.is_symlink():
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    if target.exists():
        target.rename(old)
    new.rename(target)
    if old.exists():
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def check_folder(product: Path) -> None:
    problems = forbidden_content(product) + [
        f"Qt plugin {p}" for p in unexpected_qt_plugins(product)]
    if problems:
        raise BuildError("the build holds what must stay out: " + ", ".join(problems))
    executable = product / (bundle.EXE_NAME + ("-cli.exe" if os.name == "nt" else ""))
    if product.suffix != ".app" and not executable.is_file():
        raise BuildError(f"no executable {executable.name} in {product}")


def build(onefile: bool) -> Path:
    DIST.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=DIST))
    try:
        run_pyinstaller(staging, onefile)
        products = sorted(p for p in staging.iterdir() if not p.name.startswith("."))
        if not products:
            raise BuildError(f"PyInstaller left nothing in {staging}")
        for product in products:  # macOS: the folder and Lightbox.app
            if product.is_dir():
                check_folder(product)
        for product in products:
            replace(product, DIST / product.name)
        return DIST / products[0].name
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_msi(payload: Path) -> int:
    import msi

    started = time.monotonic()
    try:
        package = msi.build_msi(payload, DIST)
    except (msi.MsiError, OSError) as exc:
        print(f"build.py: FAILED: {exc}", file=sys.stderr)
        return 1
    if not msi.is_windows_payload(payload):
        print(f"build.py: {payload} has no {msi.MAIN_EXE}: this MSI is a layout test, "
              "never to be installed; a real MSI needs the Windows folder build",
              file=sys.stderr)
    print(f"msi: {package}  {mib(tree_size(package))}  "
          f"in {time.monotonic() - started:.1f} s", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--onefile", action="store_true",
                        help="also build the single-file executable (Linux: of the "
                             "folder build, which --no-build takes as it is)")
    parser.add_argument("--deb", action="store_true", help="package the folder as a .deb")
    parser.add_argument("--deb-compression", choices=("xz", "gzip"), default="xz",
                        help="xz (default: smallest) or gzip (about 10x faster, 30%% larger; CI)")
    parser.add_argument("--sign", metavar="KEY",
                        help="sign the .deb with this GnuPG key: a detached <deb>.asc beside it")
    parser.add_argument("--archive", action="store_true",
                        help="package the folder as a portable .tar.gz")
    parser.add_argument("--no-build", action="store_true",
                        help="package the dist/lightbox/ already built instead of building it")
    parser.add_argument("--msi", action="store_true",
                        help="package a folder as a Windows MSI with wixl (any OS; "
                             "packaging/msi.py); implies --no-build")
    parser.add_argument("--payload", type=Path, default=None,
                        help="the folder the MSI installs (default dist/lightbox); only "
                             "the Windows folder build gives an MSI to install, any other "
                             "folder gives one named LAYOUT-TEST")
    ns = parser.parse_args(argv)
    if ns.payload is not None and not ns.msi:
        parser.error("--payload is for --msi")
    if ns.sign and not ns.deb:
        parser.error("--sign signs the .deb: add --deb")
    if ns.msi:
        return build_msi(ns.payload or DIST / bundle.EXE_NAME)
    if (ns.deb or ns.archive) and not sys.platform.startswith("linux"):
        parser.error("--deb and --archive are Linux packages; see docs/install.md for "
                     "Windows (Inno Setup) and macOS (.app)")
    started = time.monotonic()
    try:
        folder = DIST / bundle.EXE_NAME
        linux = sys.platform.startswith("linux")
        # The folder is the product; --onefile alone builds only the single file (on
        # Linux the single file wraps the folder, so the folder is built too).
        if not ns.no_build and (not ns.onefile or ns.deb or ns.archive or linux):
            folder = build(onefile=False)
            print(f"folder build: {folder}  {mib(tree_size(folder))}", flush=True)
        if ns.onefile and linux:
            import onefile

            single_started = time.monotonic()
            single = onefile.build_single_file(folder, DIST)
            print(f"single file: {single}  {mib(tree_size(single))}  "
                  f"in {time.monotonic() - single_started:.1f} s", flush=True)
        elif ns.onefile and not ns.no_build:
            single = build(onefile=True)
            print(f"single file: {single}  {mib(tree_size(single))}", flush=True)
        if ns.deb or ns.archive:
            import linux_packages

            if not (folder / bundle.EXE_NAME).is_file():
                raise BuildError(f"no folder build at {folder}: run without --no-build")
            if ns.deb:
                deb = linux_packages.build_deb(folder, DIST, ns.deb_compression)
                print(f"deb: {deb}  {mib(tree_size(deb))}", flush=True)
                if ns.sign:
                    print(f"signature: {linux_packages.sign(deb, ns.sign)}", flush=True)
            if ns.archive:
                archive = linux_packages.build_archive(folder, DIST)
                print(f"archive: {archive}  {mib(tree_size(archive))}", flush=True)
    except (BuildError, subprocess.CalledProcessError, OSError) as exc:
        print(f"build.py: FAILED: {exc}", file=sys.stderr)
        return 1
    print(f"done in {time.monotonic() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
