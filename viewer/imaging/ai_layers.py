"""AI overlays as RGBA arrays (numpy, no Qt): label masks, heatmaps, box outlines.

The viewer paints these over the image and ``lightbox infer`` writes them as PNGs, so
both show the same colours. Nothing here touches the source image: :func:`blend` returns
a new array.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from functools import lru_cache

import numpy as np

RGB = tuple[int, int, int]

#: Colour maps as anchor points (position 0..1, RGB), interpolated linearly to 256 entries.
#: inferno and viridis are sampled from matplotlib's maps at ninths; close, not identical.
COLORMAPS: dict[str, tuple[tuple[float, RGB], ...]] = {
    "inferno": (
        (0.0, (0, 0, 4)),
        (0.125, (31, 12, 72)),
        (0.25, (85, 15, 109)),
        (0.375, (136, 34, 106)),
        (0.5, (186, 54, 85)),
        (0.625, (227, 89, 51)),
        (0.75, (249, 140, 10)),
        (0.875, (249, 201, 50)),
        (1.0, (252, 255, 164)),
    ),
    "viridis": (
        (0.0, (68, 1, 84)),
        (0.125, (71, 44, 122)),
        (0.25, (59, 81, 139)),
        (0.375, (44, 113, 142)),
        (0.5, (33, 144, 141)),
        (0.625, (39, 173, 129)),
        (0.75, (92, 200, 99)),
        (0.875, (170, 220, 50)),
        (1.0, (253, 231, 37)),
    ),
    "jet": (
        (0.0, (0, 0, 128)),
        (0.125, (0, 0, 255)),
        (0.375, (0, 255, 255)),
        (0.625, (255, 255, 0)),
        (0.875, (255, 0, 0)),
        (1.0, (128, 0, 0)),
    ),
    "hot": ((0.0, (0, 0, 0)), (0.375, (255, 0, 0)), (0.75, (255, 255, 0)), (1.0, (255, 255, 255))),
    "gray": ((0.0, (0, 0, 0)), (1.0, (255, 255, 255))),
}
DEFAULT_COLORMAP = "inferno"

#: Colours for labels whose manifest gives none (distinct, readable over grey).
PALETTE: tuple[RGB, ...] = (
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
)


def parse_color(value: str | None, fallback_index: int = 0) -> RGB:
    """``#RRGGBB`` → (r, g, b); None or malformed → a palette colour."""
    if value and len(value) == 7 and value.startswith("#"):
        try:
            return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
        except ValueError:
            pass
    return PALETTE[fallback_index % len(PALETTE)]


def label_colors(labels: Iterable[object]) -> dict[int, RGB]:
    """Mask value → colour for labels with ``value``/``color`` attributes (background skipped)."""
    colors: dict[int, RGB] = {}
    for i, label in enumerate(labels):
        value = getattr(label, "value", None)
        value = i if value is None else int(value)
        if value != 0:
            colors[value] = parse_color(getattr(label, "color", None), value - 1)
    return colors


@lru_cache(maxsize=16)
def colormap_table(name: str) -> np.ndarray:
    """A (256, 3) uint8 table; unknown names raise ``ValueError`` listing the known ones."""
    anchors = COLORMAPS.get(name.lower())
    if anchors is None:
        raise ValueError(f"unknown colour map {name!r} (known: {', '.join(COLORMAPS)})")
    x = np.linspace(0.0, 1.0, 256)
    positions = [a[0] for a in anchors]
    table = np.stack(
        [np.interp(x, positions, [a[1][c] for a in anchors]) for c in range(3)], axis=1
    )
    result = np.rint(table).astype(np.uint8)
    result.setflags(write=False)
    return result


def _alpha(opacity: float) -> int:
    return int(round(255 * min(max(opacity, 0.0), 1.0)))


def boundary(region: np.ndarray) -> np.ndarray:
    """Pixels of a boolean region with a 4-neighbour outside it (the image edge counts)."""
    padded = np.pad(region, 1, constant_values=False)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    edge: np.ndarray = region & ~inner
    return edge


def mask_rgba(
    mask: np.ndarray,
    colors: Mapping[int, RGB],
    *,
    opacity: float = 0.5,
    style: str = "fill",
    visible: Collection[int] | None = None,
) -> np.ndarray:
    """A label map → (H, W, 4) uint8. Label 0 (background) is never drawn; labels not in
    ``visible`` (when given) are hidden; ``style`` is "fill" or "contour"."""
    if style not in ("fill", "contour"):
        raise ValueError("style must be 'fill' or 'contour'")
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    alpha = _alpha(opacity)
    for value in np.unique(mask):
        value = int(value)
        if value == 0 or (visible is not None and value not in visible):
            continue
        region = mask == value
        if style == "contour":
            region = boundary(region)
        rgba[region, :3] = colors.get(value, parse_color(None, value - 1))
        rgba[region, 3] = alpha
    return rgba


