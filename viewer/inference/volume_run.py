"""A volume model on a whole series: assemble, resample, slide, blend, map back.

Called by :func:`viewer.inference.runner.run_model` when the manifest has a ``volume``
section (the runner has already checked intended use and the stack, and writes the audit
record). The series is read once through the frame source (the GUI's cache), reoriented
and resampled (:mod:`viewer.inference.volume_grid`), windowed through the verified ONNX
Runtime session (:mod:`viewer.inference.sliding_window`), and the label volume is carried
back onto the ORIGINAL grid by nearest neighbour: one ``Result`` per acquired frame, each
with a ``MaskOutput``, so display, MPR cut and SEG export work as for 2-D masks. Inputs
from other series of the study are resampled onto the same target grid
(:mod:`viewer.inference.volume_inputs`) and windowed with it.

Progress counts frames read (of every series the model reads), then patches run (one
total). A cancel raises ``Cancelled`` and nothing is returned. Before anything is read,
the memory the run needs is estimated from the target grid; a run that would not fit is
refused with the figure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np

from viewer.imaging.mpr import VolumeError, check_series
from viewer.inference.domain import DomainCheck, check_domain
from viewer.inference.errors import ModelInputError
from viewer.inference.manifest import Manifest, OutputSpec
from viewer.inference.preprocess import Letterbox
from viewer.inference.results import InputSource, MaskOutput, Provenance, Result
from viewer.inference.series_match import primary_input
from viewer.inference.sliding_window import Blended, accumulator_shape, positions, slide
from viewer.inference.verify import VerifiedModel
from viewer.inference.volume_grid import (
    GridMap,
    assemble,
    geometry,
    nearest_target,
    pad_in_model_space,
    plan_grid,
)
from viewer.inference.volume_inputs import OtherVolume, assemble_other, sources
from viewer.inference.volume_summary import LabelVolume, VolumeSummary, label_volumes
from viewer.io.frames import FrameSource
from viewer.io.model import Series
from viewer.tasks.cancel import CancelToken

#: A run may plan to use at most this fraction of the computer's memory.
MEMORY_FRACTION = 0.5


def plan_bytes(manifest: Manifest, grid: GridMap, others: Sequence[int] = ()) -> int:
    """What the run holds at its peak (bytes): the in-plane resampled stack and the target
    image (float32), one accumulator per output (C × target, float32), the label volume,
    and the masks on the original grid (uint8); with inputs from other series (``others``:
    the voxels of each), a target image per input and the largest of those series while it
    is resampled (float32)."""
    target = int(np.prod(grid.target))
    stack = grid.shape[0] * grid.target[1] * grid.target[2]
    accumulators = sum(int(np.prod(accumulator_shape(o, _channels(o), grid.model_shape)))
                       for o in manifest.outputs)
    original = int(np.prod(grid.shape))
    extra = len(others) * target + max(others, default=0)
    return (4 * (stack + target + accumulators + extra) + target
            + original * len(manifest.outputs))


def _channels(spec: OutputSpec) -> int:
    """Classes of a mask output when the manifest fixes them, else one per label."""
    if spec.kind == "mask" and isinstance(spec.shape[1], int):
        return spec.shape[1]
    return len(spec.labels)


def memory_available() -> int | None:
    """The computer's physical memory in bytes, where the system says (else None)."""
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def check_volume(manifest: Manifest, series: Series,
                 others: Sequence[OtherVolume] = ()) -> GridMap:
    """Refuse (``ModelInputError``, before a pixel is read) a series that makes no
    faithful volume or whose target grid (with the inputs from ``others``) would not fit
    in memory; else its grid."""
    plan = manifest.volume
    assert plan is not None
    try:
        check_series(series, purpose="volume inference")
    except VolumeError as exc:
        raise ModelInputError(manifest.id, str(exc)) from None
    grid = plan_grid(geometry(series), plan)
    _check_memory(manifest, grid, [o.voxels for o in others])
    return grid


