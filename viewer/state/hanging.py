"""The comparison hanging, without Qt: which series of the prior, and how the two scroll.

Current and prior hang side by side (1×2). The current side shows the series being read
(the active viewport's), the prior side the prior's series that best matches it
(:func:`best_match`):

* same modality first (a CT against a CT), then the same plane (slice normals within
  about 45°: axial against axial), then the most words shared by the two series
  descriptions ("CHEST 1.25 LUNG" against "CHEST 1.25 LUNG"), then the closest number of
  images (the same reconstruction), then the lowest series number (the primary one).

The two then scroll linked by position (:func:`comparison_link`): when they share a Frame
of Reference (the same patient coordinate system) the existing linked scroll does it
exactly; otherwise (a prior is another acquisition, in another frame of reference) an
offset link (:class:`viewer.imaging.sync.OffsetLink`) is set up so that the two stacks'
*centres* coincide along the current series' slice normal. Centres rather than first
slices: two scans of one body part start where each technologist started them, and their
middles lie much closer than their ends. The reader corrects it the usual way (View >
Link with offset off, bring both to the same anatomy, on again) and the new offset holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from viewer.imaging.sync import MANUAL_COS, OffsetLink, can_link
from viewer.io.geometry import dot, normal
from viewer.io.model import Series, Study, Vec3


@dataclass(frozen=True)
class ComparisonLink:
    """How the two sides follow each other: by position (same frame of reference), or
    with ``offset`` (current → prior)."""

    by_position: bool
    offset: OffsetLink | None


def _normal(series: Series) -> Vec3 | None:
    orientation = series.frames[0].geometry.orientation if series.frames else None
    return normal(orientation) if orientation is not None else None


def _words(text: str) -> set[str]:
    return {w for w in re.split(r"[^0-9a-z.]+", text.lower()) if w}


def _score(reference: Series, candidate: Series) -> tuple[int, int, int, int, int]:
    same_modality = int(candidate.modality.upper() == reference.modality.upper())
    a, b = _normal(reference), _normal(candidate)
    same_plane = int(a is not None and b is not None and abs(dot(a, b)) >= MANUAL_COS)
    shared = len(_words(reference.description) & _words(candidate.description))
    closeness = -abs(len(candidate.frames) - len(reference.frames))
    number = -(candidate.number if candidate.number is not None else 10_000)
    return same_modality, same_plane, shared, closeness, number


def best_match(reference: Series, candidates: Iterable[Series]) -> Series | None:
    """The image series of ``candidates`` that best matches ``reference`` (see above)."""
    images = [s for s in candidates if s.has_images]
    return max(images, key=lambda s: _score(reference, s)) if images else None


def first_image_series(study: Study) -> Series | None:
    """The series a study shows first: the one with the most images (the main stack)."""
    images = [s for s in study.series if s.has_images]
    return max(images, key=lambda s: (len(s.frames), -(s.number or 0))) if images else None


def _centre(series: Series, direction: Vec3) -> float | None:
    placed = [dot(f.geometry.position, direction) for f in series.frames
              if f.geometry.position is not None]
    return (min(placed) + max(placed)) / 2 if placed else None


def centre_offset(current: Series, prior: Series) -> OffsetLink | None:
    """The offset link that lays the prior's stack centre on the current's; None when
    either has no images. Stacks not placed or not parallel match by slice number, middle
    on middle."""
    if not current.frames or not prior.frames:
        return None
    by_number = round((len(prior.frames) - 1) / 2 - (len(current.frames) - 1) / 2)
    a, b = _normal(current), _normal(prior)
    if a is None or b is None or abs(dot(a, b)) < MANUAL_COS:
        return OffsetLink(current, prior, None, 0.0, by_number)
    mine, theirs = _centre(current, a), _centre(prior, a)
    if mine is None or theirs is None:
        return OffsetLink(current, prior, None, 0.0, by_number)
    return OffsetLink(current, prior, a, theirs - mine, by_number)


def comparison_link(current: Series, prior: Series) -> ComparisonLink:
    """Linked scroll when the two share a frame of reference, else the centre offset."""
    if can_link(current, prior):
        return ComparisonLink(True, None)
    return ComparisonLink(False, centre_offset(current, prior))
