"""The Windows MSI, built on any OS with wixl (Debian 12: ``apt-get install wixl msitools``).

``packaging/windows/lightbox.wxs`` is the product (per-machine install, Start-menu
shortcut, fixed UpgradeCode, the SITECONFIG property); this module writes the payload
fragment it refers to (``ComponentGroup Id="Payload"``: every file of a folder under
INSTALLDIR) and runs wixl. wixl has no ``heat`` that keeps component GUIDs from build to
build, so the fragment is generated here: one component per file, its GUID a UUID-5 of
the file's path inside the install folder, so an upgrade sees the same component for the
same file (Windows Installer's component rules).

A real Windows MSI needs the Windows folder build (``dist\\lightbox`` with Lightbox.exe,
built on Windows) as its payload. Any other folder, such as the Linux folder build that
CI packages, gives an MSI whose product name and file name say "layout test": it checks
the tables, properties and file list, and must never be installed.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from xml.sax.saxutils import quoteattr

import bundle

ROOT = bundle.ROOT
WXS = ROOT / "packaging" / "windows" / "lightbox.wxs"
EXAMPLE = ROOT / "packaging" / "lightbox.toml.example"
ICON = ROOT / "assets" / "icons" / "lightbox.ico"
MAIN_EXE = "Lightbox.exe"
# Never change: component GUIDs derive from it, and a changed GUID for the same file
# breaks upgrades in place.
COMPONENT_NAMESPACE = uuid.UUID("9D5C2B7E-3F14-4A86-B0C9-5E1D7A2F8C63")
WIX_NS = "http://schemas.microsoft.com/wix/2006/wi"


class MsiError(Exception):
    pass


def is_windows_payload(payload: Path) -> bool:
    return (payload / MAIN_EXE).is_file()


def msi_version(version: str) -> str:
    """``viewer.__version__`` as an MSI ProductVersion: up to three numbers, each < 65536.

    Windows Installer compares only major.minor.build, so a pre-release suffix cannot be
    carried; a version that is not numbers is refused rather than silently truncated.
    """
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if not match or any(int(p) > (255 if i < 2 else 65535)
                        for i, p in enumerate(g for g in match.groups() if g)):
        raise MsiError(f"version {version!r} is not an MSI ProductVersion (major.minor.build, "
                       "numbers, major and minor up to 255): set a numeric version in "
                       "viewer/__init__.py for a release")
    return ".".join(g for g in match.groups() if g)


def _ident(prefix: str, relative: str) -> str:
    """An MSI identifier (letters, digits, ``_``, ``.``; at most 72) stable for the path."""
    return prefix + hashlib.sha256(relative.encode("utf-8")).hexdigest()[:32]


def component_guid(relative: str) -> str:
    return str(uuid.uuid5(COMPONENT_NAMESPACE, relative.lower())).upper()


def payload_files(payload: Path) -> list[str]:
    """The files to install, as POSIX paths relative to ``payload``, sorted.

    An MSI holds files only. The Windows build has no links; the Linux one (a layout
    test) links a few libraries to their versioned names, and such a link to a file
    inside the payload is stored as a copy. Any other link is refused.
    """
    files: list[str] = []
    root = payload.resolve()
    for path in sorted(payload.rglob("*")):
        relative = path.relative_to(payload).as_posix()
        if path.is_symlink():
            target = path.resolve()
            if not target.is_file() or not target.is_relative_to(root):
                raise MsiError(f"{path} is a symbolic link to {target}, not to a file in "
                               "the payload; an MSI holds files only (package the Windows "
                               "folder build)")
        if path.is_file():
            try:
                relative.encode("cp1252")
            except UnicodeEncodeError:
                raise MsiError(f"{relative}: the MSI's code page (1252) cannot spell this "
                               "name; rename it in the build") from None
            files.append(relative)
    if not files:
        raise MsiError(f"the payload folder {payload} holds no files")
    seen: dict[str, str] = {}
    for relative in files:  # Windows folders ignore case; so do the component GUIDs
        other = seen.setdefault(relative.lower(), relative)
        if other != relative:
            raise MsiError(f"{other} and {relative} differ only in case: Windows cannot "
                           "hold both in one folder")
    return files


def payload_fragment(payload: Path) -> str:
    """The WiX fragment that installs every file of ``payload`` under INSTALLDIR."""
    payload = payload.resolve()
    files = payload_files(payload)
    tree: dict[str, list[str]] = {}
    for relative in files:
        parent = relative.rpartition("/")[0]
        tree.setdefault(parent, []).append(relative)
        while parent:  # every ancestor folder, even one holding only folders
            parent = parent.rpartition("/")[0]
            tree.setdefault(parent, [])
    components: list[str] = []

    def emit(folder: str, depth: int) -> list[str]:
        pad = "  " * depth
        lines: list[str] = []
        for relative in tree[folder]:
            cid = _ident("c", relative)
            components.append(cid)
            name = relative.rpartition("/")[2]
            lines += [
                f'{pad}<Component Id="{cid}" Guid="{component_guid(relative)}" Win64="yes">',
                f'{pad}  <File Id="{_ident("f", relative)}" Name={quoteattr(name)} '
                f'Source={quoteattr("payload/" + relative)} KeyPath="yes"/>',
                f"{pad}</Component>",
            ]
        children = sorted(d for d in tree if d and d.rpartition("/")[0] == folder)
        for child in children:
            lines.append(f'{pad}<Directory Id="{_ident("d", child)}" '
                         f"Name={quoteattr(child.rpartition('/')[2])}>")
            lines += emit(child, depth + 1)
            lines.append(f"{pad}</Directory>")
        return lines

    body = emit("", 3)
    refs = [f'      <ComponentRef Id="{cid}"/>' for cid in components]
    return "\n".join([
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<!-- Generated by packaging/msi.py from {payload.name}/: do not edit. -->",
        f'<Wix xmlns="{WIX_NS}">',
        "  <Fragment>",
        '    <DirectoryRef Id="INSTALLDIR">',
        *body,
        "    </DirectoryRef>",
        '    <ComponentGroup Id="Payload">',
        *refs,
        "    </ComponentGroup>",
        "  </Fragment>",
        "</Wix>",
        "",
    ])


def output_name(version: str, payload: Path) -> str:
    if is_windows_payload(payload):
        return f"lightbox-{version}-windows-x64.msi"
    return f"lightbox-{version}-LAYOUT-TEST-not-for-installation.msi"


def build_msi(payload: Path, out_dir: Path, wixl: str | None = None) -> Path:
    """Compile ``lightbox.wxs`` and the payload fragment into an MSI in ``out_dir``."""
    wixl = wixl or shutil.which("wixl")
    if wixl is None:
        raise MsiError("wixl is not installed: apt-get install wixl msitools (Debian 12)")
    if not payload.is_dir():
        raise MsiError(f"no payload folder {payload}: build it first (packaging/build.py) "
                       "or name one with --payload")
    version = bundle.version()
    windows = is_windows_payload(payload)
    product = "Lightbox" if windows else "Lightbox layout test (not for installation)"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / output_name(version, payload)
    with tempfile.TemporaryDirectory(prefix="lightbox-msi-") as name:
        tmp = Path(name)  # wixl finds sources relative to its input files only
        shutil.copy(WXS, tmp / WXS.name)
        (tmp / "payload.wxs").write_text(payload_fragment(payload), encoding="utf-8")
        (tmp / "payload").symlink_to(payload.resolve(), target_is_directory=True)
        (tmp / EXAMPLE.name).symlink_to(EXAMPLE)
        (tmp / ICON.name).symlink_to(ICON)
        partial = tmp / target.name
        command = [wixl, "--arch", "x64", "--output", str(partial),
                   "-D", f"Version={msi_version(version)}",
                   "-D", f"ProductName={product}",
                   "-D", f"MainExe={MAIN_EXE if windows else bundle.EXE_NAME}",
                   WXS.name, "payload.wxs"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=tmp)
        if result.returncode != 0 or not partial.is_file():
            raise MsiError("wixl failed: " + (result.stderr or result.stdout).strip())
        shutil.move(partial, target)  # only a finished MSI replaces the previous one
    return target
