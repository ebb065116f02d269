"""Multiplanar reconstruction: a series as a volume, resliced in three patient planes.

A stack of parallel, evenly spaced slices becomes a ``Volume``: the stored values in their
own integer type when every slice shares one rescale (the rescale is applied to each plane
as it is cut, :mod:`viewer.imaging.volume_fill`), else modality values in float32, indexed
``[slice, row, column]``, with the patient geometry of each index axis. A ``Reformat`` presents the volume as a stack of 2-D planes perpendicular to one
patient axis (axial, coronal, sagittal), laid out as radiologists expect to read them:

* axial: patient left on screen right, posterior at the bottom, head first;
* coronal: patient left on screen right, feet at the bottom, anterior first;
* sagittal: posterior on screen right, feet at the bottom, right side first.

The planes are numpy views of the volume (a transpose and flips, never a resampled copy),
so each plane keeps the acquired voxels and its own pixel spacing: a coronal plane of a
CT with 0.7 mm pixels and 2.5 mm slices has rows 2.5 mm apart, and the viewport stretches
them. Each plane carries honest DICOM geometry (position, orientation cosines, spacing),
so orientation letters, the scale bar and slice positions work as on acquired images.

Stacks that cannot make a faithful volume are refused with the reason and what to do:
gantry tilt, missing slices, uneven spacing, mixed orientations or sizes, colour.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import statistics
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from viewer.imaging.lut import PixelTransform, modality_values
from viewer.imaging.volume_fill import (
    Allocation,
    allocate,
    fill_into,
    shared_transform,
    volume_bytes,
)
from viewer.imaging.volume_fill import VolumeError as VolumeError
from viewer.imaging.volume_fill import VolumeTooLargeError as VolumeTooLargeError
from viewer.io.cache import FrameCache
from viewer.io.frames import CachedFrames, FrameSource
from viewer.io.geometry import dot, norm, normal
from viewer.io.model import FrameRef, Orientation, Series, Vec3
from viewer.io.pixels import read_frame
from viewer.tasks.cancel import CancelToken

#: Fewest slices that make a volume worth reslicing.
MIN_SLICES = 3
#: Angle (degrees) between the stacking direction and the slice normal tolerated.
MAX_TILT_DEGREES = 0.5
#: Relative deviation of one slice step from the typical step tolerated.
SPACING_TOLERANCE = 0.1
#: Orientation cosines that differ by less than this are the same plane.
ORIENTATION_TOLERANCE = 1e-3


class Plane(StrEnum):
    AXIAL = "axial"
    CORONAL = "coronal"
    SAGITTAL = "sagittal"


class Slab(StrEnum):
    """How the slices inside a thick slab are combined."""

    OFF = "off"
    MIP = "MIP"
    MINIP = "MinIP"
    AVERAGE = "average"


#: Per plane: patient axis of the plane normal and direction the stack runs in, the
#: patient direction of the screen's right and of its bottom (axis, sign). LPS axes.
_LAYOUT: dict[Plane, tuple[tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    Plane.AXIAL: ((2, -1), (0, 1), (1, 1)),
    Plane.CORONAL: ((1, 1), (0, 1), (2, -1)),
    Plane.SAGITTAL: ((0, 1), (1, 1), (2, -1)),
}


@dataclass(frozen=True)
class Volume:
    """Voxel values ``data[k, i, j]`` and where each index lies in the patient (mm).

    Voxel (k, i, j) is at ``origin + k * spacing[0] * axes[0] + i * spacing[1] * axes[1]
    + j * spacing[2] * axes[2]``: k runs along the stack, i down the rows (DICOM column
    direction cosines), j along a row (row direction cosines). ``data`` holds stored values
    and ``modality`` the rescale every slice shares (:meth:`values` applies it), or, with
    ``modality`` None, modality values already (float32).
    """

    data: np.ndarray
    origin: Vec3
    axes: tuple[Vec3, Vec3, Vec3]
    spacing: tuple[float, float, float]
    frame_of_reference: str = ""
    modality: PixelTransform | None = None
    #: Where the volume is counted in the frame cache's budget (None: not counted).
    budget_key: Hashable | None = None

    def values(self, block: np.ndarray) -> np.ndarray:
        """Modality values (float32, HU for CT) of ``block``, a part of :attr:`data`."""
        if self.modality is None:
            return block
        return self.modality.modality(block)

    @property
    def increasing(self) -> bool:
        """Whether the modality transform keeps the order of values (slope ≥ 0): a
        maximum of stored values is then the maximum of modality values."""
        return self.modality is None or self.modality.slope >= 0

    @property
    def shape(self) -> tuple[int, int, int]:
        k, i, j = self.data.shape
        return k, i, j

    def position(self, voxel: Sequence[float]) -> Vec3:
        """The patient position (mm) of a voxel index (fractional indices allowed)."""
        p = list(self.origin)
        for index, step, axis in zip(voxel, self.spacing, self.axes, strict=True):
            for c in range(3):
                p[c] += index * step * axis[c]
        return (p[0], p[1], p[2])

    def voxel(self, position: Sequence[float]) -> tuple[float, float, float]:
        """The (fractional) voxel index of a patient position; the axes are orthonormal."""
        d = [position[c] - self.origin[c] for c in range(3)]
        k, i, j = (dot(tuple(d), axis) / step
                   for axis, step in zip(self.axes, self.spacing, strict=True))
        return k, i, j


# -- examining and building ---------------------------------------------------------------


def check_series(series: Series, purpose: str = "MPR") -> None:
    """Raise :class:`VolumeError` when ``series`` cannot make a faithful volume.

    ``purpose`` names who needs the volume in the message ("MPR", "the model ..."): a
    volume model is refused for the same reasons, and the reader must learn which refused."""
    name = series.description or "this series"
    distorts = "the other planes" if purpose == "MPR" else "the volume it reads"
    frames = series.frames
    if len(frames) < MIN_SLICES:
        raise VolumeError(f"{purpose} needs a stack of at least {MIN_SLICES} slices; "
                          f"{name} has {len(frames)}.")
    pixels = {f.instance.pixel for f in frames}
    if any(p is None or p.is_colour for p in pixels):
        raise VolumeError(f"{purpose} works on grey-scale CT or MR stacks; {name} is in "
                          "colour.")
    if len({(p.rows, p.columns) for p in pixels if p is not None}) > 1:
        raise VolumeError(f"{purpose} cannot stack {name}: its images have different sizes.")
    geometry = [f.geometry for f in frames]
    if any(g.position is None or g.orientation is None or g.spacing is None
           for g in geometry):
        raise VolumeError(f"{purpose} cannot place {name} in 3-D: some images lack their "
                          "position, orientation or pixel spacing.")
    first = geometry[0].orientation
    assert first is not None
    if any(max(abs(a - b) for a, b in zip(g.orientation or first, first, strict=True))
           > ORIENTATION_TOLERANCE for g in geometry):
        raise VolumeError(f"{purpose} cannot stack {name}: its images lie in different planes "
                          "(mixed orientations, e.g. a localiser). Open a series with one "
                          "plane.")
    n = normal(first)
    distances = [dot(g.position, n) for g in geometry if g.position is not None]  # all have one
    steps = [b - a for a, b in zip(distances, distances[1:], strict=False)]
    direction = 1.0 if sum(steps) >= 0 else -1.0
    steps = [s * direction for s in steps]
    if min(steps) < 1e-3:
        raise VolumeError(f"{purpose} cannot stack {name}: some slice positions occur twice "
                          "(duplicates or several acquisitions in one series).")
    typical = statistics.median(steps)
    if max(steps) > typical * 1.5:
        raise VolumeError(
            f"{purpose} refused for {name}: slices are missing (a gap of {max(steps):.2f} mm "
            f"where {typical:.2f} mm is typical). Reconstructing across the gap would show "
            "anatomy that is not there; load the complete series.")
    if max(steps) - min(steps) > SPACING_TOLERANCE * typical:
        raise VolumeError(
            f"{purpose} refused for {name}: uneven slice spacing ({min(steps):.2f} to "
            f"{max(steps):.2f} mm) would distort {distorts}. Use a series "
            "reconstructed with even spacing.")
    a, b = geometry[0].position, geometry[-1].position
    assert a is not None and b is not None
    along = tuple(y - x for x, y in zip(a, b, strict=True))
    cos = min(1.0, abs(dot(along, n)) / max(norm(along), 1e-9))
    tilt = math.degrees(math.acos(cos))
    if tilt > MAX_TILT_DEGREES:
        raise VolumeError(
            f"{purpose} refused for {name}: the slices are sheared by {tilt:.1f}° (gantry "
            f"tilt), so {distorts} would be distorted. Use a tilt-corrected reconstruction "
            "from the scanner, or read this series in its own plane.")


def build_volume(series: Series, stored: Sequence[np.ndarray]) -> Volume:
    """A volume of float32 modality values from the series' decoded frames (in
    ``series.frames`` order); the reference :func:`load_volume`'s planes are compared to."""
    check_series(series)
    frames = series.frames
    if len(stored) != len(frames):
        raise ValueError("one stored array per frame is needed")
    rows, cols = stored[0].shape[:2]
    data = np.empty((len(frames), rows, cols), dtype=np.float32)
    for k, (ref, array) in enumerate(zip(frames, stored, strict=True)):
        data[k] = _modality(ref, array)
    return _volume(series, data)


