"""The peer of ``bench_startup.py``: the least a PySide6 script must do to show a DICOM file.

    python bench/minimal_viewer.py FILE_OR_FOLDER

Reads one file with pydicom (for a folder: the middle file by name, the image Lightbox
shows first for a series written in order), applies the rescale and the file's first
window (else min/max) with NumPy, and paints it scaled into a QWidget. With
``LIGHTBOX_BENCH_FIRST_PAINT=PATH`` set it writes ``time.time()`` to PATH once the first
paint has drawn the image, then quits: the same marker as the viewer's bench hook.
Not part of Lightbox: nothing in ``viewer/`` is imported.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pydicom
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QApplication, QWidget


def pick(path: Path) -> Path:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        return files[len(files) // 2]
    return path


def grey(path: Path) -> np.ndarray:
    ds = pydicom.dcmread(path)
    values = ds.pixel_array.astype(np.float32) * float(getattr(ds, "RescaleSlope", 1)) \
        + float(getattr(ds, "RescaleIntercept", 0))
    if "WindowCenter" in ds and "WindowWidth" in ds:
        centres, widths = ds.WindowCenter, ds.WindowWidth
        centre = float(centres[0] if isinstance(centres, pydicom.multival.MultiValue) else centres)
        width = float(widths[0] if isinstance(widths, pydicom.multival.MultiValue) else widths)
    else:
        low, high = float(values.min()), float(values.max())
        centre, width = (low + high) / 2, max(high - low, 1.0)
    scaled = (values - (centre - width / 2)) / width * 255.0
    return np.ascontiguousarray(np.clip(scaled, 0, 255).astype(np.uint8))


class Picture(QWidget):
    def __init__(self, pixels: np.ndarray, out: str) -> None:
        super().__init__()
        self._pixels = pixels  # QImage does not own the buffer
        rows, cols = pixels.shape
        self._image = QImage(pixels.data, cols, rows, cols, QImage.Format.Format_Grayscale8)
        self._out, self._seen = out, False
        self.resize(1280, 820)

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.drawImage(self.rect(), self._image)
        painter.end()
        if self._out and not self._seen:
            self._seen = True
            QTimer.singleShot(0, self._painted)

    def _painted(self) -> None:
        Path(self._out).write_text(f"{time.time():.6f}\n", encoding="ascii")
        QApplication.quit()


def main() -> int:
    app = QApplication(sys.argv[:1])
    window = Picture(grey(pick(Path(sys.argv[1]))), os.environ.get("LIGHTBOX_BENCH_FIRST_PAINT", ""))
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
