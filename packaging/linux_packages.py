"""Linux packages around the frozen folder: a .deb for /opt and a portable .tar.gz.

The .deb installs the folder to ``/opt/lightbox``, links ``/usr/bin/lightbox`` to it, and
adds the desktop entry, the icon in every size and the DICOM MIME type. The archive holds
the same folder plus those desktop files under ``share/``, for machines without dpkg.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
from pathlib import Path

import bundle

HERE = Path(__file__).resolve().parent
LINUX = HERE / "linux"
ICONS = bundle.ROOT / "assets" / "icons"
DESKTOP_FILE = LINUX / f"{bundle.APP_ID}.desktop"
MIME_FILE = LINUX / f"{bundle.APP_ID}.xml"
SITE_EXAMPLE = HERE / "lightbox.toml.example"
INSTALL_DIR = f"/opt/{bundle.EXE_NAME}"
PACKAGE = bundle.EXE_NAME
MAINTAINER = f"{bundle.PUBLISHER} <support@lightbox.invalid>"
LINTIAN_OVERRIDES = LINUX / "lintian-overrides"
MAN_PAGE = LINUX / f"{bundle.EXE_NAME}.1"
#: The shared-folder setup that the post-install runs when the package ships it.
SHARED_FOLDERS_SCRIPT = LINUX / "setup-shared-folders.sh"
SHARED_FOLDERS_INSTALLED = f"/usr/lib/{PACKAGE}/setup-shared-folders.sh"

#: Third-party software inside the frozen folder, with the licence each is under (DEP-5
#: short names). tests/packaging/test_deb.py checks that each package found in the build
#: is named here.
BUNDLED_LICENCES = (
    ("Python 3.11 runtime and standard library", "PSF-2.0"),
    ("Qt 6 and PySide6/shiboken6", "LGPL-3.0-only"),
    ("ICU data and libraries", "Unicode-3.0"),
    ("numpy and its OpenBLAS/gfortran runtime", "BSD-3-clause"),
    ("onnxruntime", "MIT"),
    ("pydicom", "MIT"),
    ("pynetdicom", "MIT"),
    ("highdicom", "MIT"),
    ("pylibjpeg, pylibjpeg-libjpeg, pylibjpeg-openjpeg, pylibjpeg-rle", "MIT"),
    ("OpenJPEG", "BSD-2-clause"),
    ("libjpeg (IJG)", "IJG"),
    ("Pillow", "MIT-CMU"),
    ("PyNaCl (pynacl) and libsodium", "Apache-2.0 and ISC"),
    ("cffi", "MIT"),
    ("zstd, bzip2, xz, libtiff", "various permissive"),
    ("libxcb's utility libraries, libxkbcommon", "MIT"),
    ("libffi, libuuid", "MIT, BSD-3-clause"),
)

#: What the frozen Qt needs from the system (Debian 12 names; ``a | b`` where Debian 13 and
#: Ubuntu 24.04 renamed a package). Everything else is inside the folder.
DEPENDS = (
    "libc6 (>= 2.28)",
    "libstdc++6",
    "libgcc-s1",
    "zlib1g",
    "libzstd1",
    "libsqlite3-0",
    "libssl3t64 | libssl3",
    "libglib2.0-0t64 | libglib2.0-0",
    "libdbus-1-3",
    "libfontconfig1",
    "libfreetype6",
    "libegl1",
    "libgl1",
    "libx11-6",
    "libx11-xcb1",
    "libxcb1",
    "libxcb-cursor0",
    "libxcb-glx0",
    "libxcb-icccm4",
    "libxcb-image0",
    "libxcb-keysyms1",
    "libxcb-randr0",
    "libxcb-render0",
    "libxcb-render-util0",
    "libxcb-shape0",
    "libxcb-shm0",
    "libxcb-sync1",
    "libxcb-util1",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "libxkbcommon0",
    "libxkbcommon-x11-0",
    "libwayland-client0",
    "libwayland-cursor0",
    "libwayland-egl1",
)
#: Where each shared library that the frozen binaries load from the system comes from
#: (Debian 12). ``needed_outside_bundle`` lists what the build actually needs; the build
#: and tests/packaging/test_deb.py fail when one of those is missing here or from DEPENDS.
SHLIB_PACKAGES = {
    "ld-linux-x86-64.so.2": "libc6", "ld-linux-aarch64.so.1": "libc6",
    "libc.so.6": "libc6", "libdl.so.2": "libc6", "libm.so.6": "libc6",
    "libpthread.so.0": "libc6", "librt.so.1": "libc6", "libutil.so.1": "libc6",
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libOpenGL.so.0": "libopengl0",
    "libdbus-1.so.3": "libdbus-1-3", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6", "libxcb.so.1": "libxcb1",
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0", "libwayland-egl.so.1": "libwayland-egl1",
    "libglib-2.0.so.0": "libglib2.0-0", "libz.so.1": "zlib1g",
    "libstdc++.so.6": "libstdc++6", "libgcc_s.so.1": "libgcc-s1",
    "libgthread-2.0.so.0": "libglib2.0-0", "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1", "libzstd.so.1": "libzstd1",
    "libsqlite3.so.0": "libsqlite3-0",
    "libssl.so.3": "libssl3", "libcrypto.so.3": "libssl3",
}
# Nothing is recommended: apt fetches Recommends by default, so one that is not already on
# the machine makes ``apt-get install ./lightbox_*.deb`` fail offline. A font comes with
# libfontconfig1 (fontconfig-config depends on fonts-dejavu-core or another font).
RECOMMENDS: tuple[str, ...] = ()
SUGGESTS = ("fonts-noto-cjk", "shared-mime-info", "desktop-file-utils")

# The desktop databases are refreshed by dpkg triggers on current systems; the explicit
# calls cover older ones and are skipped where the tools are missing.
_REFRESH = """\
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q /usr/share/applications || true
fi
if command -v update-mime-database >/dev/null 2>&1; then
    update-mime-database /usr/share/mime || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
    gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
