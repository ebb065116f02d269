"""Render benchmark: frames/s while dragging the window and while scrolling, same run.

    .venv/bin/python bench/bench_render.py [--slices 300] [--size 512]
        [--radiograph 3000x2500] [--frames 300] [--repeat 3]

Writes a CT phantom series (``--slices`` x ``--size``², uncompressed) and one synthetic
16-bit DX radiograph (``--radiograph`` rows x columns, Pixel Spacing 0.139 mm) into a
temporary folder, then measures:

* core drag     ``render_frame`` on one stored frame with a new window every frame (each
                window needs a new lookup table, as during a real drag), against a naive
                float pipeline (rescale, window, clip, scale, cast) on the same frame and
                windows; then the two peers a careful NumPy script would be, on the same
                frame and windows, each writing into a buffer it keeps between frames:
                a *chunked LUT* (a uint8 table over every stored value, applied with
                ``np.take(..., out=)`` in row blocks) and a *float clip* (float32
                rescale and window in place, ``np.clip``, one cast). The ratio is
                Lightbox's frame rate over the chunked LUT's (the issue-13 target: >= 1x)
* widget drag   the real ``Viewport`` (about 1000 x 800, offscreen), a left-button drag
                sent as mouse events, one pixel per frame, ``repaint()`` after each
* widget scroll the same viewport, once every slice is cached: one wheel notch per frame,
                ``repaint()`` after each (the window stays, so its table is reused)

Targets (the render issue): >= 200 frames/s at 512², >= 30 frames/s at 3000 x 2500;
(issue 13) the core drag at least as fast as the chunked-LUT peer.
Best of ``--repeat`` runs; the lookup-table cache is emptied before each.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # this checkout's viewer, not an installed one
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from pydicom.dataset import Dataset, FileMetaDataset  # noqa: E402
from pydicom.uid import (  # noqa: E402
    PYDICOM_IMPLEMENTATION_UID,
    DigitalXRayImageStorageForPresentation,
    ExplicitVRLittleEndian,
    generate_uid,
)

from viewer.imaging import render  # noqa: E402
from viewer.imaging.lut import default_window  # noqa: E402
from viewer.imaging.window import Window  # noqa: E402
from viewer.io.cache import FrameCache  # noqa: E402
from viewer.io.demo import write_phantom_series  # noqa: E402
from viewer.io.loader import SeriesLoader  # noqa: E402
from viewer.io.model import Series  # noqa: E402
from viewer.io.scan import scan  # noqa: E402

TARGET_512 = 200.0
TARGET_LARGE = 30.0
VIEWPORT_SIZE = (1000, 800)
DX_SPACING = 0.139
DX_BITS = 14


# --- the synthetic radiograph -------------------------------------------------------------


def radiograph_pixels(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """A chest-like 14-bit picture: heel-effect gradient, lungs, spine, ribs, noise."""
    rng = np.random.default_rng(seed)
    y = np.linspace(-1, 1, rows, dtype=np.float32)[:, None]
    x = np.linspace(-1, 1, cols, dtype=np.float32)[None, :]
    image = np.float32(9000) + np.float32(1200) * y + np.float32(400) * x  # anode heel
    image = image + np.float32(2500) * np.exp(np.float32(-3) * x * x)  # soft tissue mass
    for side in (-1, 1):  # lungs: dark, with soft edges
        d = ((x - side * 0.42) / 0.3) ** 2 + ((y + 0.05) / 0.62) ** 2
        image -= np.float32(3500) * np.clip((1 - d) * 4, 0, 1)
    image += np.float32(2000) * np.clip(1 - np.abs(x) / 0.08, 0, 1)  # spine
    cols_axis = x[0]
    for k in range(10):  # ribs: arcs across each lung
        centre = -0.6 + k * 0.13 + 0.12 * (1 - np.cos(cols_axis * 2.2))
        band = np.abs(y - centre[None, :]) < 0.025
        image += np.where(band, np.float32(900), np.float32(0))
    image += rng.standard_normal((rows, cols), dtype=np.float32) * np.float32(60)
    return np.clip(image, 0, 2**DX_BITS - 1).astype(np.uint16)


def write_radiograph(path: Path, rows: int, cols: int) -> Path:
    """One DX "for presentation" file as a detector would write it (uncompressed)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = DigitalXRayImageStorageForPresentation
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.Modality = "DX"
    ds.PatientName, ds.PatientID = "BENCH^RADIOGRAPH", "BENCH-DX"
    ds.StudyDate = ds.SeriesDate = "20240101"
    ds.SeriesNumber, ds.InstanceNumber = 1, 1
    ds.BodyPartExamined, ds.ViewPosition = "CHEST", "PA"
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    ds.PresentationIntentType = "FOR PRESENTATION"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.PixelSpacing = ds.ImagerPixelSpacing = [f"{DX_SPACING:g}", f"{DX_SPACING:g}"]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, DX_BITS, DX_BITS - 1
    ds.PixelRepresentation = 0
    ds.RescaleSlope, ds.RescaleIntercept, ds.RescaleType = "1", "0", "US"
    ds.WindowCenter, ds.WindowWidth = "8000", "12000"
    ds.PixelData = radiograph_pixels(rows, cols).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return path


