"""Image → model input, as the manifest declares it, remembering the geometry.

Order: channel conversion, then intensity (window / normalize / minmax on modality
values, HU for CT), then the letterbox: scale to fit with the aspect kept, centre, pad
with ``pad_value`` (already in the model's intensity space). :class:`Letterbox` records
scale and offset so outputs can be mapped back onto the original pixel grid.

Coordinates are continuous with pixel *edges* on integers: pixel (r, c) covers
[r, r+1) × [c, c+1), its centre is (r+0.5, c+0.5). A model-input point m maps to the
original point (m − offset) / scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from viewer.inference.manifest import InputSpec, Intensity, Resize

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Letterbox:
    """Where the original image lies inside the model input."""

    source: tuple[int, int]  # (rows, columns) of the original image
    target: tuple[int, int]  # (rows, columns) of the model input
    scale: tuple[float, float]  # model pixels per original pixel (rows, columns)
    offset: tuple[int, int]  # model pixel (row, column) where the original's corner lands

    @property
    def inner(self) -> tuple[int, int]:
        """(rows, columns) the original occupies inside the model input."""
        return (round(self.source[0] * self.scale[0]), round(self.source[1] * self.scale[1]))

    def to_source(
        self, x: np.ndarray | float, y: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Model-input point(s) (x = column, y = row) → original image point(s)."""
        xs = (np.asarray(x, dtype=np.float64) - self.offset[1]) / self.scale[1]
        ys = (np.asarray(y, dtype=np.float64) - self.offset[0]) / self.scale[0]
        return xs, ys

    def to_model(
        self, x: np.ndarray | float, y: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Original image point(s) → model-input point(s)."""
        xs = np.asarray(x, dtype=np.float64) * self.scale[1] + self.offset[1]
        ys = np.asarray(y, dtype=np.float64) * self.scale[0] + self.offset[0]
        return xs, ys


def letterbox(source: tuple[int, int], resize: Resize) -> Letterbox:
    rows, cols = source
    target_rows, target_cols = resize.size
    if resize.keep_aspect:
        s = min(target_rows / rows, target_cols / cols)
        inner = (
            max(1, min(target_rows, round(rows * s))),
            max(1, min(target_cols, round(cols * s))),
        )
    else:
        inner = (target_rows, target_cols)
    offset = ((target_rows - inner[0]) // 2, (target_cols - inner[1]) // 2)
    return Letterbox(source, resize.size, (inner[0] / rows, inner[1] / cols), offset)


def to_channels(values: np.ndarray, channels: int) -> np.ndarray:
    """(H, W) grey or (H, W, 3) RGB → (channels, H, W) float32."""
    values = values.astype(np.float32, copy=False)
    if values.ndim == 2:
        stack = values[None]
        return np.repeat(stack, 3, axis=0) if channels == 3 else stack
    if values.ndim == 3 and values.shape[2] == 3:
        if channels == 1:
            return (values @ _LUMA)[None]
        return np.ascontiguousarray(values.transpose(2, 0, 1))
    raise ValueError(f"expected a grey or RGB image, got shape {values.shape}")


def apply_intensity(values: np.ndarray, intensity: Intensity) -> np.ndarray:
    """Modality values → the model's intensity space (float32)."""
    values = values.astype(np.float32, copy=False)
    if intensity.kind == "window":
        low = np.float32(intensity.center - intensity.width / 2)
        out = values - low
        out /= np.float32(intensity.width)  # in place: the same quotient, one array fewer
        return np.clip(out, 0.0, 1.0, out=out)
    if intensity.kind == "normalize":
        return (values - np.float32(intensity.mean)) / np.float32(intensity.std)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros_like(values)
    lo, hi = float(finite.min()), float(finite.max())
    if hi <= lo:  # a flat image carries no contrast to stretch
        return np.zeros_like(values)
    stretched: np.ndarray = np.clip((values - np.float32(lo)) / np.float32(hi - lo), 0.0, 1.0)
    return stretched


def fit(planes: np.ndarray, box: Letterbox, resize: Resize) -> np.ndarray:
    """Resample (..., H, W) planes into the letterbox; the margin takes ``pad_value``."""
    from PIL import Image  # when a model runs, not at start-up (bench/bench_startup.py)

    lead = planes.shape[:-2]
    flat = planes.reshape((-1, *planes.shape[-2:]))
    out = np.full((flat.shape[0], *box.target), resize.pad_value, dtype=np.float32)
    rows, cols = box.inner
    r0, c0 = box.offset
    method = (
        Image.Resampling.NEAREST if resize.interpolation == "nearest" else Image.Resampling.BILINEAR
    )
    for i, plane in enumerate(flat):
        if plane.shape == (rows, cols):
            out[i, r0 : r0 + rows, c0 : c0 + cols] = plane
            continue
        image = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32), mode="F")
        out[i, r0 : r0 + rows, c0 : c0 + cols] = np.asarray(image.resize((cols, rows), method))
    return out.reshape((*lead, *box.target))


def prepare_slice(values: np.ndarray, spec: InputSpec) -> tuple[np.ndarray, Letterbox]:
    """One image (modality values, or RGB) → one sample of ``spec``'s input, without the
    batch axis, and its letterbox."""
    planes = apply_intensity(to_channels(values, spec.channels), spec.intensity)
    box = letterbox(planes.shape[-2:], spec.resize)
    return fit(planes, box, spec.resize), box


def prepare_volume(stack: Sequence[np.ndarray], spec: InputSpec) -> tuple[np.ndarray, Letterbox]:
    """Consecutive images → one volume sample: (channels, slices, H, W) for a 5-D input,
    (slices, H, W) for a 4-D one (slices on the channel axis). ``minmax`` spans the stack."""
    planes = np.stack([to_channels(v, spec.channels) for v in stack], axis=1)  # C, S, H, W
    planes = apply_intensity(planes, spec.intensity)
    box = letterbox(planes.shape[-2:], spec.resize)
    sample = fit(planes, box, spec.resize)
    if len(spec.shape) == 4:
        sample = sample.reshape((-1, *box.target))
    return sample, box


def neighbours(center: int, count: int, total: int) -> list[int]:
    """``count`` frame indices centred on ``center``; the ends repeat past the series' edges."""
    first = center - (count - 1) // 2
    return [min(max(i, 0), total - 1) for i in range(first, first + count)]
