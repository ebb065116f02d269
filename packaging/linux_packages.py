"""Linux packages around the frozen folder: a .deb for /opt and a portable .tar.gz.

The .deb installs the folder to ``/opt/lightbox``, links ``/usr/bin/lightbox`` to it, and
adds the desktop entry, the icon in every size and the DICOM MIME type. The archive holds
the same folder plus those desktop files under ``share/``, for machines without dpkg.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
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

#: What the frozen Qt needs from the system (Debian 12 names; ``a | b`` where Debian 13 and
#: Ubuntu 24.04 renamed a package). Everything else is inside the folder.
DEPENDS = (
    "libc6 (>= 2.28)",
    "libstdc++6",
    "libgcc-s1",
    "zlib1g",
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
RECOMMENDS = ("shared-mime-info", "desktop-file-utils", "fonts-dejavu-core | fonts-noto-core",
              "fonts-noto-cjk")

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
POSTINST = f"""#!/bin/sh
set -e
if [ "$1" = "configure" ]; then
{_REFRESH}fi
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
    return (
        f"Package: {PACKAGE}\n"
        f"Version: {version}\n"
        "Section: science\n"
        "Priority: optional\n"
        f"Architecture: {deb_architecture()}\n"
        f"Maintainer: {bundle.PUBLISHER} <support@lightbox.invalid>\n"
        f"Installed-Size: {installed_kib}\n"
        f"Depends: {', '.join(DEPENDS)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Homepage: https://lightbox.invalid/\n"
        f"Description: {bundle.DESCRIPTION}\n"
        " Lightbox opens DICOM studies and plain images and runs bundled AI models\n"
        " locally on the CPU (ONNX Runtime). It makes no network connection.\n"
        " Installed to /opt/lightbox; site configuration in /etc/lightbox/lightbox.toml;\n"
        " check an install with `lightbox --self-test`.\n"
    )


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


def build_deb(folder: Path, out_dir: Path) -> Path:
    """``<out_dir>/lightbox_<version>_<arch>.deb`` from the frozen ``folder``."""
    if shutil.which("dpkg-deb") is None:
        raise SystemExit("build.py --deb needs dpkg-deb (Debian/Ubuntu: apt-get install dpkg)")
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
        meta = root / "DEBIAN"
        meta.mkdir()
        (meta / "control").write_text(control(_tree_kib(root)), encoding="utf-8")
        for name, text in (("postinst", POSTINST), ("postrm", POSTRM)):
            (meta / name).write_text(text, encoding="utf-8")
            (meta / name).chmod(0o755)
        for path in root.rglob("*"):  # packaged files belong to root and are world-readable
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() or os.access(path, os.X_OK) else 0o644)
        partial = target.with_name(target.name + ".part")
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root),
                        str(partial)], check=True, stdout=subprocess.DEVNULL)
        partial.replace(target)
    return target


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
