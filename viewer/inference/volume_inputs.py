"""Inputs from other series of the study for a volume model, on the primary series' grid.

A volume model may read several series at once (T1, T1c, T2 and FLAIR; a CT and its
prior). The series the reader runs it on (the *primary*) defines the model grid
(:mod:`viewer.inference.volume_grid`); every other input's series is resampled onto that
SAME grid through patient coordinates, whatever its own orientation and spacing: a
sagittal FLAIR at 1.2 mm feeds a model run on an axial T1 at 0.9 mm voxel for voxel, and
the sliding window cuts every input's patch at the same place.

Each other series is checked before a pixel is read: the same frame of reference as the
primary (positions in another one mean nothing here: a registration would be needed), a
faithful volume by the MPR's rules (no gaps, tilt or mixed planes), and a field of view
that meets the primary's (else the model would read only padding). Then its frames are
read through the frame source, put through ITS input's intensity, and sampled at the
primary grid's voxel centres: trilinear (or nearest, as the manifest's interpolation
says), in NumPy, in slabs of :data:`CHUNK_ELEMENTS` target voxels so the temporaries stay
bounded. Points outside that series' field of view take the manifest's ``pad_value`` (in
the input's own intensity), as the sliding window pads beyond the primary volume.

Peak memory per other input: its series at its own resolution (float32) while it is
resampled, plus its target volume (float32), which the window reads.

Reasons name the input (``flair``), never a description or a UID: they go into the audit
log, which holds no patient data.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from viewer.imaging.mpr import Volume, VolumeError, check_series
from viewer.inference.errors import ModelInputError
from viewer.inference.manifest import InputSpec, Manifest
from viewer.inference.results import InputSource
from viewer.inference.series_match import extra_inputs, frame_of_reference
from viewer.inference.volume_grid import (
    GridMap,
    assemble,
    geometry,
    pad_in_model_space,
    plan_grid,
)
from viewer.inference.volume_plan import VolumePlan
from viewer.io.frames import FrameSource
from viewer.io.model import FrameRef, Series
from viewer.tasks.cancel import CancelToken

#: Target voxels sampled at once (bounds the coordinate and weight temporaries).
CHUNK_ELEMENTS = 1 << 18
#: Lattice points per axis when testing whether two fields of view overlap.
LATTICE = 33


@dataclass(frozen=True, eq=False)
class OtherVolume:
    """One input read from another series, checked against the primary."""

    spec: InputSpec
    series: Series
    volume: Volume  # its stack's geometry (no pixels)

    @property
    def voxels(self) -> int:
        return int(np.prod(self.volume.shape))


def check_inputs(manifest: Manifest, primary: Series,
                 others: Mapping[str, Series]) -> list[OtherVolume]:
    """Each other input's series, in manifest order, or ``ModelInputError`` with the reason
    (the caller has already checked each series against its rule, and the primary as a
    volume): another frame of reference, no faithful volume, no overlap."""
    here = frame_of_reference(primary)
    assert manifest.volume is not None
    primary_volume = geometry(primary)
    grid = plan_grid(primary_volume, manifest.volume)
    checked = []
    for spec in extra_inputs(manifest):
        series = others[spec.name]
        name = f"input {spec.name!r}" + (
            f" ({spec.series.role})" if spec.series is not None and spec.series.role else "")
        theirs = frame_of_reference(series)
        if here is None or theirs is None:
            raise ModelInputError(manifest.id, f"the series for {name} or the series the model "
                                  "runs on has no frame of reference, so the two cannot be "
                                  "placed on one grid")
        if theirs != here:
            raise ModelInputError(manifest.id, f"the series for {name} is in a different frame "
                                  "of reference from the series the model runs on: positions "
                                  "in one mean nothing in the other (the two would need a "
                                  "registration first)")
        try:  # the description stays out of the reason (it may reach the audit log)
            check_series(dataclasses.replace(series, description=""),
                         purpose=f"volume inference ({name})")
        except VolumeError as exc:
            raise ModelInputError(manifest.id, str(exc)) from None
        other = OtherVolume(spec, series, geometry(series))
        if not overlaps(primary_volume, grid, other.volume):
            raise ModelInputError(manifest.id, f"the series for {name} does not overlap the "
                                  "series the model runs on in the patient: the model would "
                                  "read nothing but padding from it")
        checked.append(other)
    return checked


def overlaps(primary: Volume, grid: GridMap, other: Volume) -> bool:
    """Whether the two fields of view share any point, before a pixel is read: a lattice
    of up to :data:`LATTICE` points per axis of each grid (ends included), tested inside
    the other. It finds any overlap wider than about 1/32 of a field of view along each
    axis; a thinner sliver would feed the model padding nearly everywhere anyway."""
    a, b = target_to_other(primary, grid, other)
    if _any_inside(a, b, grid.target, other.shape):
        return True
    back = np.linalg.inv(a)  # the other's voxels in target coordinates
    return _any_inside(back, -back @ b, other.shape, grid.target)


def _any_inside(a: np.ndarray, b: np.ndarray, shape: Sequence[int],
                into: Sequence[int]) -> bool:
    axes = [np.unique(np.linspace(0, n - 1, min(n, LATTICE))) for n in shape]
    points = np.stack(np.meshgrid(*axes, indexing="ij")).reshape(3, -1)
    q = a @ points + b[:, None]
    n = np.asarray(into, dtype=np.float64)[:, None]
    return bool(np.any(np.all((q >= -0.5) & (q <= n - 0.5), axis=0)))


def target_to_other(primary: Volume, grid: GridMap,
                    other: Volume) -> tuple[np.ndarray, np.ndarray]:
    """(A, b) with ``q = A @ t + b``: target voxel ``t`` (acquired order of the primary)
    → fractional voxel ``q`` (k, i, j) of ``other``. Both grids are affine in the patient,
    so the map is too: target t sits at the primary's acquired coordinate
    ``(t + 0.5) · n / m − 0.5`` (volume_grid's centre alignment)."""
    scale = np.asarray(grid.shape, np.float64) / np.asarray(grid.target, np.float64)
    steps = np.asarray(primary.axes, np.float64) * np.asarray(primary.spacing)[:, None]
    origin = np.asarray(primary.origin, np.float64) + (0.5 * scale - 0.5) @ steps
    into = np.asarray(other.axes, np.float64) / np.asarray(other.spacing)[:, None]
    a = into @ (steps * scale[:, None]).T
    b = into @ (origin - np.asarray(other.origin, np.float64))
    return a, b


def resample_onto(values: np.ndarray, a: np.ndarray, b: np.ndarray,
                  target: tuple[int, int, int], pad: float, interpolation: str,
                  cancel: CancelToken | None = None) -> np.ndarray:
    """``values`` (k, i, j) sampled at ``A @ t + b`` for every voxel t of ``target``
    (float32); points outside its voxels take ``pad``."""
    out = np.empty(target, dtype=np.float32)
    n = values.shape
    plane = target[1] * target[2]
    r, c = np.meshgrid(np.arange(target[1], dtype=np.float64),
                       np.arange(target[2], dtype=np.float64), indexing="ij")
    step = max(1, CHUNK_ELEMENTS // max(1, plane))
    for first in range(0, target[0], step):
        if cancel is not None:
            cancel.check()
        d = np.arange(first, min(first + step, target[0]), dtype=np.float64)[:, None, None]
        q = [a[x, 0] * d + a[x, 1] * r + a[x, 2] * c + b[x] for x in range(3)]
        inside = np.ones(q[0].shape, dtype=bool)
        for x in range(3):
            inside &= (q[x] >= -0.5) & (q[x] <= n[x] - 0.5)
            q[x] = np.clip(q[x], 0, n[x] - 1)
        if interpolation == "nearest":
            k, i, j = (np.rint(q[x]).astype(np.intp) for x in range(3))
            slab = values[k, i, j].astype(np.float32)
        else:
            slab = _trilinear(values, q)
        slab[~inside] = pad
        out[first : first + len(d)] = slab
    return out


def _trilinear(values: np.ndarray, q: Sequence[np.ndarray]) -> np.ndarray:
    """Trilinear samples at ``q`` (clipped inside ``values``): eight gathers through flat
    indices (one ``take`` each, cheaper than three-array fancy indexing)."""
    flat = values.reshape(-1)
    strides = (values.shape[1] * values.shape[2], values.shape[2], 1)
    ends: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for x, n, stride in zip(q, values.shape, strides, strict=True):
        lo = np.floor(x).astype(np.intp)
        w = (x - lo).astype(np.float32)
        hi = np.minimum(lo + 1, n - 1)
        lo *= stride
        hi *= stride
        ends.append((lo, hi, w))
    (k0, k1, wk), (i0, i1, wi), (j0, j1, wj) = ends
    out = np.zeros(q[0].shape, dtype=np.float32)
    for k, fk in ((k0, 1 - wk), (k1, wk)):
        for i, fi in ((i0, 1 - wi), (i1, wi)):
            row = k + i
            f = fk * fi
            out += f * (1 - wj) * flat.take(row + j0)
            out += f * wj * flat.take(row + j1)
    return out


def assemble_other(other: OtherVolume, primary: Volume, grid: GridMap, plan: VolumePlan,
                   *, source: FrameSource,
                   progress: Callable[[int], None] | None = None,
                   cancel: CancelToken | None = None) -> np.ndarray:
    """``other``'s series in its input's intensity on the primary's target grid, in the
    primary's ACQUIRED order (as :func:`volume_grid.assemble` returns the primary)."""
    shape = other.volume.shape
    own = GridMap(shape, other.volume.spacing, shape, (0, 1, 2), (False, False, False))
    values = assemble(other.series, own, other.spec.intensity, plan.interpolation,
                      source=source, progress=progress, cancel=cancel)
    a, b = target_to_other(primary, grid, other.volume)
    pad = pad_in_model_space(plan, other.spec.intensity)
    return resample_onto(values, a, b, grid.target, pad, plan.interpolation, cancel)


def sources(others: Sequence[OtherVolume], primary: Series) -> list[tuple[InputSource, ...]]:
    """Per primary frame, what each other input read there (provenance): the frame of
    that series through the image's centre, its distance from the image's plane."""
    used: list[tuple[InputSource, ...]] = []
    centres = [_centre(ref) for ref in primary.frames]
    per_input = []
    for other in others:
        row = []
        for point in centres:
            k, _, _ = other.volume.voxel(point)
            index = int(np.clip(round(k), 0, len(other.series.frames) - 1))
            distance = abs(k - index) * other.volume.spacing[0]
            ref = other.series.frames[index]
            row.append(InputSource(other.spec.name, other.series.uid,
                                   ref.instance.sop_instance_uid, index, float(distance), True))
        per_input.append(row)
    for k in range(len(centres)):
        used.append(tuple(row[k] for row in per_input))
    return used


def _centre(ref: FrameRef) -> tuple[float, float, float]:
    g, pixel = ref.geometry, ref.instance.pixel
    o, s, p = g.orientation, g.spacing, g.position
    assert o is not None and s is not None and p is not None  # a checked stack has them
    rows, cols = (pixel.rows, pixel.columns) if pixel is not None else (1, 1)
    half_r, half_c = (rows - 1) / 2 * s[0], (cols - 1) / 2 * s[1]
    x, y, z = (p[a] + o[a] * half_c + o[3 + a] * half_r for a in range(3))
    return x, y, z
