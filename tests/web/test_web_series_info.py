"""``GET /v1/series/{uid}`` in-process (viewer/service/routes_studies.py over a real
StudyStore in a Starlette app): each frame's display transform as the desktop reads it
(VOI LUT Function, VOI LUT: docs/web.md), and what the answer costs in file reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from viewer.io.demo import write_phantom_series

#: A VOI LUT (first input value 100, 8-bit entries): a ramp, written into one slice.
LUT_FIRST, LUT_BITS, LUT_DATA = 100, 8, [min(255, 2 * i) for i in range(256)]


def _answer(root: Path) -> tuple[Any, Any]:
    """(series_info, a caller of it) over the one series under ``root``."""
    from starlette.applications import Starlette
    from starlette.requests import Request

    from viewer.service.routes_studies import series_info
    from viewer.service.studies import StudyStore

    app = Starlette()
    app.state.studies = StudyStore([root])
    (study,) = app.state.studies.studies()
    uid = study.series[0].uid

    def ask() -> Any:
        return series_info(Request({"type": "http", "app": app, "headers": []}), uid, "reader")
    return study.series[0], ask


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
    series, ask = _answer(tmp_path)
    info = ask()
    by_uid = {f.sop_instance_uid: f for f in info.frames}
    assert by_uid[sigmoid].voi_function == "SIGMOID" and by_uid[sigmoid].voi_lut is None
    assert by_uid[with_lut].window is None and by_uid[with_lut].voi_lut == 0
    assert [(lut.first, lut.bits, lut.data) for lut in info.voi_luts] == \
        [(LUT_FIRST, LUT_BITS, [float(v) for v in LUT_DATA])]
    others = [f for f in info.frames if f.sop_instance_uid not in (sigmoid, with_lut)]
    assert len(others) == 2
    assert all(f.voi_function == "LINEAR" and f.voi_lut is None and f.window for f in others)
