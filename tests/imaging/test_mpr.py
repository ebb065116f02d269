"""MPR maths against synthetic volumes with known structures (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.imaging.volumes import SAGITTAL, axial_stack, bar_volume, stack, write_series
from viewer.errors import Cancelled
from viewer.imaging.mpr import Plane, Reformat, Slab, VolumeError, build_volume, load_volume
from viewer.imaging.mpr_series import plane_series
from viewer.imaging.orientation import orientation_labels
from viewer.io.geometry import dot
from viewer.io.scan import scan
from viewer.tasks.cancel import CancelToken


@pytest.fixture
def volume():
    series, frames = axial_stack(bar_volume())
    return build_volume(series, frames)


def pixel_position(reformat: Reformat, index: int, row: float, col: float):
    """Where (row, col) of plane ``index`` lies, from the plane's own DICOM geometry."""
    position = reformat.position(index)
    o = reformat.orientation
    dr, dc = reformat.spacing
    return tuple(position[a] + col * dc * o[a] + row * dr * o[3 + a] for a in range(3))


def test_the_volume_keeps_the_acquired_geometry(volume) -> None:
    assert volume.shape == (20, 32, 40)
    assert volume.spacing == pytest.approx((2.0, 0.5, 0.8))
    assert volume.axes[0] == pytest.approx((0, 0, -1))  # head first
    assert volume.position((5, 10, 3)) == pytest.approx((-10 + 3 * 0.8, -8 + 10 * 0.5, -10))


def test_a_bar_along_x_is_a_line_in_axial_and_coronal_and_a_dot_in_sagittal(volume) -> None:
    axial, coronal, sagittal = (Reformat.of(volume, p) for p in Plane)
    assert axial.count == 20 and axial.size == (32, 40)
    assert coronal.count == 32 and coronal.size == (20, 40)
    assert sagittal.count == 40 and sagittal.size == (20, 32)

    line = axial.image(5)
    assert np.all(line[10] == 1000) and line.sum() == 1000 * 40
    assert axial.image(4).max() == 0

    front = coronal.image(10)  # the plane y = -8 + 10 * 0.5 = -3 mm
    assert np.all(front[5] == 1000) and front.sum() == 1000 * 40
    assert coronal.image(9).max() == 0

    for x in (0, 17, 39):  # every sagittal plane cuts the bar once
        dot_image = sagittal.image(x)
        assert dot_image.sum() == 1000 and dot_image[5, 10] == 1000

    # The bar, read back through each plane's own geometry, is where it was made: y -3, z -10.
    assert pixel_position(axial, 5, 10, 7)[1:] == pytest.approx((-3.0, -10.0))
    assert pixel_position(coronal, 10, 5, 7)[1:] == pytest.approx((-3.0, -10.0))
    assert pixel_position(sagittal, 7, 5, 10)[1:] == pytest.approx((-3.0, -10.0))


def test_planes_read_as_radiologists_expect(volume) -> None:
    letters = {p: orientation_labels(Reformat.of(volume, p).orientation) for p in Plane}
    assert letters[Plane.AXIAL] == {"left": "R", "right": "L", "top": "A", "bottom": "P"}
    assert letters[Plane.CORONAL] == {"left": "R", "right": "L", "top": "H", "bottom": "F"}
    assert letters[Plane.SAGITTAL] == {"left": "A", "right": "P", "top": "H", "bottom": "F"}
    # Stacks run head to feet, front to back, right to left.
    for plane, axis, sign in ((Plane.AXIAL, 2, -1), (Plane.CORONAL, 1, 1),
                              (Plane.SAGITTAL, 0, 1)):
        r = Reformat.of(volume, plane)
        assert (r.position(1)[axis] - r.position(0)[axis]) * sign > 0


def test_non_square_voxels_keep_their_spacing(volume) -> None:
    assert Reformat.of(volume, Plane.AXIAL).spacing == pytest.approx((0.5, 0.8))
    assert Reformat.of(volume, Plane.CORONAL).spacing == pytest.approx((2.0, 0.8))
    assert Reformat.of(volume, Plane.SAGITTAL).spacing == pytest.approx((2.0, 0.5))
    series, _ = axial_stack(bar_volume())
    derived = plane_series(Reformat.of(volume, Plane.CORONAL), series)
    assert derived.frames[0].geometry.spacing == pytest.approx((2.0, 0.8))
    assert len(derived.frames) == 32


def test_slabs_combine_the_planes_within_their_thickness(volume) -> None:
    coronal = Reformat.of(volume, Plane.CORONAL)  # planes 0.5 mm apart; the bar is in 10
    assert coronal.slab_count(1.5) == 3
    assert np.all(coronal.image(11, Slab.MIP, 1.5)[5] == 1000)  # planes 10..12
    assert coronal.image(12, Slab.MIP, 1.5).max() == 0  # planes 11..13 miss it
    assert coronal.image(11, Slab.MINIP, 1.5).max() == 0
    assert coronal.image(11, Slab.AVERAGE, 1.5)[5] == pytest.approx(np.full(40, 1000 / 3))
    assert np.array_equal(coronal.image(10, Slab.OFF, 50.0), coronal.image(10))
    # A slab clipped at the end of the stack averages only the planes that exist.
    assert coronal.image(0, Slab.AVERAGE, 1.5).shape == (20, 40)


