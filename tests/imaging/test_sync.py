"""Linked scrolling by position: slices matched in millimetres, not by number (no Qt)."""

from __future__ import annotations

import pytest

from tests.imaging.volumes import SAGITTAL, axial_stack, bar_volume, stack
from viewer.imaging.sync import can_link, linked_index


def test_series_of_one_frame_of_reference_link_by_position() -> None:
    thin, _ = axial_stack(bar_volume(slices=40), thickness=1.0, description="thin")  # z 0..-39
    thick, _ = axial_stack(bar_volume(slices=8), thickness=5.0, description="thick")  # z 0..-35
    assert can_link(thin, thick)
    assert linked_index(thin, 0, thick) == 0
    assert linked_index(thin, 11, thick) == 2  # z -11 -> the 5 mm slice at z -10
    assert linked_index(thin, 13, thick) == 3  # z -13 -> z -15
    assert linked_index(thick, 3, thin) == 15
    assert linked_index(thick, 7, thin) == 35
    # Beyond the end of the shorter stack: its nearest slice, the last one.
    assert linked_index(thin, 39, thick) == 7


def test_other_frames_of_reference_or_planes_do_not_link() -> None:
    a, _ = axial_stack(bar_volume(slices=5), for_uid="1.1")
    b, _ = axial_stack(bar_volume(slices=5), for_uid="2.2")
    assert not can_link(a, b) and linked_index(a, 2, b) is None
    volume = bar_volume(slices=5)
    sagittal, _ = stack(list(volume), [(float(x), 0.0, 0.0) for x in range(5)], SAGITTAL,
                        for_uid="1.1")
    assert not can_link(a, sagittal)
    unknown, _ = axial_stack(bar_volume(slices=5), for_uid="")
    assert not can_link(unknown, unknown)


def test_a_manual_link_keeps_the_offset_between_frames_of_reference() -> None:
    from viewer.imaging.sync import OffsetLink
    prior, _ = axial_stack(bar_volume(slices=20), thickness=2.0, for_uid="1.1", z0=100.0)
    current, _ = axial_stack(bar_volume(slices=40), thickness=1.0, for_uid="2.2", z0=0.0)
    assert not can_link(prior, current)
    # The reader matched prior slice 5 (z 90) with current slice 12 (z -12): 102 mm lower.
    link = OffsetLink.between(prior, 5, current, 12)
    assert link.offset_mm == pytest.approx(-102.0)  # along the normal, +z
    assert link.target_index(5) == 12
    assert link.target_index(6) == 14  # 2 mm on in the prior: 2 mm (two 1 mm slices) on
    assert link.source_index(16) == 7
    assert link.target_index(19) == 39  # past the end: the nearest, the last


def test_a_manual_link_without_geometry_keeps_the_slice_number_difference() -> None:
    from viewer.imaging.sync import OffsetLink
    a, _ = axial_stack(bar_volume(slices=10), for_uid="1.1")
    b, _ = stack(list(bar_volume(slices=10)), [(0.0, 0.0, 0.0)] * 10, for_uid="2.2")
    for ref in b.frames:
        ref.instance.geometry = []
    link = OffsetLink.between(a, 2, b, 5)
    assert link.direction is None
    assert link.target_index(4) == 7 and link.source_index(9) == 6 and link.target_index(9) == 9
