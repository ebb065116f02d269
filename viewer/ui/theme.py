"""A dark theme: a radiology reading room is dark, and so is the screen around the image."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_ROLES = QPalette.ColorRole


def dark_palette() -> QPalette:
    palette = QPalette()
    colours = {
        _ROLES.Window: QColor(37, 37, 38),
        _ROLES.WindowText: QColor(220, 220, 220),
        _ROLES.Base: QColor(26, 26, 27),
        _ROLES.AlternateBase: QColor(44, 44, 46),
        _ROLES.ToolTipBase: QColor(50, 50, 52),
        _ROLES.ToolTipText: QColor(230, 230, 230),
        _ROLES.PlaceholderText: QColor(130, 130, 130),
        _ROLES.Text: QColor(220, 220, 220),
        _ROLES.Button: QColor(48, 48, 50),
        _ROLES.ButtonText: QColor(220, 220, 220),
        _ROLES.BrightText: QColor(255, 90, 90),
        _ROLES.Link: QColor(90, 160, 255),
        _ROLES.Highlight: QColor(47, 101, 170),
        _ROLES.HighlightedText: QColor(255, 255, 255),
    }
    for role, colour in colours.items():
        palette.setColor(role, colour)
    disabled = QPalette.ColorGroup.Disabled
    for role in (_ROLES.Text, _ROLES.ButtonText, _ROLES.WindowText):
        palette.setColor(disabled, role, QColor(110, 110, 110))
    return palette


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
