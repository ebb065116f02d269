import pytest

from viewer.imaging.scalebar import scale_bar


@pytest.mark.parametrize(
    ("mm_per_px", "max_px", "expected"),
    [
        (0.5, 100, (100, "5 cm")),  # exactly fits
        (0.5, 99, (40, "2 cm")),
        (0.5, 39, (20, "1 cm")),
        (0.5, 19, (10, "5 mm")),
        (0.01, 150, (100, "1 mm")),
        (0.001, 300, (200, "0.2 mm")),
        (2.0, 60, (50, "10 cm")),
        (10.0, 150, (100, "1 m")),
    ],
)
def test_picks_the_longest_round_length_that_fits(mm_per_px, max_px, expected):
    length, label = scale_bar(mm_per_px, max_px)
    assert (round(length, 9), label) == expected


@pytest.mark.parametrize(
    ("mm_per_px", "max_px"), [(0, 100), (-1, 100), (float("nan"), 100), (0.5, 0), (1e-9, 1)]
)
def test_no_bar_without_a_usable_scale(mm_per_px, max_px):
    assert scale_bar(mm_per_px, max_px) is None
