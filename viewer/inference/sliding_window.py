"""Overlapping patches over a resampled volume, run in batches, blended into one label volume.

Patch starts along an axis of ``n`` voxels with patch ``p`` follow MONAI's
``sliding_window_inference``: a stride of ``int(p · (1 − overlap))`` (at least 1), and the
last patch flush with the far edge; an axis shorter than its patch gets one patch with
the volume centred in it, padded with the manifest's ``pad_value`` on both sides (a patch
larger than the volume is padded, not refused). Each patch's answer is weighted by a gaussian (σ = p / 8 per axis, as MONAI and
nnU-Net) or constant importance map and summed into an accumulator of C × the target grid
(float32): class probabilities for ``mask`` outputs (after the manifest's activation),
weighted votes per label for ``label_map`` outputs. The weight sum is not kept: argmax of
a sum equals argmax of the weighted mean, and a single-channel mask is accumulated as
(threshold, p) so the comparison with the threshold survives the sum too.

Cancel is checked between batches; a cancelled window returns nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from viewer.inference.manifest import OutputSpec
from viewer.inference.postprocess import activate
from viewer.inference.volume_plan import VolumePlan
from viewer.tasks.cancel import CancelToken

#: Patches sent to ONNX Runtime in one call.
MAX_BATCH = 4
#: Gaussian σ as a fraction of the patch edge (MONAI's default sigma_scale).
SIGMA_SCALE = 0.125
#: Smallest importance weight: the patch border still counts where it alone covers a voxel.
MIN_WEIGHT = 1e-3

RunBatch = Callable[[np.ndarray], Sequence[np.ndarray]]  # (B, inputs, *patch) → one per output


def starts(size: int, patch: int, overlap: float) -> list[int]:
    """Patch starts along one axis (see the module docstring)."""
    if size <= patch:  # centred, the padding split on both sides (as MONAI pads)
        return [-((patch - size) // 2)]
    stride = max(1, int(patch * (1 - overlap)))
    count = -(-(size - patch) // stride) + 1
    return sorted({min(i * stride, size - patch) for i in range(count)})


def positions(shape: Sequence[int], plan: VolumePlan) -> list[tuple[int, int, int]]:
    d, r, c = (starts(n, p, plan.overlap) for n, p in zip(shape, plan.patch_size, strict=True))
    return list(itertools.product(d, r, c))


def importance(patch: Sequence[int], blending: str) -> np.ndarray:
    """The weight of each voxel of a patch's answer (max 1)."""
    if blending == "constant":
        return np.ones(tuple(patch), dtype=np.float32)
    weights = np.ones((), dtype=np.float64)
    for p in patch:
        x = np.arange(p, dtype=np.float64) - (p - 1) / 2
        sigma = max(p * SIGMA_SCALE, 1e-6)
        weights = np.multiply.outer(weights, np.exp(-(x**2) / (2 * sigma**2)))
    weights /= weights.max()
    return np.maximum(weights, MIN_WEIGHT).astype(np.float32)


