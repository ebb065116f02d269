"""`lightbox infer --input NAME=SERIES` with a volume model that reads two series."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from tests.inference.volumes3d_multi import (  # noqa: E402
    MODEL_ID,
    OTHER_FRAME,
    build_model,
    post_hu,
    pre_hu,
    write_axial,
    write_sagittal,
)
from viewer.cli.ai import infer_main  # noqa: E402
from viewer.io.scan import scan  # noqa: E402

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    work = tmp_path_factory.mktemp("enhance-3d")
    build_model(work)
    return work / "models"


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("study3d")
    write_axial(root / "pre", pre_hu, description="Phantom pre", number=2)
    write_sagittal(root / "post", post_hu, description="Phantom post sagittal", number=3)
    write_sagittal(root / "elsewhere", post_hu, description="Phantom post elsewhere",
                   number=6, frame=OTHER_FRAME)
    uids = {s.description: s.uid for s in scan([root]).all_series()}
    return root, uids


def _infer(models, study, out, *extra):
    root, uids = study
    return infer_main([str(root), "--model", MODEL_ID, "--models-dir", str(models),
                       "--series", uids["Phantom pre"], "--out", str(out), *extra])


def test_the_other_series_given_by_uid_feeds_the_volume_run(models, study, tmp_path, capsys):
    uids = study[1]
    assert _infer(models, study, tmp_path / "out", "--input",
                  f"post={uids['Phantom post sagittal']}") == 0
    assert "using series" not in capsys.readouterr().err  # given, not proposed
    files = sorted((tmp_path / "out").glob(f"{MODEL_ID}-frame-*.json"))
    assert len(files) == 24  # every image of the primary series
    summary = json.loads(files[12].read_text(encoding="utf-8"))
    (other,) = summary["other_inputs"]
    assert other["input"] == "post" and other["series_uid"] == uids["Phantom post sagittal"]
    assert other["resampled"] is True
    (ml,) = [v["ml"] for v in summary["volume"]["labels"] if v["name"] == "enhancing"]
    assert ml == pytest.approx(3.584, rel=0.25)


def test_the_proposed_series_is_said(models, study, tmp_path, capsys):
    assert _infer(models, study, tmp_path / "out") == 0
    assert "input 'post' (post-contrast): using series 3 Phantom post sagittal" in \
        capsys.readouterr().err


def test_another_frame_of_reference_is_an_error(models, study, tmp_path, capsys):
    root = study[0]
    assert _infer(models, study, tmp_path / "out", "--input", f"post={root / 'elsewhere'}") == 1
    assert "different frame of reference" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