def run_volume(
    verified: VerifiedModel,
    series: Series,
    indices: Sequence[int],
    accepted: tuple[str, ...],
    progress: Callable[[int, int], None] | None,
    cancel: CancelToken | None,
    batch_size: int,
    results: list[Result],
    source: FrameSource,
    others: Sequence[OtherVolume] = (),
) -> None:
    """Fill ``results`` with one Result per index, in order, once the whole run is done.

    ``others``: the inputs read from other series (``volume_inputs.check_inputs``), each
    resampled onto this series' target grid and windowed with it."""
    manifest = verified.manifest
    plan = manifest.volume
    assert plan is not None
    spec = primary_input(manifest)
    grid = check_volume(manifest, series, others)
    frames = len(series.frames)
    reading = frames + sum(len(o.series.frames) for o in others)  # every series' frames
    total = reading + len(positions(grid.model_shape, plan))

    def step(done: int) -> None:
        if progress is not None:
            progress(done, total)

    step(0)
    acquired = assemble(series, grid, spec.intensity, plan.interpolation, source=source,
                        progress=step, cancel=cancel)
    image = grid.to_model(acquired)
    domain = _domain(manifest, series, image)
    images, pads, read = [image], [pad_in_model_space(plan, spec.intensity)], len(series.frames)
    for other in others:  # each on the same target grid, in its own intensity
        images.append(grid.to_model(assemble_other(
            other, geometry(series), grid, plan, source=source, cancel=cancel,
            progress=_offset(step, read))))
        pads.append(pad_in_model_space(plan, other.spec.intensity))
        read += len(other.series.frames)
    session = verified.session()
    names = [o.name for o in manifest.outputs]
    feeds = [spec.name, *(o.spec.name for o in others)]

    def run(batch: np.ndarray) -> Sequence[np.ndarray]:
        answers: Sequence[np.ndarray] = session.run(
            names, {name: batch[:, c : c + 1] for c, name in enumerate(feeds)})
        return answers

    blended = slide(images, plan, manifest.outputs, run, pad=pads,
                    batch_size=batch_size, cancel=cancel,
                    progress=lambda done, _n: step(reading + done))
    del acquired, image, images
    used = sources(others, series) if others else None
    masks = [_masks_back(b, grid) for b in blended]
    volumes: list[LabelVolume] = []
    for b, per_frame in zip(blended, masks, strict=True):
        counts: dict[int, int] = {}
        for _mask, found in per_frame:
            for value, n in found.items():
                counts[value] = counts.get(value, 0) + n
        volumes += label_volumes(b.spec.name, b.spec.labels, counts, grid.voxel_mm3)
    d, r, c = (grid.target_spacing[a] for a in grid.axes)
    summary = VolumeSummary(
        voxel_mm3=grid.voxel_mm3, frames=frames, target_shape=grid.model_shape,
        target_spacing_mm=(d, r, c), patches=total - reading,
        accumulator_bytes=sum(b.accumulator_bytes for b in blended), volumes=tuple(volumes))
    _, rows, cols = grid.shape
    box = Letterbox((rows, cols), (grid.target[1], grid.target[2]),
                    (grid.target[1] / rows, grid.target[2] / cols), (0, 0))
    for i in indices:
        outputs = tuple(MaskOutput(b.spec.name, b.spec.labels, *per_frame[i])
                        for b, per_frame in zip(blended, masks, strict=True))
        results.append(Result(_provenance(verified, series, i, used[i] if used else ()),
                              (rows, cols), box, outputs, accepted, domain, summary))


def _offset(step: Callable[[int], None], first: int) -> Callable[[int], None]:
    """Progress of one more series' frames, counted after the ``first`` already read."""
    return lambda done: step(first + done)


def _masks_back(blended: Blended, grid: GridMap) -> list[tuple[np.ndarray, dict[int, int]]]:
    """The label volume on the original grid, one read-only mask per acquired frame."""
    labels = grid.to_acquired(blended.labels())
    near = [nearest_target(n, m) for n, m in zip(grid.shape, grid.target, strict=True)]
    picked = np.ix_(near[1], near[2])
    out = []
    for k in range(grid.shape[0]):
        mask = np.ascontiguousarray(labels[near[0][k]][picked])
        mask.setflags(write=False)
        values, counts = np.unique(mask, return_counts=True)
        out.append((mask, {int(v): int(n) for v, n in zip(values, counts, strict=True)}))
    return out


def _check_memory(manifest: Manifest, grid: GridMap, others: Sequence[int] = ()) -> None:
    needed = plan_bytes(manifest, grid, others)
    physical = memory_available()
    if physical is not None and needed > physical * MEMORY_FRACTION:
        raise ModelInputError(
            manifest.id,
            f"this series at the model's spacing needs about {_size(needed)} of memory "
            f"(grid {' × '.join(map(str, grid.model_shape))}); this computer has "
            f"{_size(physical)}. Close other programs or run it on a larger workstation.")


def _size(count: int) -> str:
    return f"{count / 2**30:.1f} GiB" if count >= 2**30 else f"{count / 2**20:.0f} MiB"


def _domain(manifest: Manifest, series: Series, image: np.ndarray) -> DomainCheck | None:
    """The whole resampled volume against the training data, once for the run."""
    if manifest.reference is None:
        return None
    ref = series.frames[0]
    return check_domain(manifest.reference, image, None, spacing_mm=ref.geometry.spacing,
                        size=(ref.instance.pixel.rows, ref.instance.pixel.columns)
                        if ref.instance.pixel is not None else None,
                        attributes={"modality": series.modality or ref.instance.modality})


def _provenance(verified: VerifiedModel, series: Series, index: int,
                inputs: tuple[InputSource, ...] = ()) -> Provenance:
    return Provenance.of(verified, series.uid, series.frames[index], index, inputs)
