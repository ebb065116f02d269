"""A series → the volume a volume model reads: reoriented to its axes, resampled to its spacing.

The acquired stack is checked first with the MPR's rules (:func:`viewer.imaging.mpr.
check_series`): tilt, gaps, uneven spacing, mixed orientations or sizes are refused with
the reason, since a model fed a distorted volume answers about anatomy that is not there.
Uneven spacing is refused rather than resampled: it usually means slices from several
reconstructions or a missing slice, and interpolating across it would invent tissue.

Reorientation is a transpose and flips (numpy views, no copy): each model axis takes the
acquired axis closest to its patient direction. An oblique stack is therefore read in its
nearest anatomical orientation, not rotated (as MPR shows it).

Resampling is separable and NumPy-only. Sample positions are centre-aligned: target voxel
``t`` of ``m`` along an axis of ``n`` acquired voxels samples the acquired coordinate
``(t + 0.5) · n / m − 0.5`` (``scipy.ndimage.zoom(..., grid_mode=True)`` does the same),
and ``m = round(n · acquired spacing / target spacing)``, so both grids span the same
extent. Labels go back with the inverse rule, nearest neighbour.

Order: modality values (HU for CT) → the manifest's intensity on each acquired slice (as
the 2-D path: intensity, then resizing) → in-plane resampling slice by slice as the frames
arrive → resampling along the stack in chunks. The full-resolution volume is never held:

    peak ≈ 4 B × (slices × rows' × columns' + depth' × rows' × columns') + one frame

plus the resampling chunks (:data:`CHUNK_ELEMENTS`), where primes are target sizes of the
acquired axes. For a 512 × 512 × 600 CT (0.7 mm pixels, 1 mm slices; 300 MiB as int16)
at 1.5 mm that is about 220 MiB (``bench/bench_volume.py`` measured 290 MiB, 0.97× the
series, against 4× for stacking then ``scipy.ndimage.zoom``); at the acquired spacing it
is 4 B × 2 × voxels = 4× the int16 series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from viewer.imaging.lut import modality_values
from viewer.imaging.mpr import Volume, stack_geometry
from viewer.imaging.mpr import _assign_axes as nearest_axes
from viewer.inference.manifest import Intensity
from viewer.inference.preprocess import apply_intensity
from viewer.inference.volume_plan import VolumePlan
from viewer.io.frames import FrameSource
from viewer.io.model import Series
from viewer.tasks.cancel import CancelToken

#: Elements handled at once when resampling along the stack (bounds the temporaries).
CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class GridMap:
    """The acquired volume ``[k, i, j]`` against the model's ``[depth, rows, columns]``.

    ``axes[t]`` is the acquired axis behind model axis t, ``flips[t]`` whether it runs
    backwards; ``shape`` and ``target`` are in acquired order (k, i, j).
    """

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]  # acquired voxel size (mm)
    target: tuple[int, int, int]  # resampled sizes of the acquired axes
    axes: tuple[int, int, int]
    flips: tuple[bool, bool, bool]

    @property
    def model_shape(self) -> tuple[int, int, int]:
        d, r, c = (self.target[a] for a in self.axes)
        return d, r, c

    @property
    def target_spacing(self) -> tuple[float, float, float]:
        """The voxel size actually reached, along the acquired axes (mm)."""
        a, b, c = (n * s / m for n, s, m in zip(self.shape, self.spacing, self.target,
                                                 strict=True))
        return a, b, c

    @property
    def voxel_mm3(self) -> float:
        """One ACQUIRED voxel's volume: what a label count is multiplied by."""
        return float(np.prod(self.spacing))

    def to_model(self, array: np.ndarray) -> np.ndarray:
        """A target-grid array in acquired order (…, k, i, j) → model order (a view)."""
        lead = array.ndim - 3
        view = np.transpose(array, (*range(lead), *(lead + a for a in self.axes)))
        return view[(Ellipsis, *(slice(None, None, -1) if f else slice(None)
                                 for f in self.flips))]

    def to_acquired(self, array: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_model` (a view)."""
        unflipped = array[tuple(slice(None, None, -1) if f else slice(None)
                                for f in self.flips)]
        return np.transpose(unflipped, np.argsort(self.axes))


def plan_grid(volume: Volume, plan: VolumePlan) -> GridMap:
    """Which acquired axis feeds which model axis, and the resampled sizes."""
    owner = nearest_axes(volume.axes)  # the MPR's choice: patient axis → acquired axis
    axes, flips, target_mm = [], [], [0.0, 0.0, 0.0]
    for t, (patient, sign) in enumerate(plan.directions):
        a = owner[patient]
        axes.append(a)
        flips.append(volume.axes[a][patient] * sign < 0)
        target_mm[a] = plan.spacing_mm[t]
    shape = volume.shape
    target = tuple(max(1, round(n * s / mm)) for n, s, mm in zip(shape, volume.spacing,
                                                                   target_mm, strict=True))
    return GridMap(shape, volume.spacing, (target[0], target[1], target[2]),
                   (axes[0], axes[1], axes[2]), (flips[0], flips[1], flips[2]))


def linear_weights(n: int, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each of ``m`` target positions: the two acquired neighbours and the weight of
    the second (centre-aligned; the edges hold their value)."""
    x = np.clip((np.arange(m, dtype=np.float64) + 0.5) * (n / m) - 0.5, 0, n - 1)
    lo = np.floor(x).astype(np.intp)
    hi = np.minimum(lo + 1, n - 1)
    return lo, hi, (x - lo).astype(np.float32)


def nearest_source(n: int, m: int) -> np.ndarray:
    """For each of ``m`` target positions, the nearest of ``n`` acquired positions."""
    x = (np.arange(m, dtype=np.float64) + 0.5) * (n / m)
    return np.clip(np.floor(x).astype(np.intp), 0, n - 1)


def nearest_target(n: int, m: int) -> np.ndarray:
    """For each of ``n`` acquired positions, the target voxel it lies in (labels back)."""
    x = (np.arange(n, dtype=np.float64) + 0.5) * (m / n)
    return np.clip(np.floor(x).astype(np.intp), 0, m - 1)


def resample_axis(array: np.ndarray, axis: int, m: int, interpolation: str,
                  out: np.ndarray | None = None) -> np.ndarray:
    """``array`` (2-D or 3-D) resampled to ``m`` along ``axis`` (float32), in chunks over
    another axis so no temporary is much larger than :data:`CHUNK_ELEMENTS` elements."""
    n = array.shape[axis]
    shape = list(array.shape)
    shape[axis] = m
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    if n == m:
        out[...] = array
        return out
    other = 1 if axis == 0 else 0  # chunks run along another axis
    per = int(np.prod(shape)) // shape[other]
    step = max(1, CHUNK_ELEMENTS // max(1, per))
    lo, hi, w = linear_weights(n, m)
    nearest = nearest_source(n, m)
    wshape = [1] * array.ndim
    wshape[axis] = m
    w = w.reshape(wshape)
    count = shape[other]
    for start in range(0, count, step):
        part = (slice(None),) * other + (slice(start, start + step),)
        src, dst = array[part], out[part]
        if interpolation == "nearest":
            dst[...] = np.take(src, nearest, axis=axis)
        else:
            a = np.take(src, lo, axis=axis).astype(np.float32, copy=False)
            b = np.take(src, hi, axis=axis).astype(np.float32, copy=False)
            b -= a
            b *= w
            a += b
            dst[...] = a
    return out


def assemble(series: Series, grid: GridMap, intensity: Intensity, interpolation: str, *,
             source: FrameSource, progress: Callable[[int], None] | None = None,
             cancel: CancelToken | None = None) -> np.ndarray:
    """The series in the model's intensity space on the target grid, in ACQUIRED order
    (``grid.to_model`` turns it). Frames come from ``source`` (the GUI's cache)."""
    n0, m0, m1, m2 = grid.shape[0], *grid.target
    stack = np.empty((n0, m1, m2), dtype=np.float32)
    minmax = intensity.kind == "minmax"
    for k, ref in enumerate(series.frames):
        if cancel is not None:
            cancel.check()
        values = modality_values(source(ref), ref.instance, ref.frame)
        if not minmax:  # elementwise: per slice, as the 2-D path does before resizing
            values = apply_intensity(values, intensity)
        rows = resample_axis(values, 0, m1, interpolation)
        resample_axis(rows, 1, m2, interpolation, out=stack[k])
        if progress is not None:
            progress(k + 1)
    if minmax:  # over the whole series; linear resampling keeps the range, so it commutes
        lo, hi = float(np.nanmin(stack)), float(np.nanmax(stack))
        for k in range(n0):
            stack[k] = _stretch(stack[k], lo, hi)
    if m0 == n0:
        return stack
    return resample_axis(stack, 0, m0, interpolation)


def _stretch(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if hi <= lo:
        return np.zeros_like(values)
    stretched: np.ndarray = np.clip((values - np.float32(lo)) / np.float32(hi - lo), 0.0, 1.0)
    return stretched


def pad_in_model_space(plan: VolumePlan, intensity: Intensity) -> float:
    """The manifest's ``pad_value`` (a modality value) as the model sees it."""
    if intensity.kind == "minmax":  # the series' own range decides; outside it is clipped
        return 0.0
    return float(apply_intensity(np.array([plan.pad_value], np.float32), intensity)[0])


def geometry(series: Series) -> Volume:
    """The stack's geometry, no pixels read (checked by the caller)."""
    return stack_geometry(series)
