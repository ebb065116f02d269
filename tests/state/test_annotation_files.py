"""Measurements and key images saved beside the study and read back into a session."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.io.conftest import ct_slice, write
from viewer.imaging.measure import Kind
from viewer.io.atomic import ExportError
from viewer.io.key_objects import read_kos
from viewer.io.model import Series
from viewer.io.presentation_state import ForeignAnnotationsError, read_gsps
from viewer.io.scan import scan
from viewer.state.annotation_files import (
    apply_key_selection,
    apply_presentation_state,
    has_unsaved,
    instances_by_uid,
    save_annotations,
)
from viewer.state.history import History
from viewer.state.key_images import KeyImage, KeyImageStore
from viewer.state.measurements import Measurement, MeasurementStore, evaluate


def _series(folder: Path, series_uid: str = "1.2.826.0.1.3680043.8.498.2") -> Series:
    folder.mkdir(exist_ok=True)
    for z in range(3):
        write(ct_slice((0, 0, z), size=(32, 32), series_uid=series_uid, fill=50 + z),
              folder / f"{z}.dcm")
    [study] = scan([folder]).studies
    return next(s for s in study.series if s.uid == series_uid)


def _session() -> tuple[MeasurementStore, KeyImageStore]:
    history = History()
    return MeasurementStore(history), KeyImageStore(history)


def _measure(store: MeasurementStore, series: Series, kind: Kind, points, index: int = 0) -> Measurement:
    ref = series.frames[index]
    stored = np.full((32, 32), 50 + index, dtype=np.int16)
    result = evaluate(kind, points, ref.instance, ref.frame, stored)
    return store.add(Measurement(kind, points, ref.instance.sop_instance_uid, ref.frame,
                                 series.uid, series.study_uid, result))


def test_saved_beside_the_series_and_read_back_exactly(tmp_path):
    series = _series(tmp_path / "ct")
    store, keys = _session()
    made = [_measure(store, series, Kind.DISTANCE, ((1.123456789, 2.0), (20.5, 7.25))),
            _measure(store, series, Kind.ANGLE, ((1.0, 1.0), (10.0, 10.0), (20.0, 1.0)), 1),
            _measure(store, series, Kind.ELLIPSE, ((20.0, 4.0), (4.0, 30.0)), 2),
            _measure(store, series, Kind.RECTANGLE, ((-3.0, 2.0), (10.0, 12.0)), 2)]
    keys.toggle(KeyImage(series.frames[1].instance.sop_instance_uid, 0, series.uid,
                         series.study_uid))
    assert has_unsaved(store, keys)
    report = save_annotations(store, keys, [series], windows={series.uid: (40.0, 400.0)})
    assert [p.parent for p in report.written] == [tmp_path / "ct"] * 2
    assert not has_unsaved(store, keys) and report.left_out == 0

    again, again_keys = _session()
    open_images = instances_by_uid([series])
    state = read_gsps(report.written[0])
    assert state.window == (40.0, 400.0)
    added = apply_presentation_state(state, again, open_images)
    got = sorted(added, key=lambda m: (m.frame, m.sop_instance_uid, m.kind.value))
    want = sorted(made, key=lambda m: (m.frame, m.sop_instance_uid, m.kind.value))
    assert [(m.kind, m.points, m.key, m.series_uid, m.study_uid, m.result) for m in got] == \
        [(m.kind, m.points, m.key, m.series_uid, m.study_uid, m.result) for m in want]
    assert apply_presentation_state(state, again, open_images) == []  # opened twice: nothing
    assert not again.dirty and not again.history.can_undo
    apply_key_selection(read_kos(report.written[1]), again_keys, open_images)
    assert again_keys.is_key(series.frames[1].instance.sop_instance_uid)


def test_a_scan_of_the_folder_finds_the_files_beside_the_images(tmp_path):
    series = _series(tmp_path / "ct")
    store, keys = _session()
    _measure(store, series, Kind.DISTANCE, ((1.0, 2.0), (20.0, 7.0)))
    save_annotations(store, keys, [series])
    [study] = scan([tmp_path / "ct"]).studies
    assert sorted(s.modality for s in study.series) == ["CT", "PR"]


def test_a_file_for_images_not_open_is_refused_and_nothing_changes(tmp_path):
    series = _series(tmp_path / "ct")
    other = _series(tmp_path / "other", series_uid="1.2.826.0.1.3680043.8.498.77")
    store, keys = _session()
    _measure(store, series, Kind.DISTANCE, ((1.0, 2.0), (20.0, 7.0)))
    keys.toggle(KeyImage(series.frames[0].instance.sop_instance_uid, 0, series.uid,
                         series.study_uid))
    report = save_annotations(store, keys, [series], folder=tmp_path)
    fresh, fresh_keys = _session()
    with pytest.raises(ForeignAnnotationsError, match="not open. Open the series"):
        apply_presentation_state(read_gsps(report.written[0]), fresh,
                                 instances_by_uid([other]))
    with pytest.raises(ForeignAnnotationsError, match="Open the study"):
        apply_key_selection(read_kos(report.written[1]), fresh_keys, instances_by_uid([other]))
    assert len(fresh) == 0 and len(fresh_keys) == 0


def test_a_folder_that_cannot_be_written_keeps_the_work_unsaved(tmp_path):
    series = _series(tmp_path / "ct")
    store, keys = _session()
    _measure(store, series, Kind.DISTANCE, ((1.0, 2.0), (20.0, 7.0)))
    with pytest.raises(ExportError, match="Cannot"):
        save_annotations(store, keys, [series], folder="/proc/lightbox")
    assert has_unsaved(store, keys) and len(store) == 1


def test_mpr_planes_and_plain_images_are_left_out_and_counted(tmp_path):
    series = _series(tmp_path / "ct")
    store, keys = _session()
    _measure(store, series, Kind.DISTANCE, ((1.0, 2.0), (20.0, 7.0)))
    store.add(Measurement(Kind.DISTANCE, ((0, 0), (1, 1)), "9.9.9", 0, "plane-series", "x"))
    report = save_annotations(store, keys, [series], folder=tmp_path)
    assert report.left_out == 1 and len(report.written) == 1


def test_saving_and_reading_back_need_no_qt(tmp_path):
    """Everything a script needs to save and read back annotations runs without Qt."""
    import subprocess
    import sys

    from tests.test_layers import BLOCKER

    root = Path(__file__).resolve().parents[2]
    code = BLOCKER + f"""
