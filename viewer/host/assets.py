"""Where the bundled assets (presets, icons, translations, colour maps) live."""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    """The ``assets/`` folder: beside the package in a checkout or an installed tree, or
    inside PyInstaller's unpacked bundle (``sys._MEIPASS``) when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "assets"
    return Path(__file__).resolve().parents[2] / "assets"
