"""The window carries the Lightbox icon, from the shipped assets."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from viewer.ui.app import apply_app_icon


def test_the_application_has_the_lightbox_icon(qapp):
    previous = qapp.windowIcon()
    try:
        apply_app_icon(qapp)
        icon = QApplication.windowIcon()
        assert not icon.isNull()
        assert 256 in {s.width() for s in icon.availableSizes()}
    finally:
        qapp.setWindowIcon(previous)
