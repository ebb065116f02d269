"""Pixels on screen: the phantom at 1:1 shows the grey levels the window maths predicts;
the command-line screenshot mode saves the window once the images are loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image

from tests.ui.conftest import PHANTOM_SIZE, PHANTOM_SLICES
from tests.ui.helpers import grab_array
from viewer.imaging.window import Window
from viewer.io.demo import phantom_regions

ROOT = Path(__file__).resolve().parents[2]


def linear_window(hu: np.ndarray, window: Window) -> np.ndarray:
    """PS3.3 C.11.2.1.2.1, written out independently of the product's code."""
    c, w = window.center, window.width
    y = ((hu - (c - 0.5)) / (w - 1) + 0.5) * 255
    return np.clip(y, 0, 255)


def test_liver_at_one_to_one_shows_the_predicted_grey(phantom_window, qtbot) -> None:
    viewport = phantom_window.viewport
    liver = phantom_regions(PHANTOM_SLICES, PHANTOM_SIZE)["liver"]
    window = Window(60, 200)
    # The region is numbered in writing order (CT0001 first); find where the series put it.
    name = f"CT{liver.slice_index + 1:04d}.dcm"
    index = next(i for i, f in enumerate(viewport.series.frames) if f.instance.path.name == name)
    viewport.state.update(index=index, window=window, zoom=1.0, pan=(0.0, 0.0),
                          annotations=False)
    qtbot.waitUntil(lambda: viewport.displayed_image() is not None)
    screen = grab_array(viewport)
    t = viewport.image_to_screen()
    assert (t.m11(), t.m22(), t.m12(), t.m21()) == (1.0, 1.0, 0.0, 0.0)
    x0, y0 = int(t.dx()), int(t.dy())
    rows = slice(y0 + liver.rows.start, y0 + liver.rows.stop)
    cols = slice(x0 + liver.cols.start, x0 + liver.cols.stop)
    shown = screen[rows, cols].astype(float)
    assert np.all(shown[..., 0] == shown[..., 1])  # grey: R = G = B

    # Nominal liver (60 HU) sits at the window's centre: mid-grey, noise averages out.
    assert abs(shown[..., 0].mean() - linear_window(np.array(60.0), window)) <= 2
    # And pixel by pixel, from the file's own stored values and rescale.
    ref = viewport.series.frames[index]
    ds = pydicom.dcmread(ref.instance.path)
    hu = ds.pixel_array.astype(float) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    expected = linear_window(hu[liver.rows, liver.cols], window)
    assert np.abs(shown[..., 0] - expected).max() <= 2


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-m", "viewer", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_command_line_screenshot_waits_for_the_images(phantom_dir, tmp_path) -> None:
    out = tmp_path / "shot.png"
    done = _cli(str(phantom_dir), "--screenshot", str(out), cwd=ROOT)
    assert done.returncode == 0, done.stderr
    image = np.asarray(Image.open(out).convert("L"))
    assert image.shape[0] > 300 and image.shape[1] > 300
    # The body (soft tissue, mid-grey) is on screen: the images were loaded, not "loading…".
    assert np.count_nonzero((image > 90) & (image < 170)) > 5000


def test_command_line_screenshot_of_nothing_fails_with_a_reason(tmp_path) -> None:
    (tmp_path / "junk.dcm").write_bytes(b"not a DICOM file")
    out = tmp_path / "shot.png"
    done = _cli(str(tmp_path), "--screenshot", str(out), cwd=ROOT)
    assert done.returncode != 0
    assert "junk.dcm" in done.stderr
    assert not out.exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_command_line_screenshot_never_replaces_a_pipe_or_a_device(phantom_dir,
                                                                    tmp_path) -> None:
    """Checked before Qt starts: a usage error (2), the pipe and the device left as they
    were (the CI runs as root, where a rename would replace /dev/full)."""
    fifo = tmp_path / "shot.png"
    os.mkfifo(fifo)
    for target in [fifo, *(Path(d) for d in ("/dev/full",) if Path(d).exists())]:
        before = os.stat(target)
        done = _cli(str(phantom_dir), "--screenshot", str(target), cwd=ROOT)
        assert done.returncode == 2, done.stderr
        assert f"argument --screenshot: {target}: " in done.stderr
        assert "not a regular file; choose a file name" in done.stderr
        assert os.stat(target).st_mode == before.st_mode