def test_any_acquisition_plane_gives_the_same_axial_images() -> None:
    rng = np.random.default_rng(1)
    cube = rng.integers(-1000, 1000, (12, 14, 16)).astype(np.int16)  # [z, y, x], z head first
    axial, frames = axial_stack(cube, thickness=1.0, spacing=(1.0, 1.0))
    # The same voxels acquired as sagittal slices: one per x, rows down (-z), columns +y.
    sagittal_slices = [np.ascontiguousarray(cube[:, :, x]) for x in range(16)]
    positions = [(-10.0 + x, -8.0, 0.0) for x in range(16)]
    sagittal, _ = stack(sagittal_slices, positions, SAGITTAL, (1.0, 1.0))
    a = Reformat.of(build_volume(axial, frames), Plane.AXIAL)
    s = Reformat.of(build_volume(sagittal, sagittal_slices), Plane.AXIAL)
    assert s.count == a.count == 12
    for k in (0, 5, 11):
        assert np.array_equal(a.image(k), s.image(k))
        assert s.position(k) == pytest.approx(a.position(k))


def test_voxel_and_plane_coordinates_round_trip(volume) -> None:
    for plane in Plane:
        r = Reformat.of(volume, plane)
        assert r.to_volume(*r.from_volume((3, 7, 11))) == pytest.approx((3, 7, 11))


def refused(series) -> str:
    with pytest.raises(VolumeError) as caught:
        build_volume(*series)
    return str(caught.value)


def test_tilted_gapped_uneven_or_short_stacks_are_refused_with_the_reason() -> None:
    volume = bar_volume()
    tilted = [(-10.0, -8.0 + k * 0.3, -2.0 * k) for k in range(20)]
    assert "gantry tilt" in refused(stack(list(volume), tilted))
    gap = [(-10.0, -8.0, -2.0 * k - (4.0 if k >= 10 else 0.0)) for k in range(20)]
    assert "missing" in refused(stack(list(volume), gap))
    uneven = [(-10.0, -8.0, -2.0 * k - 0.3 * (k % 2)) for k in range(20)]
    assert "uneven slice spacing" in refused(stack(list(volume), uneven))
    short = axial_stack(volume[:2])
    assert "at least 3 slices" in refused(short)
    series, frames = axial_stack(volume)
    series.frames[3].instance.geometry[0] = series.frames[3].geometry.__class__(
        (-10.0, -8.0, -6.0), (0.0, 1.0, 0.0, 0.0, 0.0, -1.0), (0.5, 0.8))
    assert "different planes" in refused((series, frames))


def test_loading_real_files_gives_modality_values_and_can_be_cancelled(tmp_path) -> None:
    volume = bar_volume(slices=6, rows=16, cols=20)
    positions = [(-10.0, -8.0, -2.0 * k) for k in range(6)]
    write_series(tmp_path, list(volume), positions)
    series = scan([tmp_path]).all_series()[0]
    seen = []
    loaded = load_volume(series, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (6, 6)
    order = [round(-dot(f.geometry.position, (0, 0, 1)) / 2) for f in series.frames]
    assert np.array_equal(loaded.values(loaded.data), volume[order].astype(np.float32))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        load_volume(series, cancel=token)


def test_the_crosshair_opens_on_the_slice_being_read() -> None:
    from viewer.imaging.mpr import opening_point
    series, stored = axial_stack(bar_volume(slices=20, rows=32, cols=40))
    volume = build_volume(series, stored)
    assert opening_point(volume, 7) == (7.0, 15.5, 19.5)
    assert opening_point(volume) == (9.5, 15.5, 19.5)
    assert opening_point(volume, 99)[0] == 19.0


def test_planes_of_lossy_slices_say_lossy() -> None:
    from viewer.imaging.lossy import lossy
    series, stored = axial_stack(bar_volume(slices=6, rows=16, cols=16))
    reformat = Reformat.of(build_volume(series, stored), Plane.CORONAL)
    assert lossy(plane_series(reformat, series).frames[0].instance.header) is None
    series.frames[2].instance.header.LossyImageCompression = "01"
    series.frames[2].instance.header.LossyImageCompressionRatio = "8"
    found = lossy(plane_series(reformat, series).frames[0].instance.header)
    assert found is not None and found.detail() == "8:1"


def test_a_volume_is_read_through_the_frame_source(tmp_path) -> None:
    from viewer.io.cache import FrameCache
    from viewer.io.frames import frame_source

    volume = bar_volume(slices=4, rows=8, cols=10)
    write_series(tmp_path, list(volume), [(-10.0, -8.0, -2.0 * k) for k in range(4)])
    series = scan([tmp_path]).all_series()[0]
    cache = FrameCache(1 << 20)
    cached = frame_source(cache)
    asked = []

    def source(ref):
        asked.append(ref.key)
        return cached(ref)

    loaded = load_volume(series, source=source)
    # Each frame asked for once (two threads read them, in no fixed order).
    assert sorted(asked) == sorted(f.key for f in series.frames) and len(cache) == 4
    assert np.array_equal(loaded.data, load_volume(series).data)
