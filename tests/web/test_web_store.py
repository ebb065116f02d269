"""The service's study store (viewer/service/studies.py) in-process: bounded memory
whatever the series, frames equal to the viewer's decode, a refresh that picks up a new
folder."""

from __future__ import annotations

import numpy as np

from viewer.imaging.lut import modality_values
from viewer.io.demo import write_phantom_series
from viewer.io.pixels import read_frame


def test_the_frame_cache_stays_within_its_bound(tmp_path):
    from viewer.service.studies import StudyStore

    write_phantom_series(tmp_path / "phantom", slices=12, size=64)
    bound = 3 * 64 * 64 * 2  # three stored frames of 64 × 64 uint16
    store = StudyStore([tmp_path], cache_bytes=bound)
    (study,) = store.studies()
    series = study.series[0]
    for index in range(len(series.frames)):
        got = store.frame(series.uid, index)
        ref = series.frames[index]
        assert store.cache.nbytes <= bound
        expected = modality_values(read_frame(ref), ref.instance, ref.frame)
        assert got.samples == 1 and np.array_equal(got.data, expected)
    assert len(store.cache) == 3


def test_refresh_reads_a_folder_added_later(tmp_path):
    from viewer.service.studies import StudyStore

    store = StudyStore([tmp_path / "first"])
    assert store.studies() == []  # a folder that does not exist yet is no error
    write_phantom_series(tmp_path / "later", slices=2, size=16)
    store.add_root(tmp_path / "later")
    store.refresh()
    assert [len(s.series[0].frames) for s in store.studies()] == [2]


def test_an_unknown_uid_is_named_shortly_in_the_problem(tmp_path):
    """A UID is at most 64 characters (DICOM PS3.5 9.1): a request with a far longer one
    gets a Problem that names it cut short, not a message as long as what was sent."""
    import pytest

    from viewer.service.problems import ServiceError
    from viewer.service.studies import StudyStore

    store = StudyStore([tmp_path])
    for ask in (store.series, store.study):
        with pytest.raises(ServiceError) as caught:
            ask("1.2" * 3000)
        assert len(str(caught.value)) < 200
        assert "1.21.21.2" in str(caught.value) and "…" in str(caught.value)
    with pytest.raises(ServiceError) as caught:
        store.series("1.2.3")
    assert "'1.2.3'" in str(caught.value)


def test_a_series_without_images_is_named_as_such_not_as_unknown(tmp_path):
    """A structured report beside the images is not listed (nothing to show), and asking
    for it says so rather than that the service has no such series."""
    import pydicom
    import pytest
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from viewer.service.problems import STATUS, ServiceError
    from viewer.service.studies import StudyStore

    write_phantom_series(tmp_path / "phantom", slices=2, size=16)
    image = pydicom.dcmread(next((tmp_path / "phantom").glob("*.dcm")))
    report = pydicom.Dataset()
    report.file_meta = FileMetaDataset()
    report.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    report.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    report.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    report.SOPClassUID = report.file_meta.MediaStorageSOPClassUID
    report.SOPInstanceUID = report.file_meta.MediaStorageSOPInstanceUID
    report.StudyInstanceUID, report.PatientID = image.StudyInstanceUID, image.PatientID
    report.SeriesInstanceUID, report.Modality = generate_uid(), "SR"
    report.save_as(tmp_path / "phantom" / "report.dcm", enforce_file_format=True)
    store = StudyStore([tmp_path])
    (study,) = store.studies()
    assert [s.modality for s in study.series if s.has_images] == ["CT"]
    with pytest.raises(ServiceError) as caught:
        store.series(report.SeriesInstanceUID)
    assert caught.value.reason == "no_images" and STATUS["no_images"] == 422
    assert "holds no images to show" in str(caught.value)
