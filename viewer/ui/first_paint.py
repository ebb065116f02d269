"""What waits for the first painted image: the models' verification, and a bench hook.

Start-up is measured to the first image on screen (``bench/bench_startup.py``); nothing
the first image does not need may run before it. Verifying the AI models replays golden
batches through ONNX Runtime for every bundled model: seconds of CPU on a small machine,
which would compete with the scan and the first decode. :func:`after_first_image` runs
such work once the viewport has painted an image (at once when nothing is being opened;
when the window settles with no image to paint). The AI panel says "verifying" until
then, and lists no model, so no unverified model can run.

The bench hook: with ``LIGHTBOX_BENCH_FIRST_PAINT=PATH`` in the environment,
:func:`arm_bench_hook` writes ``time.time()`` to PATH at the first painted image and quits
the application; with ``LIGHTBOX_BENCH_SCAN_END=1`` as well, it waits for the scan's end
too and writes that time on a second line. Readers never set them; without them nothing
of the hook runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer

from viewer.host.files import write_atomic

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from viewer.ui.viewport.viewport import Viewport
    from viewer.ui.window.main_window import MainWindow

#: The environment variable that arms the bench hook (a file path to write the time to).
BENCH_ENV = "LIGHTBOX_BENCH_FIRST_PAINT"
#: Set to "1" beside :data:`BENCH_ENV`: note the scan's end too (a second line), then quit.
BENCH_SCAN_END_ENV = "LIGHTBOX_BENCH_SCAN_END"


class FirstPaint(QObject):
    """Event filter on a viewport: calls ``then`` once, after the first paint that shows
    an image, when control is back in the event loop (so ``paintEvent`` has drawn it)."""

    def __init__(self, viewport: Viewport, then: Callable[[], None]) -> None:
        super().__init__(viewport)  # lives as long as the viewport
        self._viewport, self._then = viewport, then
        self.seen = False
        viewport.installEventFilter(self)

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (not self.seen and event.type() == QEvent.Type.Paint
                and self._viewport.series is not None
                and self._viewport.displayed_image() is not None):
            self.seen = True
            self._viewport.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


def after_first_image(window: MainWindow, action: Callable[[], None], *,
                      waiting: bool) -> None:
    """Run ``action`` once, after the first image is painted in ``window``.

    ``waiting`` False (nothing is being opened): as soon as the event loop runs. Otherwise
    after the first painted image, or when the window has settled (scan over, the shown
    series loaded) with no image to paint: nothing found, pixels that cannot be decoded.
    A folder's first image is painted while the scan reads the rest
    (:mod:`viewer.ui.window.early_image`): then ``action`` waits for the scan's end too,
    so it does not compete with the scan. A minimised window paints, and so verifies,
    when the reader brings it up.
    """
    done = {"ran": False, "waiting": False}

    def scan_over(_result: object) -> None:
        window.scan_finished.disconnect(scan_over)
        done["waiting"] = False
        QTimer.singleShot(0, once)

    def once() -> None:
        if done["ran"] or done["waiting"]:
            return
        if window.scanning:
            done["waiting"] = True
            window.scan_finished.connect(scan_over)
            return
        done["ran"] = True
        action()

    if not waiting:
        QTimer.singleShot(0, once)
        return
    FirstPaint(window.viewport, once)

    def settled() -> None:
        viewport = window.viewport
        if viewport.series is not None and viewport.displayed_image() is not None:
            return  # an image to paint: its paint comes (a minimised window: when shown)
        window.settled.disconnect(settled)
        QTimer.singleShot(0, once)

    window.settled.connect(settled)


def arm_bench_hook(app: QApplication, window: MainWindow) -> None:
    """With :data:`BENCH_ENV` set: note the first painted image's time there (and, with
    :data:`BENCH_SCAN_END_ENV`, the scan's end on a second line), then quit."""
    value = os.environ.get(BENCH_ENV, "")
    if not value:
        return
    out = Path(value)
    scan_end = os.environ.get(BENCH_SCAN_END_ENV, "") == "1"
    times: dict[str, float] = {}

    def finish() -> None:
        if "paint" in times and ("scan" in times or not scan_end):
            lines = [times["paint"]] + ([times["scan"]] if scan_end else [])
            write_atomic(out, "".join(f"{t:.6f}\n" for t in lines).encode("ascii"))
            app.quit()

    def painted() -> None:
        times["paint"] = time.time()
        finish()

    def scanned(_result: object) -> None:
        times.setdefault("scan", time.time())
        finish()

    if scan_end:
        window.scan_finished.connect(scanned)
    FirstPaint(window.viewport, painted)