"""
# Hook: the shared folders (audit, model cache) for every user of the machine are set up
# by packaging/linux/setup-shared-folders.sh when the package ships it.
POSTINST = f"""#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
{_REFRESH}    if [ -x {SHARED_FOLDERS_INSTALLED} ]; then
        {SHARED_FOLDERS_INSTALLED}
    fi
fi
exit 0
"""
# The site configuration in /etc/lightbox belongs to IT: neither remove nor purge touch it.
POSTRM = f"""#!/bin/sh
set -e
if [ "$1" = "remove" ] || [ "$1" = "purge" ]; then
{_REFRESH}fi
exit 0
"""


def deb_architecture() -> str:
    machine = os.uname().machine
    return {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)


def control(installed_kib: int) -> str:
    version = bundle.version()
    fields = [
        f"Package: {PACKAGE}",
        f"Version: {version}",
        "Section: science",
        "Priority: optional",
        f"Architecture: {deb_architecture()}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {installed_kib}",
        f"Depends: {', '.join(DEPENDS)}",
        *([f"Recommends: {', '.join(RECOMMENDS)}"] if RECOMMENDS else []),
        f"Suggests: {', '.join(SUGGESTS)}",
        "Homepage: https://lightbox.invalid/",
        f"Description: {bundle.DESCRIPTION}",
        " Lightbox opens DICOM studies and plain images and runs bundled AI models",
        " locally on the CPU (ONNX Runtime). It makes no network connection.",
        " Installed to /opt/lightbox; site configuration in /etc/lightbox/lightbox.toml;",
        " check an install with `lightbox --self-test`.",
    ]
    return "\n".join(fields) + "\n"


def needed_outside_bundle(folder: Path) -> set[str]:
    """Shared libraries (sonames) that the frozen folder's ELF files name as NEEDED and
    that the folder does not hold itself: what the system must provide."""
    bundled: set[str] = set()
    elves: list[Path] = []
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as handle:
                if handle.read(4) == b"\x7fELF":
                    elves.append(path)
        if ".so" in path.name:
            bundled.add(path.name)
    needed: set[str] = set()
    for start in range(0, len(elves), 200):
        done = subprocess.run(["objdump", "-p", *map(str, elves[start:start + 200])],
                              capture_output=True, text=True, check=True)
        needed |= {line.split()[1] for line in done.stdout.splitlines()
                   if line.strip().startswith("NEEDED")}
    return needed - bundled


def undeclared_libraries(folder: Path) -> list[str]:
    """Each system library the folder needs that no package in DEPENDS provides."""
    declared = {alt.split()[0] for dep in DEPENDS for alt in dep.split("|")}
    problems = []
    for soname in sorted(needed_outside_bundle(folder)):
        package = SHLIB_PACKAGES.get(soname)
        if package is None:
            problems.append(f"{soname} (not in linux_packages.SHLIB_PACKAGES)")
        elif package not in declared and f"{package}t64" not in declared:
            problems.append(f"{soname} from {package} (not in linux_packages.DEPENDS)")
    return problems


def copyright_file() -> str:
    """``/usr/share/doc/lightbox/copyright`` in the machine-readable format (DEP-5)."""
    year = time.gmtime(_build_time()).tm_year
    lines = [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        f"Upstream-Name: {bundle.APP_NAME}",
        f"Upstream-Contact: {MAINTAINER}",
        "Source: https://lightbox.invalid/",
        "Comment: /opt/lightbox is a frozen (PyInstaller) build that bundles the",
        " third-party software listed below under its own licence; each licence's full",
        " text ships with that software's upstream distribution.",
        "",
        "Files: *",
        f"Copyright: {year} {bundle.PUBLISHER}",
        "License: Proprietary",
        " All rights reserved. Use under the terms agreed with the publisher.",
    ]
    for name, licence in BUNDLED_LICENCES:
        lines += ["", "Files: opt/lightbox/_internal/*",
                  f"Copyright: the {name} authors", f"License: {licence}",
                  f" Bundled: {name}."]
    return "\n".join(lines) + "\n"


def _build_time() -> int:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    return int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())


def changelog() -> bytes:
    """The changelog, gzip without a timestamp. The package is native (its version has no
    Debian revision: upstream packages it), so Debian policy names it ``changelog.gz``,
    not ``changelog.Debian.gz``."""
    stamp = email.utils.formatdate(_build_time(), usegmt=False)
    text = (f"{PACKAGE} ({bundle.version()}) stable; urgency=medium\n\n"
            f"  * Lightbox {bundle.version()}, built from the frozen folder.\n"
            "    See https://lightbox.invalid/ for the release notes.\n\n"
            f" -- {MAINTAINER}  {stamp}\n")
    return gzip.compress(text.encode(), compresslevel=9, mtime=0)


def _md5sums(root: Path) -> str:
    lines = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not path.is_symlink() and relative.parts[0] != "DEBIAN":
            lines.append(f"{hashlib.md5(path.read_bytes()).hexdigest()}  {relative}\n")
    return "".join(lines)


def _tree_kib(root: Path) -> int:
    total = sum(p.lstat().st_size for p in root.rglob("*") if not p.is_dir())
    return (total + 1023) // 1024


def _desktop_files(share: Path) -> None:
    """The desktop entry, MIME type and icons, laid out as under /usr/share."""
    (share / "applications").mkdir(parents=True)
    shutil.copy2(DESKTOP_FILE, share / "applications" / DESKTOP_FILE.name)
    (share / "mime" / "packages").mkdir(parents=True)
    shutil.copy2(MIME_FILE, share / "mime" / "packages" / MIME_FILE.name)
    hicolor = share / "icons" / "hicolor"
    for png in sorted(ICONS.glob(f"{bundle.EXE_NAME}-*.png")):
        size = png.stem.rsplit("-", 1)[1]
        target = hicolor / f"{size}x{size}" / "apps"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(png, target / f"{bundle.APP_ID}.png")
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(ICONS / f"{bundle.EXE_NAME}.svg",
                 hicolor / "scalable" / "apps" / f"{bundle.APP_ID}.svg")


def build_deb(folder: Path, out_dir: Path, compression: str = "xz") -> Path:
    """``<out_dir>/lightbox_<version>_<arch>.deb`` from the frozen ``folder``."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("build.py --deb needs dpkg-deb (Debian/Ubuntu: apt-get install dpkg)")
    missing = undeclared_libraries(folder)
    if missing:
        raise SystemExit("the frozen folder needs system libraries the .deb does not "
                         "declare: " + ", ".join(missing))
    version = bundle.version()
    target = out_dir / f"{PACKAGE}_{version}_{deb_architecture()}.deb"
    with tempfile.TemporaryDirectory(prefix="lightbox-deb-") as tmp:
        root = Path(tmp) / "root"
        shutil.copytree(folder, root / INSTALL_DIR.lstrip("/"), symlinks=True)
        (root / "usr" / "bin").mkdir(parents=True)
        (root / "usr" / "bin" / bundle.EXE_NAME).symlink_to(f"{INSTALL_DIR}/{bundle.EXE_NAME}")
        _desktop_files(root / "usr" / "share")
        docs = root / "usr" / "share" / "doc" / PACKAGE
        docs.mkdir(parents=True)
        shutil.copy2(bundle.ROOT / "docs" / "install.md", docs / "install.md")
        if SITE_EXAMPLE.is_file():
            shutil.copy2(SITE_EXAMPLE, docs / SITE_EXAMPLE.name)
        (docs / "copyright").write_text(copyright_file(), encoding="utf-8")
        (docs / "changelog.gz").write_bytes(changelog())
        man = root / "usr" / "share" / "man" / "man1"
        man.mkdir(parents=True)
        (man / f"{MAN_PAGE.name}.gz").write_bytes(
            gzip.compress(MAN_PAGE.read_bytes(), compresslevel=9, mtime=0))
        overrides = root / "usr" / "share" / "lintian" / "overrides"
        overrides.mkdir(parents=True)
        shutil.copy2(LINTIAN_OVERRIDES, overrides / PACKAGE)
        if SHARED_FOLDERS_SCRIPT.is_file():
            hook = root / SHARED_FOLDERS_INSTALLED.lstrip("/")
            hook.parent.mkdir(parents=True)
            shutil.copy2(SHARED_FOLDERS_SCRIPT, hook)
            hook.chmod(0o755)
        meta = root / "DEBIAN"
        meta.mkdir()
        (meta / "control").write_text(control(_tree_kib(root)), encoding="utf-8")
        for name, text in (("postinst", POSTINST), ("postrm", POSTRM)):
            (meta / name).write_text(text, encoding="utf-8")
            (meta / name).chmod(0o755)
        for path in root.rglob("*"):  # packaged files belong to root and are world-readable
            if not path.is_symlink():
                executable = os.access(path, os.X_OK) and ".so" not in path.name
                path.chmod(0o755 if path.is_dir() or executable else 0o644)
        (meta / "md5sums").write_text(_md5sums(root), encoding="utf-8")
        partial = target.with_name(target.name + ".part")
        subprocess.run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "-z6", "--build", str(root),
                        str(partial)], check=True, stdout=subprocess.DEVNULL)
        partial.replace(target)
    return target


