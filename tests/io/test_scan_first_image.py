"""The scan hands over its first image early (``scan(..., first_image=...)``), and the
result is the one a scan without it gives: every file read once, problems in file order."""

from __future__ import annotations

from pathlib import Path

import pytest

from viewer.errors import Cancelled
from viewer.io.demo import write_phantom_series
from viewer.io.model import Instance, ScanResult
from viewer.io.scan import scan
from viewer.tasks.cancel import CancelToken


def _summary(result: ScanResult) -> tuple[list[list[str]], list[tuple[str, str]]]:
    series = [[f.instance.path.name for f in s.frames] for st in result.studies
              for s in st.series]
    return series, [(p.path.name, p.reason) for p in result.problems]


def _given(folder: Path) -> tuple[ScanResult, list[Instance], list[int]]:
    given: list[Instance] = []
    done_when_given: list[int] = []
    progress: list[int] = []

    def first(instance: Instance) -> None:
        given.append(instance)
        done_when_given.append(progress[-1] if progress else -1)

    result = scan([folder], progress=lambda done, _total: progress.append(done),
                  first_image=first)
    return result, given, done_when_given


def test_the_middle_file_is_given_before_the_rest_is_read(tmp_path) -> None:
    files = write_phantom_series(tmp_path / "ct", slices=9, size=32)
    result, given, done_when_given = _given(tmp_path / "ct")
    assert [i.path.name for i in given] == [files[4].name]  # once, the middle file
    assert done_when_given == [0]  # before the first file of the loop was counted
    assert _summary(result) == _summary(scan([tmp_path / "ct"]))
    # The instance given is the one the result holds (read once, not twice).
    held = [f.instance for s in result.studies[0].series for f in s.frames]
    assert any(inst is given[0] for inst in held)


def test_a_broken_middle_file_gives_the_first_image_in_order_and_is_listed(tmp_path) -> None:
    files = write_phantom_series(tmp_path / "ct", slices=5, size=32)
    files[2].write_bytes(files[2].read_bytes()[:300])  # cut inside the header: the middle
    (tmp_path / "ct" / "AAA-notes.dcm").write_bytes(b"not DICOM at all")
    result, given, done_when_given = _given(tmp_path / "ct")
    assert [i.path.name for i in given] == [files[0].name]
    assert done_when_given == [1]  # the notes file came first, then CT0001
    assert _summary(result) == _summary(scan([tmp_path / "ct"]))
    assert [name for name, _ in _summary(result)[1]] == ["AAA-notes.dcm", files[2].name]


def test_a_folder_without_images_gives_nothing(tmp_path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "b.dcm", "c.dcm"):
        (folder / name).write_bytes(b"plain text, not an image")
    result, given, _ = _given(folder)
    assert given == [] and result.studies == [] and len(result.problems) == 3


def test_cancelled_when_the_first_image_is_given_stops_the_scan(tmp_path) -> None:
    write_phantom_series(tmp_path / "ct", slices=6, size=32)
    token = CancelToken()
    given: list[Instance] = []

    def first(instance: Instance) -> None:
        given.append(instance)
        token.cancel()  # the reader pressed Cancel as the image appeared

    with pytest.raises(Cancelled):
        scan([tmp_path / "ct"], cancel=token, first_image=first)
    assert len(given) == 1
