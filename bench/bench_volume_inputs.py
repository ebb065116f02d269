"""Resampling another series onto a volume model's grid: Lightbox's NumPy path against
SciPy's ``map_coordinates`` (order 1) on the same volumes, in the same run.

A volume model with inputs from other series (docs/model-artifact.md, "Volume models")
resamples each other series, whole, onto the primary's target grid through patient
coordinates (``viewer.inference.volume_inputs``): trilinear, in slabs, in NumPy since the
frozen application ships no SciPy. This prints both times, their ratio, the largest
difference (they must agree: both are trilinear at voxel centres) and the peak NumPy
memory of each (``tracemalloc``) as a multiple of the target volume (float32).

The case: an axial primary of ``--size``² × ``--slices`` at 0.9 mm pixels and 1 mm slices
on a 1.5 mm model grid; the other series is SAGITTAL at 1.2 mm pixels and 1.5 mm slices
over the same field of view (a FLAIR beside a T1).

    .venv/bin/python bench/bench_volume_inputs.py [--size PX] [--slices N] [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: this checkout's viewer
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="primary rows/columns")
    parser.add_argument("--slices", type=int, default=160, help="primary slices")
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ns = parser.parse_args()

    from scipy.ndimage import map_coordinates

    from viewer.imaging.mpr import Volume
    from viewer.inference.volume_grid import GridMap
    from viewer.inference.volume_inputs import resample_onto, target_to_other

    pixel, thickness, model_mm = 0.9, 1.0, 1.5
    fov = (ns.size * pixel, ns.size * pixel, ns.slices * thickness)  # x, y, z (mm)
    primary = Volume(np.broadcast_to(np.float32(0), (ns.slices, ns.size, ns.size)),
                     (-fov[0] / 2, -fov[1] / 2, fov[2] / 2),
                     ((0.0, 0.0, -1.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)),
                     (thickness, pixel, pixel))
    shape = primary.shape
    target = tuple(max(1, round(n * s / model_mm)) for n, s in zip(shape, primary.spacing,
                                                                     strict=True))
    grid = GridMap(shape, primary.spacing, (target[0], target[1], target[2]), (0, 1, 2),
                   (False, False, False))
    # sagittal: slices right to left along x, rows down (−z), columns posterior (+y)
    other_shape = (round(fov[0] / 1.5), round(fov[2] / 1.2), round(fov[1] / 1.2))
    other = Volume(np.broadcast_to(np.float32(0), other_shape),
                   (-fov[0] / 2, -fov[1] / 2, fov[2] / 2),
                   ((1.0, 0.0, 0.0), (0.0, 0.0, -1.0), (0.0, 1.0, 0.0)), (1.5, 1.2, 1.2))
    rng = np.random.default_rng(0)
    values = rng.normal(500, 100, other_shape).astype(np.float32)
    a, b = target_to_other(primary, grid, other)

    def best(fn) -> tuple[float, int, np.ndarray]:
        times, peak, out = [], 0, None
        for _ in range(max(1, ns.repeat)):
            tracemalloc.start()
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
        return min(times), peak, out

    def lightbox() -> np.ndarray:
        return resample_onto(values, a, b, grid.target, -1.0, "linear")

    def scipy() -> np.ndarray:
        t = np.indices(grid.target, dtype=np.float64).reshape(3, -1)
        q = a @ t + b[:, None]
        n = np.asarray(values.shape)[:, None]
        inside = np.all((q >= -0.5) & (q <= n - 0.5), axis=0)
        out = map_coordinates(values, np.clip(q, 0, n - 1), order=1).astype(np.float32)
        out[~inside] = -1.0
        return out.reshape(grid.target)

    ours, our_peak, mine = best(lightbox)
    theirs, their_peak, peer = best(scipy)
    volume = 4 * int(np.prod(grid.target))
    diff = float(np.abs(mine - peer).max())
    print(f"other series {'x'.join(map(str, other_shape))} sagittal -> model grid "
          f"{'x'.join(map(str, grid.target))} at {model_mm} mm   "
          f"Lightbox (NumPy) {ours * 1e3:.1f} ms peak {our_peak / volume:.2f}x grid   "
          f"SciPy map_coordinates {theirs * 1e3:.1f} ms peak {their_peak / volume:.2f}x grid   "
          f"({theirs / ours:.2f}x)   max difference {diff:.2g}")


if __name__ == "__main__":
    main()
