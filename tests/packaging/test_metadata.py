"""The packaging files agree with the package and with each other (fast, no build).

Version, names and paths appear in the spec's lists (packaging/bundle.py), the Inno Setup
script, the .deb's control file, the desktop entry, the MIME type and docs/install.md;
these tests catch the one that was forgotten when another changed.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import bundle
import linux_packages
import pytest
from PIL import Image

import viewer
from viewer.host import folders as config
from viewer.inference import registry

ROOT = bundle.ROOT
ISS = ROOT / "packaging" / "windows" / "lightbox.iss"
SPEC = ROOT / "packaging" / "lightbox.spec"
INSTALL_MD = ROOT / "docs" / "install.md"


def iss_defines() -> dict[str, str]:
    text = ISS.read_text(encoding="utf-8")
    return dict(re.findall(r'^\s*#define\s+(\w+)\s+"([^"]*)"', text, re.MULTILINE))


def iss_setup() -> dict[str, str]:
    section = ISS.read_text(encoding="utf-8").split("[Setup]", 1)[1].split("\n[", 1)[0]
    return dict(re.findall(r"^(\w+)=(.*)$", section, re.MULTILINE))


# --- one version everywhere ------------------------------------------------------------


def test_every_installer_carries_the_package_version() -> None:
    assert bundle.version() == viewer.__version__
    assert iss_defines()["AppVersion"] == viewer.__version__
    setup = iss_setup()
    for key in ("AppVersion", "VersionInfoVersion", "VersionInfoProductVersion"):
        assert setup[key] == "{#AppVersion}", key
    assert "{#AppVersion}" in setup["OutputBaseFilename"]
    control = linux_packages.control(installed_kib=1234)
    assert f"\nVersion: {viewer.__version__}\n" in control
    assert "\nInstalled-Size: 1234\n" in control
    assert "version=VERSION" in SPEC.read_text(encoding="utf-8")  # the macOS bundle


# --- the Windows installer matches the spec and the app ---------------------------------


def test_inno_setup_installs_the_programs_the_spec_builds() -> None:
    defines = iss_defines()
    spec = SPEC.read_text(encoding="utf-8")
    # The spec's Windows branch builds these two programs into dist/<EXE_NAME>/.
    assert 'f"{bundle.EXE_NAME}-cli"' in spec and "executable(bundle.APP_NAME" in spec
    assert defines["AppExe"] == f"{bundle.APP_NAME}.exe"
    assert defines["CliExe"] == f"{bundle.EXE_NAME}-cli.exe"
    build_dir = (ISS.parent / defines["BuildDir"].replace("\\", "/")).resolve()
    assert build_dir == ROOT / "dist" / bundle.EXE_NAME
    assert (ISS.parent / iss_setup()["SetupIconFile"].replace("\\", "/")).resolve() == (
        ROOT / "assets" / "icons" / "lightbox.ico")
    assert defines["AppName"] == bundle.APP_NAME


def test_inno_setup_uses_the_site_configuration_folder_the_app_reads(monkeypatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delenv(config.SITE_ENV, raising=False)
    monkeypatch.setenv("PROGRAMDATA", "C:/ProgramData")
    site = config.site_config_path()
    text = ISS.read_text(encoding="utf-8")
    # {commonappdata} is %PROGRAMDATA%; the example goes beside the file IT writes.
    assert site.parent.name == bundle.APP_NAME
    assert 'DestDir: "{commonappdata}\\{#AppName}"' in text
    assert f'Source: "..\\{linux_packages.SITE_EXAMPLE.name}"' in text
    assert "uninsneveruninstall" in text  # uninstalling leaves IT's configuration


def test_install_guide_documents_the_installers_switches_and_places(monkeypatch) -> None:
    guide = INSTALL_MD.read_text(encoding="utf-8")
    for switch in ("/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", "/DIR=", "/LOG=", "/TASKS="):
        assert switch in guide, switch
    assert re.search(r"^Name: \"associate\"", ISS.read_text(encoding="utf-8"), re.MULTILINE)
    app_id = re.search(r"AppId=\{(\{[0-9A-F-]+\})", ISS.read_text(encoding="utf-8")).group(1)
    assert app_id in guide
    monkeypatch.delenv(config.SITE_ENV, raising=False)
    for platform, shown in (("linux", "/etc/lightbox/lightbox.toml"),
                            ("darwin", "/Library/Application Support/Lightbox/lightbox.toml")):
        monkeypatch.setattr(sys, "platform", platform)
        assert str(config.site_config_path()) == shown
        assert shown in guide
    assert "%PROGRAMDATA%\\Lightbox\\lightbox.toml" in guide
    assert linux_packages.INSTALL_DIR in guide
    assert f"lightbox_{viewer.__version__}_amd64.deb" in guide
    assert "--self-test" in guide


# --- what goes in, what stays out ---------------------------------------------------------


def test_build_time_tools_tests_and_unused_qt_stay_out() -> None:
    for name in ("torch", "onnx", "onnxscript", "viewer.modelkit", "tests", "pytest",
                 "PySide6.QtWebEngineCore", "PySide6.QtNetwork", "PySide6.QtQml",
                 "PySide6.QtQuick", "_hashlib", "cryptography",
                 # the server extra (viewer/service): never in the workstation executable
                 "viewer.service", "fastapi", "starlette", "uvicorn", "pydantic",
                 "pydantic_core", "python_multipart", "prometheus_client",
                 # Ray (`lightbox batch --ray`): the server extra as well
                 "ray", "viewer.service.ray_batch", "viewer.service.ray_serve"):
        assert name in bundle.EXCLUDES, name
    assert "cryptography" in bundle.FORBIDDEN_IN_BUILD  # Ed25519 is libsodium's (PyNaCl)
    assert not {"Qt6Network", "Qt6WebEngineCore", "Qt6Quick", "Qt6Qml"} & set(bundle.QT_LIBRARIES)
    assert not any(p.startswith(("tls/", "networkinformation/")) for p in bundle.QT_PLUGINS)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_nothing_the_app_imports_is_excluded() -> None:
    """An import of an excluded module would fail only in the frozen app."""
    excluded = set(bundle.EXCLUDES)
    offending = []
    for path in sorted((ROOT / "viewer").rglob("*.py")):
        if "modelkit" in path.parts or "service" in path.parts:
            continue  # build time; the server extra (never frozen)
        for module in _imports(path):
            parts = module.split(".")
            prefixes = {".".join(parts[: i + 1]) for i in range(len(parts))}
            # `lightbox serve` imports the server extra inside a try: frozen, it says to
            # install lightbox[server] (tests/service/test_service.py)
            serve = path.name == "serve.py" and module.startswith(("viewer.service", "uvicorn"))
            # so does `lightbox batch --ray` (tests/batch/test_batch.py)
            serve |= path.name == "batch.py" and module == "viewer.service.ray_batch"
            # and `lightbox serve --ray` (tests/service/test_ray_serve.py)
            serve |= path.name == "serve.py" and module == "viewer.service.ray_batch"
            # `lightbox audit report` draws with the report extra, imported inside a try:
            # frozen, it says where lightbox[report] is (tests/audit/test_report.py)
            serve |= path.as_posix().endswith("viewer/audit/report/render.py") and \
                module.startswith("matplotlib")
            if prefixes & excluded and not module.startswith("viewer.modelkit") and not serve:
                offending.append(f"{path.relative_to(ROOT)}: {module}")
    # viewer/cli.py imports viewer.modelkit by name, at run time, on purpose.
    assert offending == []


def test_bundled_models_land_where_the_frozen_app_looks(monkeypatch, tmp_path) -> None:
    folders = dict(bundle.data_folders())
    artifacts = sorted(p.name for p in (ROOT / "models").iterdir()
                       if (p / "manifest.json").is_file())
    assert artifacts, "no bundled models to ship"
    assert all(folders[f"models/{m}"] == f"models/{m}" for m in artifacts)
    assert not any("recipes" in src for src in folders)
    assert folders["assets"] == "assets"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert registry.bundled_models_dir() == tmp_path / "models"


def test_pylibjpeg_decoders_travel_with_their_entry_point_metadata() -> None:
    for name in ("pylibjpeg", "pylibjpeg-libjpeg", "pylibjpeg-openjpeg", "pylibjpeg-rle"):
        assert name in bundle.METADATA_PACKAGES
    from importlib.metadata import entry_points

    decoders = {ep.value.split(":")[0].split(".")[0]
                for ep in entry_points(group="pylibjpeg.pixel_data_decoders")}
    assert decoders <= set(bundle.HIDDEN_IMPORTS) | {"pylibjpeg"}


@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("readelf") is None,
                    reason="reads ELF files with readelf")
def test_kept_qt_plugins_need_only_kept_qt_libraries() -> None:
    import fnmatch

    import PySide6

    plugins = Path(PySide6.__file__).parent / "Qt" / "plugins"
    kept = [p for p in plugins.glob("*/*.so")
            if any(fnmatch.fnmatch(str(p.relative_to(plugins)), pat) for pat in bundle.QT_PLUGINS)]
    assert any("qxcb" in p.name for p in kept) and any("qoffscreen" in p.name for p in kept)
    missing = {}
    for plugin in kept:
        listing = subprocess.run(["readelf", "-d", str(plugin)], capture_output=True,
                                 text=True, check=True).stdout
        qt = set(re.findall(r"\[lib(Qt6\w+)\.so", listing))
        if qt - set(bundle.QT_LIBRARIES):
            missing[plugin.name] = sorted(qt - set(bundle.QT_LIBRARIES))
    assert missing == {}


def test_the_pydicom_samples_the_app_opens_are_shipped() -> None:
    from viewer.io.demo import DEMO_SAMPLES

    samples = bundle.pydicom_samples()
    assert "test_files/CT_small.dcm" in samples
    assert {f"test_files/{n}" for n in DEMO_SAMPLES} <= set(samples)


# --- Linux desktop integration -----------------------------------------------------------


def test_desktop_entry_is_valid_and_opens_dicom() -> None:
    path = linux_packages.DESKTOP_FILE
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
        assert done.returncode == 0 and "error" not in done.stdout, done.stdout + done.stderr
    elif os.environ.get("CI"):  # CI installs desktop-file-utils: a missing one is our bug
        pytest.fail("desktop-file-validate is missing: CI must install desktop-file-utils")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # keys are case-sensitive
    entry.read(path, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application" and desktop["Name"] == bundle.APP_NAME
    assert desktop["Exec"].split()[0] == bundle.EXE_NAME and "%F" in desktop["Exec"]
    assert desktop["Icon"] == bundle.APP_ID == path.stem
    assert desktop["Terminal"] == "false"
    assert "application/dicom" in desktop["MimeType"].split(";")
    assert desktop["Categories"].endswith(";")


def test_mime_type_recognises_a_real_dicom_file(pydicom_files) -> None:
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    tree = ET.parse(linux_packages.MIME_FILE)
    mime = tree.getroot().find("m:mime-type", ns)
    assert mime.get("type") == "application/dicom"
    assert "*.dcm" in [g.get("pattern") for g in mime.findall("m:glob", ns)]
    match = mime.find("m:magic/m:match", ns)
    offset, value = int(match.get("offset")), match.get("value").encode()
    assert (pydicom_files / "CT_small.dcm").read_bytes()[offset : offset + len(value)] == value


def test_icons_exist_in_every_size_the_packages_install() -> None:
    icons = ROOT / "assets" / "icons"
    pngs = sorted(icons.glob("lightbox-*.png"))
    assert len(pngs) >= 6
    for png in pngs:
        size = int(png.stem.rsplit("-", 1)[1])
        with Image.open(png) as image:
            assert image.size == (size, size) and image.mode == "RGBA"
    svg = ET.parse(icons / "lightbox.svg").getroot()
    assert svg.tag.endswith("svg") and svg.get("viewBox") == "0 0 256 256"
    with Image.open(icons / "lightbox.ico") as ico:
        assert (256, 256) in ico.info["sizes"] and (16, 16) in ico.info["sizes"]
    with Image.open(icons / "lightbox.icns") as icns:
        assert icns.size[0] >= 512


def test_deb_depends_name_each_package_once() -> None:
    names = [alt.split()[0] for dep in linux_packages.DEPENDS for alt in dep.split("|")]
    assert len(names) == len(set(names))
    assert "libxcb-cursor0" in names  # Qt >= 6.5's xcb plugin will not load without it


def test_build_script_explains_itself() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    for option in ("--onefile", "--deb", "--archive", "--no-build"):
        assert option in done.stdout
