"""Japanese UI: the catalogue is complete and current, nothing is left untranslated, and
the Japanese window renders real glyphs."""

from __future__ import annotations

import ast
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontMetrics

from viewer.ui.i18n import apply_ui_font, install_translators, remove_translators, translations_dir

UI = Path(__file__).resolve().parents[2] / "viewer" / "ui"
SETTERS = {"setText", "setWindowTitle", "QAction", "addMenu", "QLabel", "QMessageBox",
           "setToolTip", "showMessage", "QPushButton", "QDockWidget", "setHeaderLabels",
           "QCheckBox", "QGroupBox", "QRadioButton", "setPlaceholderText", "show_message"}


def test_every_message_has_a_japanese_translation():
    root = ET.parse(translations_dir() / "lightbox_ja.ts").getroot()
    bad = [m.findtext("source") for m in root.iter("message")
           if not (m.findtext("translation") or "").strip()
           or m.find("translation").get("type") in ("unfinished", "obsolete", "vanished")]
    assert root.get("language", "").startswith("ja")
    assert not bad, f"untranslated: {bad}"


def test_qm_is_compiled_from_the_current_ts(tmp_path):
    out = tmp_path / "x.qm"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(translations_dir() / "lightbox_ja.ts"), "-qm", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (translations_dir() / "lightbox_ja.qm").read_bytes()


def test_no_plain_literal_reaches_a_qt_text_setter():
    found = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name in SETTERS:
                for arg in node.args:
                    if (isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                            and any(c.isalpha() for c in arg.value) and arg.value != "Lightbox"):
                        found.append(f"{path.name}:{node.lineno}: {arg.value!r}")
    assert not found, "wrap in translate():\n" + "\n".join(found)


def test_japanese_window_renders_real_glyphs(qtbot, qapp):
    translators = install_translators(qapp, "ja")
    try:
        from viewer.demo import build_demo
        from viewer.ui.main_window import MainWindow

        assert QCoreApplication.translate("MainWindow", "&File") == "ファイル(&F)"
        font = apply_ui_font(qapp)
        metrics = QFontMetrics(QFont(font))
        assert all(metrics.inFontUcs4(ord(c)) for c in "横断冠状断矢状断患者情報を隠す")
        window = MainWindow(load_models=False)
        qtbot.addWidget(window)
        menus = [a.text() for a in window.menuBar().actions()]
        assert "ファイル(&F)" in menus and "表示(&V)" in menus
        window.open_paths([str(build_demo())])
        qtbot.waitUntil(window.is_settled, timeout=60_000)
        window.show()
        image = window.grab().toImage()
        out = Path(__file__).resolve().parents[2] / "build" / "screenshots" / "ui-ja.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(str(out))
        assert image.width() > 0
        window.shutdown()
    finally:
        remove_translators(qapp, translators)
