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
