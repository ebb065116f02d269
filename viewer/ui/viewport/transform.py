"""Where the image lies on screen: one QTransform from image pixels to widget pixels.

Order, from image to screen: centre the image, stretch rows by the pixel aspect ratio (so
non-square pixels look right), rotate, flip in screen space (so H always mirrors what the
reader sees left-right, whatever the rotation), zoom, and move to the widget centre plus
the pan offset. ``fit_zoom`` is the zoom at which the rotated image just fits.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtGui import QTransform

from viewer.state.view import ViewState


def pixel_aspect(spacing: tuple[float, float] | None) -> float:
    """Height of one pixel relative to its width (row spacing / column spacing)."""
    if not spacing or spacing[0] <= 0 or spacing[1] <= 0:
        return 1.0
    ratio = spacing[0] / spacing[1]
    # A ratio far from 1 is more likely a broken header than a real acquisition.
    return ratio if 0.1 <= ratio <= 10 else 1.0


def fit_zoom(image_w: int, image_h: int, aspect: float, rotation: int,
             widget_w: int, widget_h: int) -> float:
    w, h = float(image_w), float(image_h) * aspect
    if rotation in (90, 270):
        w, h = h, w
    if w <= 0 or h <= 0 or widget_w <= 0 or widget_h <= 0:
        return 1.0
    return min(widget_w / w, widget_h / h)


def image_transform(state: ViewState, image_w: int, image_h: int, aspect: float,
                    widget_w: int, widget_h: int, zoom: float | None = None) -> QTransform:
    """Image pixel coordinates -> widget coordinates. Qt composes calls last-applied-first."""
    zoom = state.zoom if zoom is None else zoom
    pan_x, pan_y = state.pan
    t = QTransform()
    t.translate(widget_w / 2 + pan_x, widget_h / 2 + pan_y)
    t.scale(zoom, zoom)
    t.scale(-1.0 if state.flip_h else 1.0, -1.0 if state.flip_v else 1.0)
    t.rotate(state.rotation)
    t.scale(1.0, aspect)
    t.translate(-image_w / 2, -image_h / 2)
    return t


def to_image(transform: QTransform, x: float, y: float) -> tuple[float, float] | None:
    """Widget point -> image coordinates (column, row), or None if not invertible."""
    inverse, ok = transform.inverted()
    if not ok:
        return None
    p = inverse.map(QPointF(x, y))
    return p.x(), p.y()