def load_volume(series: Series, *, source: FrameSource = read_frame,
                progress: Callable[[int, int], None] | None = None,
                cancel: CancelToken | None = None) -> Volume:
    """Read every frame of ``series`` (from ``source``: ``frame_source(cache)`` in the GUI,
    else from disk) into a volume of stored values (see :mod:`viewer.imaging.volume_fill`).
    Checks first, so a refused series reads no pixels; from a cache, the volume is held in
    its budget (:func:`release_volume` when done) or refused with a slab that fits
    (:class:`VolumeTooLargeError`). Runs on any thread."""
    volume = empty_volume(series, source=source)
    fill_volume(volume, series, source=source, progress=progress, cancel=cancel)
    return volume


def empty_volume(series: Series, *, source: FrameSource = read_frame) -> Volume:
    """The volume of ``series``, checked and allocated (blank: zeros) but not read yet, so
    its planes can be shown while :func:`fill_volume` reads the slices into it."""
    check_series(series)
    if isinstance(source, CachedFrames):
        check_budget(series, source.cache)
    room = allocate(series, source)
    return dataclasses.replace(_volume(series, room.data), modality=room.transform,
                               budget_key=room.key)


def fill_volume(volume: Volume, series: Series, *, source: FrameSource = read_frame,
                progress: Callable[[int, int], None] | None = None,
                cancel: CancelToken | None = None) -> None:
    """Read ``series``' slices into :func:`empty_volume`'s ``volume`` (two threads; any
    thread may call it). On failure or cancel its budget is given back."""
    fill_into(Allocation(volume.data, volume.modality, volume.budget_key), series, source,
              progress, cancel)


