"""RT Structure Sets read as named, coloured contours; which ones belong to a series; bad
files and foreign frames of reference refused with a message."""

from __future__ import annotations

import pytest

from tests.io.rtstructs import CIRCLE_POINTS, lesion_slice, write_phantom_rtstruct
from viewer.errors import LightboxError
from viewer.io.demo import write_phantom_series
from viewer.io.rtstruct import (
    ForeignStructureSetError,
    UnreadableStructureSetError,
    check_fits,
    frame_of_reference,
    read_structure_set,
)
from viewer.io.scan import scan
from viewer.state.structure_sets import StructureSets


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt")
    write_phantom_series(folder / "ct", slices=10, size=64)
    result = scan([folder / "ct"])
    return folder, result.studies[0], result.all_series()[0]


def test_pydicom_sample_reads_names_colours_and_points(pydicom_files):
    structures = read_structure_set(pydicom_files / "rtstruct.dcm")
    assert [(r.name, r.colour, r.interpreted_type) for r in structures.rois] == [
        ("patient", (220, 160, 120), "EXTERNAL"),
        ("Isocenter 1", (255, 64, 255), "ISOCENTER"),
        ("Isocenter 2", (255, 64, 255), "ISOCENTER")]
    patient = structures.rois[0]
    assert [c.geometric_type for c in patient.contours] == ["CLOSED_PLANAR"] * 3
    assert tuple(patient.contours[0].points[0]) == (-200.0, 150.0, -200.0)
    assert structures.rois[1].contours[0].geometric_type == "POINT"
    assert structures.frame_of_reference_uids == ("1.2.826.0.1.3680043.8.498.2010020400001.2",)


def test_phantom_structure_set_belongs_to_its_series(phantom):
    folder, study, series = phantom
    path = write_phantom_rtstruct(folder / "rt.dcm", series)
    structures = read_structure_set(path)
    (roi,) = structures.rois
    assert (roi.name, roi.colour, roi.interpreted_type) == ("Lesion margin", (0, 255, 0), "GTV")
    (contour,) = roi.contours
    assert contour.closed and len(contour.points) == CIRCLE_POINTS
    assert contour.images == (series.frames[lesion_slice(series)].instance.sop_instance_uid,)
    check_fits(structures, series)  # same frame of reference: no error
    assert structures.fits(frame_of_reference(series))
    # Found through the study once it is scanned with the images.
    study = scan([folder / "ct", path]).studies[0]
    sets = StructureSets()
    sets.request(study)
    found = sets.for_series(series, study)
    assert [s.sop_instance_uid for s in found] == [structures.sop_instance_uid]
    assert sets.problems(study.uid) == []


def test_structure_set_on_another_frame_of_reference_is_refused(phantom, tmp_path):
    folder, _, series = phantom
    path = write_phantom_rtstruct(tmp_path / "other.dcm", series,
                                  frame_of_reference="1.2.826.0.1.3680043.8.498.99")
    structures = read_structure_set(path)
    with pytest.raises(ForeignStructureSetError, match="another frame of reference.*open the"):
        check_fits(structures, series)
    study = scan([folder / "ct", path]).studies[0]
    sets = StructureSets()
    sets.request(study)
    # Left out quietly when found automatically: no set, no problem.
    assert sets.for_series(series, study) == [] and sets.problems(study.uid) == []


def test_corrupt_or_truncated_structure_set_is_a_clear_problem(phantom, tmp_path,
                                                               pydicom_files):
    folder, _, series = phantom
    good = write_phantom_rtstruct(tmp_path / "good.dcm", series)
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(good.read_bytes()[:-200])
    garbage = tmp_path / "garbage.dcm"
    garbage.write_bytes(b"\x00garbage" * 50)
    for path in (cut, garbage):
        with pytest.raises(UnreadableStructureSetError, match="exported again") as info:
            read_structure_set(path)
        assert isinstance(info.value, LightboxError) and path.name in str(info.value)
    with pytest.raises(UnreadableStructureSetError, match="not an RT structure set"):
        read_structure_set(pydicom_files / "test-SR.dcm")
    # In a study, a damaged set is reported and the good one still found, read once.
    study = scan([folder / "ct", good]).studies[0]
    rt_series = next(s for s in study.series if s.modality == "RTSTRUCT")
    rt_series.instances[0].path = cut  # as if the file was cut after the scan
    sets = StructureSets()
    assert sets.request(study) and not sets.request(study)  # each file is read once
    problems = sets.problems(study.uid)
    assert sets.for_series(series, study) == [] and len(problems) == 1
    assert isinstance(problems[0], UnreadableStructureSetError)
