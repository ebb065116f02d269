"""RT structure set contours mapped onto one image frame, in the frame's pixel grid.

A contour belongs to a frame when it names the frame's image (Contour Image Sequence) or,
when it names none of the series' images, when its plane lies within half a slice
thickness of the frame's plane. Points go from patient millimetres to pixel indices
(column, row) with Image Position, Image Orientation and Pixel Spacing, the inverse of
PS3.3 C.7.6.2.1.1; pixel (0, 0) is the centre of the top-left pixel, as in DICOM.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from viewer.io.geometry import dot, normal
from viewer.io.model import FrameGeometry
from viewer.io.rtstruct import Contour, StructureSet

#: When neither the spacing of the frames nor a thickness is known, a contour must lie
#: within this many millimetres of the plane to be drawn on it.
DEFAULT_TOLERANCE_MM = 0.5


@dataclass(frozen=True, eq=False)
class FrameContour:
    """One contour as drawn on a frame: ``points`` is (N, 2) float (column, row)."""

    roi_name: str
    colour: tuple[int, int, int]
    closed: bool
    points: np.ndarray


def slice_tolerance(geometries: Sequence[FrameGeometry], thickness: float | None = None) -> float:
    """Half the distance between neighbouring frames (or half ``thickness``), in mm."""
    positions = [g.position for g in geometries if g.position is not None]
    orientation = next((g.orientation for g in geometries if g.orientation is not None), None)
    if len(positions) > 1 and orientation is not None:
        n = normal(orientation)
        heights = sorted(dot(p, n) for p in positions)
        steps = [b - a for a, b in zip(heights, heights[1:], strict=False) if b - a > 1e-6]
        if steps:
            return statistics.median(steps) / 2
    if thickness is not None and thickness > 0:
        return thickness / 2
    return DEFAULT_TOLERANCE_MM


def contours_on_frame(structure_sets: Sequence[StructureSet], sop_instance_uid: str,
                      geometry: FrameGeometry, tolerance_mm: float,
                      series_images: Collection[str] = ()) -> list[FrameContour]:
    """The contours of ``structure_sets`` that lie on this frame, in its pixel grid.

    ``series_images``: the SOP Instance UIDs of the shown series; a contour that names one
    of them is drawn on that image only, one that names none is matched by its plane.
    Empty when the frame's geometry is unknown (nothing can be placed safely).
    """
    if geometry.position is None or geometry.orientation is None or geometry.spacing is None:
        return []
    origin = np.asarray(geometry.position, dtype=float)
    row_cos = np.asarray(geometry.orientation[:3], dtype=float)
    col_cos = np.asarray(geometry.orientation[3:], dtype=float)
    n = np.asarray(normal(geometry.orientation), dtype=float)
    row_spacing, col_spacing = geometry.spacing
    found = []
    for structure_set in structure_sets:
        for roi in structure_set.rois:
            for contour in roi.contours:
                points = contour.points
                if not _on_frame(contour, points, sop_instance_uid, series_images, origin, n,
                                 tolerance_mm):
                    continue
                offset = points - origin
                pixels = np.column_stack((offset @ row_cos / col_spacing,
                                          offset @ col_cos / row_spacing))
                found.append(FrameContour(roi.name, roi.colour, contour.closed, pixels))
    return found


def _on_frame(contour: Contour, points: np.ndarray, sop_instance_uid: str,
              series_images: Collection[str], origin: np.ndarray, n: np.ndarray,
              tolerance_mm: float) -> bool:
    if contour.images and any(uid in series_images for uid in contour.images):
        return sop_instance_uid in contour.images
    # Every point, not the mean: a contour tilted through the plane is not on it.
    distances = np.abs((points - origin) @ n)
    return bool(np.all(distances <= tolerance_mm + 1e-6))