# --- core: render_frame against the naive float pipeline ----------------------------------


def naive(stored: np.ndarray, slope: float, intercept: float, window: Window) -> np.ndarray:
    """What a first attempt looks like: float64 maths over every pixel of every frame."""
    c, w = window.center, window.width
    x = stored * slope + intercept
    return (np.clip((x - (c - 0.5)) / (w - 1) + 0.5, 0, 1) * 255).astype(np.uint8)


PEER_ROWS = 32  # rows per block for the chunked-LUT peer (about 80,000 pixels at 2500 wide)


def chunked_lut(stored: np.ndarray, slope: float, intercept: float, window: Window,
                out: np.ndarray) -> np.ndarray:
    """The chunked-LUT peer: a float32 table over every stored value, then row blocks."""
    c, w = np.float32(window.center), np.float32(window.width)
    bits = stored.dtype.itemsize * 8
    x = np.arange(2**bits, dtype=np.float32) * np.float32(slope) + np.float32(intercept)
    y = ((x - (c - np.float32(0.5))) / (w - np.float32(1)) + np.float32(0.5)) * np.float32(255)
    np.clip(y, 0, 255, out=y)
    y += np.float32(0.5)
    lut = y.astype(np.uint8)
    index = stored.view(np.uint16 if bits == 16 else np.uint8)
    for top in range(0, index.shape[0], PEER_ROWS):
        np.take(lut, index[top:top + PEER_ROWS], out=out[top:top + PEER_ROWS], mode="clip")
    return out


