"""The Japanese UI, finished: nothing left in English that a reader meets, Qt's own dialog
strings in Japanese, and no clipped button or horizontal scroll bar at the default size."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractScrollArea, QPushButton, QWidget

from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
    ready_window,
    run_and_wait,
)
from viewer.ui.i18n import install_translators, remove_translators

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
    for part in (window.ai_panel, window.browser):
        scrolled = [type(a).__name__ for a in part.findChildren(QAbstractScrollArea)
                    if _visible(a) and a.horizontalScrollBar().isVisible()]
        assert not scrolled, (type(part).__name__, scrolled)


def _clipped(window: QWidget) -> list[tuple[str, int, int]]:
    return [(b.text(), b.sizeHint().width(), b.width())
            for b in window.findChildren(QPushButton)
            if _visible(b) and b.sizeHint().width() > b.width()]


def test_the_mpr_bar_fits_in_japanese(japanese, make_main_window, qtbot, demo_dir) -> None:  # noqa: F811
    window = ready_window(make_main_window, qtbot, None, demo_dir)
    window.resize(*DEFAULT_SIZE)
    window._actions["mpr"].trigger()
    qtbot.waitUntil(lambda: window.mpr.volume is not None and window.is_settled(),
                    timeout=20_000)
    assert window.mpr.close_button.text() != "Close MPR"
    assert not _clipped(window)
