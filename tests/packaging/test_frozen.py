"""The frozen build works as the product: run its executable as IT and a reader would.

Runs only with ``LIGHTBOX_FROZEN_DIR`` naming a folder build (``dist/lightbox``); CI
builds it with ``python packaging/build.py`` and then runs these. Every check compares
the frozen program with the source it was built from, in this same run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import bundle
import numpy as np
import pytest
from PIL import Image

import viewer

LIMIT_S = 300


@pytest.fixture(scope="module")
def exe(frozen_dir) -> Path:
    name = f"{bundle.EXE_NAME}-cli.exe" if os.name == "nt" else bundle.EXE_NAME
    path = frozen_dir / name
    assert path.is_file(), f"no {name} in {frozen_dir}"
    return path


def run(exe: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    # The session fixtures point caches, config and audit at temporary folders; Qt draws
    # offscreen. Nothing else from the developer's environment may help the build.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=LIMIT_S)


def test_version(exe) -> None:
    done = run(exe, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Lightbox {viewer.__version__}"


def test_self_test_passes(exe, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    done = run(exe, "--self-test")
    report = done.stdout + done.stderr
    assert done.returncode == 0, report
    assert not re.search(r"^FAIL", done.stdout, re.MULTILINE), report
    # Every decoder was exercised in the build (pylibjpeg found its plugins).
    for codec in ("JPEG", "JPEG-LS", "JPEG 2000", "RLE"):
        assert re.search(rf"^OK .*{re.escape(codec)}", done.stdout, re.MULTILINE | re.I), report


@pytest.fixture(scope="module")
def phantom(tmp_path_factory) -> Path:
    from viewer.io.demo import write_phantom_series

    folder = tmp_path_factory.mktemp("phantom")
    write_phantom_series(folder)
    return folder


def test_info_reads_the_demo_phantom(exe, phantom) -> None:
    done = run(exe, "info", str(phantom), "--json")
    assert done.returncode == 0, done.stderr
    tree = json.loads(done.stdout)
    (study,) = tree["studies"]
    (series,) = study["series"]
    assert series["modality"] == "CT" and series["images"] == 64
    assert tree["problems"] == []


def test_infer_writes_dicom_seg_and_sr_from_the_build(exe, phantom, tmp_path) -> None:
    """highdicom (and its standard tables) work frozen: SEG and SR are written and read."""
    import pydicom

    out = tmp_path / "dicom"
    for model in ("ct-body-seg", "ct-lesion-det"):
        done = run(exe, "infer", str(phantom), "--model", model, "--frame", "44",
                   "--out", str(out), "--dicom")
        assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in out.rglob("*.dcm"))
    assert any("seg" in n for n in written) and any("sr" in n for n in written), written
    for path in out.rglob("*.dcm"):
        ds = pydicom.dcmread(path)
        makers = [item.Manufacturer for item in ds.ContributingEquipmentSequence]
        assert "Lightbox" in makers, makers


def test_burned_in_capture_from_the_build_equals_the_source(exe, phantom, tmp_path) -> None:
    """The Secondary Capture's banner is drawn with Pillow's bitmap font, so the build,
    which ships Pillow without FreeType and LittleCMS, burns the very same pixels."""
    import pydicom

    from viewer.cli.ai import infer_main

    frozen, source = tmp_path / "frozen", tmp_path / "source"
    args = ["--model", "ct-lesion-det", "--frame", "44", "--dicom", "--dicom-sc"]
    done = run(exe, "infer", str(phantom), *args, "--out", str(frozen))
    assert done.returncode == 0, done.stderr
    assert infer_main([str(phantom), *args, "--out", str(source)]) == 0
    (built,) = frozen.glob("*-sc-*.dcm")
    pixels = pydicom.dcmread(built).pixel_array
    assert np.array_equal(pixels, pydicom.dcmread(source / built.name).pixel_array)
    assert (pixels[2:13, 3:90] == 255).all(axis=-1).sum() > 50  # the banner's text
    internal = frozen_internal(exe)
    assert not list(internal.rglob("_imagingft*")) and not list(internal.rglob("_imagingcms*"))


def frozen_internal(exe: Path) -> Path:
    return exe.parent / "_internal" if (exe.parent / "_internal").is_dir() else exe.parent


@pytest.mark.parametrize("model", ["ct-body-seg", "ct-lesion-det", "ct-lesion-cls"])
def test_infer_gives_the_same_result_as_the_source(exe, phantom, model, tmp_path) -> None:
    frozen, source = tmp_path / "frozen", tmp_path / "source"
    done = run(exe, "infer", str(phantom), "--model", model, "--frame", "44",
               "--out", str(frozen))
    assert done.returncode == 0, done.stderr
    from viewer.cli.ai import infer_main

    assert infer_main([str(phantom), "--model", model, "--frame", "44",
                       "--out", str(source)]) == 0
    written = sorted(p.name for p in frozen.iterdir())
    assert written == sorted(p.name for p in source.iterdir())
    assert any(name.endswith(".json") for name in written)
    for name in written:
        if name.endswith(".json"):
            assert json.loads((frozen / name).read_text()) == json.loads(
                (source / name).read_text()), name
        else:
            assert np.array_equal(np.asarray(Image.open(frozen / name)),
                                  np.asarray(Image.open(source / name))), name


#: One pydicom sample per pixel-data decoder the frozen app must carry.
COMPRESSED = {
    "JPEG baseline": "SC_rgb_jpeg_dcmtk.dcm",
    "JPEG extended": "JPGExtended.dcm",
    "JPEG-LS lossless": "MR_small_jpeg_ls_lossless.dcm",
    "JPEG-LS near-lossless": "JPEGLSNearLossless_16.dcm",
    "JPEG 2000": "JPEG2000.dcm",
    "JPEG 2000 lossless": "MR_small_jp2klossless.dcm",
    "RLE": "MR_small_RLE.dcm",
}


@pytest.mark.parametrize("codec", list(COMPRESSED))
def test_render_decodes_compressed_dicom_like_the_source(exe, codec, pydicom_files,
                                                         tmp_path) -> None:
    from viewer.cli.main import render_file

    sample = pydicom_files / COMPRESSED[codec]
    out = tmp_path / "frozen.png"
    done = run(exe, "render", str(sample), "-o", str(out))
    assert done.returncode == 0, done.stderr
    render_file(sample, tmp_path / "source.png")
    frozen = np.asarray(Image.open(out))
    assert frozen.std() > 0, "a blank image"
    assert np.array_equal(frozen, np.asarray(Image.open(tmp_path / "source.png")))


def test_screenshot_of_the_demo_study(exe, tmp_path) -> None:
    """The window opens offscreen and shows the demo study, whose compressed samples
    are decoded in the decoder pool's worker processes (frozen multiprocessing)."""
    out = tmp_path / "demo.png"
    done = run(exe, "--demo", "--screenshot", str(out))
    assert done.returncode == 0, done.stderr
    image = np.asarray(Image.open(out).convert("L"))
    assert image.shape[0] >= 400 and image.shape[1] >= 600
    assert image.std() > 10, "the window is blank"
    assert "Traceback" not in done.stderr


