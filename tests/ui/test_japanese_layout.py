"""The Japanese UI, finished: nothing left in English that a reader meets, Qt's own dialog
strings in Japanese, and no clipped button or horizontal scroll bar at the default size."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QMenu,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QWidget,
)

from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
    ready_window,
    run_and_wait,
)
from viewer.ui.i18n import install_translators, remove_translators
from viewer.ui.qt_items import child_items, top_level_items

DEFAULT_SIZE = (1280, 820)  # MainWindow's own size at start


@pytest.fixture
def japanese(qapp):
    translators = install_translators(qapp, "ja")
    yield translators
    remove_translators(qapp, translators)


def test_qt_own_strings_come_from_the_qtbase_catalogue_in_the_wheel(japanese) -> None:
    # Button texts of QMessageBox / QDialogButtonBox and the file dialog's labels.
    assert len(japanese) == 2  # Lightbox's catalogue and Qt's qtbase_ja
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "キャンセル"
    assert QCoreApplication.translate("QFileDialog", "File &name:") != "File &name:"


def test_the_reader_meets_no_english_label_in_japanese(japanese) -> None:
    from viewer.io.model import Series
    from viewer.ui.i18n import corner_tr
    from viewer.ui.problem_text import problem_text
    from viewer.ui.window.browser import series_label

    assert series_label(Series(uid="1", study_uid="2", number=3)).startswith("3: （説明なし）\n")
    assert corner_tr("Im: {} / {}").format(2, 9) == "画像: 2 / 9"
    assert problem_text("body part is not recorded; the model is meant for CHEST") == \
        "撮影部位が記録されていません。このモデルの対象は CHEST です"


def _visible(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0


def test_no_clipped_button_or_horizontal_scroll_bar_in_japanese(
        japanese, make_main_window, qtbot, ai_models, demo_dir) -> None:  # noqa: F811
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    window.resize(*DEFAULT_SIZE)
    assert run_and_wait(qtbot, window.ai_panel, "threshold", whole_series=True) == "ok"
    assert run_and_wait(qtbot, window.ai_panel, "detect") == "ok"
    qtbot.wait(50)  # layouts settle after the resize
    results = window.ai_panel.results
    # The result header and the grouped findings speak Japanese around the model's name.
    assert "AI · デモ・臨床使用不可 · Test threshold 1.0.0" in results.image_texts()
    rows = [item.text(0) for item in results.finding_items()]
    assert any("画像 " in row and "mm²" in row and "mL" in row for row in rows), rows
    assert not _clipped(window)
    assert not _cut_rows(results.findings_tree, 0)
    for part in (window.ai_panel, window.browser):
        scrolled = [type(a).__name__ for a in part.findChildren(QAbstractScrollArea)
                    if _visible(a) and a.horizontalScrollBar().isVisible()]
        assert not scrolled, (type(part).__name__, scrolled)


def _clipped(window: QWidget) -> list[tuple[str, int, int]]:
    return [(b.text(), b.sizeHint().width(), b.width())
            for b in window.findChildren(QPushButton)
            if _visible(b) and b.sizeHint().width() > b.width()]


def _cut_rows(tree: QTreeWidget, column: int) -> list[str]:
    """Rows whose text is wider than their cell and that do not wrap onto a second line
    (Qt cuts them with "…")."""
    line = tree.fontMetrics().height()
    rows = [row for head in top_level_items(tree) for row in child_items(head)]
    return [row.text(column) for row in rows
            if tree.fontMetrics().horizontalAdvance(row.text(column)) > tree.columnWidth(column)
            and tree.visualItemRect(row).height() < 2 * line]


def test_the_mpr_bar_fits_in_japanese(japanese, make_main_window, qtbot, demo_dir) -> None:  # noqa: F811
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    window.resize(*DEFAULT_SIZE)
    window._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: window.mpr.volume is not None and window.is_settled(),
                    timeout=20_000)
    assert window.mpr.close_button.text() != "Close MPR"
    assert not _clipped(window)


#: Menu entries that read the same in Japanese.
SAME_IN_JAPANESE = {"AI", "MPR(&R)"}


def _entries(menu: QMenu, presets: QMenu) -> list[str]:
    texts = []
    for action in menu.actions():
        sub = action.menu()
        if action.isSeparator() or sub is presets:
            continue  # the window presets are the site's own names (data, not UI text)
        texts.append(action.text().split("\t")[0])
        if isinstance(sub, QMenu):
            texts += _entries(sub, presets)
    return texts


def test_every_menu_entry_reads_in_japanese(japanese, make_main_window, qtbot, demo_dir) -> None:  # noqa: F811
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    entries = [text for action in window.menuBar().actions()
               for text in [action.text(), *_entries(action.menu(), window.presets_menu)]]
    english = [t for t in entries if t not in SAME_IN_JAPANESE
               and re.search("[A-Za-z]", t) and not re.search("[\u3000-\u9fff\uff00-\uffef]", t)]
    assert not english, english
    assert "1 × 2（左右に並べる）" in entries and "キー画像に設定 / 解除" in entries
    assert "ネットワークに一切接続しません" in window.about_text()  # Help > About Lightbox


def test_the_closing_question_fits_in_japanese(japanese, make_main_window, qtbot, demo_dir) -> None:  # noqa: F811
    from viewer.imaging.measure import Kind

    window = ready_window(make_main_window, qtbot, None, demo_dir)
    window.viewport.measure.add(Kind.DISTANCE, ((10.0, 10.0), (40.0, 30.0)))
    window.close()
    box = window.annotation_files.close_box
    assert box is not None and window.isVisible()
    qtbot.waitExposed(box)
    assert box.windowTitle() == "未保存の注釈" and "キー画像" in box.text()
    buttons = [box.button(b) for b in (QMessageBox.StandardButton.Save,
                                       QMessageBox.StandardButton.Discard,
                                       QMessageBox.StandardButton.Cancel)]
    assert all(not b.text().isascii() for b in buttons), [b.text() for b in buttons]
    assert not _clipped(box)
    box.button(QMessageBox.StandardButton.Cancel).click()  # keep reading
    qtbot.waitUntil(lambda: window.annotation_files.close_box is None)


def test_a_report_reads_in_japanese_without_a_horizontal_scroll_bar(
        japanese, qtbot, pydicom_files) -> None:
    from viewer.ui.dialogs.report_view import ReportView

    view = ReportView()
    qtbot.addWidget(view)
    view.resize(320, 480)  # as narrow as a side panel
    view.show()
    assert view.show_file(pydicom_files / "test-SR.dcm")
    qtbot.waitExposed(view)
    text = view.browser.toPlainText()
    for japanese_text in ("完了 · 検証済み", "患者: ", "（無題のセクション）", "CIRCLE（2 点）",
                          "（TCOORD は表示されません）", "（項目 1 3 2 を参照）", "（開いていません）"):
        assert japanese_text in text, japanese_text
    assert "not shown" not in text and "(see item" not in text and "not open" not in text
    assert not view.browser.horizontalScrollBar().isVisible()


def test_the_shortcut_list_widens_for_japanese_descriptions(japanese, qtbot) -> None:
    from viewer.ui.dialogs.help import HelpDialog

    dialog = HelpDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    screen = dialog.screen().availableGeometry().width()
    metrics = dialog.tree.fontMetrics()
    needed = dialog.tree.columnWidth(0) + max(
        metrics.horizontalAdvance(row.text(1)) for head in top_level_items(dialog.tree)
        for row in child_items(head))
    assert dialog.width() >= min(needed, screen - 40) > 620  # wider than the English default
    assert not dialog.tree.horizontalScrollBar().isVisible()
    assert not _cut_rows(dialog.tree, 1)
