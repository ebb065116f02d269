"""A volume model that reads two series, run from the AI panel: the reader confirms the
other series in the same dialog as for slice models, and the mask lands on every image."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytest.importorskip("torch")

from tests.inference.volumes3d import voxel_centres  # noqa: E402
from tests.inference.volumes3d_multi import (  # noqa: E402
    MODEL_ID,
    build_model,
    distance_inside,
    post_hu,
    pre_hu,
    write_axial,
    write_sagittal,
)
from tests.ui.test_ai_panel import _private_dirs, ready_window  # noqa: E402, F401


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    work = tmp_path_factory.mktemp("enhance-3d")
    build_model(work)
    return work / "models"


def test_the_reader_confirms_the_other_series_and_the_volume_mask_lands_on_every_image(
        make_main_window, qtbot, models, tmp_path) -> None:
    write_axial(tmp_path / "study" / "pre", pre_hu, description="Phantom pre", number=2)
    write_sagittal(tmp_path / "study" / "post", post_hu, description="Phantom post sagittal",
                   number=3)
    write_axial(tmp_path / "study" / "t2", pre_hu, description="Phantom T2", number=5)
    window = ready_window(make_main_window, qtbot, models, tmp_path / "study")
    known = window.session.studies
    pre = next(s for s, _ in known.all_series() if s.description == "Phantom pre")
    if window.viewport.series is not pre:
        window.open_series(pre, known.series_by_uid(pre.uid)[1])
    panel = window.ai_panel
    assert panel.select_model(MODEL_ID)
    assert panel.run_image_button.isEnabled(), panel.run_image_button.toolTip()
    qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.series_dialog is not None, timeout=10_000)
    dialog = panel.series_dialog
    combo = dialog.combos["post"]
    assert [combo.itemText(i) for i in range(combo.count())] == ["3 Phantom post sagittal (CT)"]
    with qtbot.waitSignal(panel.run_finished, timeout=120_000) as finished:
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["ok"]
    masks = []
    for k in range(len(pre.frames)):  # a volume run puts its mask on every image
        ((_run, result),) = window.session.results.at(pre.uid, k)
        masks.append(result.masks[0].mask)
    labels = np.stack(masks)
    inside = distance_inside(*voxel_centres(pre))
    assert set(np.unique(labels[inside >= 2.5])) == {1}
    assert set(np.unique(labels[inside <= -2.5])) == {0}
    post = next(s for s, _ in known.all_series() if s.description == "Phantom post sagittal")
    assert result.provenance.series_uids == (pre.uid, post.uid)
    assert any(text.startswith("Input post: image ") and "3 Phantom post sagittal (CT)" in text
               for text in panel.results.image_texts())
