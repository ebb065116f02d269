"""Japanese UI: the catalogue is complete and current, nothing is left untranslated, and
the Japanese window renders real glyphs."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFont, QFontMetrics

from viewer.host.settings import load_settings
from viewer.ui.i18n import (
    apply_ui_font,
    catalogue,
    install_translators,
    remove_translators,
    translations_dir,
    update_sources,
)

UI = Path(__file__).resolve().parents[2] / "viewer" / "ui"
SETTERS = {"setText", "setWindowTitle", "QAction", "addMenu", "QLabel", "QMessageBox",
           "setToolTip", "showMessage", "QPushButton", "QDockWidget", "setHeaderLabels",
           "QCheckBox", "QGroupBox", "QRadioButton", "setPlaceholderText", "show_message"}
#: What translates a text in viewer/ui, and which argument is the text: lupdate reads only
#: literal arguments of ``translate`` and ``QT_TRANSLATE_NOOP``; the helpers are fed texts
#: marked elsewhere with QT_TRANSLATE_NOOP.
TRANSLATORS = {"translate": 1, "QT_TRANSLATE_NOOP": 1, "corner_tr": 0, "bindings_tr": 0,
               "_tr": 0, "tr": 0}
HOW_TO_UPDATE = ("run `python -m viewer.ui.i18n update`, add the Japanese to "
                 "assets/translations/ja_glossary.py, then `python assets/translations/fill_ts.py` "
                 "and `python -m viewer.ui.i18n` (compiles the .qm)")


def _messages(ts: Path) -> dict[tuple[str, str, str], ET.Element]:
    """Each message of ``ts`` by (context, source, disambiguation)."""
    root = ET.parse(ts).getroot()
    return {(context.findtext("name") or "", message.findtext("source") or "",
             message.findtext("comment") or ""): message
            for context in root.iter("context") for message in context.iter("message")}


def _finished(message: ET.Element) -> bool:
    translation = message.find("translation")
    if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
        return False
    forms = translation.findall("numerusform") or [translation]  # plural forms, if any
    return all((form.text or "").strip() for form in forms)


def _listed(keys: list[tuple[str, str, str]]) -> str:
    return "".join(f"\n  {context}: {source!r}" for context, source, _ in keys)


def test_every_message_has_a_japanese_translation():
    root = ET.parse(translations_dir() / "lightbox_ja.ts").getroot()
    bad = [m.findtext("source") for m in root.iter("message")
           if not (m.findtext("translation") or "").strip()
           or m.find("translation").get("type") in ("unfinished", "obsolete", "vanished")]
    assert root.get("language", "").startswith("ja")
    assert not bad, f"untranslated: {bad}"


def test_the_catalogue_is_current_with_the_sources(tmp_path):
    """A UI text added or changed without its Japanese, or removed without regenerating the
    catalogue, fails here: lupdate runs over viewer/ui into a copy of the committed .ts (so
    its translations carry over, as in a real update) and nothing may come out new,
    unfinished or gone."""
    fresh = tmp_path / catalogue().name
    shutil.copyfile(catalogue(), fresh)
    update_sources(fresh)
    committed, current = _messages(catalogue()), _messages(fresh)
    new = sorted(current.keys() - committed.keys())
    gone = sorted(committed.keys() - current.keys())
    # lupdate guesses some new texts from the same text elsewhere: guessed is unfinished.
    unfinished = sorted(key for key, message in current.items() if not _finished(message))
    assert not (new or gone or unfinished), (
        f"the Japanese catalogue is not current: {HOW_TO_UPDATE}."
        f"\nnew in the sources:{_listed(new)}\nno longer in the sources:{_listed(gone)}"
        f"\nwithout Japanese:{_listed(unfinished)}")


def test_every_text_given_to_a_translator_is_one_lupdate_collects():
    """An f-string, a concatenation or a .format() result handed to translate() is never in
    the catalogue (lupdate reads literals only), so the reader sees it in English; a literal
    given to a helper lupdate does not know (corner_tr, _tr...) must be marked elsewhere."""
    sources = {source for _, source, _ in _messages(catalogue())}
    found = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) \
                    and node.value.id in TRANSLATORS or isinstance(node, ast.alias) \
                    and node.name in TRANSLATORS and node.asname:
                # "t = translate": lupdate does not follow the new name (the About box was
                # English in Japanese for that).
                found.append(f"{path.relative_to(UI)}:{node.lineno}: an alias lupdate "
                             "cannot follow")
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute)
                and ast.unparse(node.func.value) == "QCoreApplication" else None)
            if name not in TRANSLATORS or len(node.args) <= TRANSLATORS[name]:
                continue  # QTransform.translate and other methods of that name included
            text = node.args[TRANSLATORS[name]]
            where = f"{path.relative_to(UI)}:{node.lineno}"
            if isinstance(text, (ast.JoinedStr, ast.BinOp)) or (
                    isinstance(text, ast.Call) and getattr(text.func, "attr", "") == "format"):
                found.append(f"{where}: built text {ast.unparse(text)[:70]}")
            elif (isinstance(text, ast.Constant) and isinstance(text.value, str)
                  and text.value not in sources):
                found.append(f"{where}: {text.value!r} is not in the catalogue")
    assert not found, "\n".join(found)


def test_qm_is_compiled_from_the_current_ts(tmp_path):
    out = tmp_path / "x.qm"
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run([str(lrelease), str(translations_dir() / "lightbox_ja.ts"), "-qm", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == (translations_dir() / "lightbox_ja.qm").read_bytes()


def test_no_plain_literal_reaches_a_qt_text_setter():
    found = []
    for path in sorted(UI.rglob("*.py")):
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
        from viewer.io.demo import build_demo
        from viewer.ui.window.main_window import MainWindow

        assert QCoreApplication.translate("MainWindow", "&File") == "ファイル(&F)"
        font = apply_ui_font(qapp)
        metrics = QFontMetrics(QFont(font))
        assert all(metrics.inFontUcs4(ord(c)) for c in "横断冠状断矢状断患者情報を隠す")
        window = MainWindow(load_models=False, settings=load_settings())
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


def test_numbers_are_drawn_in_the_platforms_own_font(qapp):
    # The Japanese fonts fill in what the platform's font lacks; they must not take over
    # the digits and decimal points of the corner text and measurements (IPAGothic's small
    # full stop reads as a comma: "Thick: 2,5 mm").
    from PySide6.QtGui import QColor, QFontInfo, QImage, QPainter

    from viewer.ui.viewport.painting import overlay_font

    before = qapp.font()
    try:
        platform = QFontInfo(before).family()
        apply_ui_font(qapp)
        font = overlay_font()
        assert QFontInfo(font).family() == platform
        assert font.families()[0] == platform and "IPAGothic" in font.families()

        def drawn(text: str) -> bytes:
            image = QImage(40, 24, QImage.Format.Format_Grayscale8)
            image.fill(0)
            painter = QPainter(image)
            painter.setPen(QColor("white"))
            painter.setFont(font)
            painter.drawText(2, 18, text)
            painter.end()
            return bytes(image.constBits())

        assert drawn("2.5") != drawn("2,5")
    finally:
        qapp.setFont(before)


def test_file_problems_read_in_japanese_with_the_english_in_the_tooltip(qapp):
    from viewer.ui.problem_text import problem_text
    from viewer.ui.window.problems import ProblemsPanel

    gap = ("missing slices? 1 gap(s) up to 5.00 mm where 2.50 mm is typical "
           "(about 1 slice(s) missing)")
    assert problem_text(gap) == gap  # English: the core's words, unchanged
    translators = install_translators(qapp, "ja")
    try:
        assert problem_text("file is truncated (header incomplete)") == \
            "ファイルが途中で切れています（ヘッダーが不完全）"
        assert problem_text("not a DICOM file") == "DICOM ファイルではありません"
        spacing = problem_text("uneven slice spacing (1.00 to 2.50 mm)")
        assert "1.00" in spacing and "2.50" in spacing and "不均一" in spacing
        assert problem_text(gap) == ("スライス欠損の可能性: 通常 2.50 mm 間隔のところ最大 5.00 mm "
                                     "の隙間が 1 か所（約 1 スライス欠損）")
        assert problem_text("a reason nobody catalogued") == "a reason nobody catalogued"
        panel = ProblemsPanel()
        panel.add_problem("/data/x.dcm", "not a DICOM file")
        item = panel.topLevelItem(0)
        assert item.text(1) == "DICOM ファイルではありません"
        assert item.toolTip(1) == "not a DICOM file"
        panel.deleteLater()
    finally:
        remove_translators(qapp, translators)


def test_the_browser_and_tool_label_speak_japanese(qapp):
    from viewer.state.view import Tool
    from viewer.ui.window.browser import image_count
    from viewer.ui.window.exports import tool_name

    assert (image_count(1), image_count(64)) == ("1 image", "64 images")
    translators = install_translators(qapp, "ja")
    try:
        assert image_count(64) == "64 画像"
        assert tool_name(Tool.DISTANCE) == "距離"
    finally:
        remove_translators(qapp, translators)


def test_translations_keep_every_placeholder_of_their_source():
    """A Japanese text that loses or misnumbers a "{}" would crash or drop a value."""
    import string

    fields = string.Formatter()
    root = ET.parse(translations_dir() / "lightbox_ja.ts").getroot()
    bad = []
    for message in root.iter("message"):
        source, translation = message.findtext("source"), message.findtext("translation") or ""
        try:
            count = sum(1 for _, name, _, _ in fields.parse(source) if name is not None)
        except ValueError:
            continue  # not a str.format template (e.g. a literal brace)
        if not count:
            continue
        values = [1.5] * count
        try:
            expected = source.format(*values).count("1.5")
            if translation.format(*values).count("1.5") != expected:
                bad.append(source)
        except (IndexError, KeyError, ValueError):
            bad.append(source)
    assert not bad, bad


def test_the_ai_panel_speaks_japanese_around_the_cores_words(
        make_main_window, qtbot, qapp, tmp_path, monkeypatch):
    from tests.inference.artifacts import build
    from tests.ui.conftest import open_and_wait
    from viewer.io.demo import write_phantom_series

    for name in ("AUDIT", "CONFIG", "CACHE"):  # nothing of the test outside its folder
        monkeypatch.setenv(f"LIGHTBOX_{name}_DIR", str(tmp_path / name.lower()))
    monkeypatch.delenv("LIGHTBOX_MODEL_DIRS", raising=False)
    ai_models, demo_dir = tmp_path / "models", tmp_path / "demo"
    for kind in ("threshold", "classify", "detect"):
        build(ai_models, kind)
    build(ai_models, "threshold", "mr-only", modality=["MR"])
    tampered = build(ai_models, "classify", "tampered") / "model.onnx"
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0xFF  # changed after it was sealed: fails verification
    tampered.write_bytes(bytes(data))
    demo_dir.mkdir()
    write_phantom_series(demo_dir, slices=20, size=256)

    translators = install_translators(qapp, "ja")
    try:
        window = make_main_window()
        panel = window.ai_panel
        panel.load_models([ai_models])
        assert panel.status_label.text() == "モデルを検証中…"
        qtbot.waitUntil(lambda: panel.is_ready, timeout=30_000)
        assert panel.status_label.text() == \
            "5 個中 4 個のモデルを検証しました。実行するにはシリーズを開いてください。"
        open_and_wait(qtbot, window, demo_dir)
        assert panel.status_label.text() == "5 個中 3 個のモデルがこのシリーズに適用できます。"
        rows = {model_id: text for model_id, _, text in panel.model_rows()}
        # The framing is Japanese; the model's name, version and the core's reason are not.
        assert "Test threshold" in rows["threshold"] and "デモ・臨床使用不可" in rows["threshold"]
        assert ("このシリーズは対象外です: モダリティは CT です。このモデルの対象は MR です"
                in rows["mr-only"])
        assert "使用不可: " in rows["tampered"] and "model.onnx" in rows["tampered"]
        panel.select_model("threshold")
        panel.run_current_image()
        assert panel.run_label.text() == "AI · Test threshold 1.0.0 を この画像 で実行中…"
        qtbot.waitUntil(lambda: not panel.running, timeout=60_000)
        assert panel.run_label.text().endswith(": 1 画像を処理しました")
    finally:
        remove_translators(qapp, translators)