def release_volume(volume: Volume, cache: FrameCache) -> None:
    """Give the budget back: ``volume`` (and the cached frames that are its slices) leaves
    ``cache``. Nothing happens for a volume that is not counted there."""
    if volume.budget_key is not None:
        cache.release(volume.budget_key)


def check_budget(series: Series, cache: FrameCache, index: int | None = None) -> None:
    """Raise :class:`VolumeTooLargeError` when ``series``' volume cannot be held in
    ``cache``'s budget beside the other held blocks; the error carries the contiguous slab
    of slices around frame ``index`` (the slice being read; the middle when None) that fits.
    """
    needed = volume_bytes(series, shared_transform(series) is not None)
    room = cache.room_to_hold()
    if needed <= room:
        return
    count = len(series.frames)
    fits = min(count - 1, room // (needed // count))
    slab = None
    if fits >= MIN_SLICES:
        centre = count // 2 if index is None else min(max(index, 0), count - 1)
        start = min(max(0, centre - fits // 2), count - fits)
        slab = range(start, start + fits)
    name = series.description or "this series"
    offer = (f" Open MPR on a slab of {fits} slices around the current one instead."
             if slab is not None else " Close other series, or read this one in its own plane.")
    raise VolumeTooLargeError(
        f"MPR needs {needed / 2**20:,.0f} MiB for the {count} slices of {name}, more than the "
        f"{room / 2**20:,.0f} MiB left in the memory budget for images.{offer}", slab)


def slab_series(series: Series, slab: range) -> Series:
    """The contiguous frames ``slab`` of ``series`` as a series of their own (same UID
    suffixed, so its MPR and results stay apart from the whole series')."""
    frames = series.frames[slab.start:slab.stop]
    instances = list(dict.fromkeys(ref.instance for ref in frames))
    return dataclasses.replace(series, uid=f"{series.uid}.slab{slab.start}-{slab.stop - 1}",
                               instances=instances, frames=frames)


def _modality(ref: FrameRef, array: np.ndarray) -> np.ndarray:
    if array.ndim != 2:
        raise VolumeError(f"{ref.instance.path.name}: MPR needs grey-scale images.")
    return modality_values(array, ref.instance, ref.frame)


def stack_geometry(series: Series) -> Volume:
    """Where each voxel of ``series`` lies, without reading a pixel: a Volume whose data is
    a zero-stride placeholder of the right shape (call :func:`check_series` first)."""
    first = series.frames[0].instance.pixel
    assert first is not None
    shape = (len(series.frames), first.rows, first.columns)
    return _volume(series, np.broadcast_to(np.float32(0), shape))


def _volume(series: Series, data: np.ndarray) -> Volume:
    g0, g1 = series.frames[0].geometry, series.frames[-1].geometry
    assert g0.position and g1.position and g0.orientation and g0.spacing
    count = len(series.frames)
    step = tuple((b - a) / (count - 1) for a, b in zip(g0.position, g1.position, strict=True))
    slice_spacing = norm(step)
    o: Orientation = g0.orientation
    along_row, along_col = _unit(o[:3]), _unit(o[3:])
    tags = series.frames[0].instance.tags  # held by a quick scan: no header read
    for_uid = str(tags.get("FrameOfReferenceUID", "")) if tags is not None else ""
    return Volume(
        data=data,
        origin=g0.position,
        axes=(_unit(step), along_col, along_row),
        spacing=(slice_spacing, g0.spacing[0], g0.spacing[1]),
        frame_of_reference=for_uid,
    )


def _unit(v: Sequence[float]) -> Vec3:
    length = norm(tuple(v)) or 1.0
    return (v[0] / length, v[1] / length, v[2] / length)


# -- reslicing ----------------------------------------------------------------------------


def _assign_axes(axes: tuple[Vec3, Vec3, Vec3]) -> tuple[int, int, int]:
    """For patient axis x, y, z: the volume axis most aligned with it (a permutation)."""
    best = max(itertools.permutations(range(3)),
               key=lambda p: sum(math.log(abs(axes[p[a]][a]) + 1e-9) for a in range(3)))
    return best[0], best[1], best[2]


@dataclass(frozen=True)
class Reformat:
    """The volume seen as a stack of ``plane`` images; index 0 is the first of the stack.

    ``axes[t]`` is the volume axis behind view axis t (0: the stack, 1: rows, 2: columns)
    and ``flips[t]`` whether it runs backwards.
    """

    volume: Volume
    plane: Plane
    axes: tuple[int, int, int]
    flips: tuple[bool, bool, bool]

    @classmethod
    def of(cls, volume: Volume, plane: Plane) -> Reformat:
        owner = _assign_axes(volume.axes)
        view_axes, flips = [], []
        stack, right, down = _LAYOUT[plane]
        for patient_axis, sign in (stack, down, right):  # view axes: stack, rows, columns
            axis = owner[patient_axis]
            view_axes.append(axis)
            flips.append(volume.axes[axis][patient_axis] * sign < 0)
        return cls(volume, plane, (view_axes[0], view_axes[1], view_axes[2]),
                   (flips[0], flips[1], flips[2]))

    @property
    def view(self) -> np.ndarray:
        """The volume as [plane index, row, column] (a view, no copy)."""
        data = np.transpose(self.volume.data, self.axes)
        return data[tuple(slice(None, None, -1) if f else slice(None) for f in self.flips)]

    @property
    def count(self) -> int:
        return self.volume.shape[self.axes[0]]

    @property
    def size(self) -> tuple[int, int]:
        """(rows, columns) of each plane."""
        return self.volume.shape[self.axes[1]], self.volume.shape[self.axes[2]]

    @property
    def spacing(self) -> tuple[float, float]:
        """(row spacing, column spacing) in mm: non-square whenever the voxels are."""
        s = self.volume.spacing
        return s[self.axes[1]], s[self.axes[2]]

    @property
    def slice_spacing(self) -> float:
        return self.volume.spacing[self.axes[0]]

    def _direction(self, t: int) -> Vec3:
        v = self.volume.axes[self.axes[t]]
        return (-v[0], -v[1], -v[2]) if self.flips[t] else v

    @property
    def orientation(self) -> Orientation:
        """DICOM Image Orientation (Patient) of the planes: along a row, then down a column."""
        r, c = self._direction(2), self._direction(1)
        return (r[0], r[1], r[2], c[0], c[1], c[2])

    def to_volume(self, index: float, row: float, col: float) -> tuple[float, float, float]:
        """Voxel index (k, i, j) of a point of plane ``index`` at (row, col)."""
        voxel = [0.0, 0.0, 0.0]
        for t, value in enumerate((index, row, col)):
            axis = self.axes[t]
            size = self.volume.shape[axis]
            voxel[axis] = (size - 1 - value) if self.flips[t] else value
        return voxel[0], voxel[1], voxel[2]

    def from_volume(self, voxel: Sequence[float]) -> tuple[float, float, float]:
        """(plane index, row, column) of a voxel index; the inverse of :meth:`to_volume`."""
        out = []
        for t in range(3):
            axis = self.axes[t]
            size = self.volume.shape[axis]
            out.append((size - 1 - voxel[axis]) if self.flips[t] else float(voxel[axis]))
        return out[0], out[1], out[2]

    def position(self, index: int) -> Vec3:
        """ImagePositionPatient of plane ``index``: the centre of its top-left pixel."""
        return self.volume.position(self.to_volume(index, 0, 0))

    def slab_count(self, thickness_mm: float) -> int:
        """How many planes a slab of ``thickness_mm`` spans (at least one)."""
        return max(1, round(thickness_mm / self.slice_spacing))

    def image(self, index: int, slab: Slab = Slab.OFF, thickness_mm: float = 0.0) -> np.ndarray:
        """Plane ``index`` (float32 modality values: the volume's rescale is applied here,
        to this plane only), or the slab centred on it."""
        if not 0 <= index < self.count:
            raise IndexError(f"plane {index} outside 0..{self.count - 1}")
        view = self.view
        volume = self.volume
        n = 1 if slab is Slab.OFF else self.slab_count(thickness_mm)
        if n == 1:
            return np.ascontiguousarray(volume.values(np.ascontiguousarray(view[index])))
        start = max(0, index - (n - 1) // 2)
        stop = min(self.count, start + n)
        block = view[start:stop]
        if slab in (Slab.MIP, Slab.MINIP):
            # The rescale keeps (or reverses) the order: project the stored values, then
            # rescale one plane, exactly as projecting the rescaled block.
            highest = (slab is Slab.MIP) == volume.increasing
            projected = block.max(axis=0) if highest else block.min(axis=0)
            return np.ascontiguousarray(volume.values(projected))
        return np.ascontiguousarray(volume.values(block).mean(axis=0, dtype=np.float32))


def opening_point(volume: Volume, frame_index: int | None = None) -> tuple[float, float, float]:
    """Where the crosshair starts: on the acquired slice the reader was reading (voxel k is
    the series' frame ``frame_index``), at the centre of it; the volume's centre if none."""
    k, i, j = volume.shape
    slice_k = (k - 1) / 2 if frame_index is None else min(max(frame_index, 0), k - 1)
    return (float(slice_k), (i - 1) / 2, (j - 1) / 2)