def sign(deb: Path, key: str) -> Path:
    """A detached, ASCII-armoured GnuPG signature ``<deb>.asc`` made with ``key``."""
    if shutil.which("gpg") is None:
        raise SystemExit("--sign needs gpg (Debian/Ubuntu: apt-get install gnupg)")
    signature = deb.with_name(deb.name + ".asc")
    subprocess.run(["gpg", "--batch", "--yes", "--local-user", key, "--armor",
                    "--detach-sign", "--output", str(signature), str(deb)], check=True)
    return signature


def build_archive(folder: Path, out_dir: Path) -> Path:
    """``<out_dir>/lightbox-<version>-linux-<arch>.tar.gz``: the folder, ready to unpack
    anywhere, with the desktop files under ``share/`` and the site config example."""
    version = bundle.version()
    name = f"{bundle.EXE_NAME}-{version}-linux-{os.uname().machine}"
    target = out_dir / f"{name}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="lightbox-archive-") as tmp:
        extra = Path(tmp)
        _desktop_files(extra / "share")
        partial = target.with_name(target.name + ".part")

        def owned_by_root(info: tarfile.TarInfo) -> tarfile.TarInfo:
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            return info

        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(folder, arcname=name, filter=owned_by_root)
            tar.add(extra / "share", arcname=f"{name}/share", filter=owned_by_root)
            tar.add(bundle.ROOT / "docs" / "install.md", arcname=f"{name}/install.md",
                    filter=owned_by_root)
            if SITE_EXAMPLE.is_file():
                tar.add(SITE_EXAMPLE, arcname=f"{name}/{SITE_EXAMPLE.name}",
                        filter=owned_by_root)
        partial.replace(target)
    return target
