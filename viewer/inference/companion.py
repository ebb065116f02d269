"""An input from another series, aligned frame by frame onto the series the model runs on.

For each frame of the primary series the other series gives the frame at the nearest
slice position, in the same frame of reference, and that frame's modality values are
resampled onto the primary frame's pixel grid through patient coordinates (bilinear, in
NumPy: the frozen application ships no SciPy). So a FLAIR acquired at 0.9 mm pixels feeds
a model run on a T1 at 0.5 mm pixel for pixel, and the outputs land on the T1's grid.

Refused, with the reason, rather than guessed: another frame of reference (positions in
one mean nothing in the other: a registration would be needed), an unknown position,
orientation or pixel spacing, another slice orientation (more than ``MAX_TILT_DEG``
apart), no slice within half a slice spacing of the primary's position, no overlap at
all. Where the primary frame reaches past the other image's field of view, the input
takes that image's lowest value (its background), as a scanner pads.

Reasons name the input (``flair``), never a description or a UID: they may go into the
audit log, which holds no patient data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from viewer.imaging.lut import modality_values
from viewer.inference.errors import ModelInputError
from viewer.inference.manifest import InputSpec
from viewer.inference.results import InputSource
from viewer.inference.series_match import frame_of_reference
from viewer.io.frames import FrameSource
from viewer.io.geometry import dot, normal
from viewer.io.model import FrameGeometry, FrameRef, Series

#: Slice planes further apart than this are "another orientation".
MAX_TILT_DEG = 1.0
#: Position agreement (mm) when the other series has one slice and no slice thickness.
SINGLE_SLICE_MM = 0.01
#: Grids closer than this (pixels, at the corners) are the same grid: no resampling.
SAME_GRID_PX = 1e-3


class Companion:
    """One input's series, checked once against the primary, then read frame by frame."""

    def __init__(self, model_id: str, spec: InputSpec, series: Series, primary: Series,
                 source: FrameSource) -> None:
        self.model_id, self.spec, self.series, self.source = model_id, spec, series, source
        self.name = f"input {spec.name!r}" + (
            f" ({spec.series.role})" if spec.series is not None and spec.series.role else "")
        mine, theirs = frame_of_reference(series), frame_of_reference(primary)
        if mine is None or theirs is None:
            raise self._refuse("has no frame of reference, so its slices cannot be matched "
                               "to the images the model runs on by position")
        if mine != theirs:
            raise self._refuse("is in a different frame of reference from the series the "
                               "model runs on: positions in one mean nothing in the other "
                               "(the two would need a registration first)")
        if not series.frames:
            raise self._refuse("holds no images")
        # Its slice planes, once: positions (N, 3) and the normal of the stack.
        planes = [_complete(ref.geometry) for ref in series.frames]
        if any(g is None for g in planes):
            raise self._refuse("has an image without position, orientation or pixel "
                               "spacing, so it cannot be aligned")
        normals = [normal(g.orientation) for g in planes if g is not None and g.orientation]
        self.normal = normals[0]
        if max(_angle(self.normal, n) for n in normals) > MAX_TILT_DEG:
            raise self._refuse("mixes slice orientations; only a stack of parallel slices "
                               "can be matched by position")
        self.positions = np.asarray([g.position for g in planes if g is not None],
                                    dtype=np.float64)
        along = np.sort(self.positions @ np.asarray(self.normal))
        self.half_spacing = self._spacing(along) / 2

    def check(self, frames: Sequence[FrameRef]) -> None:
        """Refuse before any pixel is read when a frame of the run has no counterpart."""
        for ref in frames:
            self._nearest(self._geometry(ref))

    def _geometry(self, primary: FrameRef) -> FrameGeometry:
        here = _complete(primary.geometry)
        if here is None:
            raise ModelInputError(self.model_id, "an image to run on has no position, "
                                  f"orientation or pixel spacing, so {self.name} cannot be "
                                  "aligned to it")
        return here

    def _refuse(self, what: str) -> ModelInputError:
        return ModelInputError(self.model_id, f"the series for {self.name} {what}")

    def image(self, primary: FrameRef) -> tuple[np.ndarray, InputSource]:
        """The other series' image for ``primary``, on ``primary``'s pixel grid (modality
        values for grey images, RGB as stored)."""
        here = self._geometry(primary)
        index, distance = self._nearest(here)
        ref = self.series.frames[index]
        there = _complete(ref.geometry)
        assert there is not None  # _nearest only picks frames with a whole geometry
        stored = self.source(ref)
        values = stored if stored.ndim == 3 else modality_values(stored, ref.instance, ref.frame)
        shape = (primary.instance.pixel.rows, primary.instance.pixel.columns) \
            if primary.instance.pixel is not None else values.shape[:2]
        rows, cols = grid(here, there, shape)
        same = values.shape[:2] == shape and _identity(rows, cols)
        if not same:
            values = self._resample(values, rows, cols)
        used = InputSource(self.spec.name, self.series.uid, ref.instance.sop_instance_uid,
                          index, distance, not same)
        return values, used

    def _nearest(self, here: FrameGeometry) -> tuple[int, float]:
        """The index of the slice nearest ``here``'s plane and its distance (mm)."""
        assert here.orientation is not None and here.position is not None
        n = normal(here.orientation)
        tilt = _angle(n, self.normal)
        if tilt > MAX_TILT_DEG:
            raise self._refuse(f"is cut in another orientation ({tilt:.0f}° from the images "
                               "the model runs on); only parallel slices are matched")
        offsets = np.abs((self.positions - np.asarray(here.position)) @ np.asarray(n))
        index = int(np.argmin(offsets))  # the first of equals: the reading order decides
        if offsets[index] > self.half_spacing + 1e-6:
            raise self._refuse(f"has no slice near this image's position: the nearest is "
                               f"{offsets[index]:.2f} mm away, more than half its slice "
                               f"spacing ({self.half_spacing:.2f} mm)")
        return index, float(offsets[index])

    def _spacing(self, along: np.ndarray) -> float:
        """The other series' slice spacing: the median gap between its slice positions;
        one slice: its slice thickness, else a hair."""
        gaps = np.diff(along)
        gaps = gaps[gaps > 1e-6]
        if gaps.size:
            return float(np.median(gaps))
        header = self.series.frames[0].instance.header
        try:
            thickness = float(header.get("SliceThickness")) if header is not None else 0.0
        except (TypeError, ValueError):
            thickness = 0.0
        return thickness if math.isfinite(thickness) and thickness > 0 else 2 * SINGLE_SLICE_MM

    def _resample(self, values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        out = bilinear(values.astype(np.float32, copy=False), rows, cols)
        if out is None:
            raise self._refuse("does not overlap this image in the patient")
        return out


def _complete(geometry: FrameGeometry) -> FrameGeometry | None:
    if geometry.position is None or geometry.orientation is None or geometry.spacing is None:
        return None
    return geometry


def _angle(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Degrees between two slice normals, either sense (a flipped stack is parallel)."""
    return math.degrees(math.acos(min(1.0, abs(dot(a, b)))))


def grid(here: FrameGeometry, there: FrameGeometry,
          shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """For each pixel centre of ``here``'s grid (``shape``), its (row, column) in
    ``there``'s grid: patient point = position + column·Δc·row cosines + row·Δr·column
    cosines, projected on the other plane's axes. Affine, so built from two vectors."""
    assert here.position and here.orientation and here.spacing
    assert there.position and there.orientation and there.spacing
    start = np.subtract(here.position, there.position)
    along_row = np.asarray(here.orientation[:3]) * here.spacing[1]  # one column step
    along_col = np.asarray(here.orientation[3:]) * here.spacing[0]  # one row step
    axes = np.asarray([np.asarray(there.orientation[3:]) / there.spacing[0],   # → row
                       np.asarray(there.orientation[:3]) / there.spacing[1]])  # → column
    origin, d_col, d_row = axes @ start, axes @ along_row, axes @ along_col
    r = np.arange(shape[0], dtype=np.float64)[:, None]
    c = np.arange(shape[1], dtype=np.float64)[None, :]
    return origin[0] + r * d_row[0] + c * d_col[0], origin[1] + r * d_row[1] + c * d_col[1]


def _identity(rows: np.ndarray, cols: np.ndarray) -> bool:
    h, w = rows.shape
    corners = [(0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)]
    return all(abs(rows[i, j] - i) < SAME_GRID_PX and abs(cols[i, j] - j) < SAME_GRID_PX
               for i, j in corners)


def bilinear(image: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray | None:
    """``image`` (H, W) or (H, W, 3) sampled at (rows, cols) pixel-centre coordinates;
    points outside its pixels take its lowest value; None when no point falls inside."""
    h, w = image.shape[:2]
    inside = (rows >= -0.5) & (rows <= h - 0.5) & (cols >= -0.5) & (cols <= w - 0.5)
    if not inside.any():
        return None
    r = np.clip(rows, 0, h - 1)
    c = np.clip(cols, 0, w - 1)
    r0 = np.floor(r).astype(np.intp)
    c0 = np.floor(c).astype(np.intp)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (r - r0).astype(np.float32), (c - c0).astype(np.float32)
    if image.ndim == 3:
        fr, fc = fr[..., None], fc[..., None]
    top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
    bottom = image[r1, c0] * (1 - fc) + image[r1, c1] * fc
    out: np.ndarray = (top * (1 - fr) + bottom * fr).astype(np.float32)
    out[~inside] = image.min()
    return out
