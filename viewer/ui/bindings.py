"""Every key and mouse binding, in one table.

The viewport dispatches through this table and the help dialog lists it, so the two can
never disagree. Keys are written as Qt's portable key-sequence text ("Ctrl+O", "PgDown");
mouse gestures use the names in ``MouseGesture``. The table is plain data so that a
settings file can remap it later.

Conventions follow Weasis/OHIF for the mouse and IHE Basic Image Review for the letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    VIEWPORT = "Viewport"  # handled by the viewport when it has keyboard focus
    WINDOW = "Application"  # menu shortcuts, active anywhere in the main window


class MouseGesture(StrEnum):
    LEFT_DRAG = "Left drag"
    MIDDLE_DRAG = "Middle drag"
    RIGHT_DRAG = "Right drag"
    WHEEL = "Wheel"
    MOVE = "Move"
    DROP = "Drop files or folders"


@dataclass(frozen=True, slots=True)
class Binding:
    action: str
    description: str
    keys: tuple[str, ...] = ()
    mouse: tuple[MouseGesture, ...] = ()
    scope: Scope = Scope.VIEWPORT


def _b(action: str, description: str, *keys: str, mouse: tuple[MouseGesture, ...] = (),
       scope: Scope = Scope.VIEWPORT) -> Binding:
    return Binding(action, description, tuple(keys), mouse, scope)


_M = MouseGesture
_W = Scope.WINDOW

BINDINGS: dict[str, Binding] = {b.action: b for b in (
    # -- mouse ------------------------------------------------------------------------
    _b("tool_drag", "Use the active tool (window/level by default)", mouse=(_M.LEFT_DRAG,)),
    _b("pan_drag", "Pan", mouse=(_M.MIDDLE_DRAG,)),
    _b("zoom_drag", "Zoom (drag up to zoom in)", mouse=(_M.RIGHT_DRAG,)),
    _b("wheel_scroll", "Scroll through slices (down: next)", mouse=(_M.WHEEL,)),
    _b("probe", "Show position and pixel value in the status bar", mouse=(_M.MOVE,)),
    # -- tools for the left button (IHE Basic Image Review) ----------------------------------
    _b("tool_window", "Left drag: window/level (right: wider, down: higher level, darker)", "W"),
    _b("tool_pan", "Left drag: pan", "T"),
    _b("tool_zoom", "Left drag: zoom", "Z"),
    _b("tool_scroll", "Left drag: scroll through slices", "S"),
    # -- measurement tools (left drag draws; handles edit in any tool) ------------------------
    _b("tool_distance", "Measure distance (mm; px without pixel spacing)", "D"),
    _b("tool_angle", "Measure angle (drag the first arm to the vertex, click the second)", "G"),
    _b("tool_ellipse", "Ellipse ROI: area, mean, SD, min, max (HU for CT)", "E"),
    _b("tool_rectangle", "Rectangle ROI: area, mean, SD, min, max (HU for CT)", "B"),
    _b("delete_measurement", "Delete the selected measurement (or right-click it)",
       "Del", "Backspace"),
    # -- navigation -----------------------------------------------------------------------
    _b("previous", "Previous slice", "Up", "Left"),
    _b("next", "Next slice", "Down", "Right"),
    _b("page_back", "Back 10% of the stack", "PgUp"),
    _b("page_forward", "Forward 10% of the stack", "PgDown"),
    _b("first", "First slice", "Home"),
    _b("last", "Last slice", "End"),
    _b("cine", "Play / pause cine", "C", "Space"),
    # -- display --------------------------------------------------------------------------
    _b("fit", "Fit image to window", "F"),
    _b("actual_size", "Actual size (1 image pixel = 1 screen pixel)", "Ctrl+0"),
    _b("file_window", "The file's own window (press again for its next one, if several)",
       "0"),
    _b("preset", "Window preset 1-9 (listed in View > Window presets)",
       "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    _b("invert", "Invert grey levels", "N"),
    _b("rotate", "Rotate 90 degrees clockwise", "R"),
    _b("flip_h", "Flip horizontally", "H"),
    _b("flip_v", "Flip vertically", "V"),
    _b("annotations", "Show / hide annotations (corner text, orientation, scale)", "I"),
    _b("ai_overlays", "Show / hide all AI overlays (masks, boxes, heatmaps)", "A"),
    _b("reset", "Reset: fit, file window, no rotation, flip or invert", "Esc"),
    _b("crosshair", "MPR: left click / drag moves the crosshair (W, T, Z, S: other tools)",
       "X", scope=_W),
    # -- layouts, linking, MPR ------------------------------------------------------------
    _b("layout_1x1", "Layout 1 × 1", "Ctrl+1", scope=_W),
    _b("layout_1x2", "Layout 1 × 2 (side by side)", "Ctrl+2", scope=_W),
    _b("layout_2x1", "Layout 2 × 1 (one above the other)", "Ctrl+3", scope=_W),
    _b("layout_2x2", "Layout 2 × 2", "Ctrl+4", scope=_W),
    _b("next_viewport", "Make the next viewport active", "F6", scope=_W),
    _b("drop_series", "Drag a series from the browser onto a viewport to show it there",
       mouse=(_M.LEFT_DRAG,), scope=_W),
    _b("link_scroll", "Link scrolling by slice position (same frame of reference)", "Ctrl+L",
       scope=_W),
    _b("link_window", "Link window/level between viewports of the same modality",
       "Ctrl+Shift+L", scope=_W),
    _b("mpr", "MPR: axial, coronal and sagittal planes of the active series (again: close)",
       "Ctrl+M", scope=_W),
    _b("slab", "MPR thick slab: off, MIP, MinIP, average (in turn)", "Ctrl+Shift+M",
       scope=_W),
    _b("crosshair_lines", "MPR: show / hide the crosshair lines", "Shift+X", scope=_W),
    # -- application ----------------------------------------------------------------------------
    _b("open_files", "Open files...", "Ctrl+O", scope=_W),
    _b("open_folder", "Open folder...", "Ctrl+Shift+O", scope=_W),
    _b("open_dicomdir", "Open DICOMDIR...", "Ctrl+D", scope=_W),
    _b("drop", "Open the dropped files or folders", mouse=(_M.DROP,), scope=_W),
    _b("hide_identity", "Hide patient identity", "Ctrl+H", scope=_W),
    _b("tag_browser", "Show DICOM tags of the current image", "Ctrl+T", scope=_W),
    _b("save_screenshot", "Save a screenshot of the viewport (PNG)...", "Ctrl+Shift+S",
       scope=_W),
    _b("export_series", "Export the series as de-identified DICOM...", "Ctrl+E", scope=_W),
    _b("export_measurements", "Export measurements (CSV or JSON)...", "Ctrl+Shift+E",
       scope=_W),
    _b("help", "Keyboard and mouse shortcuts", "F1", scope=_W),
    _b("quit", "Quit", "Ctrl+Q", scope=_W),
)}


def key_map(scope: Scope = Scope.VIEWPORT) -> dict[str, tuple[str, int]]:
    """Key text -> (action, position of the key in its binding), for one scope.

    The position tells the preset binding which of 1..9 was pressed.
    """
    mapping: dict[str, tuple[str, int]] = {}
    for binding in BINDINGS.values():
        if binding.scope is scope:
            for position, key in enumerate(binding.keys):
                mapping[key] = (binding.action, position)
    return mapping


def shortcut(action: str) -> str:
    """The first key of an action, for a menu entry ("" when it has none)."""
    keys = BINDINGS[action].keys
    return keys[0] if keys else ""