def heatmap_rgba(
    heat: np.ndarray, colormap: str = DEFAULT_COLORMAP, *, opacity: float = 0.5, floor: float = 0.0
) -> np.ndarray:
    """Heat in 0..1 → (H, W, 4) uint8 through a colour map; below ``floor`` is clear."""
    name = colormap if colormap.lower() in COLORMAPS else DEFAULT_COLORMAP
    table = colormap_table(name)
    clean = np.nan_to_num(heat.astype(np.float32), nan=0.0)
    index = np.clip(np.rint(clean * 255), 0, 255).astype(np.uint8)
    rgba = np.empty((*heat.shape, 4), dtype=np.uint8)
    rgba[..., :3] = table[index]
    rgba[..., 3] = np.where(clean >= floor, _alpha(opacity), 0) if floor > 0 else _alpha(opacity)
    return rgba


def boxes_rgba(
    shape: tuple[int, int],
    boxes: Iterable[tuple[float, float, float, float, RGB]],
    *,
    thickness: int = 2,
    opacity: float = 1.0,
) -> np.ndarray:
    """Outlines of (x0, y0, x1, y1, colour) boxes in image pixels → (H, W, 4) uint8."""
    rows, cols = shape
    rgba = np.zeros((rows, cols, 4), dtype=np.uint8)
    alpha = _alpha(opacity)
    for x0, y0, x1, y1, color in boxes:
        c0, c1 = int(np.floor(max(0.0, x0))), int(np.ceil(min(float(cols), x1)))
        r0, r1 = int(np.floor(max(0.0, y0))), int(np.ceil(min(float(rows), y1)))
        if c1 <= c0 or r1 <= r0:
            continue
        t = max(1, min(thickness, (r1 - r0 + 1) // 2, (c1 - c0 + 1) // 2))
        frame = np.zeros((r1 - r0, c1 - c0), dtype=bool)
        frame[:t, :] = frame[-t:, :] = frame[:, :t] = frame[:, -t:] = True
        rgba[r0:r1, c0:c1][frame] = (*color, alpha)
    return rgba


def blend(base: np.ndarray, *layers: np.ndarray) -> np.ndarray:
    """Composite RGBA layers over a grey (H, W) or RGB (H, W, 3) uint8 image → new RGB."""
    out = np.repeat(base[..., None], 3, axis=2) if base.ndim == 2 else base[..., :3]
    out = out.astype(np.float32)
    for layer in layers:
        if layer.shape[:2] != out.shape[:2]:
            raise ValueError(f"overlay {layer.shape[:2]} differs from the image {out.shape[:2]}")
        a = layer[..., 3:4].astype(np.float32) / 255.0
        out = out * (1.0 - a) + layer[..., :3].astype(np.float32) * a
    blended: np.ndarray = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return blended


def stack_rgba(*layers: np.ndarray) -> np.ndarray:
    """Layers composited over a clear background (for a transparent overlay PNG).

    Pixels that no layer covers stay (0, 0, 0, 0). AI layers cover a small part of the
    image, so the float compositing runs on the covered pixels only, and a single layer
    is its own composite.
    """
    if not layers:
        raise ValueError("nothing to stack")
    shape = layers[0].shape[:2]
    if any(layer.shape[:2] != shape for layer in layers):
        raise ValueError("overlay layers differ in size")
    if len(layers) == 1:
        out = layers[0].copy()
        out[out[..., 3] == 0, :3] = 0
        return out
    covered = np.zeros(shape, dtype=bool)
    for layer in layers:
        covered |= layer[..., 3] > 0
    where = np.nonzero(covered)
    color = np.zeros((where[0].size, 3), dtype=np.float32)
    alpha = np.zeros((where[0].size, 1), dtype=np.float32)
    for layer in layers:
        pixels = layer[where]
        a = pixels[:, 3:4].astype(np.float32) / 255.0
        new_alpha = a + alpha * (1.0 - a)
        safe = np.where(new_alpha > 0, new_alpha, 1.0)
        color = (pixels[:, :3] * a + color * alpha * (1.0 - a)) / safe
        alpha = new_alpha
    out = np.zeros((*shape, 4), dtype=np.uint8)
    out[where] = np.clip(np.rint(np.concatenate([color, alpha * 255.0], axis=1)), 0, 255)
    return out
