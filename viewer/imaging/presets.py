"""Window presets per modality, kept as data in ``assets/presets/window_presets.json``.

The file is checked against a small schema when it is loaded, so a hand-edited file with a
mistake names the entry and the field instead of failing later in the viewer. The file's
own window ("reset") is not a preset: the viewer offers it for every image.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from viewer.errors import FileProblemError
from viewer.host.assets import assets_dir
from viewer.imaging.lut import default_window, file_windows, voi_lut_sequence, voi_lut_window
from viewer.imaging.window import MIN_WIDTH, Window

if TYPE_CHECKING:
    import numpy as np

    from viewer.io.model import Instance

SCHEMA_VERSION = 1
_ENTRY_FIELDS = {"name", "center", "width", "modalities", "key"}
_TOP_FIELDS = {"schema_version", "description", "presets"}


@dataclass(frozen=True)
class Preset:
    name: str
    center: float
    width: float
    key: int | None = None  # keyboard shortcut 1..9

    @property
    def window(self) -> Window:
        return Window(self.center, self.width)


def default_presets_path() -> Path:
    return assets_dir() / "presets" / "window_presets.json"


def load_presets(path: str | Path | None = None) -> dict[str, list[Preset]]:
    """Presets by modality (upper case), in file order. Raises FileProblemError (a
    LightboxError naming the file and the problem) when the file is missing or invalid."""
    path = Path(path) if path is not None else default_presets_path()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileProblemError(path, "window presets file is missing") from None
    except (OSError, UnicodeDecodeError) as error:
        raise FileProblemError(path, f"window presets file cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise FileProblemError(
            path, f"window presets file is not valid JSON (line {error.lineno}: {error.msg})"
        ) from None
    try:
        return _validate(document)
    except ValueError as error:
        raise FileProblemError(path, f"window presets file is invalid: {error}") from None


def _validate(document: Any) -> dict[str, list[Preset]]:
    if not isinstance(document, dict):
        raise ValueError("the top level must be an object")
    unknown = set(document) - _TOP_FIELDS
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(
            f"schema_version must be {SCHEMA_VERSION}, got {document.get('schema_version')!r}"
        )
    entries = document.get("presets")
    if not isinstance(entries, list):
        raise ValueError("'presets' must be a list")
    by_modality: dict[str, list[Preset]] = {}
    for number, entry in enumerate(entries, start=1):
        preset, modalities = _entry(number, entry)
        for modality in modalities:
            taken = by_modality.setdefault(modality, [])
            for other in taken:
                if other.name.casefold() == preset.name.casefold():
                    raise ValueError(f"preset {number}: {modality} already has '{preset.name}'")
                if preset.key is not None and other.key == preset.key:
                    raise ValueError(
                        f"preset {number} ('{preset.name}'): key {preset.key} is already "
                        f"used by '{other.name}' for {modality}"
                    )
            taken.append(preset)
    return by_modality


def _entry(number: int, entry: Any) -> tuple[Preset, list[str]]:
    if not isinstance(entry, dict):
        raise ValueError(f"preset {number} must be an object")
    name = entry.get("name")
    label = f"preset {number}" + (f" ('{name}')" if isinstance(name, str) else "")
    unknown = set(entry) - _ENTRY_FIELDS
    if unknown:
        raise ValueError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}")
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{label}: 'name' must be a non-empty text")
    center = _number(label, "center", entry.get("center"))
    width = _number(label, "width", entry.get("width"))
    if width < MIN_WIDTH:
        raise ValueError(f"{label}: 'width' must be at least {MIN_WIDTH:g}")
    modalities = entry.get("modalities")
    if (
        not isinstance(modalities, list)
        or not modalities
        or not all(isinstance(m, str) and m.strip() for m in modalities)
    ):
        raise ValueError(f"{label}: 'modalities' must be a non-empty list of modality codes")
    key = entry.get("key")
    if key is not None and (isinstance(key, bool) or not isinstance(key, int) or not 1 <= key <= 9):
        raise ValueError(f"{label}: 'key' must be a whole number from 1 to 9")
    preset = Preset(name.strip(), center, width, key)
    return preset, [m.strip().upper() for m in modalities]


def _number(label: str, field_name: str, value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    raise ValueError(f"{label}: '{field_name}' must be a number")


_lock = threading.Lock()
_loaded: dict[str, list[Preset]] | None = None


def presets_for(modality: str) -> list[Preset]:
    """The bundled presets for a modality ("CT", "MR"...); [] when it has none."""
    global _loaded
    with _lock:
        if _loaded is None:
            _loaded = load_presets()
        return list(_loaded.get(modality.strip().upper(), []))


def file_presets(instance: Instance, frame: int = 0, stored: np.ndarray | None = None) -> list[Preset]:
    """The windows the file itself suggests, named for the menu, in file order.

    Several Window Center/Width values come with Window Center & Width Explanation
    ("BRAIN", "BONE"...) when the modality gives one. Without any window, the file's VOI
    LUT, else the image's own range (``stored``) stands in, so there is always a way back.
    """
    header = instance.tags  # the scan's values where it kept them: no header read here
    explanations: list[str] = []
    if header is not None:
        try:
            value = header.get("WindowCenterWidthExplanation")
        except Exception:  # noqa: BLE001 - a malformed value only loses the names
            value = None
        if value:
            explanations = [str(v) for v in value] if not isinstance(value, str) else [value]
    windows = file_windows(instance, frame)
    if windows:
        found = []
        for number, window in enumerate(windows, start=1):
            name = explanations[number - 1].strip() if number <= len(explanations) else ""
            if not name:
                name = "File window" if len(windows) == 1 else f"File window {number}"
            found.append(Preset(name, window.center, window.width))
        return found
    luts = voi_lut_sequence(instance, frame)
    if luts:
        lut_window = voi_lut_window(luts[0])
        return [Preset("File VOI LUT", lut_window.center, lut_window.width)]
    if stored is None:
        return []
    window = default_window(instance, frame, stored)
    return [Preset("Image range", window.center, window.width)]


def preset_named(window: Window | None, *choices: list[Preset]) -> Preset | None:
    """The first preset of ``choices`` (bundled, then the file's) that ``window`` is
    exactly, or None: after a drag the window is the reader's own and has no name."""
    if window is None:
        return None
    for presets in choices:
        for preset in presets:
            if math.isclose(preset.center, window.center, abs_tol=1e-6) \
                    and math.isclose(preset.width, window.width, abs_tol=1e-6):
                return preset
    return None
