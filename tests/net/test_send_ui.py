"""The viewer's "Send AI results to PACS" against the real Orthanc (tests/net/conftest.py):
disabled with the reason where the site names no destination; with one, the shown
series' AI results go as SEG in the background, are found again in Orthanc, and the send
is in the audit log."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

from tests.net.test_send import MODELS, settings_for  # noqa: E402
from tests.pacs_server import needs_dicomweb  # noqa: E402
from viewer.audit.log import AuditLog  # noqa: E402
from viewer.cli.pacs_send import results_sender  # noqa: E402
from viewer.host.settings import Settings  # noqa: E402
from viewer.inference import run_model, verify_artifact  # noqa: E402
from viewer.io.cache import FrameCache  # noqa: E402
from viewer.net.dimse import node_named  # noqa: E402
from viewer.net.query import Query, find  # noqa: E402
from viewer.net.retrieve import retrieve  # noqa: E402

pytestmark = [pytest.mark.usefixtures("private_audit"),
              pytest.mark.qt_log_ignore("^This plugin does not support")]


@pytest.fixture
def window_for(qapp, qtbot) -> Iterator:
    from PySide6.QtCore import QCoreApplication, QEvent

    from viewer.ui.window.main_window import MainWindow

    windows = []

    def make(settings: Settings) -> MainWindow:
        window = MainWindow(cache=FrameCache(64 << 20), settings=settings, load_models=False,
                            send_results=results_sender(settings))
        window.show()
        qtbot.waitExposed(window)
        windows.append(window)
        return window

    yield make
    for window in windows:
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_send_ai_results_to_pacs_from_the_viewer(orthanc, window_for, qtbot, tmp_path):
    settings = settings_for(tmp_path, orthanc, 'results_destination = "orthanc"\n')
    node = node_named(settings, "orthanc")
    study_uid = orthanc.studies["phantom"]
    assert retrieve(node, settings, study_uid).complete
    window = window_for(settings)
    window.open_paths([str(settings.pacs_store_dir / study_uid)])
    qtbot.waitUntil(window.is_settled, timeout=30_000)
    box = window.ai_panel.sender_box
    series = window.viewport.series
    assert series is not None
    assert not box.send_button.isEnabled()
    assert "no AI results of this series" in box.send_button.toolTip()
    results = run_model(verify_artifact(MODELS / "ct-body-seg"), series, [5],
                        accept_warnings=True, audit_log=AuditLog.of(settings))
    window.viewport.overlays.add_results(results)
    assert box.send_button.isEnabled() and "orthanc" in box.send_button.toolTip()
    found: list[str] = []
    try:
        box.send_button.click()
        qtbot.waitUntil(lambda: not box.busy, timeout=60_000)
        assert box.status_label.text() == ("1 object(s) sent to orthanc and recorded in the "
                                           "audit log.")
        assert box.send_button.isEnabled() and not box.cancel_button.isVisible()
        found = [m.series_uid for m in find(node, Query(level="series", study_uid=study_uid,
                                                        modality="SEG"), settings).matches]
        assert len(found) == 1
        (record,) = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        assert record["outcome"] == "ok" and record["objects"][0]["model_id"] == "ct-body-seg"
        assert not list(Path(os.environ.get("TMPDIR", "/tmp")).glob("lightbox-send-*/0"))
        # Results read back from a SEG file are stored already: not offered again.
        from viewer.inference.dicom_export import write_seg

        seg = write_seg(results, series, tmp_path / "seg.dcm")
        window.viewport.overlays.clear()
        window.load_dicom_results(seg)
        assert window.viewport.overlays.runs(series.uid)
        assert not box.send_button.isEnabled()
        assert "no AI results of this series" in box.send_button.toolTip()
        # Cancel right after Send: the send ends as cancelled (whatever went is audited),
        # and every SEG in the study is found for the clean-up below.
        window.viewport.overlays.clear()
        window.viewport.overlays.add_results(results)
        box.send_button.click()
        assert box.cancel_button.isVisible()
        box.cancel_button.click()
        qtbot.waitUntil(lambda: not box.busy, timeout=60_000)
        assert box.status_label.text().startswith("Sending cancelled")
        assert box.send_button.isEnabled() and not box.cancel_button.isVisible()
        found = [m.series_uid for m in find(node, Query(level="series", study_uid=study_uid,
                                                        modality="SEG"), settings).matches]
    finally:
        for uid in found:
            orthanc.forget_series(uid)


def test_without_a_destination_the_action_says_why(orthanc, window_for, tmp_path):
    settings = settings_for(tmp_path, orthanc)  # nodes, but no results_destination
    assert results_sender(settings) is None
    window = window_for(settings)
    button = window.ai_panel.sender_box.send_button
    assert not button.isEnabled()
    assert "results_destination" in button.toolTip()


def test_auto_send_after_each_run_in_the_viewer(orthanc, window_for, qtbot, tmp_path):
    """The site sets results_auto_send: a run from the AI panel ends, and its SR goes to
    the PACS without the reader asking; the audit says "automatic"."""
    import shutil

    from PySide6.QtCore import Qt

    settings = settings_for(tmp_path, orthanc,
                            'results_destination = "orthanc"\nresults_auto_send = true\n')
    node = node_named(settings, "orthanc")
    study_uid = orthanc.studies["phantom"]
    assert retrieve(node, settings, study_uid).complete
    models = tmp_path / "models"
    shutil.copytree(MODELS / "ct-lesion-cls", models / "ct-lesion-cls")
    window = window_for(settings)
    panel = window.ai_panel
    panel.load_models([models])
    qtbot.waitUntil(lambda: panel.is_ready, timeout=60_000)
    window.open_paths([str(settings.pacs_store_dir / study_uid)])
    qtbot.waitUntil(window.is_settled, timeout=30_000)
    assert panel.select_model("ct-lesion-cls")
    found: list[str] = []
    try:
        with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
            qtbot.mouseClick(panel.run_image_button, Qt.MouseButton.LeftButton)
            if panel.use_dialog is not None:  # outside intended use: the reader runs it
                qtbot.mouseClick(panel.use_dialog.run_button, Qt.MouseButton.LeftButton)
        assert finished.args == ["ok"]
        box = panel.sender_box
        qtbot.waitUntil(lambda: "recorded in the audit log" in box.status_label.text(),
                        timeout=60_000)
        assert box.status_label.text().startswith("1 object(s) sent to orthanc")
        found = [m.series_uid for m in find(node, Query(level="series", study_uid=study_uid,
                                                        modality="SR"), settings).matches]
        assert len(found) == 1
        (record,) = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        assert record["trigger"] == "automatic" and record["outcome"] == "ok"
        assert record["objects"][0]["model_id"] == "ct-lesion-cls"
    finally:
        for uid in found:
            orthanc.forget_series(uid)


@needs_dicomweb
def test_send_ai_results_to_a_dicomweb_destination(orthanc, window_for, qtbot, tmp_path):
    """results_destination naming a DICOMweb node: the same button sends by STOW-RS."""
    from viewer.net.nodes import find as find_any
    from viewer.net.nodes import node_named as named

    settings = settings_for(tmp_path, orthanc, 'results_destination = "web"\n',
                            web=orthanc.dicomweb_url)
    web = named(settings, "web")
    study_uid = orthanc.studies["phantom"]
    window = window_for(settings)
    assert retrieve(node_named(settings, "orthanc"), settings, study_uid).complete
    window.open_paths([str(settings.pacs_store_dir / study_uid)])
    qtbot.waitUntil(window.is_settled, timeout=30_000)
    series = window.viewport.series
    assert series is not None
    results = run_model(verify_artifact(MODELS / "ct-body-seg"), series, [5],
                        accept_warnings=True, audit_log=AuditLog.of(settings))
    window.viewport.overlays.add_results(results)
    box = window.ai_panel.sender_box
    assert box.send_button.isEnabled() and "web" in box.send_button.toolTip()
    found: list[str] = []
    try:
        box.send_button.click()
        qtbot.waitUntil(lambda: not box.busy, timeout=60_000)
        assert box.status_label.text() == ("1 object(s) sent to web and recorded in the "
                                           "audit log.")
        found = [m.series_uid for m in find_any(web, Query(
            level="series", study_uid=study_uid, modality="SEG"), settings).matches]
        assert len(found) == 1
    finally:
        for uid in found:
            orthanc.forget_series(uid)
