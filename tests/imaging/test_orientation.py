import pytest

from viewer.imaging.orientation import direction_letters, orientation_labels

AXIAL = (1, 0, 0, 0, 1, 0)
SAGITTAL = (0, 1, 0, 0, 0, -1)
CORONAL = (1, 0, 0, 0, 0, -1)


def test_axial_shows_the_patients_right_on_the_screens_left():
    assert orientation_labels(AXIAL) == {"left": "R", "right": "L", "top": "A", "bottom": "P"}


def test_sagittal_and_coronal():
    assert orientation_labels(SAGITTAL) == {"left": "A", "right": "P", "top": "H", "bottom": "F"}
    assert orientation_labels(CORONAL) == {"left": "R", "right": "L", "top": "H", "bottom": "F"}


def test_rotating_a_quarter_turn_clockwise_moves_the_top_label_to_the_right():
    assert orientation_labels(AXIAL, rotation=90) == {
        "left": "P",
        "right": "A",
        "top": "R",
        "bottom": "L",
    }
    assert orientation_labels(AXIAL, rotation=180) == {
        "left": "L",
        "right": "R",
        "top": "P",
        "bottom": "A",
    }
    assert orientation_labels(AXIAL, rotation=-90) == orientation_labels(AXIAL, rotation=270)
    assert orientation_labels(AXIAL, rotation=360) == orientation_labels(AXIAL)


def test_flips_mirror_what_is_on_screen():
    assert orientation_labels(AXIAL, flip_h=True) == {
        "left": "L",
        "right": "R",
        "top": "A",
        "bottom": "P",
    }
    assert orientation_labels(AXIAL, flip_v=True) == {
        "left": "R",
        "right": "L",
        "top": "P",
        "bottom": "A",
    }
    # Flips are applied on screen, after the rotation.
    assert orientation_labels(AXIAL, rotation=90, flip_h=True) == {
        "left": "A",
        "right": "P",
        "top": "R",
        "bottom": "L",
    }


def test_oblique_planes_combine_letters_major_first():
    c, s = 0.866, 0.5  # rows turned 30 degrees from L towards P
    labels = orientation_labels((c, s, 0, -s, c, 0))
    assert labels == {"left": "RA", "right": "LP", "top": "AL", "bottom": "PR"}
    assert direction_letters((0.6, -0.55, 0.5)) == "LAH"
    assert direction_letters((1, 0, 0.05)) == "L"  # a slight tilt does not clutter the label


def test_unknown_or_broken_orientation_gives_no_labels():
    assert orientation_labels(None) is None
    assert orientation_labels((0, 0, 0, 0, 1, 0)) is None


def test_rotation_must_be_quarter_turns():
    with pytest.raises(ValueError):
        orientation_labels(AXIAL, rotation=45)
