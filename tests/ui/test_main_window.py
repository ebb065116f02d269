"""The main window: opening, problems, drops, identity, dialogs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import open_and_wait
from tests.ui.helpers import click_item, grab_array
from tests.ui.test_layout import two_series  # noqa: F401 - fixture
from viewer.ui.bindings import BINDINGS
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN
from viewer.ui.window.browser import NO_IMAGE

PATIENT = "Demo, Phantom"  # the phantom's fictional Demo^Phantom, as the viewer writes it


def test_first_image_series_opens_with_name_in_title_and_browser(phantom_window) -> None:
    w = phantom_window
    assert PATIENT in w.windowTitle()
    assert w.browser.topLevelItem(0).text(0).startswith(PATIENT)
    items = w.browser.series_items()
    assert len(items) == 1 and "20 images" in items[0].text(0)
    assert w.viewport.series is w.browser.entry(items[0])[0]


def test_hide_identity_removes_the_name_everywhere(phantom_window, qtbot) -> None:
    w = phantom_window
    assert PATIENT in w.viewport.corner_text().top_left
    shown = grab_array(w.viewport)
    w._actions["hide_identity"].trigger()
    assert w.viewport.state.hide_identity
    assert w.viewport.corner_text().top_left == [IDENTITY_HIDDEN]
    assert PATIENT not in w.windowTitle() and IDENTITY_HIDDEN in w.windowTitle()
    assert PATIENT not in w.browser.topLevelItem(0).text(0)
    hidden = grab_array(w.viewport)
    top_left = (slice(0, 50), slice(0, 220))
    assert not np.array_equal(shown[top_left], hidden[top_left])
    w.show_tags()
    assert "(hidden)" in [w.tag_browser.tree.topLevelItem(i).text(3)
                          for i in range(w.tag_browser.tree.topLevelItemCount())
                          if w.tag_browser.tree.topLevelItem(i).text(0) == "(0010,0010)"]


def test_folder_with_a_corrupt_file_opens_the_rest_and_lists_it(
        main_window, qtbot, phantom_dir, tmp_path) -> None:
    folder = tmp_path / "study"
    shutil.copytree(phantom_dir, folder)
    broken = folder / "CT0005.dcm"
    broken.write_bytes(broken.read_bytes()[:300])  # truncated inside the header
    (folder / "notes.dcm").write_bytes(b"this is not DICOM")
    open_and_wait(qtbot, main_window, folder)
    assert main_window.viewport.series is not None
    assert len(main_window.viewport.series.frames) >= 18
    problems = dict(main_window.problems.problems())
    assert problems["CT0005.dcm"] == "file is truncated (header incomplete)"
    assert problems["notes.dcm"] == "not a DICOM file or supported image"
    # Only the phantom's series: the broken file is a problem, not an empty "no image" entry.
    assert len(main_window.browser.series_items()) == 1
    assert main_window.problems_dock.isVisible()


def test_nothing_usable_says_so(main_window, qtbot, tmp_path) -> None:
    (tmp_path / "a.dcm").write_bytes(b"garbage")
    open_and_wait(qtbot, main_window, tmp_path)
    assert main_window.viewport.series is None
    assert any("Nothing to display" in m for m in main_window.boundary.messages)
    assert main_window.problems.problems()[0][0] == "a.dcm"


def _drop(widget, paths: list[Path]) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    enter = QDragEnterEvent(QPoint(int(pos.x()), int(pos.y())), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)


def test_dropping_a_folder_opens_it(main_window, qtbot, phantom_dir) -> None:
    _drop(main_window, [phantom_dir])
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert main_window.viewport.series is not None
    assert main_window.viewport.is_loaded


def test_non_image_object_is_listed_and_opens_its_tags(main_window, qtbot, pydicom_files) -> None:
    # An ECG: an SR is read as a report instead (tests/ui/test_reports.py).
    open_and_wait(qtbot, main_window, pydicom_files / "waveform_ecg.dcm")
    items = main_window.browser.series_items()
    assert items and NO_IMAGE in items[0].text(0)
    click_item(main_window.browser, items[0])
    assert main_window.tag_browser is not None and main_window.tag_browser.isVisible()
    assert main_window.tag_browser.visible_tags()


def test_series_larger_than_the_cache_warns_not_crashes(make_main_window, qtbot,
                                                        phantom_dir) -> None:
    window = make_main_window(cache_bytes=100_000)  # holds ~3 of the 20 slices
    open_and_wait(qtbot, window, phantom_dir)
    assert "more than the image cache" in window.statusBar().currentMessage()
    assert window.cache_label.isVisible()
    assert window.viewport.displayed_image() is not None


def test_help_lists_every_binding(main_window) -> None:
    main_window._actions["help"].trigger()
    text = main_window.help_dialog.listed_text()
    for binding in BINDINGS.values():
        assert binding.description in text
        for gesture in binding.mouse:
            assert str(gesture) in text


def test_cancel_stops_a_scan_quietly(main_window, qtbot, phantom_dir) -> None:
    main_window.open_paths([phantom_dir])
    assert main_window.scan_bar.isVisible() and main_window.cancel_button.isVisible()
    main_window.open_paths([phantom_dir])  # queued behind the first: cancelled with it
    main_window.cancel_button.click()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert not main_window.boundary.messages  # a cancelled scan is not an error
    assert main_window.statusBar().currentMessage() == "Scan cancelled"
    assert main_window.viewport.series is None and not main_window.browser.series_items()
    assert not main_window.scan_bar.isVisible() and not main_window.cancel_button.isVisible()
    open_and_wait(qtbot, main_window, phantom_dir)  # and the next open works as usual
    assert main_window.viewport.series is not None


def test_open_dicomdir_from_the_menu(main_window, qtbot, pydicom_files, monkeypatch) -> None:
    dicomdir = pydicom_files / "dicomdirtests" / "DICOMDIR"
    # The native file dialog is the only stand-in: it is the operating system's, not ours.
    monkeypatch.setattr("viewer.ui.window.main_window.QFileDialog.getOpenFileName",
                        lambda *args, **kwargs: (str(dicomdir), ""))
    main_window._actions["open_dicomdir"].trigger()
    qtbot.waitUntil(main_window.is_settled, timeout=20_000)
    assert len(main_window.browser.series_items()) >= 10  # every series the index lists
    assert main_window.viewport.series is not None and main_window.viewport.is_loaded


def test_thumbnails_are_made_off_the_gui_thread_and_shown(main_window, qtbot, phantom_dir,
                                                          monkeypatch) -> None:
    import threading

    from viewer.ui.window import browser as browser_module

    threads: list[threading.Thread] = []
    real_job = browser_module._thumbnail_job

    def recording_job(ref, frames):
        threads.append(threading.current_thread())
        return real_job(ref, frames)

    monkeypatch.setattr(browser_module, "_thumbnail_job", recording_job)
    open_and_wait(qtbot, main_window, phantom_dir)  # settled includes the thumbnails
    assert threads and threading.main_thread() not in threads
    [item] = main_window.browser.series_items()
    icon = item.icon(0).pixmap(64, 64).toImage()
    # The phantom's soft tissue is mid-grey: a rendered thumbnail, not the file placeholder.
    centre = icon.pixelColor(icon.width() // 2, icon.height() // 2)
    assert centre.red() == centre.green() == centre.blue() and 60 < centre.red() < 200


# --- site configuration and the About box (issue 4) -----------------------------------


def _site(tmp_path, monkeypatch, text: str):
    path = tmp_path / "lightbox.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(path))
    return path


def test_the_site_can_hide_patient_identity_from_the_start(
        make_main_window, qtbot, phantom_dir, tmp_path, monkeypatch) -> None:
    _site(tmp_path, monkeypatch, "hide_identity = true\n")
    window = make_main_window()
    assert window._actions["hide_identity"].isChecked()
    open_and_wait(qtbot, window, phantom_dir)
    assert PATIENT not in window.windowTitle() and IDENTITY_HIDDEN in window.windowTitle()
    assert window.viewport.corner_text().top_left == [IDENTITY_HIDDEN]
    assert PATIENT not in window.browser.topLevelItem(0).text(0)


def test_a_broken_site_file_is_named_and_the_viewer_still_works(
        make_main_window, qtbot, phantom_dir, tmp_path, monkeypatch) -> None:
    path = _site(tmp_path, monkeypatch, 'language = "en"\nallowed_models = [\n')
    window = make_main_window()
    [message] = window.boundary.messages
    assert f"{path}: line 2: " in message and "fails closed" in message
    # Closed: identity starts hidden until IT fixes the file, and the reader cannot show it.
    assert window.viewport.state.hide_identity
    assert not window._actions["hide_identity"].isEnabled()
    window.toggle_identity()
    assert window.viewport.state.hide_identity
    open_and_wait(qtbot, window, phantom_dir)
    assert window.viewport.series is not None


def test_about_names_the_versions_and_the_no_network_promise(main_window) -> None:
    import onnxruntime
    import PySide6
    from PySide6.QtCore import qVersion
    from PySide6.QtWidgets import QMessageBox

    from viewer import __version__

    main_window.show_about()
    box = main_window.findChild(QMessageBox, "about")
    assert box is not None and box.isVisible() and not box.isModal()
    text = box.text()
    assert text.startswith(f"Lightbox {__version__}\n")
    assert f"Qt {qVersion()} (PySide6 {PySide6.__version__})" in text
    assert f"ONNX Runtime {onnxruntime.__version__}" in text and "Python 3." in text
    assert "no network connection, ever" in text
    # Link-free: plain text, nothing that looks like an address.
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert "http" not in text and "www." not in text and "<a" not in text
    box.close()


def test_thumbnails_read_through_the_windows_frame_cache(main_window, qtbot, two_series,  # noqa: F811
                                                         monkeypatch):
    """The browser's thumbnail frame (the middle one, where a series opens) is decoded
    once, into the window's cache: opening the series then reads nothing again."""
    import viewer.io.frames as frames_module

    w = main_window
    open_and_wait(qtbot, w, two_series)
    shown = w.viewport.series
    other = next(s for s, _st in w.browser.image_series() if s is not shown)
    middle = other.frames[len(other.frames) // 2]
    assert middle.key in w.cache  # put there by its thumbnail: never shown in a viewport
    cached = w.cache.get(middle.key)
    reads: list[object] = []
    real = frames_module.read_frame
    monkeypatch.setattr(frames_module, "read_frame",
                        lambda ref: reads.append(ref.key) or real(ref))
    w.viewport.open_series(other)
    qtbot.waitUntil(lambda: w.viewport.displayed_image() is not None, timeout=10_000)
    assert w.viewport.current_ref() is middle
    assert w.viewport.current_stored() is cached  # the thumbnail's decode, not a new one
    assert middle.key not in reads


def test_link_loops_and_a_pipe_are_listed_and_the_rest_opens(
        main_window, qtbot, phantom_dir, tmp_path) -> None:
    """Once, a looping pair of links made the viewer say nothing could be opened, and a
    named pipe called *.png made it wait for ever."""
    import os

    folder = tmp_path / "study"
    shutil.copytree(phantom_dir, folder)
    (folder / "a.dcm").symlink_to("b.dcm")
    (folder / "b.dcm").symlink_to("a.dcm")
    (folder / "up").symlink_to("..")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "scan.png")
    open_and_wait(qtbot, main_window, folder)
    assert main_window.viewport.series is not None
    assert len(main_window.viewport.series.frames) == 20
    problems = dict(main_window.problems.problems())
    assert problems["a.dcm"].startswith("a symbolic link loop")
    assert problems["up"].startswith("a link to a folder outside the one opened")
    if hasattr(os, "mkfifo"):
        assert problems["scan.png"] == "a named pipe, not a file"
