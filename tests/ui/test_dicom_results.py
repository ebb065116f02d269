"""A study folder holding Lightbox's own SEG shows its mask again when the series opens;
a SEG about another series is refused with a message."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from viewer.audit.log import AuditLog
from viewer.host.settings import load_settings
from viewer.inference import run_model, verify_artifact
from viewer.inference.dicom_export import write_seg
from viewer.io.scan import scan

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_seg_in_the_study_is_shown_on_its_series(main_window, qtbot, phantom_dir, tmp_path):
    folder = tmp_path / "study"
    shutil.copytree(phantom_dir, folder)
    series = scan([folder]).all_series()[0]
    verified = verify_artifact(MODELS / "ct-body-seg")
    results = run_model(verified, series, [0, 1], accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    write_seg(results, series, folder / "ai-seg.dcm")
    main_window.open_paths([folder])
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    shown = main_window.viewport.series
    assert shown is not None and shown.uid == series.uid
    (run,) = main_window.viewport.overlays.runs(series.uid)
    assert run.model_id == "ct-body-seg" and run.frames() == [0, 1]
    again = run.results[1].masks[0].mask
    assert np.array_equal(again, results[1].masks[0].mask)
    # Coming back to the series reads nothing again and keeps what is shown.
    from viewer.ui.ai.dicom_results import load_study_results

    study = main_window.viewport.study
    assert study is not None and (folder / "ai-seg.dcm") in [
        i.path for s in study.series for i in s.instances]
    assert load_study_results(main_window.viewport.overlays, shown, study,
                              main_window._dicom_results_read) == 0
    assert main_window.viewport.overlays.runs(series.uid) == [run]


def test_seg_about_another_series_gets_a_message(main_window, qtbot, phantom_dir, tmp_path):
    series = scan([phantom_dir]).all_series()[0]
    verified = verify_artifact(MODELS / "ct-body-seg")
    seg = write_seg(run_model(verified, series, [0], accept_warnings=True, audit_log=AuditLog.of(load_settings())), series,
                    tmp_path / "seg.dcm")
    main_window.open_paths([phantom_dir])
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    main_window.viewport.series.uid = "1.2.3.4"  # another series' identity
    messages = []
    main_window.boundary.show_message = messages.append
    main_window.load_dicom_results(seg)
    assert messages and "another series" in messages[0]
    assert not main_window.viewport.overlays.runs("1.2.3.4")
