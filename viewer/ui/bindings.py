"""Every key and mouse binding, in one table.

The viewport dispatches through this table and the help dialog lists it, so the two can
never disagree. Keys are written as Qt's portable key-sequence text ("Ctrl+O", "PgDown");
mouse gestures use the names in ``MouseGesture``. The table is plain data so that a
settings file can remap it later.

Conventions follow Weasis/OHIF for the mouse and IHE Basic Image Review for the letters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:  # noqa: N802 - lupdate's marker
    """Marks text for lupdate; this module stays Qt-free, the UI translates on display."""
    return text


class Scope(StrEnum):
    # Values are English; the help dialog shows translate("Bindings", value).
    VIEWPORT = "Viewport"  # handled by the viewport when it has keyboard focus
    WINDOW = "Application"  # menu shortcuts, active anywhere in the main window


class MouseGesture(StrEnum):
    LEFT_DRAG = "Left drag"
    MIDDLE_DRAG = "Middle drag"
    RIGHT_DRAG = "Right drag"
    WHEEL = "Wheel"
    CTRL_WHEEL = "Ctrl+Wheel"
    MOVE = "Move"
    DROP = "Drop files or folders"


# lupdate reads these; the enum values above are the source texts.
_ENUM_TEXTS = (QT_TRANSLATE_NOOP("Bindings", "Viewport"),
               QT_TRANSLATE_NOOP("Bindings", "Application"),
               QT_TRANSLATE_NOOP("Bindings", "Left drag"),
               QT_TRANSLATE_NOOP("Bindings", "Middle drag"),
               QT_TRANSLATE_NOOP("Bindings", "Right drag"),
               QT_TRANSLATE_NOOP("Bindings", "Wheel"),
               QT_TRANSLATE_NOOP("Bindings", "Ctrl+Wheel"),
               QT_TRANSLATE_NOOP("Bindings", "Move"),
               QT_TRANSLATE_NOOP("Bindings", "Drop files or folders"))


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

#: The keys as shipped; BINDINGS is this with the user's remapping applied.
BINDINGS: dict[str, Binding] = {b.action: b for b in (
    # -- mouse ------------------------------------------------------------------------
    _b("tool_drag", QT_TRANSLATE_NOOP("Bindings", "Use the active tool (window/level by default)"), mouse=(_M.LEFT_DRAG,)),
    _b("pan_drag", QT_TRANSLATE_NOOP("Bindings", "Pan"), mouse=(_M.MIDDLE_DRAG,)),
    _b("zoom_drag", QT_TRANSLATE_NOOP("Bindings", "Zoom (drag up to zoom in)"), mouse=(_M.RIGHT_DRAG,)),
    _b("wheel_scroll", QT_TRANSLATE_NOOP("Bindings", "Scroll through slices (down: next)"), mouse=(_M.WHEEL,)),
    _b("wheel_zoom", QT_TRANSLATE_NOOP("Bindings", "Zoom about the mouse pointer (up: zoom in, 10% a notch)"),
       mouse=(_M.CTRL_WHEEL,)),
    _b("probe", QT_TRANSLATE_NOOP("Bindings", "Show position and pixel value in the status bar"), mouse=(_M.MOVE,)),
    # -- tools for the left button (IHE Basic Image Review) ----------------------------------
    _b("tool_window", QT_TRANSLATE_NOOP("Bindings", "Left drag: window/level (right: wider, down: higher level, darker)"), "W"),
    _b("tool_pan", QT_TRANSLATE_NOOP("Bindings", "Left drag: pan"), "T"),
    _b("tool_zoom", QT_TRANSLATE_NOOP("Bindings", "Left drag: zoom"), "Z"),
    _b("tool_scroll", QT_TRANSLATE_NOOP("Bindings", "Left drag: scroll through slices"), "S"),
    # -- measurement tools (left drag draws; handles edit in any tool) ------------------------
    _b("tool_distance", QT_TRANSLATE_NOOP("Bindings", "Measure distance (mm; px without pixel spacing)"), "D"),
    _b("tool_angle", QT_TRANSLATE_NOOP("Bindings", "Measure angle (drag the first arm to the vertex, click the second)"), "G"),
    _b("tool_ellipse", QT_TRANSLATE_NOOP("Bindings", "Ellipse ROI: area, mean, SD, min, max (HU for CT)"), "E"),
    _b("tool_rectangle", QT_TRANSLATE_NOOP("Bindings", "Rectangle ROI: area, mean, SD, min, max (HU for CT)"), "B"),
    _b("delete_measurement", QT_TRANSLATE_NOOP("Bindings", "Delete the selected measurement (or right-click it)"),
       "Del", "Backspace"),
    _b("key_image", QT_TRANSLATE_NOOP("Bindings", "Mark / unmark the image as a key image"), "K"),
    _b("undo", QT_TRANSLATE_NOOP("Bindings", "Undo the last measurement or key image change"), "Ctrl+Z",
       scope=_W),
    _b("redo", QT_TRANSLATE_NOOP("Bindings", "Redo"), "Ctrl+Shift+Z", "Ctrl+Y", scope=_W),
    # -- navigation -----------------------------------------------------------------------
    _b("previous", QT_TRANSLATE_NOOP("Bindings", "Previous slice"), "Up", "Left"),
    _b("next", QT_TRANSLATE_NOOP("Bindings", "Next slice"), "Down", "Right"),
    _b("page_back", QT_TRANSLATE_NOOP("Bindings", "Back 10% of the stack"), "PgUp"),
    _b("page_forward", QT_TRANSLATE_NOOP("Bindings", "Forward 10% of the stack"), "PgDown"),
    _b("first", QT_TRANSLATE_NOOP("Bindings", "First slice"), "Home"),
    _b("last", QT_TRANSLATE_NOOP("Bindings", "Last slice"), "End"),
    _b("cine", QT_TRANSLATE_NOOP("Bindings", "Play / pause cine"), "C", "Space"),
    _b("cine_slower", QT_TRANSLATE_NOOP("Bindings", "Cine: fewer frames per second (down to 1)"), "["),
    _b("cine_faster", QT_TRANSLATE_NOOP("Bindings", "Cine: more frames per second (up to 60)"), "]"),
    # -- display --------------------------------------------------------------------------
    _b("fit", QT_TRANSLATE_NOOP("Bindings", "Fit image to window"), "F"),
    _b("actual_size", QT_TRANSLATE_NOOP("Bindings", "Actual size (1 image pixel = 1 screen pixel)"), "Ctrl+0"),
    _b("file_window", QT_TRANSLATE_NOOP("Bindings", "The file's own window (press again for its next one, if several)"),
       "0"),
    _b("preset", QT_TRANSLATE_NOOP("Bindings", "Window preset 1-9 (listed in View > Window presets)"),
       "1", "2", "3", "4", "5", "6", "7", "8", "9"),
    _b("invert", QT_TRANSLATE_NOOP("Bindings", "Invert grey levels"), "N"),
    _b("rotate", QT_TRANSLATE_NOOP("Bindings", "Rotate 90 degrees clockwise"), "R"),
    _b("flip_h", QT_TRANSLATE_NOOP("Bindings", "Flip horizontally"), "H"),
    _b("flip_v", QT_TRANSLATE_NOOP("Bindings", "Flip vertically"), "V"),
    _b("annotations", QT_TRANSLATE_NOOP("Bindings", "Show / hide annotations (corner text, orientation, scale)"), "I"),
    _b("ai_overlays", QT_TRANSLATE_NOOP("Bindings", "Show / hide all AI overlays (masks, boxes, heatmaps)"), "A"),
    _b("reset", QT_TRANSLATE_NOOP("Bindings", "Reset: fit, file window, no rotation, flip or invert"), "Esc"),
    _b("crosshair", QT_TRANSLATE_NOOP("Bindings", "MPR: left click / drag moves the crosshair (W, T, Z, S: other tools)"),
       "X", scope=_W),
    # -- layouts, linking, MPR ------------------------------------------------------------
    _b("layout_1x1", QT_TRANSLATE_NOOP("Bindings", "Layout 1 × 1"), "Ctrl+1", scope=_W),
    _b("layout_1x2", QT_TRANSLATE_NOOP("Bindings", "Layout 1 × 2 (side by side)"), "Ctrl+2", scope=_W),
    _b("layout_2x1", QT_TRANSLATE_NOOP("Bindings", "Layout 2 × 1 (one above the other)"), "Ctrl+3", scope=_W),
    _b("layout_2x2", QT_TRANSLATE_NOOP("Bindings", "Layout 2 × 2"), "Ctrl+4", scope=_W),
    _b("next_viewport", QT_TRANSLATE_NOOP("Bindings", "Make the next viewport active"), "F6", scope=_W),
    _b("drop_series", QT_TRANSLATE_NOOP("Bindings", "Drag a series from the browser onto a viewport to show it there"),
       mouse=(_M.LEFT_DRAG,), scope=_W),
    _b("link_scroll", QT_TRANSLATE_NOOP("Bindings", "Link scrolling by slice position (same frame of reference)"), "Ctrl+L",
       scope=_W),
    _b("link_window", QT_TRANSLATE_NOOP("Bindings", "Link window/level between viewports of the same modality"),
       "Ctrl+Shift+L", scope=_W),
    _b("link_offset", QT_TRANSLATE_NOOP("Bindings", "Link two viewports with an offset: their current slices match "
                                        "(a prior against a current; again: unlink)"), "Ctrl+Alt+L", scope=_W),
    _b("reference_lines", QT_TRANSLATE_NOOP("Bindings", "Show / hide reference lines of the other viewports"),
       "Ctrl+R", scope=_W),
    _b("mpr", QT_TRANSLATE_NOOP("Bindings", "MPR: axial, coronal and sagittal planes of the active series (again: close)"),
       "Ctrl+M", scope=_W),
    _b("slab", QT_TRANSLATE_NOOP("Bindings", "MPR thick slab: off, MIP, MinIP, average (in turn)"), "Ctrl+Shift+M",
       scope=_W),
    _b("crosshair_lines", QT_TRANSLATE_NOOP("Bindings", "MPR: show / hide the crosshair lines"), "Shift+X", scope=_W),
    # -- application ----------------------------------------------------------------------------
    _b("open_files", QT_TRANSLATE_NOOP("Bindings", "Open files..."), "Ctrl+O", scope=_W),
    _b("open_folder", QT_TRANSLATE_NOOP("Bindings", "Open folder..."), "Ctrl+Shift+O", scope=_W),
    _b("open_dicomdir", QT_TRANSLATE_NOOP("Bindings", "Open DICOMDIR..."), "Ctrl+D", scope=_W),
    _b("search_pacs", QT_TRANSLATE_NOOP("Bindings", "Search the PACS (configured DICOM nodes)..."), "Ctrl+F",
       scope=_W),
    _b("drop", QT_TRANSLATE_NOOP("Bindings", "Open the dropped files or folders"), mouse=(_M.DROP,), scope=_W),
    _b("hide_identity", QT_TRANSLATE_NOOP("Bindings", "Hide patient identity"), "Ctrl+H", scope=_W),
    _b("tag_browser", QT_TRANSLATE_NOOP("Bindings", "Show DICOM tags of the current image"), "Ctrl+T", scope=_W),
    _b("save_screenshot", QT_TRANSLATE_NOOP("Bindings", "Save a screenshot of the viewport (PNG)..."), "Ctrl+Shift+S",
       scope=_W),
    _b("export_series", QT_TRANSLATE_NOOP("Bindings", "Export the series as de-identified DICOM..."), "Ctrl+E", scope=_W),
    _b("save_annotations", QT_TRANSLATE_NOOP("Bindings", "Save measurements and key images with the study (DICOM)..."),
       "Ctrl+S", scope=_W),
    _b("export_measurements", QT_TRANSLATE_NOOP("Bindings", "Export measurements (CSV or JSON)..."), "Ctrl+Shift+E",
       scope=_W),
    _b("help", QT_TRANSLATE_NOOP("Bindings", "Keyboard and mouse shortcuts"), "F1", scope=_W),
    _b("quit", QT_TRANSLATE_NOOP("Bindings", "Quit"), "Ctrl+Q", scope=_W),
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


DEFAULT_BINDINGS: dict[str, Binding] = dict(BINDINGS)


def keys_clashes(keys: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Messages for every key that two actions would share (``keys`` overrides defaults).

    Scope does not separate them: window shortcuts are active over the viewport too.
    """
    owners: dict[str, str] = {}
    clashes = []
    for action, binding in DEFAULT_BINDINGS.items():
        for key in keys.get(action, binding.keys):
            other = owners.setdefault(key.replace(" ", "").lower(), action)
            if other != action:
                clashes.append(f"{key}: {other} / {action}")
    return clashes


def apply_user_keys(keys: Mapping[str, list[str] | tuple[str, ...]]) -> list[str]:
    """Replace the keys of the named actions (the rest go back to their defaults).

    The one table stays the source of truth: the viewport's key map, the menus and the
    help dialog all read BINDINGS afterwards. Unknown actions, mouse-only actions and a
    remapping with clashes are refused as a whole; the returned messages say why.
    """
    wanted = {a: tuple(str(k) for k in ks) for a, ks in keys.items()}
    problems = [f"unknown action {a!r}" for a in wanted if a not in DEFAULT_BINDINGS]
    problems += [f"{a}: the preset keys 1-9 cannot be remapped" for a in wanted
                 if a == "preset"]
    problems += keys_clashes({a: k for a, k in wanted.items() if a in DEFAULT_BINDINGS})
    BINDINGS.clear()
    BINDINGS.update(DEFAULT_BINDINGS)
    if problems:
        return problems
    for action, new in wanted.items():
        BINDINGS[action] = replace(DEFAULT_BINDINGS[action], keys=new)
    return []
