"""Stored pixels → 8-bit display pixels, fast.

For integer grey data the whole chain — modality transform, window or VOI LUT,
MONOCHROME1 and the invert toggle — is folded into ONE uint8 table indexed by the stored
value (pyqtgraph's habit), built once per (transform, window, invert) and kept in a small
cache; a frame then costs one table look-up per pixel, made in row blocks of about
:data:`CHUNK_PIXELS` (``np.take`` turns its indices into a 64-bit temporary: over a whole
3000 × 2500 radiograph that is 60 MB written and read back per frame, while a block's
stays in the cache), into ``out`` when the caller keeps a buffer between frames. 16-bit data is indexed through its
unsigned view, so no per-pixel conversion is made: signed values land at their two's
complement position, and the table is laid out to match. Float data and 32-bit integers
(rare: parametric maps) go through the same maths in vectorised float32, which the table
path equals exactly because both call the same functions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np

from viewer.imaging.lut import (
    COLOUR_IDENTITY,
    Lut,
    PixelTransform,
    apply_voi_lut,
    apply_window,
    default_window,
    display_voi_lut,
    pixel_transform,
)
from viewer.imaging.window import Window

if TYPE_CHECKING:
    from viewer.io.model import Instance

#: Pixels looked up per ``np.take`` call: its 64-bit index temporary (512 KiB) and the
#: block's input and output stay in the second-level cache; measured in bench_render.py.
CHUNK_PIXELS = 65536

#: Folded tables kept: a few windows for a few series, each at most 64 KiB.
LUT_CACHE_SIZE = 64

_lut_lock = threading.Lock()
_lut_cache: OrderedDict[tuple[object, ...], np.ndarray] = OrderedDict()


def render_frame(
    stored: np.ndarray,
    instance: Instance,
    frame: int,
    window: Window | None,
    invert: bool = False,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """A frame ready to show: uint8 (H, W) for grey, (H, W, 3) for colour.

    ``window`` is in modality units; None shows the file's own display (its VOI LUT, or
    its default window). MONOCHROME1 is shown inverted so it looks like MONOCHROME2;
    ``invert`` flips the result again.

    ``out``: a buffer the caller keeps between frames (a drag renders the same frame many
    times), written when it is a C-contiguous writable uint8 array of the frame's shape;
    otherwise ignored. Use the returned array: it is ``out`` only when ``out`` fitted.
    """
    if stored.ndim == 3:
        return _render_colour(stored, window, invert)
    if stored.ndim != 2:
        raise ValueError(f"expected a 2-D frame, got shape {stored.shape}")
    transform = pixel_transform(instance, frame)
    voi_lut = display_voi_lut(instance, frame, window)
    if window is None and voi_lut is None:
        window = default_window(instance, frame, stored)
    flip = transform.monochrome1 != invert
    if not stored.dtype.isnative:
        stored = stored.astype(stored.dtype.newbyteorder("="))
    kind = stored.dtype.kind
    if kind in "iu" and stored.dtype.itemsize <= 2:
        table = _folded_table(transform, stored.dtype, window, voi_lut, flip)
        unsigned: np.ndarray = stored.view(np.uint8 if stored.dtype.itemsize == 1 else np.uint16)
        return apply_table(table, unsigned, out)
    return _grey(transform.modality(stored), transform, window, voi_lut, flip)


def apply_table(table: np.ndarray, index: np.ndarray,
                out: np.ndarray | None = None) -> np.ndarray:
    """``table[index]`` for a 2-D unsigned ``index`` whose every value has an entry, made in
    row blocks (bit-identical to one ``np.take``, without its whole-frame temporary)."""
    if out is None or out.shape != index.shape or out.dtype != table.dtype \
            or not out.flags.c_contiguous or not out.flags.writeable:
        out = np.empty(index.shape, dtype=table.dtype)
    rows = max(1, CHUNK_PIXELS // max(1, index.shape[1])) if index.ndim == 2 else 0
    if rows == 0 or rows >= index.shape[0]:
        np.take(table, index, out=out, mode="clip")  # "clip": no bounds pass, no buffering
        return out
    for top in range(0, index.shape[0], rows):
        np.take(table, index[top:top + rows], out=out[top:top + rows], mode="clip")
    return out


def render_thumbnail(
    stored: np.ndarray,
    instance: Instance,
    frame: int,
    window: Window | None,
    size: int = 96,
) -> np.ndarray:
    """A small rendering whose longer side is at most ``size`` pixels.

    The pixel spacing's aspect is kept (non-square pixels are shown square on screen);
    images already smaller than ``size`` are not enlarged.
    """
    if size < 1:
        raise ValueError("thumbnail size must be at least 1")
    image = render_frame(stored, instance, frame, window)
    rows, cols = image.shape[:2]
    height, width = float(rows), float(cols)
    spacing = instance.frame_geometry(frame).spacing
    if spacing and spacing[0] > 0 and spacing[1] > 0:
        height *= spacing[0] / spacing[1]  # rows further apart than columns: taller on screen
    scale = min(1.0, size / max(height, width))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if target == (cols, rows):
        return image
    from PIL import Image  # thumbnails only: the first image is painted without Pillow

    resized = Image.fromarray(image).resize(target, Image.Resampling.BOX)
    return np.array(resized)


def clear_cache() -> None:
    """Forget the folded tables (tests; memory pressure)."""
    with _lut_lock:
        _lut_cache.clear()


def _grey(
    values: np.ndarray,
    transform: PixelTransform,
    window: Window | None,
    voi_lut: Lut | None,
    flip: bool,
) -> np.ndarray:
    """Modality values → uint8 grey, the shared maths of both paths."""
    if voi_lut is not None:
        grey = apply_voi_lut(values, voi_lut)
    else:
        assert window is not None
        grey = apply_window(values, window, transform.voi_function)
    if flip:
        np.subtract(255, grey, out=grey)
    return grey


def _folded_table(
    transform: PixelTransform,
    dtype: np.dtype,
    window: Window | None,
    voi_lut: Lut | None,
    flip: bool,
) -> np.ndarray:
    """The uint8 table for every possible stored value of ``dtype``, in unsigned order."""
    key = (transform, dtype.str, window, voi_lut, flip)
    with _lut_lock:
        table = _lut_cache.get(key)
        if table is not None:
            _lut_cache.move_to_end(key)
            return table
    bits = dtype.itemsize * 8
    # Index i of the table is the unsigned view of the stored value; for signed data the
    # upper half holds the negative values (two's complement), hence the view round trip.
    inputs = np.arange(2**bits, dtype=np.uint16 if bits == 16 else np.uint8).view(dtype)
    table = _grey(transform.modality(inputs), transform, window, voi_lut, flip)
    table.setflags(write=False)
    with _lut_lock:
        _lut_cache[key] = table
        while len(_lut_cache) > LUT_CACHE_SIZE:
            _lut_cache.popitem(last=False)
    return table


def _render_colour(stored: np.ndarray, window: Window | None, invert: bool) -> np.ndarray:
    """RGB: passed through unchanged unless a window or invert is asked for (per channel)."""
    if stored.shape[-1] != 3:
        raise ValueError(f"expected RGB samples last, got shape {stored.shape}")
    rgb = stored if stored.dtype == np.uint8 else _to_8bit(stored)
    if (window is None or window == COLOUR_IDENTITY) and not invert:
        return rgb
    key = ("rgb", window, invert)
    with _lut_lock:
        table = _lut_cache.get(key)
    if table is None:
        table = np.arange(256, dtype=np.uint8)
        if window is not None and window != COLOUR_IDENTITY:
            table = apply_window(table.astype(np.float32), window)
        if invert:
            table = 255 - table
        with _lut_lock:
            _lut_cache[key] = table
    return np.take(table, rgb)


def _to_8bit(rgb: np.ndarray) -> np.ndarray:
    """Deeper colour (16- or 32-bit samples) keeps its top 8 bits; float is taken as 0..1."""
    if rgb.dtype.kind == "f":
        return np.clip(rgb * 255 + 0.5, 0, 255).astype(np.uint8)
    if rgb.dtype.kind == "b":
        return np.where(rgb, np.uint8(255), np.uint8(0))
    shift = max(0, rgb.dtype.itemsize * 8 - 8)
    top: np.ndarray = np.right_shift(np.clip(rgb, 0, None), shift)
    return top.astype(np.uint8)
