"""A model reading two series of one study: proposal, alignment, resampling, refusals.

The model is built by the real build path (``viewer.modelkit``) and the study is written
by pydicom (tests/inference/multi_series.py): the mask must land on the square where the
post-contrast series differs from the pre-contrast one, although the two have different
pixel grids.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from tests.inference.multi_series import (  # noqa: E402
    MODEL_ID,
    POST,
    POST_FAR,
    POST_OTHER_FRAME,
    PRE,
    SIZE,
    SQUARE_COLS,
    SQUARE_ROWS,
    T2,
    SeriesSpec,
    Study,
    build_model,
    write_series,
    write_study,
)
from viewer.audit.log import AuditLog  # noqa: E402
from viewer.host.settings import load_settings  # noqa: E402
from viewer.inference import ModelInputError, ModelRegistry, run_model  # noqa: E402
from viewer.inference.errors import ManifestError  # noqa: E402
from viewer.inference.manifest import parse_manifest  # noqa: E402
from viewer.inference.series_match import check_choice, primary_input, propose  # noqa: E402
from viewer.io.scan import scan  # noqa: E402


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("multi-model"))


@pytest.fixture
def entry(models):
    return ModelRegistry([models], settings=load_settings()).get(MODEL_ID)


@pytest.fixture
def study(tmp_path):
    write_study(tmp_path / "study", POST_OTHER_FRAME, POST_FAR)
    (found,) = scan([tmp_path / "study"]).studies
    return {s.description: s for s in found.series}


def _run(entry, study, post, frames=(2,)):
    return run_model(entry, study[PRE.description], list(frames), inputs={"post": post},
                     audit_log=AuditLog.of(load_settings()))


def _assert_square(mask: np.ndarray) -> None:
    """"Enhancing" exactly on the square, nothing elsewhere (the disc is in both series)."""
    expected = np.zeros((SIZE, SIZE), dtype=bool)
    expected[SQUARE_ROWS, SQUARE_COLS] = True
    assert np.array_equal(mask == 1, expected)


def test_the_manifest_carries_the_series_rule(entry):
    manifest = entry.manifest
    assert primary_input(manifest).name == "pre"
    post = manifest.inputs[1]
    assert post.from_other_series and post.series.modality == ("MR",)
    assert post.series.description == "(?i)post" and post.series.role == "post-contrast"


def test_the_post_contrast_series_is_proposed_and_the_others_say_why_not(entry, study):
    (match,) = propose(entry.manifest, study[PRE.description], list(study.values()))
    # Same frame of reference first, then the nearest series number: POST (5), not the
    # other frame of reference (8) nor the far slices (9); T2 fits no rule.
    assert [s.description for s in match.candidates] == [
        POST.description, POST_FAR.description, POST_OTHER_FRAME.description]
    assert match.proposed is study[POST.description] and match.role == "post-contrast"
    assert dict((s.description, why) for s, why in match.others) == {
        T2.description: "its description 'AX T2' does not match (?i)post"}


def test_nothing_matching_is_said_with_what_was_found(entry, study):
    (match,) = propose(entry.manifest, study[PRE.description],
                       [study[PRE.description], study[T2.description]])
    assert match.proposed is None
    assert match.reason == ("no series of this study matches input 'post': needs modality MR "
                            "and a description matching (?i)post; found: 4 AX T2 (MR)")


def test_the_mask_lands_where_the_two_series_differ(entry, study, audit_file):
    (result,) = _run(entry, study, study[POST.description])
    _assert_square(result.masks[0].mask)
    (used,) = result.provenance.inputs
    post = study[POST.description]
    assert used.input == "post" and used.series_uid == post.uid and used.resampled
    assert used.frame_index == 2 and used.distance_mm == 0
    assert used.sop_instance_uid == post.frames[2].instance.sop_instance_uid
    assert result.provenance.series_uids == (study[PRE.description].uid, post.uid)
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "ok" and set(record["input_series"]) == {"post"}
    text = audit_file.read_text(encoding="utf-8")
    assert post.uid not in text and "POST" not in text  # hashes only, no descriptions


def test_a_series_on_the_same_grid_is_used_as_stored(entry, study, tmp_path):
    same = SeriesSpec("AX T1 POST same grid", 6, enhanced=True)
    pre = study[PRE.description]
    study_ids = Study(pre.study_uid, _frame_of_reference(pre))
    write_series(tmp_path / "same", study_ids, same)
    (series,) = scan([tmp_path / "same"]).all_series()
    results = _run(entry, study, series, frames=range(len(pre.frames)))
    for result in results:
        _assert_square(result.masks[0].mask)
        assert result.provenance.inputs[0].resampled is False


def test_a_mirrored_series_at_other_pixels_is_aligned_through_patient_coordinates(
        entry, study, tmp_path):
    pre = study[PRE.description]
    mirrored = SeriesSpec("AX T1 POST mirrored", 6, size=32, spacing=2.0, enhanced=True,
                          mirrored=True)
    write_series(tmp_path / "mirrored", Study(pre.study_uid, _frame_of_reference(pre)), mirrored)
    (series,) = scan([tmp_path / "mirrored"]).all_series()
    (result,) = _run(entry, study, series)
    _assert_square(result.masks[0].mask)
    assert result.provenance.inputs[0].resampled


def test_a_series_that_fits_no_rule_is_refused(entry, study, audit_file):
    with pytest.raises(ModelInputError) as caught:
        _run(entry, study, study[T2.description])
    assert "the series chosen for input 'post' cannot be used: it does not fit input " \
        "'post': its description 'AX T2' does not match (?i)post" in str(caught.value)
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "refused" and "AX T2" not in record["message"]
    assert check_choice(primary_input(entry.manifest), study[T2.description],
                        study[PRE.description]) == ""  # the primary input has no rule


def test_another_frame_of_reference_is_refused(entry, study):
    with pytest.raises(ModelInputError, match="different frame of reference"):
        _run(entry, study, study[POST_OTHER_FRAME.description])


def test_no_slice_near_the_position_is_refused(entry, study):
    with pytest.raises(ModelInputError, match=r"has no slice near this image's position: the "
                       r"nearest is 54.00 mm away, more than half its slice spacing \(1.50 mm\)"):
        _run(entry, study, study[POST_FAR.description])


def test_a_series_covering_part_of_the_run_is_refused_before_it_starts(
        entry, study, tmp_path, audit_file):
    pre = study[PRE.description]
    partial = SeriesSpec("AX T1 POST partial", 6, enhanced=True, slices=(0.0, 3.0, 6.0))
    write_series(tmp_path / "partial", Study(pre.study_uid, _frame_of_reference(pre)), partial)
    (series,) = scan([tmp_path / "partial"]).all_series()
    with pytest.raises(ModelInputError, match="has no slice near this image's position"):
        _run(entry, study, series, frames=range(len(pre.frames)))
    record = json.loads(audit_file.read_text(encoding="utf-8").splitlines()[-1])
    assert record["outcome"] == "refused" and record["frames"] == 0
    (result,) = _run(entry, study, series, frames=(1,))  # where it has slices, it runs
    _assert_square(result.masks[0].mask)


def test_another_orientation_is_refused(entry, study, tmp_path):
    pre = study[PRE.description]
    write_series(tmp_path / "sag", Study(pre.study_uid, _frame_of_reference(pre)),
                 SeriesSpec("SAG T1 POST", 7, enhanced=True))
    for path in sorted((tmp_path / "sag").iterdir()):
        import pydicom

        ds = pydicom.dcmread(path)
        ds.ImageOrientationPatient = [0, 1, 0, 0, 0, -1]
        ds.save_as(path)
    (series,) = scan([tmp_path / "sag"]).all_series()
    with pytest.raises(ModelInputError, match=r"is cut in another orientation \(90° from"):
        _run(entry, study, series)


def test_the_other_series_must_be_given(entry, study):
    with pytest.raises(ModelInputError, match="input 'post' reads another series"):
        run_model(entry, study[PRE.description], [0], audit_log=AuditLog.of(load_settings()))
    with pytest.raises(ModelInputError, match="has no input 'flair'"):
        run_model(entry, study[PRE.description], [0], audit_log=AuditLog.of(load_settings()),
                  inputs={"post": study[POST.description], "flair": study[T2.description]})


def _frame_of_reference(series) -> str:
    return str(series.frames[0].instance.header.FrameOfReferenceUID)


def _document(entry) -> dict:
    return json.loads(json.dumps(dict(entry.manifest.raw)))


@pytest.mark.parametrize(("series", "field", "why"), [
    ({"modality": ["MR"], "description": "(?i)post("}, "inputs[1].series.description",
     "is not a valid regular expression"),
    ({"description": "a" * 201}, "inputs[1].series.description", "over the limit of 200"),
    ({"modality": ["MR"], "desciption": "post"}, "inputs[1].series.desciption",
     "is not a series rule key"),
    ({"role": "FLAIR"}, "inputs[1].series", "needs a modality, a description or contrast"),
    ({"modality": "MR"}, "inputs[1].series.modality", "expected a list"),
    ({"contrast": "yes"}, "inputs[1].series.contrast", "expected true, false or null"),
    ({"description": "(?i)(post+)+$"}, "inputs[1].series.description",
     "a repetition inside a repetition: such a pattern can take exponential time"),
    ({"description": "(?i)(gd|gad)*post"}, "inputs[1].series.description",
     "an alternation inside a repetition"),
])
def test_a_bad_series_rule_names_its_field(entry, series, field, why):
    document = _document(entry)
    document["inputs"][1]["series"] = series
    with pytest.raises(ManifestError) as caught:
        parse_manifest(document, entry.folder)
    assert f"{field}: " in str(caught.value) and why in str(caught.value)


def test_every_input_from_another_series_is_refused(entry):
    document = _document(entry)
    document["inputs"][0]["series"] = {"modality": ["MR"], "role": "pre-contrast"}
    with pytest.raises(ManifestError, match="every input has a series rule"):
        parse_manifest(document, entry.folder)
    document["inputs"][0]["series"] = {"role": "primary"}
    assert primary_input(parse_manifest(document, entry.folder)).name == "pre"
