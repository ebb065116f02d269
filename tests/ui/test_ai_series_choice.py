"""A model that reads two series, run from the AI panel: the reader confirms the series of
its second input in a dialog (proposal preselected), or cancels and nothing runs."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytest.importorskip("torch")

from tests.inference.multi_series import (  # noqa: E402
    MODEL_ID,
    POST,
    POST_OTHER_FRAME,
    PRE,
    SIZE,
    SQUARE_COLS,
    SQUARE_ROWS,
    T2,
    Study,
    build_model,
    write_series,
    write_study,
)
from tests.ui.test_ai_panel import _private_dirs, ready_window  # noqa: E402, F401


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("multi-model"))


def _show_pre(window) -> None:
    known = window.session.studies
    pre = next(s for s, _ in known.all_series() if s.description == PRE.description)
    if window.viewport.series is not pre:
        window.open_series(pre, known.series_by_uid(pre.uid)[1])
    assert window.viewport.series is pre


def _click_run(qtbot, panel):
    assert panel.select_model(MODEL_ID)
    assert panel.run_image_button.isEnabled(), panel.run_image_button.toolTip()
    qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.series_dialog is not None, timeout=10_000)
    return panel.series_dialog


def test_the_reader_confirms_the_proposed_series_and_the_mask_lands_on_the_difference(
        make_main_window, qtbot, models, tmp_path) -> None:
    write_study(tmp_path / "study", POST_OTHER_FRAME)
    window = ready_window(make_main_window, qtbot, models, tmp_path / "study")
    _show_pre(window)
    panel = window.ai_panel
    dialog = _click_run(qtbot, panel)
    combo = dialog.combos["post"]
    # The proposal first (same frame of reference, nearest number); T2 is not offered.
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "5 AX T1 POST GD (MR)", "8 AX T1 POST other frame (MR)"]
    assert combo.currentIndex() == 0 and dialog.run_button.isEnabled()
    assert not panel.run_image_button.isEnabled()  # one question at a time
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["ok"]
    index = window.viewport.state.index
    ((run, result),) = window.session.results.at(window.viewport.series.uid, index)
    expected = np.zeros((SIZE, SIZE), dtype=bool)
    expected[SQUARE_ROWS, SQUARE_COLS] = True
    assert np.array_equal(result.masks[0].mask == 1, expected)
    post = next(s for s, _ in window.session.studies.all_series()
                if s.description == POST.description)
    assert result.provenance.series_uids == (window.viewport.series.uid, post.uid)
    assert (f"Input post: image {index + 1} of series 5 AX T1 POST GD (MR) · resampled onto "
            "this image's pixels") in panel.results.image_texts()

    # Choosing the series in another frame of reference runs and is refused with the reason.
    dialog = _click_run(qtbot, panel)
    dialog.combos["post"].setCurrentIndex(1)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["error"]
    assert "different frame of reference" in panel.run_label.text()


def test_cancel_runs_nothing(make_main_window, qtbot, models, tmp_path) -> None:
    write_study(tmp_path / "study")
    window = ready_window(make_main_window, qtbot, models, tmp_path / "study")
    _show_pre(window)
    panel = window.ai_panel
    dialog = _click_run(qtbot, panel)
    with qtbot.waitSignal(panel.run_finished) as finished:
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["declined"]
    assert window.session.results.runs() == []
    assert "Not run: no series was confirmed" in panel.run_label.text()
    assert panel.run_image_button.isEnabled()


def test_no_matching_series_shows_why_and_cannot_run(make_main_window, qtbot, models,
                                                     tmp_path) -> None:
    ids = Study()
    write_series(tmp_path / "study" / "pre", ids, PRE)
    write_series(tmp_path / "study" / "t2", ids, T2)
    window = ready_window(make_main_window, qtbot, models, tmp_path / "study")
    _show_pre(window)
    dialog = _click_run(qtbot, window.ai_panel)
    assert dialog.combos == {}
    assert dialog.reasons["post"].text() == (
        "no series of this study matches input 'post': needs modality MR and a description "
        "matching (?i)post; found: 4 AX T2 (MR)")
    assert not dialog.run_button.isEnabled()
    with qtbot.waitSignal(window.ai_panel.run_finished) as finished:
        dialog.reject()  # Esc
    assert finished.args == ["declined"]