def test_japanese_ui_from_the_build(exe, tmp_path, monkeypatch) -> None:
    """With the language set to Japanese, the window differs from the English one: the
    build holds Lightbox's own catalogue (once dropped with Qt's unused ones) and Qt's."""
    internal = exe.parent / "_internal" if (exe.parent / "_internal").is_dir() else exe.parent
    assert list(internal.rglob("assets/translations/lightbox_ja.qm"))
    assert list(internal.rglob("qtbase_ja.qm"))
    shots = {}
    for language in ("en", "ja"):
        config = tmp_path / language
        config.mkdir()
        (config / "preferences.json").write_text(
            json.dumps({"schema_version": 1, "language": language}), encoding="utf-8")
        monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(config))
        shots[language] = tmp_path / f"{language}.png"
        done = run(exe, "--demo", "--screenshot", str(shots[language]))
        assert done.returncode == 0, done.stderr
        assert "translation catalogue" not in done.stderr
    english, japanese = (np.asarray(Image.open(shots[k]).convert("L")) for k in ("en", "ja"))
    assert english.shape == japanese.shape and (english != japanese).any()


# --- what the build holds ------------------------------------------------------------------


def _modules(exe: Path) -> set[str]:
    readers = pytest.importorskip("PyInstaller.archive.readers")
    archive = readers.CArchiveReader(str(exe))
    pyz = next(name for name in archive.toc if name.endswith(".pyz"))
    return set(archive.open_embedded_archive(pyz).toc)


def test_build_holds_no_build_time_code(exe, frozen_dir) -> None:
    modules = _modules(exe)
    assert "viewer.cli.main" in modules and "viewer.ui.window.main_window" in modules
    for forbidden in ("torch", "onnx", "onnxscript", "viewer.modelkit", "tests", "pytest",
                      "_hashlib", "PySide6.QtNetwork", "PySide6.QtWebEngineCore", "cryptography",
                      "viewer.service", "fastapi", "starlette", "uvicorn", "pydantic",
                      "prometheus_client"):
        hits = sorted(m for m in modules if m == forbidden or m.startswith(forbidden + "."))
        assert hits == [], hits
    files = [p.relative_to(frozen_dir).as_posix() for p in frozen_dir.rglob("*")]
    for fragment in ("torch", "modelkit", "QtWebEngine", "Qt6WebEngine", "QtNetwork",
                     "Qt6Network", "Qt6Quick", "Qt6Qml", "/tests/"):
        assert [f for f in files if fragment in f] == [], fragment
    for model in (bundle.ROOT / "models").glob("*/manifest.json"):
        assert f"_internal/models/{model.parent.name}/model.onnx" in files
    assert not any("/recipes" in f for f in files)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF and its links")
