"""Every file pydicom ships goes through the whole io path and either shows or explains."""

from __future__ import annotations

import numpy as np
import pytest

from viewer.errors import FileProblemError
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame
from viewer.io.scan import read_file, scan

from .conftest import TEST_FILES

ALL_FILES = sorted(p for p in TEST_FILES.rglob("*") if p.is_file())

#: Files pydicom ships as broken on purpose, or that are not DICOM at all.
EXPECTED_PROBLEMS = {
    "MR_truncated.dcm": "truncated",
    "rtplan_truncated.dcm": "truncated",
    "JPEG-lossy.dcm": "cannot be decoded",
    "JPEG2000-embedded-sequence-delimiter.dcm": "cannot be decoded",
    "meta_missing_tsyntax.dcm": "Rows, Columns",
    "nested_priv_SQ.dcm": "Rows, Columns",
    "no_meta.dcm": "not a DICOM file",  # starts with a stray byte: tags are misaligned
    "README.txt": "not a DICOM file",
    "zipMR.gz": "not a DICOM file",
}


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: str(p.relative_to(TEST_FILES)))
def test_every_sample_file_shows_pixels_or_explains_why_not(path):
    try:
        inst = read_file(path)
        if inst is None or inst.pixel is None:
            return  # a DICOMDIR, or an object without pixels (SR, RT plan...): tags only
        frames = [read_frame(FrameRef(inst, i)) for i in range(inst.number_of_frames)]
    except FileProblemError as exc:
        assert exc.path == path
        assert str(exc).startswith(path.name + ": ")
        expected = EXPECTED_PROBLEMS.get(path.name)
        if expected:
            assert expected in exc.reason
        return
    assert path.name not in EXPECTED_PROBLEMS, "a known-bad file was accepted"
    for arr in frames:
        if inst.pixel.is_colour:
            assert arr.shape == (inst.pixel.rows, inst.pixel.columns, 3)
            assert arr.dtype == np.uint8
        else:
            assert arr.shape == (inst.pixel.rows, inst.pixel.columns)
            assert arr.dtype.isnative
            assert np.isfinite(arr).all()


def test_whole_sample_folder_scans_with_problems_listed_not_raised():
    result = scan([TEST_FILES])
    names_with_problems = {p.path.name for p in result.problems}
    assert {"MR_truncated.dcm", "README.txt", "no_meta.dcm"} <= names_with_problems
    assert "CT_small.dcm" not in names_with_problems
    modalities = {s.modality for s in result.all_series()}
    assert {"CT", "MR", "SR", "RTPLAN", "US"} <= modalities
    no_image = [s for s in result.all_series() if not s.has_images]
    assert any(s.modality == "SR" for s in no_image)
