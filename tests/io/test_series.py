"""Grouping and slice order from real files written to disk, plus the examine warnings."""

from __future__ import annotations

import math
import random

from viewer.io.scan import scan

from .conftest import ct_slice


def z_order(series) -> list[float]:
    return [f.geometry.position[2] for f in series.frames]


def test_shuffled_names_and_numbers_are_sorted_by_position(tmp_series):
    zs = [float(z) for z in range(10)]
    numbers = list(range(1, 11))
    random.Random(3).shuffle(numbers)  # instance numbers deliberately disagree with z
    names = [f"IM{n}" for n in random.Random(4).sample(range(100), 10)]
    folder = tmp_series(
        {
            name: ct_slice((0, 0, z), instance_number=n)
            for name, z, n in zip(names, zs, numbers, strict=True)
        }
    )
    (series,) = scan([folder]).all_series()
    assert series.sorted_by == "position"
    assert z_order(series) == zs
    assert series.warnings == []


def test_oblique_stack_is_sorted_along_its_normal(tmp_series):
    c = math.cos(math.radians(30))
    s = math.sin(math.radians(30))
    orientation = (1, 0, 0, 0, c, s)  # tilted about x; normal = (0, -s, c)
    normal = (0, -s, c)
    steps = [4, 0, 3, 1, 2]
    folder = tmp_series(
        {
            f"s{i}": ct_slice(
                tuple(k * v for v in normal), orientation, instance_number=9 - i, fill=k
            )
            for i, k in enumerate(steps)
        }
    )
    (series,) = scan([folder]).all_series()
    assert series.sorted_by == "position"
    assert [int(f.instance.header.InstanceNumber) for f in series.frames] == [8, 6, 5, 7, 9]
    assert series.warnings == []


def test_without_positions_instance_number_orders_the_frames(tmp_series):
    datasets = {}
    for name, n in (("a", 3), ("b", 1), ("c", 2)):
        ds = ct_slice((0, 0, n), instance_number=n)
        del ds.ImagePositionPatient
        datasets[name] = ds
    (series,) = scan([tmp_series(datasets)]).all_series()
    assert series.sorted_by == "instance number"
    assert [f.instance.instance_number for f in series.frames] == [1, 2, 3]


def test_without_positions_or_numbers_file_order_is_kept(tmp_series):
    datasets = {}
    for name in ("IM10", "IM2", "IM1"):
        ds = ct_slice((0, 0, 0))
        del ds.ImagePositionPatient
        datasets[name] = ds
    (series,) = scan([tmp_series(datasets)]).all_series()
    assert series.sorted_by == "file order"
    assert [f.instance.path.name for f in series.frames] == ["IM1", "IM2", "IM10"]


def test_gap_in_the_stack_is_a_warning(tmp_series):
    zs = [0, 1, 2, 3, 6, 7]  # slices 4 and 5 are missing
    (series,) = scan([tmp_series({f"z{z}": ct_slice((0, 0, z)) for z in zs})]).all_series()
    assert any("missing slices" in w and "about 2" in w for w in series.warnings)


def test_uneven_spacing_is_a_warning(tmp_series):
    zs = [0, 1, 2, 3.3, 4.3, 5.3]
    (series,) = scan(
        [tmp_series({f"z{i}": ct_slice((0, 0, z)) for i, z in enumerate(zs)})]
    ).all_series()
    assert any("uneven slice spacing" in w for w in series.warnings)


def test_gantry_tilt_is_a_warning(tmp_series):
    # Axial slices whose origin shifts in y as z advances: the stack is sheared.
    slices = {f"t{i}": ct_slice((0, i * 0.3, i * 1.0)) for i in range(5)}
    (series,) = scan([tmp_series(slices)]).all_series()
    assert series.sorted_by == "position"
    assert any("gantry tilt" in w for w in series.warnings)


def test_mixed_orientations_fall_back_and_warn(tmp_series):
    slices = {
        "ax": ct_slice((0, 0, 0), instance_number=2),
        "cor": ct_slice((0, 0, 0), (1, 0, 0, 0, 0, -1), instance_number=1),
    }
    (series,) = scan([tmp_series(slices)]).all_series()
    assert series.sorted_by == "instance number"
    assert any("mixed orientations" in w for w in series.warnings)


def test_mixed_sizes_and_duplicates_are_warnings(tmp_series):
    slices = {
        "a": ct_slice((0, 0, 0)),
        "b": ct_slice((0, 0, 0)),
        "c": ct_slice((0, 0, 1), size=(16, 16)),
    }
    (series,) = scan([tmp_series(slices)]).all_series()
    assert any("different sizes" in w for w in series.warnings)
    assert any("more than once" in w for w in series.warnings)


def test_studies_and_series_group_by_uid_and_carry_patient_details(tmp_series):
    slices = {
        "s1a": ct_slice((0, 0, 0), series_uid="1.2.3.1"),
        "s1b": ct_slice((0, 0, 1), series_uid="1.2.3.1"),
        "s2a": ct_slice((0, 0, 0), series_uid="1.2.3.2"),
        "other": ct_slice((0, 0, 0), study_uid="1.2.9", series_uid="1.2.9.1"),
    }
    result = scan([tmp_series(slices)])
    assert len(result.studies) == 2
    study = next(s for s in result.studies if len(s.series) == 2)
    assert study.patient_name == "Test^Synthetic" and study.patient_id == "SYN-1"
    assert study.date == "20240101"
    assert sorted(len(s.frames) for s in study.series) == [1, 2]


def test_missing_uids_still_group_per_folder(tmp_path):
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        for z in range(2):
            ds = ct_slice((0, 0, z))
            del ds.StudyInstanceUID
            del ds.SeriesInstanceUID
            ds.save_as(tmp_path / folder / f"{z}.dcm", enforce_file_format=True)
    result = scan([tmp_path])
    assert len(result.all_series()) == 2
    assert all(len(s.frames) == 2 for s in result.all_series())


def test_multiframe_instance_contributes_one_frame_ref_per_frame():
    from .conftest import sample

    (series,) = [s for s in scan([sample("examples_ybr_color.dcm")]).all_series()]
    assert len(series.frames) == 30
    assert [f.frame for f in series.frames] == list(range(30))
