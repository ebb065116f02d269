"""The viewport's display state, without Qt."""

from __future__ import annotations

import subprocess
import sys

import pytest

from viewer.imaging.window import Window
from viewer.state.view import MAX_ZOOM, MIN_ZOOM, Tool, ViewState


def record(state: ViewState) -> list[frozenset[str]]:
    events: list[frozenset[str]] = []
    state.subscribe(events.append)
    return events


def test_does_not_import_qt() -> None:
    code = "import sys, viewer.state.view; assert not any(m.startswith('PySide6') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_new_stack_opens_on_the_middle_slice() -> None:
    state = ViewState()
    events = record(state)
    state.set_stack(20)
    assert state.index == 10
    assert state.count == 20
    assert events == [frozenset({"index", "count"})]


def test_index_is_clamped_to_the_stack() -> None:
    state = ViewState(5)
    state.index = 99
    assert state.index == 4
    state.index = -3
    assert state.index == 0
    state.step(2)
    assert state.index == 2


def test_empty_stack_keeps_index_zero() -> None:
    state = ViewState(0)
    state.index = 7
    assert state.index == 0


def test_listeners_hear_only_what_changed() -> None:
    state = ViewState(10)
    events = record(state)
    state.update(index=3, invert=True, flip_h=False)  # flip_h already False
    assert events == [frozenset({"index", "invert"})]
    state.index = 3  # no change: no event
    assert len(events) == 1


def test_unsubscribe_stops_events() -> None:
    state = ViewState(10)
    events: list[frozenset[str]] = []
    unsubscribe = state.subscribe(events.append)
    state.index = 1
    unsubscribe()
    unsubscribe()  # twice is harmless
    state.index = 2
    assert events == [frozenset({"index"})]


def test_window_width_stays_at_least_one_when_dragged_narrow() -> None:
    state = ViewState()
    state.window = Window(40.0, 400.0)
    state.window = state.window.with_drag(-10_000, 0)
    assert state.window is not None
    assert state.window.width == 1.0
    assert state.window.center == 40.0


def test_window_must_be_a_window() -> None:
    with pytest.raises(TypeError):
        ViewState().window = (40, 400)


def test_zoom_is_bounded() -> None:
    state = ViewState()
    state.zoom = 1000
    assert state.zoom == MAX_ZOOM
    state.zoom = 0
    assert state.zoom == MIN_ZOOM
    with pytest.raises(ValueError):
        state.zoom = float("nan")


def test_zoom_by_keeps_the_centre_fixed_and_leaves_fit_mode() -> None:
    state = ViewState()
    state.update(zoom=1.0, pan=(10.0, -4.0), fit=True)
    assert state.fit
    state.zoom_by(2.0)
    assert state.zoom == 2.0
    assert state.pan == (20.0, -8.0)
    assert not state.fit


def test_rotation_wraps_and_rejects_odd_angles() -> None:
    state = ViewState()
    for expected in (90, 180, 270, 0):
        state.rotate_clockwise()
        assert state.rotation == expected
    state.rotation = -90
    assert state.rotation == 270
    with pytest.raises(ValueError):
        state.rotation = 45


def test_tool_accepts_names() -> None:
    state = ViewState()
    state.tool = "pan"
    assert state.tool is Tool.PAN
    with pytest.raises(ValueError):
        state.tool = "lasso"


def test_unknown_field_is_refused() -> None:
    with pytest.raises(AttributeError):
        ViewState().update(colour="red")


def test_reset_view_restores_basic_image_review_defaults() -> None:
    state = ViewState(10)
    state.update(
        rotation=90, flip_h=True, flip_v=True, invert=True, zoom=3.0, fit=False,
        pan=(5.0, 5.0), window=Window(0, 100), index=2,
    )
    state.reset_view(Window(40, 400))
    assert (state.rotation, state.flip_h, state.flip_v, state.invert) == (0, False, False, False)
    assert state.fit and state.pan == (0.0, 0.0)
    assert state.window == Window(40, 400)
    assert state.index == 2  # reset keeps the slice the reader is on


def test_snapshot_is_a_copy() -> None:
    state = ViewState(4)
    snap = state.snapshot()
    state.index = 3
    assert snap["index"] == 0 and snap["count"] == 4


def test_explicit_zoom_leaves_fit_mode_unless_fit_is_given() -> None:
    state = ViewState()
    state.update(zoom=0.7, fit=True)  # the viewport following its size
    assert state.fit
    state.zoom = 2.0
    assert not state.fit
