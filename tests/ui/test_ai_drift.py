"""A model version whose recent runs crossed the site's drift threshold is marked "drift
under review" in the AI panel (row and tooltip) and on its model card, with the metric and
the threshold; the other models are not. The alerts come from this workstation's audit
log, computed on the panel's worker, at start and again after each run it records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt

from tests.ui.test_ai_panel import (  # noqa: F401 - fixtures
    _private_dirs,
    ai_models,
    demo_dir,
    ready_window,
    run_and_wait,
)
from viewer.audit.log import AuditLog, AuditRecord
from viewer.host.settings import load_settings
from viewer.inference.manifest import read_manifest
from viewer.ui.ai.panel import ID_ROLE


def _history(manifest, unlike: int, runs: int = 25) -> list[AuditRecord]:
    now = datetime.now(UTC)
    stats = {"v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": [],
             "input": {"modality": "CT", "frames": 4, "levels": {
                 "like": 4 - unlike, "shift": 0, "unlike": unlike}, "psi": None},
             "output": {}}
    return [AuditRecord(manifest.id, manifest.version, manifest.digest, "h", "onnxruntime",
                        0.1, 4, "ok", stats=stats,
                        time=(now - timedelta(days=1, hours=i)).isoformat()
                        .replace("+00:00", "Z")) for i in range(runs)]


def test_drift_under_review_in_the_panel_and_on_the_card(make_main_window, qtbot,
                                                         ai_models) -> None:  # noqa: F811
    log = AuditLog.of(load_settings())
    log.append_many(_history(read_manifest(ai_models / "classify"), unlike=3)
                    + _history(read_manifest(ai_models / "threshold"), unlike=0))
    window = make_main_window()
    panel = window.ai_panel
    panel.load_models([ai_models])
    qtbot.waitUntil(lambda: panel.is_ready and bool(panel.drift_alerts), timeout=30_000)
    assert [(a.model_id, a.metric) for a in panel.drift_alerts] == [("classify", "unlike_share")]
    rows = {model_id: text for model_id, _looks, text in panel.model_rows()}
    assert "DRIFT UNDER REVIEW" in rows["classify"]
    assert "DRIFT UNDER REVIEW" not in rows["threshold"]
    assert "DRIFT UNDER REVIEW" not in rows["detect"]
    row = next(i for i in range(panel.model_list.count())
               if panel.model_list.item(i).data(ID_ROLE) == "classify")
    tip = panel.model_list.item(row).toolTip()
    assert "Drift under review" in tip
    assert "images unlike the training data: 75% (threshold 10%)" in tip and "25 runs" in tip

    assert panel.select_model("classify")
    qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
    card = panel.card_dialog.text()
    assert card.index("Drift under review") < card.index("Test classify")
    assert "images unlike the training data: 75% (threshold 10%)" in card
    assert "Results remain available" in card
    assert panel.select_model("threshold")
    qtbot.mouseClick(panel.card_button, Qt.MouseButton.LeftButton)
    assert "Drift under review" not in panel.card_dialog.text()


def test_runs_that_cross_the_threshold_mark_the_model_after_the_next_run(
        make_main_window, qtbot, ai_models, demo_dir) -> None:  # noqa: F811
    window = ready_window(make_main_window, qtbot, ai_models, demo_dir)
    panel = window.ai_panel
    qtbot.waitUntil(lambda: panel.drift_checks == 1, timeout=30_000)  # the one at start
    rows = {model_id: text for model_id, _looks, text in panel.model_rows()}
    assert "DRIFT UNDER REVIEW" not in rows["classify"]
    # the day goes on: other runs of this version (another account of the workstation,
    # say) were mostly unlike the training data; the viewer is not restarted
    AuditLog.of(load_settings()).append_many(
        _history(read_manifest(ai_models / "classify"), unlike=3))
    assert run_and_wait(qtbot, panel, "threshold") == "ok"

    def marked() -> bool:
        rows = {model_id: text for model_id, _looks, text in panel.model_rows()}
        return "DRIFT UNDER REVIEW" in rows["classify"]

    qtbot.waitUntil(marked, timeout=30_000)
    assert panel.drift_checks == 2  # at start, then after the run
    rows = {model_id: text for model_id, _looks, text in panel.model_rows()}
    assert "DRIFT UNDER REVIEW" not in rows["threshold"]
    assert [(a.model_id, a.metric) for a in panel.drift_alerts] == [("classify", "unlike_share")]


def test_the_alert_reads_in_japanese(qapp) -> None:
    from viewer.audit.drift import DriftAlert
    from viewer.ui.ai.drift_marks import alert_line, tooltip
    from viewer.ui.i18n import install_translators, remove_translators

    start = datetime(2026, 10, 12, tzinfo=UTC)
    share = DriftAlert("m", "1", "d", "unlike_share", 0.2, 0.1, start,
                       start + timedelta(days=7), 28, "")
    output = DriftAlert("m", "1", "d", "output:CLS:top:lesion", 0.5, 0.15, start,
                        start + timedelta(days=7), 28, "", 0.25)
    translators = install_translators(qapp, "ja")
    try:
        assert alert_line(share) == \
            "学習データと異なる画像: 20%（閾値 10%）、2026-10-12 – 2026-10-18、28 回の実行"
        assert alert_line(output).startswith("出力 CLS（top:lesion）が基準期間から 50% 変化")
        assert tooltip([share]).startswith("ドリフト確認中\n")
    finally:
        remove_translators(qapp, translators)
