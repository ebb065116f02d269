"""A volume model in the AI panel: either button runs the whole series, progress counts
steps, and the run line gives each label's volume in mL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.test_ai_panel import _private_dirs, ready_window, run_and_wait  # noqa: F401


@pytest.fixture(scope="module")
def volume_models(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    from tests.inference.volumes3d import build_volume_model

    work = tmp_path_factory.mktemp("ui-volume")
    build_volume_model(work / "models", work)
    return work / "models"


@pytest.fixture(scope="module")
def ct_dir(tmp_path_factory) -> Path:
    from tests.inference.volumes3d import write_axial

    folder = tmp_path_factory.mktemp("ui-axial")
    write_axial(folder)
    return folder


def test_a_volume_run_covers_the_series_and_states_the_volumes(
        make_main_window, qtbot, volume_models, ct_dir) -> None:
    window = ready_window(make_main_window, qtbot, volume_models, ct_dir)
    panel = window.ai_panel
    seen: list[int] = []
    panel.progress_bar.valueChanged.connect(seen.append)
    assert run_and_wait(qtbot, panel, "surface-3d") == "ok"  # "Run on this image"
    frames = len(window.viewport.series.frames)
    assert panel.progress_bar.format() == "%v / %m steps"
    assert panel.progress_bar.maximum() == frames + 8 and seen[-1] == frames + 8
    (run,) = window.viewport.overlays.runs(window.viewport.series.uid)
    assert run.frames() == list(range(frames))
    text = panel.run_label.text()
    assert f"{frames} images done · bright 4.8 mL, top 0.5 mL" in text
    # the findings list measures each label over the series the same way: one row per label
    rows = sorted(item.text(0) for item in panel.results.finding_items())
    assert len(rows) == 2
    assert rows[0].startswith("bright · Im ") and rows[0].endswith(" · 4.8 mL")
    assert rows[1].startswith("top · Im ") and rows[1].endswith(" · 0.5 mL")
