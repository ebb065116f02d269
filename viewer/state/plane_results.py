"""AI mask results of a series, resampled into the MPR planes made from it, without Qt.

An MPR plane is a derived image: no model ever ran on it. Its masks are cut from the
source's masks stacked in the same volume order, with the same transpose and flips as the
planes themselves (:class:`viewer.imaging.mpr.Reformat`), so a plane shows exactly the
labels of the voxels it shows. A run that covered only some slices is cut only into the
acquired plane (plane *i* is then acquired slice *i*): a coronal or sagittal plane through
slices the model never saw would show a partial mask that looks like a finding's edge.
Only masks are resampled; scores, boxes and heatmaps belong to the acquired image.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

from viewer.inference.preprocess import Letterbox
from viewer.inference.results import MaskOutput, Result

if TYPE_CHECKING:
    from viewer.imaging.mpr import Reformat
    from viewer.state.ai_results import OverlayState, Run


def plane_results(results: OverlayState, source_uid: str, frames: int, reformat: Reformat,
                  plane_uid: str) -> list[Result]:
    """Results for the plane series ``plane_uid`` cut from ``source_uid``'s mask results
    (``frames`` images in the volume's order; the volume was built from them)."""
    derived: list[Result] = []
    for run in results.runs(source_uid):
        whole = len(run.results) == frames
        if not whole and reformat.axes[0] != 0:
            continue
        by_plane = _cut(run, frames, reformat, whole)
        derived += [_result(run, plane_uid, index, outputs)
                    for index, outputs in sorted(by_plane.items())]
    return derived


def _cut(run: Run, frames: int, reformat: Reformat,
         whole: bool) -> dict[int, list[MaskOutput]]:
    by_plane: dict[int, list[MaskOutput]] = {}
    first = next(iter(run.results.values()))
    rows, cols = first.shape
    for n, template in enumerate(first.masks):
        stack = np.zeros((frames, rows, cols), template.mask.dtype)
        for frame, result in run.results.items():
            masks = result.masks
            if n < len(masks) and masks[n].mask.shape == (rows, cols) and frame < frames:
                stack[frame] = masks[n].mask
        planes = _as_planes(stack, reformat)
        for index in range(planes.shape[0]):
            source = round(reformat.to_volume(index, 0, 0)[0])
            if not whole and source not in run.results:
                continue
            mask = np.ascontiguousarray(planes[index])
            mask.setflags(write=False)
            values, counts = np.unique(mask, return_counts=True)
            by_plane.setdefault(index, []).append(MaskOutput(
                template.output, template.labels, mask,
                dict(zip(values.tolist(), counts.tolist(), strict=True))))
    return by_plane


def _as_planes(stack: np.ndarray, reformat: Reformat) -> np.ndarray:
    """The same view of ``stack`` that ``reformat.view`` is of the volume."""
    data = np.transpose(stack, reformat.axes)
    return data[tuple(slice(None, None, -1) if f else slice(None) for f in reformat.flips)]


def _result(run: Run, plane_uid: str, index: int, outputs: list[MaskOutput]) -> Result:
    provenance = dataclasses.replace(run.provenance, series_uid=plane_uid,
                                     sop_instance_uid=plane_uid, frame_index=index,
                                     instance_frame=index)
    shape = (int(outputs[0].mask.shape[0]), int(outputs[0].mask.shape[1]))
    # The plane was never a model input: an identity letterbox, and the run's accepted
    # intended-use warnings travel with every plane cut from it.
    return Result(provenance, shape, Letterbox(shape, shape, (1.0, 1.0), (0, 0)),
                  tuple(outputs), warnings=run.warnings)
