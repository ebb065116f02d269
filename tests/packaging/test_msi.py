"""The Windows MSI, built here on Linux with wixl and read back with msiinfo and msidump.

What Windows Installer would do with it (install, upgrade, SITECONFIG's copy) needs a
Windows machine; these tests check what can be checked without one: the tables, the
properties IT relies on, the custom action and its condition, and that the files in the
MSI are exactly the payload's, at the same paths. They need wixl and msitools (Debian 12:
``apt-get install wixl msitools``; CI installs them) and are skipped without them.
``LIGHTBOX_MSI`` (set by CI after ``build.py --msi --payload dist/lightbox``) adds the
check of the MSI built from the frozen folder build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import msi
import pytest

import viewer

ROOT = msi.ROOT
INSTALL_MD = ROOT / "docs" / "install.md"
MSI_ENV = "LIGHTBOX_MSI"
UPGRADE_CODE = "{4E0B7C1D-5A39-4F62-8D1E-7B3C2A9F6E41}"
TABLES = {"File", "Component", "Directory", "Property", "Shortcut", "Upgrade",
          "CustomAction", "InstallExecuteSequence", "LaunchCondition", "Feature",
          "FeatureComponents", "Media"}

needs_msitools = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("wixl", "msiinfo", "msidump", "msiextract")),
    reason="wixl/msiinfo/msidump/msiextract not installed (Debian 12: apt-get install wixl msitools)")


def make_payload(folder: Path) -> Path:
    """A stub payload laid out like the Windows folder build: a layout test, not a product."""
    files = {
        "Lightbox.exe": b"MZ stub: not a program",
        "lightbox-cli.exe": b"MZ stub",
        "_internal/python311.dll": b"x" * 1000,
        "_internal/PySide6/plugins/platforms/qwindows.dll": b"q",
        "_internal/viewer/assets/presets.json": b"{}",
        "_internal/models/demo model/manifest.json": b"{}",
    }
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def table(package: Path, name: str) -> list[dict[str, str]]:
    """Rows of an MSI table, from ``msiinfo export`` (the first three lines are headers)."""
    text = subprocess.run(["msiinfo", "export", str(package), name], capture_output=True,
                          text=True, check=True).stdout
    lines = text.split("\r\n") if "\r\n" in text else text.splitlines()
    columns = lines[0].split("\t")
    return [dict(zip(columns, line.split("\t"), strict=True)) for line in lines[3:] if line]


def properties(package: Path) -> dict[str, str]:
    return {row["Property"]: row["Value"] for row in table(package, "Property")}


def installed_files(package: Path) -> dict[str, int]:
    """Every file of the MSI as its path under INSTALLDIR (``/``-separated) and size."""
    parents = {row["Directory"]: (row["Directory_Parent"], row["DefaultDir"])
               for row in table(package, "Directory")}

    def path(directory: str) -> str | None:
        if directory == "INSTALLDIR":
            return ""
        if directory not in parents or not parents[directory][0]:
            return None  # outside INSTALLDIR
        above = path(parents[directory][0])
        name = parents[directory][1].split("|")[-1]  # "SHORT~1|long name"
        return None if above is None else f"{above}{name}/"

    where = {row["Component"]: path(row["Directory_"]) for row in table(package, "Component")}
    return {where[row["Component_"]] + row["FileName"].split("|")[-1]: int(row["FileSize"])
            for row in table(package, "File") if where[row["Component_"]] is not None}


def payload_sizes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_size
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def stub_msi(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not (shutil.which("wixl") and shutil.which("msiinfo")):
        pytest.skip("wixl/msiinfo not installed (Debian 12: apt-get install wixl msitools)")
    payload = make_payload(tmp_path_factory.mktemp("payload"))
    return payload, msi.build_msi(payload, tmp_path_factory.mktemp("out"))


# --- the generated fragment (no wixl needed) ------------------------------------------


def test_component_guids_stay_the_same_from_build_to_build(tmp_path: Path) -> None:
    payload = make_payload(tmp_path)
    first = msi.payload_fragment(payload)
    assert first == msi.payload_fragment(payload)
    guid = msi.component_guid("_internal/python311.dll")
    assert re.fullmatch(r"[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}", guid)
    assert f'Guid="{guid}"' in first
    # Windows paths are case-insensitive: a renamed case is the same component.
    assert msi.component_guid("_Internal/Python311.DLL") == guid
    # Every file once, every identifier a valid MSI identifier.
    assert first.count("<File ") == len(payload_sizes(payload))
    for ident in re.findall(r' Id="([^"]+)"', first):
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]{0,71}", ident), ident


def test_a_version_msi_cannot_carry_is_refused() -> None:
    assert msi.msi_version(viewer.__version__) == viewer.__version__
    with pytest.raises(msi.MsiError, match="numeric version"):
        msi.msi_version("0.2.0.dev1")


def test_a_link_out_of_the_payload_is_refused(tmp_path: Path) -> None:
    payload = make_payload(tmp_path / "payload")
    (payload / "outside").symlink_to(tmp_path)
    with pytest.raises(msi.MsiError, match="not to a file in the payload"):
        msi.payload_files(payload)


def test_names_windows_cannot_hold_are_refused(tmp_path: Path) -> None:
    (tmp_path / "Readme.txt").write_bytes(b"a")
    (tmp_path / "README.txt").write_bytes(b"b")
    with pytest.raises(msi.MsiError, match="differ only in case"):
        msi.payload_files(tmp_path)
    (tmp_path / "README.txt").unlink()
    (tmp_path / "\u8aac\u660e.txt").write_bytes(b"c")
    with pytest.raises(msi.MsiError, match="code page"):
        msi.payload_files(tmp_path)


def test_an_empty_payload_is_refused(tmp_path: Path) -> None:
    with pytest.raises(msi.MsiError, match="holds no files"):
        msi.payload_files(tmp_path)


# --- the MSI, built with wixl and read back ---------------------------------------------


@needs_msitools
def test_the_msi_has_the_tables_and_properties_it_needs(stub_msi: tuple[Path, Path]) -> None:
    _, package = stub_msi
    assert package.name == f"lightbox-{viewer.__version__}-windows-x64.msi"
    tables = set(subprocess.run(["msiinfo", "tables", str(package)], capture_output=True,
                                text=True, check=True).stdout.split())
    assert tables >= TABLES, TABLES - tables
    props = properties(package)
    assert props["ALLUSERS"] == "1"  # per machine
    assert props["UpgradeCode"] == UPGRADE_CODE  # fixed: upgrades replace in place
    assert props["ProductVersion"] == viewer.__version__
    assert props["ProductName"] == "Lightbox"
    assert "WIX_UPGRADE_DETECTED" in props["SecureCustomProperties"]
    info = subprocess.run(["msiinfo", "suminfo", str(package)], capture_output=True,
                          text=True, check=True).stdout
    assert "Template: x64;1033" in info
    for row in table(package, "Component"):  # 64-bit components (msidbComponentAttributes64bit)
        assert int(row["Attributes"]) & 256, row["Component"]


@needs_msitools
def test_siteconfig_is_copied_to_programdata_after_the_files(stub_msi: tuple[Path, Path]) -> None:
    _, package = stub_msi
    actions = {row["Action"]: row for row in table(package, "CustomAction")}
    copy = actions["CopySiteConfig"]
    assert copy["Target"] == '/d /c copy /y "[SITECONFIG]" "[SITEDIR]lightbox.toml"'
    # 50 (an EXE named by a property) + 1024 deferred + 2048 no impersonation (as SYSTEM).
    assert int(copy["Type"]) == 50 + 1024 + 2048
    assert actions["SetLightboxCmd"]["Target"] == "[System64Folder]cmd.exe"
    sequence = {row["Action"]: row for row in table(package, "InstallExecuteSequence")}
    assert sequence["CopySiteConfig"]["Condition"] == "SITECONFIG AND NOT REMOVE"
    assert (int(sequence["InstallFiles"]["Sequence"])
            < int(sequence["CopySiteConfig"]["Sequence"])
            < int(sequence["InstallFinalize"]["Sequence"]))
    assert int(sequence["SetLightboxCmd"]["Sequence"]) < int(
        sequence["InstallInitialize"]["Sequence"])
    directories = {row["Directory"]: row for row in table(package, "Directory")}
    assert directories["SITEDIR"]["Directory_Parent"] == "CommonAppDataFolder"
    assert directories["INSTALLDIR"]["Directory_Parent"] == "ProgramFiles64Folder"
    # The example ships beside the site file; the site file itself is never in the MSI,
    # so an uninstall or an upgrade never removes IT's configuration.
    files = {row["FileName"].split("|")[-1] for row in table(package, "File")}
    assert "lightbox.toml.example" in files
    assert "lightbox.toml" not in files


@needs_msitools
def test_the_start_menu_shortcut_starts_the_viewer(stub_msi: tuple[Path, Path]) -> None:
    _, package = stub_msi
    (shortcut,) = table(package, "Shortcut")
    assert shortcut["Directory_"] == "ProgramMenuFolder"
    assert shortcut["Target"] == "[INSTALLDIR]Lightbox.exe"
    assert shortcut["WkDir"] == "INSTALLDIR"
    conditions = {row["Condition"] for row in table(package, "LaunchCondition")}
    assert {"Installed OR VersionNT64", "Installed OR Privileged",
            "NOT WIX_DOWNGRADE_DETECTED"} <= conditions


@needs_msitools
def test_the_files_in_the_msi_are_the_payload(stub_msi: tuple[Path, Path]) -> None:
    payload, package = stub_msi
    assert installed_files(package) == payload_sizes(payload)


@needs_msitools
def test_the_cabinet_holds_the_payload_s_bytes(stub_msi: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    payload, package = stub_msi
    # msiextract writes each file under its folder's name, without the system folder
    # (Program Files, ProgramData) above it: both are "Lightbox" here.
    subprocess.run(["msiextract", "-C", str(tmp_path), str(package)], check=True,
                   capture_output=True)
    out = tmp_path / "Lightbox"
    for relative in payload_sizes(payload):
        assert (out / relative).read_bytes() == (payload / relative).read_bytes(), relative
    assert (out / "lightbox.toml.example").read_bytes() == msi.EXAMPLE.read_bytes()


@needs_msitools
def test_msidump_reads_every_table_and_the_cabinet(stub_msi: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    _, package = stub_msi
    # cwd too: msidump 0.101 writes binary columns (the icon) under the current folder.
    subprocess.run(["msidump", "--tables", "--streams", "--directory", str(tmp_path),
                    str(package)], check=True, capture_output=True, cwd=tmp_path)
    dumped = {p.stem for p in tmp_path.glob("*.idt")}
    assert dumped >= TABLES, TABLES - dumped
    streams = list((tmp_path / "_Streams").iterdir())
    assert any(p.suffix == ".cab" and p.stat().st_size > 0 for p in streams), streams
    icon = tmp_path / "Icon" / "Icon.LightboxIcon"  # Add/Remove Programs' icon
    assert icon.read_bytes() == msi.ICON.read_bytes()


@needs_msitools
def test_rebuilding_keeps_every_component_guid(stub_msi: tuple[Path, Path],
                                               tmp_path: Path) -> None:
    payload, package = stub_msi
    again = msi.build_msi(payload, tmp_path)
    guids = {row["Component"]: row["ComponentId"] for row in table(package, "Component")}
    assert guids == {row["Component"]: row["ComponentId"] for row in table(again, "Component")}
    assert properties(again)["ProductCode"] != properties(package)["ProductCode"]


@needs_msitools
def test_a_payload_without_lightbox_exe_is_labelled_a_layout_test(tmp_path: Path) -> None:
    payload = tmp_path / "linux"
    payload.mkdir()
    (payload / "lightbox").write_bytes(b"\x7fELF stub")
    package = msi.build_msi(payload, tmp_path / "out")
    assert "LAYOUT-TEST" in package.name
    assert "layout test" in properties(package)["ProductName"]


def test_build_py_says_what_is_wrong_with_the_payload(tmp_path: Path) -> None:
    import build

    assert build.main(["--msi", "--payload", str(tmp_path / "missing")]) == 1


# --- the MSI CI builds from the frozen folder build --------------------------------------


def test_the_msi_of_the_frozen_build_holds_its_files(frozen_dir: Path) -> None:
    value = os.environ.get(MSI_ENV)
    if not value:
        pytest.skip(f"no MSI of the frozen build: set {MSI_ENV} after build.py --msi")
    installed = installed_files(Path(value))
    assert installed == payload_sizes(frozen_dir)


# --- docs/install.md ------------------------------------------------------------------------


def test_the_documented_msiexec_commands_use_properties_the_msi_reads(tmp_path: Path) -> None:
    text = INSTALL_MD.read_text(encoding="utf-8")
    commands = [line for line in text.splitlines() if line.startswith("msiexec ")]
    name = msi.output_name(viewer.__version__, make_payload(tmp_path))
    assert commands and all(f" {name} " in c for c in commands), name
    assert UPGRADE_CODE in text and UPGRADE_CODE[1:-1] in msi.WXS.read_text(encoding="utf-8")
    assert any(" /i " in c and " /qn" in c and "SITECONFIG=" in c for c in commands)
    assert any(" /x " in c and " /qn" in c for c in commands)
    wxs = msi.WXS.read_text(encoding="utf-8")
    for command in commands:
        for name in re.findall(r"\b([A-Z][A-Z0-9_]+)=", command):
            assert f"[{name}]" in wxs or f'Id="{name}"' in wxs, name
