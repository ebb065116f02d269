import json
import sys

import numpy as np
import pytest

from tests.imaging.headers import instance_of, lut_item
from viewer.errors import FileProblemError, LightboxError
from viewer.host.assets import assets_dir
from viewer.imaging.presets import Preset, file_presets, load_presets, presets_for
from viewer.imaging.window import Window


def test_bundled_presets_validate_and_hold_the_usual_ct_windows():
    by_modality = load_presets()
    ct = {p.name: (p.center, p.width) for p in by_modality["CT"]}
    assert ct["Brain"] == (40, 80)
    assert ct["Lung"] == (-600, 1500)
    assert ct["Mediastinum"] == (50, 350)
    assert ct["Abdomen"] == (40, 400)
    assert ct["Liver"] == (30, 150)
    assert ct["Bone"] == (400, 1800)


def test_presets_for_a_modality():
    ct = presets_for("ct")
    keys = [p.key for p in ct if p.key is not None]
    assert len(keys) == len(set(keys)) and all(1 <= k <= 9 for k in keys)
    assert presets_for("CT")[0] == Preset("Brain", 40.0, 80.0, 1)
    assert presets_for("CT")[0].window == Window(40, 80)
    assert presets_for("MR") == []
    presets_for("CT").clear()  # callers get a copy
    assert presets_for("CT")


def test_assets_are_found_beside_the_package_and_in_a_frozen_bundle(tmp_path, monkeypatch):
    assert (assets_dir() / "presets" / "window_presets.json").is_file()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert assets_dir() == tmp_path / "assets"


def write(tmp_path, document):
    path = tmp_path / "presets.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def entry(**changes):
    base = {"name": "Brain", "center": 40, "width": 80, "modalities": ["CT"], "key": 1}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_a_valid_custom_file(tmp_path):
    path = write(
        tmp_path,
        {
            "schema_version": 1,
            "presets": [entry(), entry(name="Soft", key=None, modalities=["CT", "mr"])],
        },
    )
    loaded = load_presets(path)
    assert [p.name for p in loaded["CT"]] == ["Brain", "Soft"]
    assert loaded["MR"] == [Preset("Soft", 40, 80, None)]


@pytest.mark.parametrize(
    ("document", "says"),
    [
        ("{not json", "not valid JSON"),
        ([], "top level"),
        ({"presets": []}, "schema_version"),
        ({"schema_version": 1, "presets": [entry(width=0)]}, "'width' must be at least 1"),
        ({"schema_version": 1, "presets": [entry(center="40")]}, "'center' must be a number"),
        (
            {"schema_version": 1, "presets": [entry(key=10)]},
            "'key' must be a whole number from 1 to 9",
        ),
        ({"schema_version": 1, "presets": [entry(modalities=[])]}, "'modalities'"),
        ({"schema_version": 1, "presets": [entry(name="")]}, "'name'"),
        ({"schema_version": 1, "presets": [entry(colour="red")]}, "unknown field(s) colour"),
        (
            {"schema_version": 1, "presets": [entry(), entry(name="Lung")]},
            "key 1 is already used by 'Brain'",
        ),
        ({"schema_version": 1, "presets": [entry(), entry(key=2)]}, "already has 'Brain'"),
    ],
)
def test_a_malformed_file_says_which_file_and_what_is_wrong(tmp_path, document, says):
    path = write(tmp_path, document)
    with pytest.raises(LightboxError) as caught:
        load_presets(path)
    message = str(caught.value)
    assert message.startswith("presets.json: ")
    assert says in message


def test_a_missing_file_is_a_file_problem(tmp_path):
    with pytest.raises(FileProblemError, match="missing"):
        load_presets(tmp_path / "nowhere.json")


def test_file_presets_name_each_of_several_windows_from_the_explanation():
    instance = instance_of(WindowCenter=["40", "400"], WindowWidth=["400", "1800"],
                           WindowCenterWidthExplanation=["SOFT TISSUE", ""])
    assert file_presets(instance) == [Preset("SOFT TISSUE", 40, 400),
                                      Preset("File window 2", 400, 1800)]


def test_file_presets_fall_back_to_the_voi_lut_then_the_image_range():
    with_lut = instance_of(bits=8, VOILUTSequence=[lut_item([4, 10, 8], [0, 80, 160, 255])])
    [lut] = file_presets(with_lut)
    assert lut.name == "File VOI LUT" and (lut.center, lut.width) == (12, 4)
    bare = instance_of(bits=8)
    assert file_presets(bare) == []  # nothing to offer before the pixels are known
    [image] = file_presets(bare, 0, np.array([[10, 20], [30, 50]], dtype=np.uint8))
    assert image.name == "Image range" and image.window == Window(30.5, 41)


def test_a_window_is_named_by_the_preset_it_is_and_unnamed_after_a_drag() -> None:
    from viewer.imaging.presets import Preset, preset_named
    from viewer.imaging.window import Window
    bundled = [Preset("Lung", -600, 1500, 2), Preset("Bone", 300, 1500)]
    own = [Preset("File window", 40, 400)]
    assert preset_named(Window(-600, 1500), bundled, own).name == "Lung"
    assert preset_named(Window(40, 400), bundled, own).name == "File window"
    assert preset_named(Window(41, 400), bundled, own) is None
    assert preset_named(None, bundled) is None
