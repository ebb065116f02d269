import pytest

from viewer.imaging.window import Window


def test_low_and_high_span_the_width_around_the_center():
    window = Window(40, 400)
    assert (window.low, window.high) == (-160, 240)


def test_dragging_right_widens_and_dragging_down_raises_the_level():
    window = Window(40, 400)
    assert window.with_drag(10, 0, 2.0) == Window(40, 420)
    assert window.with_drag(0, 5, 2.0) == Window(50, 400)
    assert window.with_drag(-3, -4, 1.0) == Window(36, 397)


def test_drag_never_narrows_below_one():
    assert Window(40, 10).with_drag(-1000, 0, 1.0).width == 1


@pytest.mark.parametrize("width", [0, -5, float("nan")])
def test_unusable_width_is_refused(width):
    with pytest.raises(ValueError):
        Window(0, width)


def test_windows_are_values():
    assert Window(40, 400) == Window(40.0, 400.0)
    assert len({Window(40, 400), Window(40.0, 400.0)}) == 1
    assert str(Window(40, 400)) == "W 400 L 40"