def float_clip(stored: np.ndarray, slope: float, intercept: float, window: Window,
               scratch: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The float-clip peer: one float32 pass, in place, then one cast into ``out``."""
    c, w = window.center, window.width
    gain = slope / (w - 1) * 255
    offset = ((intercept - (c - 0.5)) / (w - 1) + 0.5) * 255 + 0.5
    np.multiply(stored, np.float32(gain), out=scratch)
    scratch += np.float32(offset)
    np.clip(scratch, 0, 255, out=scratch)
    np.copyto(out, scratch, casting="unsafe")
    return out


def drag_windows(start: Window, frames: int, step: float) -> list[Window]:
    """A diagonal drag: every frame a new level and a new width (no table is reused)."""
    return [Window(start.center + i * step, start.width + 2 * i * step) for i in range(frames)]


def best_rate(run: Callable[[], int], repeat: int) -> float:
    """Frames per second of the fastest of ``repeat`` runs (``run`` returns its frames)."""
    rates = []
    for _ in range(repeat):
        render.clear_cache()
        t0 = time.perf_counter()
        frames = run()
        rates.append(frames / (time.perf_counter() - t0))
    return max(rates)


def verdict(rate: float, target: float, applies: bool = True) -> str:
    if not applies:
        return f"target >= {target:.0f} (n/a at this size)"
    return f"target >= {target:.0f}: {'ok' if rate >= target else 'MISSED'}"


def core_drag(label: str, series: Series, frames: int, repeat: int, target: float,
              applies: bool) -> None:
    ref = series.frames[len(series.frames) // 2]
    loader = SeriesLoader(series, FrameCache(1 << 30), workers=1)
    try:
        stored = loader.load(len(series.frames) // 2)
    finally:
        loader.close()
    header = ref.instance.header
    slope = float(header.get("RescaleSlope", 1) or 1) if header is not None else 1.0
    intercept = float(header.get("RescaleIntercept", 0) or 0) if header is not None else 0.0
    start = default_window(ref.instance, ref.frame, stored)
    windows = drag_windows(start, frames, step=max(1.0, start.width / 1024))

    buffer = np.empty(stored.shape, np.uint8)  # the viewport keeps one like it

    def lightbox() -> int:
        for w in windows:
            render.render_frame(stored, ref.instance, ref.frame, w, out=buffer)
        return len(windows)

    def plain() -> int:
        for w in windows:
            naive(stored, slope, intercept, w)
        return len(windows)

    ours, base = best_rate(lightbox, repeat), best_rate(plain, repeat)
    differ = max(
        int(np.abs(render.render_frame(stored, ref.instance, ref.frame, w).astype(np.int16)
                   - naive(stored, slope, intercept, w)).max())
        for w in (windows[0], windows[-1])
    )
    print(f"core drag     {label:<22} Lightbox {ours:8.1f} frames/s   naive float "
          f"{base:7.1f} frames/s  ({ours / base:.1f}x)   {verdict(ours, target, applies)}"
          f"   [max grey difference {differ}]")
    if stored.dtype.kind not in "iu" or stored.dtype.itemsize > 2:
        return
    peer_out = np.empty(stored.shape, np.uint8)
    scratch = np.empty(stored.shape, np.float32)

    def lut_peer() -> int:
        for w in windows:
            chunked_lut(stored, slope, intercept, w, peer_out)
        return len(windows)

    def clip_peer() -> int:
        for w in windows:
            float_clip(stored, slope, intercept, w, scratch, peer_out)
        return len(windows)

    # Interleaved: ours, the chunked LUT, the float clip, so load changes hit all three.
    rates: dict[str, list[float]] = {"ours": [], "lut": [], "clip": []}
    for _ in range(repeat):
        for name, fn in (("ours", lightbox), ("lut", lut_peer), ("clip", clip_peer)):
            rates[name].append(best_rate(fn, 1))
    ours, lut, clip = (max(rates[k]) for k in ("ours", "lut", "clip"))
    peer_differ = max(
        int(np.abs(render.render_frame(stored, ref.instance, ref.frame, w).astype(np.int16)
                   - chunked_lut(stored, slope, intercept, w, peer_out)).max())
        for w in (windows[0], windows[-1])
    )
    print(f"core peers    {label:<22} Lightbox {ours:8.1f} frames/s   chunked LUT "
          f"{lut:7.1f} frames/s   float clip {clip:7.1f} frames/s   "
          f"({ours / lut:.2f}x the chunked LUT, {ours / clip:.2f}x the float clip)   "
          f"target >= 1x chunked LUT: {'ok' if ours >= lut else 'MISSED'}"
          f"   [{1e3 / ours:.1f} / {1e3 / lut:.1f} / {1e3 / clip:.1f} ms per frame; "
          f"max grey difference to the LUT peer {peer_differ}]")


# --- through the real widget ----------------------------------------------------------------


class Widget:
    """A shown Viewport on the offscreen platform, with a paint counter."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication, QWidget

        from viewer.ui.boundary import ErrorBoundary
        from viewer.ui.bridge import Bridge
        from viewer.ui.viewport.viewport import Viewport

        self.app = QApplication.instance() or QApplication(["bench_render"])
        self.host = QWidget()
        self.bridge = Bridge(self.host)
        self.boundary = ErrorBoundary(self.host)
        self.viewport = Viewport(FrameCache(2 << 30), self.bridge, self.boundary)
        self.viewport.resize(*VIEWPORT_SIZE)
        self.viewport.show()
        self.paints = 0

        bench = self

        class PaintCounter(QObject):
            def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
                if event.type() == QEvent.Type.Paint:
                    bench.paints += 1
                return False

        self._counter = PaintCounter()
        self.viewport.installEventFilter(self._counter)

    def open(self, series: Series) -> None:
        """Open ``series`` and return once every frame is decoded (the ``loaded`` signal)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        self.viewport.loaded.connect(loop.quit)
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(600_000)
        self.viewport.open_series(series)
        if not self.viewport.is_loaded:
            loop.exec()
        self.viewport.loaded.disconnect(loop.quit)
        if not self.viewport.is_loaded:
            raise RuntimeError("the series did not finish loading")
        self.viewport.repaint()

    def painted(self, run: Callable[[], int]) -> Callable[[], int]:
        """``run``, checked: every frame it claims must have been painted."""

        def checked() -> int:
            before = self.paints
            frames = run()
            if self.paints - before != frames:
                raise RuntimeError(f"{frames} frames asked, {self.paints - before} painted")
            return frames

        return checked

    def drag(self, frames: int) -> int:
        """A left-button (window tool) drag, one pixel right and down per frame."""
        from PySide6.QtCore import QEvent, QPointF, Qt
        from PySide6.QtGui import QMouseEvent
        from PySide6.QtWidgets import QApplication

        vp = self.viewport
        left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

        def mouse(kind: QEvent.Type, pos: QPointF, button: Qt.MouseButton) -> None:
            event = QMouseEvent(kind, pos, vp.mapToGlobal(pos), button, left, none)
            QApplication.sendEvent(vp, event)

        start = QPointF(100, 100)
        mouse(QEvent.Type.MouseButtonPress, start, left)
        for i in range(1, frames + 1):
            mouse(QEvent.Type.MouseMove, start + QPointF(i, i), Qt.MouseButton.NoButton)
            vp.repaint()
        mouse(QEvent.Type.MouseButtonRelease, start + QPointF(frames, frames), left)
        return frames

    def scroll(self, frames: int) -> int:
        """One wheel notch per frame, turning back at either end of the stack."""
        from PySide6.QtCore import QPoint, QPointF, Qt
        from PySide6.QtGui import QWheelEvent
        from PySide6.QtWidgets import QApplication

        vp = self.viewport
        vp.state.index = 0
        centre = QPointF(vp.width() / 2, vp.height() / 2)
        direction = -1  # towards the reader: next slice
        for _ in range(frames):
            if vp.state.count > 1 and (vp.state.index == vp.state.count - 1
                                       if direction < 0 else vp.state.index == 0):
                direction = -direction
            event = QWheelEvent(centre, vp.mapToGlobal(centre), QPoint(0, 0),
                                QPoint(0, 120 * direction), Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                                False)
            QApplication.sendEvent(vp, event)
            vp.repaint()
        return frames

    def close(self) -> None:
        self.viewport.shutdown()
        self.viewport.close()
        self.bridge.close()
        self.viewport.deleteLater()
        self.host.deleteLater()


def widget_benches(ct: Series, dx: Series, ct_label: str, dx_label: str, frames: int,
                   dx_frames: int, repeat: int, applies: tuple[bool, bool]) -> None:
    widget = Widget()
    try:
        w, h = VIEWPORT_SIZE
        widget.open(ct)
        rate = best_rate(widget.painted(lambda: widget.drag(frames)), repeat)
        print(f"widget drag   {ct_label:<22} Viewport {rate:8.1f} frames/s   "
              f"({w}x{h} offscreen, repaint per mouse move)   {verdict(rate, TARGET_512, applies[0])}")
        rate = best_rate(widget.painted(lambda: widget.scroll(frames)), repeat)
        print(f"widget scroll {ct_label:<22} Viewport {rate:8.1f} frames/s   "
              f"(all {len(ct.frames)} slices cached, repaint per wheel notch)   "
              f"{verdict(rate, TARGET_512, applies[0])}")
        widget.open(dx)
        rate = best_rate(widget.painted(lambda: widget.drag(dx_frames)), repeat)
        print(f"widget drag   {dx_label:<22} Viewport {rate:8.1f} frames/s   "
              f"({w}x{h} offscreen, repaint per mouse move)   {verdict(rate, TARGET_LARGE, applies[1])}")
    finally:
        widget.close()


# --- main ----------------------------------------------------------------------------------


def parse_size(text: str) -> tuple[int, int]:
    rows, _, cols = text.lower().partition("x")
    try:
        return int(rows), int(cols)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLUMNS, got {text!r}") from None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--slices", type=int, default=300, help="CT slices for the scroll bench")
    ap.add_argument("--size", type=int, default=512, help="CT rows and columns")
    ap.add_argument("--radiograph", type=parse_size, default=(3000, 2500),
                    help="radiograph ROWSxCOLUMNS (default 3000x2500)")
    ap.add_argument("--frames", type=int, default=300, help="frames per CT measurement "
                    "(the radiograph gets a fifth as many, at least 5)")
    ap.add_argument("--repeat", type=int, default=3)
    ns = ap.parse_args()
    rows, cols = ns.radiograph
    dx_frames = max(5, ns.frames // 5)
    print(f"cores: {os.cpu_count()}, numpy {np.__version__}, pydicom {pydicom.__version__}")
    with tempfile.TemporaryDirectory(prefix="lightbox-bench-") as tmp:
        t0 = time.perf_counter()
        write_phantom_series(Path(tmp) / "ct", slices=ns.slices, size=ns.size)
        write_radiograph(Path(tmp) / "dx.dcm", rows, cols)
        print(f"wrote {ns.slices} CT slices of {ns.size}x{ns.size} and a {rows}x{cols} "
              f"radiograph in {time.perf_counter() - t0:.1f} s\n")
        (ct,) = scan([Path(tmp) / "ct"]).all_series()
        (dx,) = scan([Path(tmp) / "dx.dcm"]).all_series()
        ct_label = f"{ns.size}x{ns.size} CT"
        dx_label = f"{rows}x{cols} DX"
        # The targets are stated for these sizes; smaller runs (the smoke test) only print.
        applies = (ns.size >= 512, rows * cols >= 3000 * 2500)
        core_drag(ct_label, ct, ns.frames, ns.repeat, TARGET_512, applies[0])
        core_drag(dx_label, dx, dx_frames, ns.repeat, TARGET_LARGE, applies[1])
        widget_benches(ct, dx, ct_label, dx_label, ns.frames, dx_frames, ns.repeat, applies)


if __name__ == "__main__":
    main()
