"""Going from a report's image reference to the open series and slice that show it."""

from __future__ import annotations

import pytest

from viewer.io.demo import write_phantom_series
from viewer.io.locate import ImageNotOpenError, locate, open_images
from viewer.io.scan import scan


def test_reference_found_in_the_open_series_or_refused(tmp_path):
    write_phantom_series(tmp_path / "ct", slices=5, size=32)
    studies = scan([tmp_path / "ct"]).studies
    series = studies[0].series[0]
    sops = [f.instance.sop_instance_uid for f in series.frames]
    assert open_images(studies) == set(sops)
    found = locate(studies, sops[3])
    assert (found.series, found.index, found.study) == (series, 3, studies[0])
    assert locate(studies, sops[2], frame=7).index == 2  # no such frame: the image itself
    with pytest.raises(ImageNotOpenError, match="not open; open the study"):
        locate(studies, "1.2.3.4.5.0")