def test_pillow_uses_the_system_libxcb_and_no_link_dangles(frozen_dir) -> None:
    """The spec points Pillow's core at the system's libxcb (which Xlib loads anyway)
    and leaves out Pillow's private libxcb and libXau, links to them included."""
    internal = frozen_dir / "_internal"
    private = re.compile(r"lib(xcb|Xau)-[0-9a-f]{8}\.so")  # auditwheel's names for them
    assert not [p.name for p in internal.rglob("*") if private.match(p.name)]
    assert [p for p in frozen_dir.rglob("*") if p.is_symlink() and not p.exists()] == []
    (core,) = internal.glob("PIL/_imaging.*")
    listing = subprocess.run(["ldd", str(core)], capture_output=True, text=True).stdout
    assert "libxcb.so.1 => /" in listing and "not found" not in listing


def test_build_holds_only_the_qt_pieces_it_uses(frozen_dir) -> None:
    import fnmatch

    libraries = {m.group(1) for p in frozen_dir.rglob("*Qt6*")
                 if (m := re.match(r"(?:lib)?(Qt6\w+?)(?:\.so|\.dll|$)", p.name))}
    assert {"Qt6Core", "Qt6Gui", "Qt6Widgets"} <= libraries <= set(bundle.QT_LIBRARIES)
    plugins = next(frozen_dir.rglob("plugins/platforms")).parent
    kept = [p.relative_to(plugins).as_posix() for p in plugins.glob("*/*")]
    assert kept and all(any(fnmatch.fnmatch(k, pat) for pat in bundle.QT_PLUGINS) for k in kept)
    assert any("offscreen" in k for k in kept) and any("xcb" in k for k in kept)


def test_pylibjpeg_finds_its_decoders_through_metadata_in_the_build(frozen_dir) -> None:
    internal = frozen_dir / "_internal"
    for dist in ("pylibjpeg_libjpeg", "pylibjpeg_openjpeg", "pylibjpeg_rle"):
        (info,) = internal.glob(f"{dist}-*.dist-info")
        assert "pylibjpeg.pixel_data_decoders" in (info / "entry_points.txt").read_text()


def test_every_sample_pydicom_looks_up_at_import_is_bundled(frozen_dir) -> None:
    """`import pydicom` resolves pydicom.examples at import time and would try to
    download a missing sample: the offline app must carry every one of them."""
    import pydicom.examples

    test_files = frozen_dir / "_internal" / "pydicom" / "data" / "test_files"
    names = {Path(p).relative_to(Path(p).parents[0]).name for p in
             pydicom.examples._DATASETS.values()}
    missing = sorted(n for n in names if not list(test_files.rglob(n)))
    assert not missing, f"pydicom would try to download: {missing}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ldd")
def test_every_bundled_qt_library_finds_what_it_links(frozen_dir) -> None:
    libs = [p for p in frozen_dir.rglob("*") if p.is_file() and (
        re.match(r"libQt6(Core|Gui|Widgets|DBus)\.so", p.name)
        or re.match(r"lib(icu\w+|pyside6|shiboken6)\.", p.name)
        or p.name == "libqoffscreen.so" or p.name.endswith(".abi3.so"))]
    assert len(libs) >= 8
    missing = {}
    for lib in libs:
        listing = subprocess.run(["ldd", str(lib)], capture_output=True, text=True).stdout
        lost = [line.split()[0] for line in listing.splitlines() if "not found" in line]
        if lost:
            missing[lib.name] = lost
    assert missing == {}


