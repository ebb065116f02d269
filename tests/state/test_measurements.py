"""The session store of measurements and its CSV/JSON exports (no Qt)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from viewer.imaging.measure import Kind, Result
from viewer.state.measurements import Measurement, MeasurementStore, moved, to_csv, to_json


def _m(kind=Kind.DISTANCE, sop="1.2.3", frame=0, value=12.5):
    return Measurement(kind, ((0.0, 0.0), (10.0, 0.0)), sop, frame, "1.2", "1",
                       Result(value, "mm"))


def test_store_keeps_measurements_by_frame_and_tells_listeners():
    store = MeasurementStore()
    heard = []
    unsubscribe = store.subscribe(heard.append)
    a = store.add(_m())
    b = store.add(_m(frame=1))
    assert store.on_frame("1.2.3", 0) == [a] and store.on_frame("1.2.3", 1) == [b]
    assert heard == [("1.2.3", 0), ("1.2.3", 1)]
    edited = store.replace(moved(a, ((1.0, 1.0), (2.0, 2.0)), Result(1.4, "mm")))
    assert store.get(a.id) == edited and store.get(a.id).points[0] == (1.0, 1.0)
    assert store.remove(b.id) and not store.remove(b.id)
    assert len(store) == 1 and store.of_series("1.2") == [edited]
    unsubscribe()
    store.clear()
    assert len(store) == 0 and len(heard) == 4
    with pytest.raises(KeyError):
        store.replace(a)


def test_csv_and_json_hold_values_units_and_uids():
    roi = Measurement(Kind.ELLIPSE, ((0.0, 0.0), (4.0, 4.0)), "1.2.3", 0, "1.2", "1",
                      Result(area=12.6, area_unit="mm²", mean=40.2, sd=8.1, minimum=20,
                             maximum=61, pixels=13, value_unit="HU"))
    items = [_m(), roi]
    rows = list(csv.DictReader(io.StringIO(to_csv(items))))
    assert [r["kind"] for r in rows] == ["distance", "ellipse"]
    assert rows[0]["value"] == "12.5" and rows[0]["unit"] == "mm" and rows[0]["mean"] == ""
    assert rows[1]["mean"] == "40.2" and rows[1]["value_unit"] == "HU"
    assert rows[1]["area_unit"] == "mm²" and rows[1]["sop_instance_uid"] == "1.2.3"
    data = json.loads(to_json(items))
    assert data["format"] == "lightbox-measurements"
    assert data["measurements"][1]["sd"] == 8.1
    assert data["measurements"][0]["points"] == [[0.0, 0.0], [10.0, 0.0]]


def test_measurements_and_anonymize_run_without_qt(tmp_path):
    """The store, the maths and `lightbox anonymize` need no display and no Qt."""
    import subprocess
    import sys
    from pathlib import Path

    from tests.test_layers import BLOCKER

    root = Path(__file__).resolve().parents[2]
    code = BLOCKER + f"""
from pathlib import Path
import viewer.state.measurements, viewer.imaging.measure, viewer.io.deidentify
from viewer.cli.anonymize import main
from viewer.io.demo import write_phantom_series
write_phantom_series(Path({str(tmp_path / 'src')!r}), slices=2, size=16)
assert main([{str(tmp_path / 'src')!r}, {str(tmp_path / 'out')!r}, '-q']) == 0
assert not any(m.split('.')[0] in ('PySide6', 'shiboken6') for m in sys.modules)
"""
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list((tmp_path / "out").rglob("*.dcm"))) == 2
