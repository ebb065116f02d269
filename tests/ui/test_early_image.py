"""A folder's first image is painted while the scan reads the rest, then becomes its sorted
series at the same image (viewer/ui/window/early_image.py), in a real window.

Every series the viewport opens is noted as it opens (how many images it offers, which
file is on screen, at which index), with the status bar's messages: what a reader sees,
step by step. The scan's handing over and its end reach the window in that order through
the one bridge, so the steps are the same however fast the machine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.imaging.volumes import write_series
from tests.ui.conftest import open_and_wait
from viewer.imaging.window import Window
from viewer.io.demo import write_phantom_series
from viewer.io.model import Series


class Steps:
    """What the window showed, in order: one entry per series opened, and the messages."""

    def __init__(self, window, *, on_open=None) -> None:
        self.window, self.on_open = window, on_open
        self.opened: list[tuple[int, str, int]] = []
        self.scanning: list[bool] = []  # the scan's progress bar shown as each opened
        self.messages: list[str] = []
        window.viewport.series_opened.connect(self._opened)
        window.statusBar().messageChanged.connect(self.messages.append)

    def _opened(self, series: Series) -> None:
        viewport = self.window.viewport
        ref = viewport.current_ref()
        self.opened.append((len(series.frames), ref.instance.path.name if ref else "",
                            viewport.state.index))
        self.scanning.append(self.window.scan_bar.isVisible())
        if self.on_open is not None:
            self.on_open(len(self.opened))


def _sorted_index(window, name: str) -> int:
    return next(i for i, f in enumerate(window.viewport.series.frames)
                if f.instance.path.name == name)


def test_the_middle_image_is_shown_as_its_file_then_the_sorted_series_keeps_it(
        main_window, qtbot, tmp_path) -> None:
    files = write_phantom_series(tmp_path / "ct", slices=9, size=48)
    middle = files[4].name
    w = main_window
    kept = Window(center=321.0, width=654.0)

    def reader_adjusts(count: int) -> None:  # the reader sets a window on the early image
        if count == 1:
            w.viewport.state.update(window=kept, zoom=2.0, fit=False)

    steps = Steps(w, on_open=reader_adjusts)
    open_and_wait(qtbot, w, tmp_path / "ct")
    # First the file alone (one image: nothing to scroll), named in the status bar, while
    # the scan's progress is still shown...
    assert steps.opened[0] == (1, middle, 0) and steps.scanning[0]
    assert any(middle in m and "scanned" in m for m in steps.messages)
    # ...then its series, sorted, at that same image, with the view the reader set.
    assert steps.opened[1:] == [(9, middle, _sorted_index(w, middle))]
    assert not steps.scanning[1] and not w.scan_bar.isVisible()
    assert w.viewport.current_ref().instance.path.name == middle
    assert w.viewport.state.window == kept and w.viewport.state.zoom == 2.0
    assert w.viewport.displayed_image() is not None
    # Everything else as after any scan: listed, selected, scrollable.
    assert w.viewport.series is w.browser.first_image_series()[0]
    w.viewport.state.index = 0
    assert w.viewport.current_ref().instance.path.name != middle


def test_a_broken_middle_file_shows_the_first_good_image_and_is_listed(
        main_window, qtbot, tmp_path, phantom_dir) -> None:
    folder = tmp_path / "study"
    shutil.copytree(phantom_dir, folder)
    names = sorted(p.name for p in folder.iterdir())
    broken = folder / names[len(names) // 2]
    broken.write_bytes(broken.read_bytes()[:300])  # truncated inside the header
    w = main_window
    steps = Steps(w)
    open_and_wait(qtbot, w, folder)
    assert steps.opened[0] == (1, names[0], 0)
    assert steps.opened[1:] == [(len(names) - 1, names[0], _sorted_index(w, names[0]))]
    assert broken.name in dict(w.problems.problems()) or str(broken) in dict(
        w.problems.problems())


def test_a_folder_without_images_shows_nothing_early(main_window, qtbot, tmp_path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.dcm", "c.dcm"):
        (folder / name).write_bytes(b"plain text, not an image")
    w = main_window
    steps = Steps(w)
    w.open_paths([folder])
    qtbot.waitUntil(lambda: not w.scanning, timeout=20_000)
    assert steps.opened == [] and w.viewport.series is None
    assert w.browser.series_items() == []
    assert any("Nothing to display" in m for m in w.boundary.messages)


def test_a_cancelled_scan_takes_the_early_image_away(main_window, qtbot, tmp_path,
                                                      phantom_dir) -> None:
    write_phantom_series(tmp_path / "ct", slices=9, size=48)
    w = main_window
    steps = Steps(w, on_open=lambda count: w.cancel_scan() if count == 1 else None)
    w.open_paths([tmp_path / "ct"])
    qtbot.waitUntil(lambda: not w.scanning, timeout=20_000)
    assert steps.opened == [(1, "CT0005.dcm", 0)]  # shown, then the reader cancelled
    assert w.viewport.series is None and w.viewport.displayed_image() is None
    assert w.browser.series_items() == []
    assert w.statusBar().currentMessage() == "Scan cancelled"
    assert w.windowTitle() == "Lightbox"
    # The next folder opens as usual.
    open_and_wait(qtbot, w, phantom_dir)
    assert w.viewport.series is not None and len(w.viewport.series.frames) == 20


@pytest.fixture
def two_numbered_series(tmp_path) -> Path:
    """Series 2 (9 slices, folder "a") is listed after series 1 (3 slices, folder "b"),
    but holds the middle file of the folder."""
    folder = tmp_path / "two"
    ramp = np.linspace(-200, 200, 32 * 32, dtype=np.float32).reshape(32, 32)
    write_series(folder / "a", [(ramp + k).astype(np.int16) for k in range(9)],
                 [(-8.0, -8.0, -2.0 * k) for k in range(9)], series_number=2,
                 description="Second")
    write_series(folder / "b", [(ramp * 2).astype(np.int16) for _ in range(3)],
                 [(-8.0, -8.0, -6.0 * k) for k in range(3)], series_number=1,
                 description="First")
    return folder


def test_several_series_the_one_holding_the_early_image_opens(
        main_window, qtbot, two_numbered_series) -> None:
    w = main_window
    steps = Steps(w)
    open_and_wait(qtbot, w, two_numbered_series)
    early = steps.opened[0]
    assert early[:1] == (1,) and early[2] == 0
    assert len(steps.opened) == 2
    assert steps.opened[1][:2] == (9, early[1])  # series 2, at the same file
    assert w.viewport.series.description == "Second"
    assert [w.browser.entry(i)[0].description for i in w.browser.series_items()] == [
        "First", "Second"]


def test_a_later_folder_never_replaces_the_series_on_screen(
        main_window, qtbot, phantom_dir, tmp_path) -> None:
    w = main_window
    open_and_wait(qtbot, w, phantom_dir)
    shown = w.viewport.series
    write_phantom_series(tmp_path / "other", slices=5, size=32, seed=3)
    steps = Steps(w)
    open_and_wait(qtbot, w, tmp_path / "other")
    assert steps.opened == [] and w.viewport.series is shown
    assert len(w.browser.series_items()) == 2
