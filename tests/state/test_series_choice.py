"""The reader's choice of a series per input, without Qt: proposal, choosing, refusing."""

from __future__ import annotations

import copy

import pytest

from tests.inference.artifacts import base_manifest, specs
from tests.inference.multi_series import POST, POST_OTHER_FRAME, PRE, T2, write_study
from viewer.inference.manifest import parse_manifest
from viewer.io.scan import scan
from viewer.state.series_choice import SeriesChoice


def _manifest(rule):
    _, inputs, outputs = specs("threshold")
    post = copy.deepcopy(inputs[0]) | {"name": "post", "series": rule}
    doc = base_manifest("threshold", [inputs[0], post], outputs, modality=["MR"])
    doc["files"] = {"model.onnx": "a" * 64, "golden.npz": "b" * 64}
    doc["digest"] = "c" * 64
    return parse_manifest(doc, "threshold")


@pytest.fixture
def manifest():
    return _manifest({"modality": ["MR"], "description": "(?i)post", "role": "post-contrast"})


@pytest.fixture
def study(tmp_path):
    write_study(tmp_path, POST_OTHER_FRAME)
    (found,) = scan([tmp_path]).studies
    return {s.description: s for s in found.series}


def test_the_proposal_is_preselected_and_another_fitting_series_may_be_chosen(manifest, study):
    choice = SeriesChoice(manifest, study[PRE.description], list(study.values()))
    assert choice.needed and choice.complete and choice.problems == []
    (row,) = choice.rows()
    assert (row.name, row.role) == ("post", "post-contrast")
    assert row.rule == "modality MR and a description matching (?i)post"
    assert [label for _, label in row.options] == ["5 AX T1 POST GD (MR)",
                                                   "8 AX T1 POST other frame (MR)"]
    assert choice.chosen() == {"post": study[POST.description]}
    choice.choose("post", study[POST_OTHER_FRAME.description])
    assert choice.chosen() == {"post": study[POST_OTHER_FRAME.description]}
    with pytest.raises(ValueError, match="does not match"):
        choice.choose("post", study[T2.description])
    with pytest.raises(ValueError, match="the series the model runs on"):
        choice.choose("post", study[PRE.description])


def test_nothing_fitting_leaves_the_choice_incomplete_with_the_reason(manifest, study):
    choice = SeriesChoice(manifest, study[PRE.description],
                          [study[PRE.description], study[T2.description]])
    assert not choice.complete and choice.rows()[0].options == ()
    assert choice.problems == [choice.rows()[0].reason]
    assert "found: 4 AX T2 (MR)" in choice.problems[0]
    with pytest.raises(ValueError, match="no series of this study matches input 'post'"):
        choice.chosen()


def test_a_contrast_rule_reads_the_recorded_contrast_agent(study):
    manifest = _manifest({"modality": ["MR"], "contrast": True})
    choice = SeriesChoice(manifest, study[PRE.description], list(study.values()))
    assert choice.chosen() == {"post": study[POST.description]}
    assert choice.rows()[0].rule == "modality MR and a contrast agent recorded"
    (match,) = choice.matches
    assert dict((s.description, why) for s, why in match.others) == {
        T2.description: "it records no contrast agent"}
