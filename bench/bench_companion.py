"""Resampling another series onto the image a model runs on: Lightbox's NumPy path against
SciPy's ``map_coordinates`` (order 1) on the same grids, in the same run.

A multi-series model (docs/model-artifact.md, "Inputs from several series") feeds, for
every image, the matching frame of the other series resampled onto the image's pixels
(``viewer.inference.companion``). The frozen application ships no SciPy, so the core does
it in NumPy; this prints how that compares with SciPy's, and the largest difference
between the two (they must agree: both are bilinear at pixel centres).

    .venv/bin/python bench/bench_companion.py [--size PX] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="primary image rows/columns")
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs")
    ns = parser.parse_args()

    from scipy.ndimage import map_coordinates

    from viewer.inference.companion import bilinear, grid
    from viewer.io.model import FrameGeometry

    size = ns.size
    # The primary: size² at 0.5 mm; the other series: the same field of view at 0.7 mm,
    # turned 2° in plane, as a FLAIR beside a T1 often is.
    fov = size * 0.5
    other_size = int(round(fov / 0.7))
    here = FrameGeometry((-fov / 2, -fov / 2, 0.0), (1.0, 0.0, 0.0, 0.0, 1.0, 0.0), (0.5, 0.5))
    a = np.radians(2.0)
    there = FrameGeometry((-fov / 2, -fov / 2, 0.0),
                          (np.cos(a), np.sin(a), 0.0, -np.sin(a), np.cos(a), 0.0), (0.7, 0.7))
    rng = np.random.default_rng(0)
    image = rng.normal(500, 100, (other_size, other_size)).astype(np.float32)

    def best(fn) -> tuple[float, np.ndarray]:
        times, out = [], None
        for _ in range(max(1, ns.repeat)):
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
        return min(times), out

    def lightbox() -> np.ndarray:
        rows, cols = grid(here, there, (size, size))
        out = bilinear(image, rows, cols)
        assert out is not None
        return out

    def scipy() -> np.ndarray:
        rows, cols = grid(here, there, (size, size))
        inside = (rows >= -0.5) & (rows <= other_size - 0.5) & (cols >= -0.5) \
            & (cols <= other_size - 0.5)
        out = map_coordinates(image, [np.clip(rows, 0, other_size - 1),
                                      np.clip(cols, 0, other_size - 1)], order=1)
        out[~inside] = image.min()
        return out

    ours, mine = best(lightbox)
    theirs, peer = best(scipy)
    diff = float(np.abs(mine - peer).max())
    print(f"resample {other_size}x{other_size} @0.7 mm onto {size}x{size} @0.5 mm   "
          f"Lightbox (NumPy) {ours * 1e3:.1f} ms   SciPy map_coordinates {theirs * 1e3:.1f} ms   "
          f"({theirs / ours:.2f}x)   max difference {diff:.2g}")


if __name__ == "__main__":
    main()
