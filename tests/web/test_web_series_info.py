"""``GET /v1/series/{uid}`` in-process (viewer/service/routes_studies.py over a real
StudyStore in a Starlette app): each frame's display transform as the desktop reads it
(VOI LUT Function, VOI LUT: docs/web.md), and what the answer costs in file reads."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from viewer.io.demo import write_phantom_series

#: A VOI LUT (first input value 100, 8-bit entries): a ramp, written into one slice.
LUT_FIRST, LUT_BITS, LUT_DATA = 100, 8, [min(255, 2 * i) for i in range(256)]


def _answer(root: Path) -> tuple[Any, Any]:
    """(the store, a caller of ``GET /v1/series/{uid}`` answering its JSON) over the one
    series under ``root``."""
    from starlette.applications import Starlette
    from starlette.requests import Request

    from viewer.service.routes_studies import series_info
    from viewer.service.studies import StudyStore

    app = Starlette()
    app.state.studies = StudyStore([root])
    (study,) = app.state.studies.studies()
    uid = study.series[0].uid

    def ask() -> Any:
        answer = series_info(Request({"type": "http", "app": app, "headers": []}), uid,
                             "reader")
        assert answer.media_type == "application/json"
        return json.loads(answer.body)
    return app.state.studies, ask


def _edit(path: Path, change: Any) -> str:
    ds = pydicom.dcmread(path)
    change(ds)
    ds.save_as(path)
    return str(ds.SOPInstanceUID)


def _sigmoid(ds: Dataset) -> None:
    ds.VOILUTFunction = "SIGMOID"


def _voi_lut(ds: Dataset) -> None:
    for keyword in ("WindowCenter", "WindowWidth", "WindowCenterWidthExplanation"):
        if keyword in ds:
            delattr(ds, keyword)
    item = Dataset()
    item.add_new(0x00283002, "US", [len(LUT_DATA), LUT_FIRST, LUT_BITS])  # LUT Descriptor
    item.add_new(0x00283006, "US", LUT_DATA)  # LUT Data
    ds.VOILUTSequence = Sequence([item])


def test_each_frame_carries_its_voi_function_and_voi_lut(tmp_path):
    paths = write_phantom_series(tmp_path / "p", slices=4, size=16)
    sigmoid = _edit(paths[1], _sigmoid)
    with_lut = _edit(paths[2], _voi_lut)
    _store, ask = _answer(tmp_path)
    info = ask()
    by_uid = {f["sop_instance_uid"]: f for f in info["frames"]}
    assert by_uid[sigmoid]["voi_function"] == "SIGMOID" and by_uid[sigmoid]["voi_lut"] is None
    assert by_uid[with_lut]["window"] is None and by_uid[with_lut]["voi_lut"] == 0
    assert info["voi_luts"] == [{"first": LUT_FIRST, "bits": LUT_BITS, "data": LUT_DATA}]
    others = [f for f in info["frames"] if f["sop_instance_uid"] not in (sigmoid, with_lut)]
    assert len(others) == 2
    assert all(f["voi_function"] == "LINEAR" and f["voi_lut"] is None and f["window"]
               for f in others)


class _Opens:
    """Counts the files opened under ``root`` (an audit hook: it stays for the process,
    so it counts only while ``on``)."""

    def __init__(self, root: Path) -> None:
        self.root, self.count, self.on = str(root), 0, False
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple[Any, ...]) -> None:
        if self.on and event == "open" and str(args[0]).startswith(self.root):
            self.count += 1

    def during(self, call: Any) -> tuple[Any, int]:
        self.count, self.on = 0, True
        try:
            return call(), self.count
        finally:
            self.on = False


def test_the_series_answer_reads_no_file_per_frame_and_is_kept(tmp_path):
    """A 300-frame series answers from what the scan holds: the files it opens are as
    few as a 3-frame series' (the first file's header, for the body part), not one per
    frame; asked again, it opens none."""
    write_phantom_series(tmp_path / "small" / "p", slices=3, size=16)
    write_phantom_series(tmp_path / "large" / "p", slices=300, size=16)
    opens = _Opens(tmp_path)
    counts = {}
    for name in ("small", "large"):
        _store, ask = _answer(tmp_path / name)
        first, opened = opens.during(ask)
        again, opened_again = opens.during(ask)
        assert again == first
        counts[name] = (len(first["frames"]), opened, opened_again)
        assert all(f["window"] for f in first["frames"])  # the windows came from the scan
    assert counts["small"][0] == 3 and counts["large"][0] == 300
    assert counts["large"][1:] == counts["small"][1:] and counts["large"][1] <= 2
    assert counts["large"][2] == 0


def test_a_rescan_describes_the_series_again(tmp_path):
    """The kept answer lasts until the store reads its folders again (a retrieve): a
    window changed on disk shows only after the rescan."""
    paths = write_phantom_series(tmp_path / "p", slices=3, size=16)
    opens = _Opens(tmp_path)
    store, ask = _answer(tmp_path)
    first, _ = opens.during(ask)
    assert opens.during(ask) == (first, 0)

    def window(ds: Dataset) -> None:
        ds.WindowCenter, ds.WindowWidth = 123, 456

    changed = _edit(paths[1], window)
    assert ask() == first  # kept: the folders were not read again
    store.refresh()
    again = ask()
    by_uid = {f["sop_instance_uid"]: f for f in again["frames"]}
    assert by_uid[changed]["window"] == {"center": 123, "width": 456}
    assert [f for f in again["frames"] if f["sop_instance_uid"] != changed] == \
        [f for f in first["frames"] if f["sop_instance_uid"] != changed]