def accumulator_shape(spec: OutputSpec, channels: int,
                      grid: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """C × the target grid: the one large array a window holds per output."""
    if spec.kind == "label_map":
        channels = len(spec.labels)
    return (max(channels, 2), *grid)


@dataclass
class Blended:
    """One output's blended answer: ``index`` (argmax, the target grid) and its values."""

    spec: OutputSpec
    table: np.ndarray  # channel index → label value
    accumulator_bytes: int
    index: np.ndarray

    def labels(self) -> np.ndarray:
        """The label volume (uint8, or uint16 past 255)."""
        dtype = np.uint8 if int(self.table.max(initial=0)) < 256 else np.uint16
        labels: np.ndarray = self.table.astype(dtype)[self.index]
        return labels


def slide(image: np.ndarray | Sequence[np.ndarray], plan: VolumePlan,
          outputs: Sequence[OutputSpec], run: RunBatch, *, pad: float | Sequence[float],
          batch_size: int = MAX_BATCH, progress: Callable[[int, int], None] | None = None,
          cancel: CancelToken | None = None) -> list[Blended]:
    """Run the window over ``image`` (model order [depth, rows, columns], model intensity),
    or over several images on one grid (one per input, each with its ``pad``): every
    input's patch is cut at the same place.

    ``run`` maps a batch (B, inputs, *patch) to one array per output. Raises ``Cancelled``."""
    images = [image] if isinstance(image, np.ndarray) else list(image)
    pads = [pad] * len(images) if isinstance(pad, (int, float)) else list(pad)
    if len(pads) != len(images) or len({i.shape for i in images}) != 1:
        raise ValueError("every input needs its pad value and the same grid")
    if images[0].size == 0:
        raise ValueError("an empty volume has no patch to run")
    grid = (images[0].shape[0], images[0].shape[1], images[0].shape[2])
    patch = plan.patch_size
    weights = importance(patch, plan.blending)
    places = positions(grid, plan)
    accumulators: list[np.ndarray | None] = [None] * len(outputs)
    channels = [0] * len(outputs)
    batch = max(1, min(batch_size, MAX_BATCH))
    if progress is not None:
        progress(0, len(places))
    for first in range(0, len(places), batch):
        if cancel is not None:
            cancel.check()
        chunk = places[first : first + batch]
        samples = np.empty((len(chunk), len(images), *patch), dtype=np.float32)
        samples[...] = np.asarray(pads, np.float32).reshape(1, -1, 1, 1, 1)
        regions = [_region(start, patch, grid) for start in chunk]
        for sample, (src, dst) in zip(samples, regions, strict=True):
            for channel, volume in enumerate(images):
                sample[channel][dst] = volume[src]
        answers = run(samples)
        for o, (spec, answer) in enumerate(zip(outputs, answers, strict=True)):
            channels[o] = int(np.asarray(answer).shape[1]) if spec.kind == "mask" else 0
            accumulators[o] = _accumulate(accumulators[o], spec, np.asarray(answer), regions,
                                          weights, grid)
        if progress is not None:
            progress(first + len(chunk), len(places))
    return [_blended(spec, acc, n) for spec, acc, n in zip(outputs, accumulators, channels,
                                                           strict=True) if acc is not None]


def _region(start: tuple[int, int, int], patch: Sequence[int],
            grid: Sequence[int]) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """The volume slice a patch covers, and the same voxels' slice inside the patch (a
    patch may start before the volume when it is larger than the volume)."""
    src, dst = [], []
    for s, p, n in zip(start, patch, grid, strict=True):
        first, end = max(s, 0), min(s + p, n)
        src.append(slice(first, end))
        dst.append(slice(first - s, end - s))
    return tuple(src), tuple(dst)


def _accumulate(acc: np.ndarray | None, spec: OutputSpec, answer: np.ndarray,
                regions: Sequence[tuple[tuple[slice, ...], tuple[slice, ...]]],
                weights: np.ndarray, grid: tuple[int, int, int]) -> np.ndarray:
    channels = len(spec.labels) if spec.kind == "label_map" else answer.shape[1]
    if acc is None:
        acc = np.zeros(accumulator_shape(spec, channels, grid), dtype=np.float32)
    for b, (src, dst) in enumerate(regions):
        w = weights[dst]
        target = acc[(slice(None), *src)]
        if spec.kind == "label_map":
            found = answer[b][dst]
            for c, label in enumerate(spec.labels):
                target[c] += w * (found == (label.value or 0))
            continue
        scores = activate(answer[b], spec.activation, axis=0)[(slice(None), *dst)]
        if scores.shape[0] == 1:  # one foreground channel: (threshold, p)
            target[0] += w * np.float32(0.5 if spec.activation != "none" else 0.0)
            target[1] += w * scores[0]
        else:
            target += w * scores
    return acc


def _blended(spec: OutputSpec, acc: np.ndarray, channels: int) -> Blended:
    values = [label.value or 0 for label in spec.labels]
    if spec.kind == "label_map":
        table = np.array(values, dtype=np.int64)
    elif channels == 1:  # (threshold, p): above the threshold is the last label
        table = np.array([0, values[-1]], dtype=np.int64)
    else:
        table = np.array(values, dtype=np.int64)
        if table.size < acc.shape[0]:  # unnamed channels fall back to their index
            table = np.concatenate([table, np.arange(table.size, acc.shape[0])])
    index = np.empty(acc.shape[1:], dtype=np.uint8 if acc.shape[0] < 256 else np.uint16)
    for k in range(acc.shape[1]):  # argmax slab by slab: an int64 index volume is 8 B/voxel
        index[k] = np.argmax(acc[:, k], axis=0)
    return Blended(spec, table, int(acc.nbytes), index)
