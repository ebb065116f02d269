"""`lightbox infer` with a model that reads two series: proposed, given, refused."""

from __future__ import annotations

import json

import pydicom
import pytest

pytest.importorskip("torch")

from tests.inference.multi_series import (  # noqa: E402
    MODEL_ID,
    POST,
    POST_OTHER_FRAME,
    PRE,
    T2,
    build_model,
    write_study,
)
from viewer.cli.ai import infer_main  # noqa: E402

pytestmark = pytest.mark.usefixtures("private_audit")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("multi-model"))


@pytest.fixture
def study(tmp_path):
    uids = write_study(tmp_path / "study", POST_OTHER_FRAME)
    return tmp_path / "study", uids


def _infer(models, study, out, *extra):
    folder, uids = study
    return infer_main([str(folder), "--model", MODEL_ID, "--models-dir", str(models),
                       "--series", uids[PRE.description], "--frame", "1", "--out", str(out),
                       *extra])


def _enhancing(out) -> int:
    summary = json.loads((out / f"{MODEL_ID}-frame-0001.json").read_text(encoding="utf-8"))
    (mask,) = summary["outputs"]
    return next(lb["pixels"] for lb in mask["labels"] if lb["name"] == "enhancing")


def test_the_proposed_series_is_used_and_said(models, study, tmp_path, capsys):
    assert _infer(models, study, tmp_path / "out", "--dicom") == 0
    (seg,) = (tmp_path / "out").glob("*.dcm")  # the SEG references the primary series
    assert pydicom.dcmread(seg).Modality == "SEG"
    err = capsys.readouterr().err
    uids = study[1]
    assert (f"input 'post' (post-contrast): using series 5 AX T1 POST GD (MR) "
            f"{uids[POST.description]}") in err
    assert _enhancing(tmp_path / "out") == 16 * 16  # the square, resampled from 2 mm pixels
    summary = json.loads((tmp_path / "out" / f"{MODEL_ID}-frame-0001.json").read_text())
    (other,) = summary["other_inputs"]
    assert other["input"] == "post" and other["series_uid"] == uids[POST.description]
    assert other["resampled"] is True and other["frame_index"] == 1


def test_a_series_given_by_uid_or_path(models, study, tmp_path, capsys):
    uids = study[1]
    assert _infer(models, study, tmp_path / "a", "--input",
                  f"post={uids[POST.description]}") == 0
    assert "using series" not in capsys.readouterr().err  # given, not proposed
    assert _enhancing(tmp_path / "a") == 256
    assert _infer(models, study, tmp_path / "b", "--input", f"post={study[0] / 's5'}") == 0
    assert _enhancing(tmp_path / "b") == 256


def test_a_series_outside_the_rule_is_an_error(models, study, tmp_path, capsys):
    uids = study[1]
    assert _infer(models, study, tmp_path / "out", "--input", f"post={uids[T2.description]}") == 1
    err = capsys.readouterr().err
    assert "it does not fit input 'post': its description 'AX T2' does not match (?i)post" in err
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_another_frame_of_reference_is_an_error(models, study, tmp_path, capsys):
    assert _infer(models, study, tmp_path / "out", "--input",
                  f"post={study[0] / 's8'}") == 1
    assert "different frame of reference" in capsys.readouterr().err


def test_nothing_to_propose_says_why(models, tmp_path, capsys):
    from tests.inference.multi_series import Study, write_series

    ids = Study()
    pre = write_series(tmp_path / "only" / "pre", ids, PRE)
    write_series(tmp_path / "only" / "t2", ids, T2)
    code = infer_main([str(tmp_path / "only"), "--model", MODEL_ID, "--models-dir", str(models),
                       "--series", pre, "--out", str(tmp_path / "out")])
    assert code == 1
    err = capsys.readouterr().err
    assert ("no series of this study matches input 'post': needs modality MR and a description "
            "matching (?i)post; found: 4 AX T2 (MR). Give it with --input post=") in err


def test_bad_input_options_are_usage_errors(models, study, tmp_path, capsys):
    assert _infer(models, study, tmp_path / "out", "--input", "flair=x") == 2
    assert "has no input 'flair' read from another series (it has post)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        _infer(models, study, tmp_path / "out", "--input", "post")
    assert caught.value.code == 2
    assert "expects NAME=SERIES" in capsys.readouterr().err