from pathlib import Path
from viewer.imaging.measure import Kind
from viewer.io.demo import write_phantom_series
from viewer.io.presentation_state import read_gsps
from viewer.io.scan import scan
from viewer.state.annotation_files import apply_presentation_state, instances_by_uid, save_annotations
from viewer.state.key_images import KeyImage
from viewer.state.session import Session
from viewer.state.measurements import Measurement, evaluate
session = Session()
folder = Path({str(tmp_path)!r})
write_phantom_series(folder, slices=2, size=16)
[series] = [s for st in scan([folder]).studies for s in st.series]
ref = series.frames[0]
points = ((1.0, 1.0), (9.0, 5.0))
session.measurements.add(Measurement(Kind.DISTANCE, points, ref.instance.sop_instance_uid, 0,
    series.uid, series.study_uid, evaluate(Kind.DISTANCE, points, ref.instance, 0, None)))
session.key_images.toggle(KeyImage(ref.instance.sop_instance_uid, 0, series.uid, series.study_uid))
report = save_annotations(session.measurements, session.key_images, [series])
session.measurements.reset()
apply_presentation_state(read_gsps(report.written[0]), session.measurements, instances_by_uid([series]))
assert len(session.measurements) == 1
assert not any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_another_viewers_presentation_state_is_measured_on_the_image(tmp_path):
    import highdicom as hd
    from pydicom.uid import generate_uid

    from viewer.io.presentation_state import image_header

    series = _series(tmp_path / "ct")
    instance = series.frames[0].instance
    header = image_header(instance.path)
    layer = hd.pr.GraphicLayer("OTHER", 1)
    line = hd.pr.GraphicObject("POLYLINE", np.array([[2.0, 4.0], [22.0, 4.0]]), "PIXEL")
    gsps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[header], series_instance_uid=generate_uid(), series_number=5,
        sop_instance_uid=generate_uid(), instance_number=1, manufacturer="Other",
        manufacturer_model_name="Other", software_versions="1", device_serial_number="1",
        content_label="OTHER", graphic_layers=[layer],
        graphic_annotations=[hd.pr.GraphicAnnotation([header], layer, graphic_objects=[line])])
    gsps.save_as(tmp_path / "other.dcm")
    store, _ = _session()
    [m] = apply_presentation_state(read_gsps(tmp_path / "other.dcm"), store,
                                   instances_by_uid([series]))
    assert m.kind is Kind.DISTANCE and m.key == (instance.sop_instance_uid, 0)
    assert m.result.value == pytest.approx(20 * 0.5) and m.result.unit == "mm"  # 0.5 mm pixels
    assert m.series_uid == series.uid and not store.dirty
