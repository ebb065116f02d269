"""`lightbox infer` with a volume model: masks on every image and the volumes in mL."""

from __future__ import annotations

import json

import pytest

from viewer.cli.ai import infer_main

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture(scope="module")
def volume_models(tmp_path_factory):
    pytest.importorskip("torch")
    from tests.inference.volumes3d import build_volume_model

    work = tmp_path_factory.mktemp("cli-volume")
    build_volume_model(work / "models", work)
    return work / "models"


def test_infer_runs_a_volume_model_on_the_whole_series_and_prints_ml(volume_models, tmp_path,
                                                                     capsys):
    from tests.inference.volumes3d import BOX_ML, write_axial

    write_axial(tmp_path / "ct")
    out = tmp_path / "out"
    assert infer_main([str(tmp_path / "ct"), "--model", "surface-3d", "--out", str(out),
                       "--models-dir", str(volume_models), "--dicom"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[:2] == ["surface-3d: bright 4.8 mL", "surface-3d: top 0.5 mL"]
    assert "surface-3d: 32/32 steps" in captured.err  # 24 images read, then 8 patches
    frames = sorted(out.glob("surface-3d-frame-*.json"))
    assert len(frames) == 24  # no --frame: every image of the series
    first = json.loads(frames[0].read_text())
    ml = {item["name"]: item["ml"] for item in first["volume"]["labels"]}
    assert ml["bright"] + ml["top"] == pytest.approx(BOX_ML, abs=0.01)
    assert first["volume"]["model_spacing_mm"] == [2.0, 2.0, 2.0]
    assert len(list(out.glob("*-seg.dcm"))) == 1
