"""Display state of one viewport, without Qt.

The viewport draws what this model says and turns user input into calls on it; scripts and
tests drive it the same way. It holds *display* state only (which slice, window, zoom...);
the pixels and the series live with the loader. Every setter validates, and listeners hear
which fields changed, once per change (``update`` batches several fields into one event).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from viewer.state.events import Listeners

if TYPE_CHECKING:
    from viewer.imaging.window import Window

MIN_ZOOM = 0.05
MAX_ZOOM = 50.0
MIN_WIDTH = 1.0


class Tool(StrEnum):
    """What a left-drag does (IHE Basic Image Review letters: W, T, Z, S)."""

    WINDOW = "window"
    PAN = "pan"
    ZOOM = "zoom"
    SCROLL = "scroll"
    # Measurement tools (see viewer.ui.viewport.measure_tools); their letters are in bindings.py.
    DISTANCE = "distance"
    ANGLE = "angle"
    ELLIPSE = "ellipse"
    RECTANGLE = "rectangle"


Listener = Callable[[frozenset[str]], None]

#: Field name -> default value. ``window`` None means "not known yet" (pixels not decoded).
_DEFAULTS: dict[str, Any] = {
    "index": 0,
    "window": None,
    "zoom": 1.0,
    "fit": True,
    "pan": (0.0, 0.0),
    "rotation": 0,
    "flip_h": False,
    "flip_v": False,
    "invert": False,
    "hide_identity": False,
    "annotations": True,
    "tool": Tool.WINDOW,
}
FIELDS: tuple[str, ...] = tuple(_DEFAULTS)


class ViewState:
    """Evented, validated display state of one viewport.

    ``count`` is the number of slices of the shown stack (0 when nothing is shown); the
    index is always kept inside it. ``fit`` means "zoom follows the widget size": setting a
    zoom explicitly turns it off, ``reset_view`` turns it back on.
    """

    # Typed view of the generated properties (see the loop at the end of the module).
    index: int
    window: Window | None
    zoom: float
    fit: bool
    pan: tuple[float, float]
    rotation: int
    flip_h: bool
    flip_v: bool
    invert: bool
    hide_identity: bool
    annotations: bool
    tool: Tool

    def __init__(self, count: int = 0) -> None:
        self._values: dict[str, Any] = dict(_DEFAULTS)
        self._count = max(0, int(count))
        self._listeners: Listeners[frozenset[str]] = Listeners()

    # -- observation -------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(changed_fields)`` after each change; returns the unsubscribe."""
        return self._listeners.subscribe(listener)

    def _emit(self, changed: set[str]) -> None:
        if not changed:
            return
        self._listeners.emit(frozenset(changed))

    # -- batch update ------------------------------------------------------------------

    def update(self, **changes: Any) -> frozenset[str]:
        """Set several fields at once; listeners hear one event with what really changed."""
        unknown = set(changes) - set(FIELDS)
        if unknown:
            raise AttributeError(f"unknown view state field(s): {', '.join(sorted(unknown))}")
        if "zoom" in changes and "fit" not in changes:
            changes["fit"] = False  # an explicit zoom leaves fit mode
        changed: set[str] = set()
        for name, value in changes.items():
            value = getattr(self, f"_validate_{name}", lambda v: v)(value)
            if self._values[name] != value:
                self._values[name] = value
                changed.add(name)
        self._emit(changed)
        return frozenset(changed)

    def snapshot(self) -> dict[str, Any]:
        """A copy of every field, e.g. to hand to a background render."""
        return dict(self._values, count=self._count)

    # -- stack size ----------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._count

    def set_stack(self, count: int, index: int | None = None) -> None:
        """Show a new stack of ``count`` slices, at ``index`` (default: the middle one)."""
        self._count = max(0, int(count))
        target = self._count // 2 if index is None else index
        # The index may be unchanged in value while meaning another image: always announce.
        self._values["index"] = self._validate_index(target)
        self._emit({"index", "count"})

    # -- validators ------------------------------------------------------------------------

    def _validate_index(self, value: int) -> int:
        if self._count <= 0:
            return 0
        return min(max(int(value), 0), self._count - 1)

    def _validate_window(self, value: Window | None) -> Window | None:
        if value is not None and not (hasattr(value, "center") and hasattr(value, "width")):
            raise TypeError(f"window must be a Window, not {type(value).__name__}")
        if value is None or value.width >= MIN_WIDTH:
            return value
        return dataclasses.replace(value, width=MIN_WIDTH)

    def _validate_zoom(self, value: float) -> float:
        value = float(value)
        if value != value:  # NaN
            raise ValueError("zoom must be a number")
        return min(max(value, MIN_ZOOM), MAX_ZOOM)

    def _validate_pan(self, value: tuple[float, float]) -> tuple[float, float]:
        x, y = value
        return (float(x), float(y))

    def _validate_rotation(self, value: int) -> int:
        value = int(value) % 360
        if value % 90:
            raise ValueError(f"rotation must be a multiple of 90 degrees, not {value}")
        return value

    def _validate_tool(self, value: Tool | str) -> Tool:
        return Tool(value)

    @staticmethod
    def _validate_bool(value: object) -> bool:
        return bool(value)

    _validate_fit = _validate_flip_h = _validate_flip_v = _validate_invert = _validate_bool
    _validate_hide_identity = _validate_annotations = _validate_bool

    # -- convenience operations -------------------------------------------------------------

    def step(self, delta: int) -> None:
        self.update(index=self.index + delta)

    def rotate_clockwise(self) -> None:
        self.update(rotation=self.rotation + 90)

    def zoom_by(self, factor: float, about: tuple[float, float] = (0.0, 0.0)) -> None:
        """Zoom about a point ``about`` given relative to the widget centre (default the
        centre): the image point under it stays there, so the pan scales about it."""
        new = self._validate_zoom(self.zoom * factor)
        ratio = new / self.zoom
        x, y = self.pan
        ax, ay = about
        self.update(zoom=new, pan=(ax + (x - ax) * ratio, ay + (y - ay) * ratio))

    def pan_by(self, dx: float, dy: float) -> None:
        x, y = self.pan
        self.update(pan=(x + dx, y + dy))

    def reset_view(self, window: Window | None) -> None:
        """Basic Image Review reset: fit, the file's window, no rotation, flip or invert."""
        self.update(
            window=window, fit=True, pan=(0.0, 0.0), rotation=0,
            flip_h=False, flip_v=False, invert=False,
        )


def _make_property(name: str) -> property:
    def getter(self: ViewState) -> Any:
        return self._values[name]

    def setter(self: ViewState, value: Any) -> None:
        self.update(**{name: value})

    return property(getter, setter, doc=f"{name} (validated; setting it emits)")


for _name in FIELDS:
    setattr(ViewState, _name, _make_property(_name))
del _name
