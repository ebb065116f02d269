"""English and Japanese: Qt's translation system, the fonts that show Japanese, the line.

Where the line is: everything the UI itself says (menus, dialogs, panels, status messages,
corner text, shortcut descriptions, AI banners, MPR and measurement labels) goes through
:func:`translate` and is translated in ``assets/translations/lightbox_ja.ts``. Messages
raised by the core (io, imaging, inference, config problems) stay English: they name
files, tags and values that support staff search for in logs, and translating them half
would be worse than not at all. The UI shows them inside translated framing ("AI · %s
failed: …") so the reader always knows where they are.

Strings kept in Qt-free modules (``bindings``, ``corner_text``) are marked with
:func:`QT_TRANSLATE_NOOP` so ``pyside6-lupdate`` collects them, and are translated when
they are shown. The ``.ts`` is regenerated with ``python -m viewer.ui.i18n update`` and
compiled to the ``.qm`` the app loads (a test checks the two agree).
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontInfo
from PySide6.QtWidgets import QApplication

from viewer.host.assets import assets_dir

log = logging.getLogger(__name__)
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}
#: Families tried in order for any character the first lacks, so Japanese never shows tofu:
#: the Windows and macOS system fonts, then the IPA fonts the Linux packages install.
FONT_FALLBACKS = ("Segoe UI", "Yu Gothic UI", "Meiryo", "Hiragino Sans",
                  "Hiragino Kaku Gothic ProN", "Noto Sans CJK JP", "IPAGothic", "IPAPGothic",
                  "TakaoGothic", "VL Gothic")


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` in the current language (the English text when no translation is loaded)."""
    return QCoreApplication.translate(context, text, disambiguation, n)


def corner_tr(text: str) -> str:
    """The translator the Qt-free corner text takes."""
    return QCoreApplication.translate("CornerText", text)


def bindings_tr(text: str) -> str:
    """A binding's description, scope or mouse gesture in the UI language."""
    return QCoreApplication.translate("Bindings", text)


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - lupdate's marker name
    """Marks ``text`` for lupdate; it is translated later, where it is shown."""
    return text


def translations_dir() -> Path:
    return assets_dir() / "translations"


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Load Lightbox's and Qt's own catalogues for ``language``; English needs none.

    Returns the installed translators: the caller keeps them alive (Qt does not own them).
    A missing catalogue is logged and the UI stays English, never a failed start.
    """
    installed: list[QTranslator] = []
    if language == "en":
        return installed
    QLocale.setDefault(QLocale(language))
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name, folder in ((f"lightbox_{language}", str(translations_dir())),
                         (f"qtbase_{language}", qt_dir)):
        translator = QTranslator(app)
        if translator.load(name, folder) and app.installTranslator(translator):
            installed.append(translator)
        else:
            log.warning("no %s translation catalogue %s in %s; that part stays English",
                        language, name, folder)
    return installed


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    for translator in translators:
        app.removeTranslator(translator)
    translators.clear()
    QLocale.setDefault(QLocale(QLocale.Language.English))


def apply_ui_font(app: QApplication) -> QFont:
    """The application font with the Japanese-capable fallbacks after the platform's own."""
    font = app.font()
    # The family the platform's font resolves to, not its name: a generic name such as
    # "Sans Serif" is no installed family, so Qt would skip it and draw every glyph, digits
    # and decimal points included, in the first Japanese fallback (IPAGothic's small
    # full stop looks like a comma: "2,5 mm").
    own = QFontInfo(font).family()
    families = [own, *(f for f in FONT_FALLBACKS if f != own)]
    font.setFamilies(families)
    app.setFont(font)
    return font


# --- maintenance: regenerate the .ts and compile the .qm ---------------------------------


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def catalogue() -> Path:
    """The Japanese catalogue the sources are collected into."""
    return translations_dir() / "lightbox_ja.ts"


def update_sources(ts: Path | None = None) -> None:
    """Collect the strings of viewer/ui into ``ts`` (the catalogue by default), keeping the
    translations it has and dropping the texts no source says any more.

    A test runs this into a copy of the catalogue to prove the committed one is current.
    """
    target = catalogue() if ts is None else ts
    ui = Path(__file__).parent
    sources = sorted(str(p) for p in ui.rglob("*.py"))
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none",
                    "-target-language", "ja", *sources, "-ts", str(target)], check=True)


def compile_catalogues() -> None:
    for ts in translations_dir().glob("*.ts"):
        subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(ts.with_suffix(".qm"))],
                       check=True)


if __name__ == "__main__":
    if "update" in sys.argv[1:]:
        update_sources()
    compile_catalogues()
