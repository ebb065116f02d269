"""Augmented 3-D training patches, drawn from one volume by a random affine resampling.

Shared by the 3-D recipes' train.py (torch, build-time only). Each patch is read from the
source volume through its own random affine: rotation, zoom (the anatomy as if acquired at
another voxel size and resampled onto the model's grid), optional flips and a random
position, trilinear for the image, nearest for the labels; then, optionally, a coarser
acquisition along one axis (the patch averaged over 2 voxels along it and enlarged back:
a thicker slice). Intensity augmentations are the recipe's own (they depend on what the
modality's values mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class Spatial:
    rotate_deg: float = 10.0  # each axis, uniform ± this
    zoom: tuple[float, float] = (0.85, 1.15)  # > 1: the anatomy looks larger
    flip_axes: tuple[int, ...] = ()  # model axes that may be flipped (p 0.5 each)
    thick_slice_p: float = 0.25  # chance of a coarser acquisition along one axis
    foreground_p: float = 0.8  # chance of centring a patch on a labelled voxel


def _rotation(rng: np.random.Generator, degrees: float) -> np.ndarray:
    out = np.eye(3)
    for axis in range(3):
        a = math.radians(rng.uniform(-degrees, degrees))
        c, s = math.cos(a), math.sin(a)
        i, j = [k for k in range(3) if k != axis]
        r = np.eye(3)
        r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
        out = out @ r
    return out


def patches(image: torch.Tensor, labels: torch.Tensor, count: int, size: tuple[int, int, int],
            rng: np.random.Generator, spatial: Spatial, pad_value: float,
            focus: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` patches [count, 1, *size] and their labels [count, *size] (int64).

    ``image`` and ``labels`` are [D, H, W]; outside the volume the image reads
    ``pad_value`` and the labels 0 (background), as the viewer pads a sliding window.
    ``focus``: the voxels a patch may be centred on (default: every labelled voxel), with
    chance ``spatial.foreground_p``; elsewhere anywhere in the volume.
    """
    shape = torch.tensor(image.shape, dtype=torch.float64)
    foreground = torch.nonzero(labels > 0 if focus is None else focus)
    thetas = []
    for _ in range(count):
        if len(foreground) and rng.uniform() < spatial.foreground_p:
            centre = foreground[int(rng.integers(len(foreground)))].double()
        else:
            centre = torch.tensor([rng.uniform(0, s - 1) for s in image.shape], dtype=torch.float64)
        zoom = rng.uniform(*spatial.zoom)
        m = _rotation(rng, spatial.rotate_deg) / zoom
        for axis in spatial.flip_axes:
            if rng.uniform() < 0.5:
                m[:, axis] *= -1
        # patch voxel offsets (from the patch centre) → source voxel offsets: m; then into
        # grid_sample's normalised (x = last axis) coordinates, align_corners=True.
        half = (torch.tensor(size, dtype=torch.float64) - 1) / 2
        a = torch.from_numpy(m) * half[None, :]  # [source axis, patch axis] per normalised step
        a = a / ((shape - 1) / 2)[:, None]
        t = centre / ((shape - 1) / 2) - 1
        theta = torch.zeros(3, 4, dtype=torch.float64)
        theta[:, :3] = a.flip(0).flip(1)  # grid_sample orders (x, y, z) = (W, H, D)
        theta[:, 3] = t.flip(0)
        thetas.append(theta)
    grid = F.affine_grid(torch.stack(thetas).float(), [count, 1, *size], align_corners=True)
    src = (image - pad_value)[None, None].expand(count, 1, *image.shape)
    x = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    x = x + pad_value
    lab = labels[None, None].expand(count, 1, *labels.shape).float()
    y = F.grid_sample(lab, grid, mode="nearest", padding_mode="zeros", align_corners=True)
    for k in range(count):
        if rng.uniform() < spatial.thick_slice_p:
            axis = 2 + int(rng.integers(3))
            kernel = [1, 1, 1]
            kernel[axis - 2] = 2
            coarse = F.avg_pool3d(x[k : k + 1], kernel, ceil_mode=True)
            x[k : k + 1] = F.interpolate(coarse, size=size, mode="trilinear",
                                         align_corners=False)
    return x, y[:, 0].long()
