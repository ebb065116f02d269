"""A DICOM SEG opened on its own is named for what it holds, not "no pixel data"."""

from __future__ import annotations

import pytest

from viewer.cli.main import main
from viewer.errors import NotAnImageError
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.objects import object_note
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

from .conftest import sample

SEG = "liver_1frame.dcm"  # pydicom's one-segment liver SEG, without its CT
SAYS = "Segmentation (1 segment): open its images to see it"


def test_a_seg_says_it_is_a_segmentation_and_how_to_see_it():
    inst = read_instance(sample(SEG))
    assert inst.pixel is None and object_note(inst) == SAYS
    with pytest.raises(NotAnImageError) as caught:
        read_frame(FrameRef(inst))
    assert caught.value.reason == SAYS
    assert object_note(read_instance(sample("test-SR.dcm"))) is None  # a report: its own view
    assert object_note(read_instance(sample("CT_small.dcm"))) is None


def test_info_and_render_explain_a_seg_alone(tmp_path, capsys):
    assert main(["info", str(sample(SEG))]) == 0
    out = capsys.readouterr().out
    assert f"SEG  Liver Segmentation: {SAYS}" in out and "no image" not in out
    assert main(["render", str(sample(SEG)), "-o", str(tmp_path / "x.png")]) != 0
    assert SAYS in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_the_series_of_a_seg_is_listed_not_refused():
    result = scan([sample(SEG)])
    assert result.problems == []
    (series,) = result.studies[0].series
    assert not series.has_images and object_note(series.first) == SAYS