def test_single_file_build_if_present(frozen_dir, tmp_path, pydicom_files) -> None:
    """``build.py --onefile`` writes dist/lightbox-<version>-<os>-<arch> beside the folder."""
    found = sorted(frozen_dir.parent.glob(f"{bundle.EXE_NAME}-{viewer.__version__}-*"))
    singles = [p for p in found if p.is_file()
               and not p.name.endswith((".tar.gz", ".deb", ".asc", ".msi"))]
    if not singles:
        pytest.skip("no single-file build beside the folder")
    out = tmp_path / "j2k.png"
    assert run(singles[0], "--version").stdout.strip() == f"Lightbox {viewer.__version__}"
    done = run(singles[0], "render", str(pydicom_files / "JPEG2000.dcm"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.is_file()


def _beside(frozen_dir: Path, pattern: str) -> Path:
    found = sorted(frozen_dir.parent.glob(pattern))
    if not found:
        pytest.skip(f"no {pattern} beside the folder (python packaging/build.py --deb --archive)")
    return found[-1]


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_deb_installs_to_opt_with_desktop_integration(frozen_dir, tmp_path) -> None:
    deb = _beside(frozen_dir, f"lightbox_{viewer.__version__}_*.deb")
    field = subprocess.run(["dpkg-deb", "-f", str(deb), "Package", "Version", "Depends"],
                           capture_output=True, text=True, check=True).stdout
    assert "Package: lightbox" in field and f"Version: {viewer.__version__}" in field
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    link = root / "usr" / "bin" / "lightbox"
    assert os.readlink(link) == "/opt/lightbox/lightbox"
    share = root / "usr" / "share"
    assert (share / "applications" / f"{bundle.APP_ID}.desktop").is_file()
    assert (share / "mime" / "packages" / f"{bundle.APP_ID}.xml").is_file()
    assert (share / "icons" / "hicolor" / "48x48" / "apps" / f"{bundle.APP_ID}.png").is_file()
    assert (share / "icons" / "hicolor" / "scalable" / "apps" / f"{bundle.APP_ID}.svg").is_file()
    installed = root / "opt" / "lightbox" / "lightbox"
    assert run(installed, "--version").stdout.strip() == f"Lightbox {viewer.__version__}"


def test_portable_archive_runs_where_it_is_unpacked(frozen_dir, tmp_path) -> None:
    import tarfile

    archive = _beside(frozen_dir, f"lightbox-{viewer.__version__}-linux-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path, filter="tar")
    (top,) = tmp_path.iterdir()
    assert (top / "share" / "applications" / f"{bundle.APP_ID}.desktop").is_file()
    assert (top / "install.md").is_file()
    assert run(top / "lightbox", "--version").stdout.strip() == f"Lightbox {viewer.__version__}"


def test_pacs_echo_find_get_against_a_real_orthanc(exe, tmp_path, monkeypatch) -> None:
    """pynetdicom is frozen in and works: IT's commands against the tests' Orthanc."""
    from tests.pacs_server import running_orthanc, site_file

    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
        study = orthanc.studies["phantom"]
        assert run(exe, "pacs", "echo", "orthanc").returncode == 0
        found = run(exe, "pacs", "find", "--modality", "CT", "orthanc")
        assert found.returncode == 0 and study in found.stdout, found.stderr
        for how in ((), ("--move",)):
            shutil.rmtree(tmp_path / "store", ignore_errors=True)
            got = run(exe, "pacs", "get", "--study", study, *how, "orthanc")
            assert got.returncode == 0, got.stderr
            assert len(list((tmp_path / "store" / study).glob("*/*.dcm"))) == 64


def test_dicomweb_echo_find_get_against_a_real_orthanc(exe, tmp_path, monkeypatch) -> None:
    """dicomweb-client, requests, urllib3 are frozen in and work (QIDO-RS, WADO-RS through
    the HTTP stack), without charset_normalizer and without a word about it on stderr."""
    from tests.pacs_server import DICOMWEB_PLUGIN, running_orthanc, site_file

    if not DICOMWEB_PLUGIN.is_file():
        pytest.skip("Orthanc's DICOMweb plugin is not installed (apt-get install "
                    "orthanc-dicomweb)")

    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        site.write_text(site.read_text(encoding="utf-8")
                        + f'[dicomweb_nodes.web]\nurl = "{orthanc.dicomweb_url}"\n',
                        encoding="utf-8")
        monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
        study = orthanc.studies["phantom"]
        runs = [run(exe, "pacs", "echo", "web"),
                run(exe, "pacs", "find", "--modality", "CT", "web"),
                run(exe, "pacs", "get", "--study", study, "web")]
        assert [r.returncode for r in runs] == [0, 0, 0], [r.stderr for r in runs]
        assert study in runs[1].stdout
        assert len(list((tmp_path / "store" / study).glob("*/*.dcm"))) == 64
        assert not any("Warning" in r.stderr for r in runs), [r.stderr for r in runs]


def test_pacs_listen_stores_what_orthanc_pushes(exe, tmp_path) -> None:
    import signal

    from tests.pacs_server import running_orthanc, site_file

    with running_orthanc(tmp_path / "orthanc", tmp_path / "demo") as orthanc:
        site = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env["LIGHTBOX_SITE_CONFIG"] = str(site)
        listener = subprocess.Popen([str(exe), "pacs", "listen"], env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert listener.stderr is not None
            first = listener.stderr.readline()
            assert first.startswith("listening on port"), first + listener.stderr.read()
            orthanc.push(orthanc.studies["phantom"])
            listener.send_signal(signal.SIGINT)
            out, err = listener.communicate(timeout=LIMIT_S)
        finally:
            if listener.poll() is None:
                listener.kill()
    assert listener.returncode == 0, err
    assert len(list((tmp_path / "store" / orthanc.studies["phantom"]).glob("*/*.dcm"))) == 64
