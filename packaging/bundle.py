"""What goes into the frozen Lightbox, and what is kept out, as plain data.

The PyInstaller spec (``lightbox.spec``) applies these lists; the installer scripts and
the tests read them too, so "what the build holds" is said in one place. Nothing here
imports PyInstaller, so the fast tests can check it on any machine.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_NAME = "Lightbox"
#: Name of the executable, the folder in ``dist/`` and the installed folder (/opt/lightbox).
EXE_NAME = "lightbox"
#: Reverse-DNS id: the desktop entry, the macOS bundle and the Windows AppId derive from it.
APP_ID = "org.lightbox.Lightbox"
PUBLISHER = "Lightbox"
DESCRIPTION = "Offline DICOM viewer that runs verified AI models locally"
#: The app's own entry point (calls multiprocessing.freeze_support() before main()).
ENTRY_SCRIPT = "viewer/__main__.py"


def version() -> str:
    """``viewer.__version__``, read from the source so no import of the app is needed."""
    text = (ROOT / "viewer" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if not match:
        raise RuntimeError("viewer/__init__.py does not define __version__")
    return match.group(1)


# --- what goes in ----------------------------------------------------------------------

#: Distributions whose metadata the frozen app needs at run time. pylibjpeg and pydicom
#: find the decoders through entry points in this metadata; without it a frozen build
#: imports the decoders but never uses them, and compressed DICOM cannot be shown.
METADATA_PACKAGES = (
    "pylibjpeg",
    "pylibjpeg-libjpeg",
    "pylibjpeg-openjpeg",
    "pylibjpeg-rle",
    "pydicom",
    "numpy",
    "onnxruntime",
    "pillow",
    "highdicom",
)

#: Modules imported by name (through entry points or importlib) that the import graph
#: cannot see.
HIDDEN_IMPORTS = (
    "libjpeg",
    "openjpeg",
    "openjpeg.utils",
    "rle",
    "rle.utils",
    "pylibjpeg.utils",
    "viewer.io.loader",  # the decoder pool's forkserver preloads it by name
    "_cffi_backend",  # PyNaCl's compiled libsodium binding imports it from C
    # `lightbox pacs` (viewer.cli.main loads viewer.cli.pacs by a function-level import,
    # which the graph sees; named here so a refactor to importlib cannot drop it) and
    # pynetdicom's SOP class module, whose names are made at import time.
    "viewer.cli.pacs",
    "viewer.net.dimse",
    "viewer.net.query",
    "viewer.net.retrieve",
    "viewer.net.storage_scp",
    "viewer.net.receiver",
    "viewer.net.push",
    # DICOMweb (QIDO-RS, WADO-RS, STOW-RS), loaded only when a [dicomweb_nodes] node is used.
    "viewer.net.nodes",
    "viewer.net.web",
    "viewer.net.wado",
    "viewer.net.stow",
    # the viewer's Search PACS window, imported by the main window when first opened
    "viewer.ui.window.pacs_search",
    "viewer.state.pacs_search",
    "pynetdicom.sop_class",
)

#: Optional Lightbox modules, frozen when they exist (written by other parts of the app).
OPTIONAL_MODULES = ("viewer.cli.selftest", "viewer.host.settings", "viewer.host.logs", "viewer.crash")

#: ``(source relative to the repository, destination inside the bundle)``. Each bundled
#: model goes in as ``models/<id>`` (what ``bundled_models_dir()`` looks for under
#: ``sys._MEIPASS``); ``models/recipes`` is build-time source and stays out.
def data_folders() -> list[tuple[str, str]]:
    folders = [("assets", "assets")]
    models = ROOT / "models"
    for child in sorted(models.iterdir()) if models.is_dir() else []:
        if child.is_dir() and (child / "manifest.json").is_file():
            folders.append((f"models/{child.name}", f"models/{child.name}"))
    return folders


#: pydicom's data the frozen app reads: character sets, palettes, the download tables
#: (``pydicom.data`` refuses to start without them; nothing is ever downloaded), and the
#: sample files ``import pydicom`` looks up (``pydicom.examples``) plus the demo study's
#: (``viewer.io.demo.DEMO_SAMPLES``). A sample missing from the bundle would make pydicom
#: look for it on the internet; the spec adds them by name.
PYDICOM_DATA = ("charset_files/*", "palettes/*", "urls.json", "hashes.json")


def pydicom_samples() -> list[str]:
    """Paths under ``pydicom/data`` of the sample files the frozen app needs."""
    import pydicom.data
    import pydicom.examples

    from viewer.io.demo import DEMO_SAMPLES

    # `import pydicom` imports pydicom.examples, which looks its samples up at import
    # time and would try to DOWNLOAD any that is missing: they must all be bundled.
    root = Path(pydicom.data.__file__).parent
    wanted = {Path(p) for p in pydicom.examples._DATASETS.values()}
    wanted |= {Path(pydicom.data.get_testdata_file(n, download=False)) for n in DEMO_SAMPLES}
    return sorted(p.resolve().relative_to(root.resolve()).as_posix() for p in wanted)


# --- what stays out --------------------------------------------------------------------

#: Python packages and modules that must never be frozen: build-time tools (torch,
#: onnx, the model kit), the tests, and big optional extras that libraries import only
#: when present. The build fails if any of them turns up anyway.
EXCLUDES = (
    "torch",
    "torchvision",
    "onnx",
    "onnxscript",
    "onnx_ir",
    "safetensors",
    "viewer.modelkit",
    "tests",
    "pytest",
    "_pytest",
    "pytestqt",
    "sympy",
    "mpmath",
    "networkx",
    "ml_dtypes",
    "yaml",
    "jinja2",
    "rich",
    "mypy",
    "matplotlib",
    "scipy",
    "pandas",
    "IPython",
    "tkinter",
    "_tkinter",
    "setuptools",
    "pkg_resources",
    # No TLS to the PACS yet (a node with tls = true is refused), but pynetdicom's ae.py
    # imports ssl.SSLContext at import time, so ssl and _ssl are frozen (viewer/net,
    # docs/pacs.md). OpenSSL's hashlib binding stays out (4.6 MB): hashlib and hmac
    # use Python's built-in SHA-2, MD5, BLAKE2 and SHA-3.
    "_hashlib",
    "readline",
    "curses",
    # Ed25519 is signed and checked through PyNaCl (libsodium, 0.6 MB stripped);
    # the general-purpose cryptography package froze to 12 MB for the same two calls.
    "cryptography",
    # DICOMweb (viewer/net/web.py) freezes dicomweb-client with requests, urllib3, idna
    # and certifi (requests imports it; Lightbox verifies HTTPS with the site's CA or the
    # system's, never its bundle). requests' text-encoding guesser stays out (0.57 MB):
    # DICOMweb answers are JSON and DICOM, and viewer.net.web silences the warning.
    "charset_normalizer",
    "chardet",
    # numpy's Fortran wrapper generator: a build tool, loaded only as numpy.f2py.
    "numpy.f2py",
    # numpy parts nothing frozen uses (numpy loads each only when asked for): FFT,
    # the polynomial classes, the test tools and their C test module; with them the
    # standard library's test and documentation tools (unittest, doctest, pdb, pydoc and
    # its 140 kB of help topics) and asyncio (typing_extensions imports it only when
    # asked about a coroutine). numpy.random too (2.5 MB): the demo study draws its noise
    # with a counter-based generator of its own (viewer/io/demo.py).
    "numpy.fft",
    "numpy.random",
    "numpy.polynomial",
    "numpy.testing",
    "numpy._core._multiarray_tests",
    "unittest",
    "doctest",
    "pdb",
    "pydoc",
    "pydoc_data",
    "asyncio",
    "_asyncio",
    # Pillow's FreeType (text in TrueType fonts: FreeType, HarfBuzz, Brotli, libpng, 3.3 MB)
    # and LittleCMS (ICC colour management) bindings: the app draws the Secondary
    # Capture's banner with Pillow's bitmap font (dicom_capture.py) and applies no ICC
    # profile; Qt draws everything on screen with its own text engine.
    "PIL._imagingft",
    "PIL._imagingcms",
    # CharLS through pyjpegls: highdicom's JPEG-LS encoder, which Lightbox never asks for
    # (it writes uncompressed DICOM); JPEG-LS is decoded by pylibjpeg-libjpeg.
    "jpeg_ls",
    "_CharLS",
    # Big5 and HKSCS: no DICOM character set uses them (the CJK codecs for Japanese,
    # Chinese GB18030/GBK and Korean stay).
    "_codecs_hk",
    "_codecs_tw",
    # Pillow formats and bridges the app does not read (AVIF alone brings 5 MB).
    "PIL._avif",
    "PIL.AvifImagePlugin",
    "PIL.ImageTk",
    "PIL._imagingtk",
    "PIL.ImageQt",
    "PIL._webp",
    "PIL.WebPImagePlugin",
    "onnxruntime.transformers",
    "onnxruntime.quantization",
    "onnxruntime.tools",
    "onnxruntime.training",
    "onnxruntime.backend",
    # Qt modules the app does not use: only QtCore, QtGui and QtWidgets are frozen.
    "PySide6.QtNetwork",
    "PySide6.QtWebEngineCore",
    "PySide6.QtWebEngineWidgets",
    "PySide6.QtWebEngineQuick",
    "PySide6.QtWebChannel",
    "PySide6.QtWebSockets",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets",
    "PySide6.QtPrintSupport",
    "PySide6.QtSql",
    "PySide6.QtSvg",
    "PySide6.QtSvgWidgets",
    "PySide6.QtDBus",
    "PySide6.QtTest",
    "PySide6.QtUiTools",
    "PySide6.QtXml",
    "PySide6.QtHelp",
    "PySide6.QtDesigner",
    "PySide6.QtConcurrent",
    "PySide6.QtPdf",
    "PySide6.QtMultimedia",
    # `lightbox serve` (viewer/service, docs/service.md) is the server extra, never the
    # workstation: the frozen app's `lightbox serve` says to install lightbox[server].
    "viewer.service",
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic",
    "pydantic_core",
    "python_multipart",
    "multipart",
    "prometheus_client",
    # `lightbox batch --ray` (docs/batch.md): Ray is the server extra too; the process
    # pool of `lightbox batch` stays in the app.
    "ray",
    "viewer.service.ray_batch",
    "viewer.service.ray_serve",  # `lightbox serve --ray` (docs/service.md)
)

#: The Qt libraries the frozen app may hold (file names without ``lib``/``.so``/``.dll``
#: decoration): the three modules it uses plus what the kept platform plugins link.
QT_LIBRARIES = (
    "Qt6Core",
    "Qt6Gui",
    "Qt6Widgets",
    "Qt6DBus",  # linked by QtGui on Linux (accessibility, desktop portal, ibus)
    "Qt6XcbQpa",  # the X11 platform plugin
    "Qt6WaylandClient",  # the Wayland platform plugin
    "Qt6WlShellIntegration",
    "Qt6OpenGL",  # the xcb/Wayland GL integrations
    "Qt6Svg",  # SVG icons (the app icon, the icon engine)
)

#: Qt plugins kept, as ``folder/name`` patterns under ``Qt/plugins``; every other plugin
#: (network information, TLS, SQL, QML tooling, eglfs, VNC, the virtual keyboard, the
#: Wayland compositor side, ...) stays out.
QT_PLUGINS = (
    "platforms/*qxcb*",
    "platforms/*qwayland*",
    "platforms/*qoffscreen*",  # headless use: CI, --screenshot on servers
    "platforms/*qminimal.*",
    "platforms/*qwindows*",
    "platforms/*qcocoa*",
    "platforminputcontexts/*compose*",
    "platforminputcontexts/*ibus*",
    # Not the GTK theme: it loads the system's GTK against the bundled GLib, which breaks
    # on newer desktops; Qt's own dialogs look the same everywhere.
    "platformthemes/*xdgdesktopportal*",
    "xcbglintegrations/*",
    "wayland-decoration-client/*",
    "wayland-shell-integration/*",
    "wayland-graphics-integration-client/*qt-plugin-wayland-egl*",
    "iconengines/*",
    "imageformats/*qsvg*",
    "imageformats/*qico*",
    "imageformats/*qgif*",
    "styles/*",
)

#: Languages the app ships (assets/translations); Qt's own catalogues and ICU's locale
#: data (collation, time-zone names) for other languages stay out (see icu_data.py).
LANGUAGES = ("en", "ja")
#: Qt catalogues kept for those languages (the rest belong to Qt tools the app lacks).
QT_CATALOGUES = ("qt", "qtbase")

#: Linux libraries taken from the system rather than bundled, with what only they
#: needed (systemd and gcrypt come with D-Bus, PCRE2 with GLib). D-Bus must match the
#: desktop's daemon and fontconfig the desktop's font configuration files. The C++ and GCC
#: runtimes, GLib, Xlib and zlib are what the manylinux policy lets every wheel frozen here
#: (PySide6, ONNX Runtime, NumPy) take from the system: pip-installed, they run on exactly
#: those. A bundled libstdc++ would also be older than the one the desktop's OpenGL driver
#: (Mesa) was built with, which then fails to load. Qt's own libzstd is the system's too.
#: SQLite is the interpreter's own: CPython on Linux links the system's (highdicom keeps
#: a SEG's frame index in an in-memory database), and rpm and dpkg's neighbours need it.
#: OpenSSL 3 likewise: the interpreter's ssl module links the system's (pynetdicom imports
#: ssl to talk to the PACS), and a bundled copy would miss the distribution's security
#: updates.
#: All are on every Linux desktop and in the .deb's Depends (linux_packages.DEPENDS).
SYSTEM_LIBRARIES = ("libdbus-1.so*", "libfontconfig.so*", "libfreetype.so*",
                    "libstdc++.so*", "libgcc_s.so*", "libglib-2.0.so*", "libgthread-2.0.so*",
                    "libX11.so*", "libX11-xcb.so*", "libz.so*", "libzstd.so*",
                    "libsqlite3.so*", "libssl.so*", "libcrypto.so*")

#: Top-level folders of the build that must not exist (checked on the finished build).
FORBIDDEN_IN_BUILD = (
    "torch",
    "cryptography",
    "onnx",
    "onnxscript",
    "viewer/modelkit",
    "viewer/service",
    "fastapi",
    "uvicorn",
    "pydantic",
    "ray",
    "tests",
    "sympy",
    "matplotlib",  # `lightbox audit report` only: the report extra, never the desktop app
    "PySide6/Qt/qml",
)
#: File-name fragments that must not appear anywhere in the build.
FORBIDDEN_FILE_FRAGMENTS = ("QtWebEngine", "Qt6WebEngine", "QtNetwork", "Qt6Network",
                            "Qt6Quick", "Qt6Qml", "libtorch")
