"""Draw the Lightbox icon: ``assets/icons/lightbox.svg`` plus the PNG, ICO and ICNS files.

    python packaging/make_icons.py

The glyph is a radiologist's light box: a lit panel in a dark frame holding a film with
an axial slice (a body outline and a spine), and an orange ring where an AI finding
sits. The SVG and the raster files are drawn from the same shapes below, so they agree;
the rasters are drawn at 4x and reduced, for clean edges at 16 px.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ICONS = Path(__file__).resolve().parent.parent / "assets" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
VIEW = 256  # the SVG's user units; every shape is in these

FRAME = "#1f2a36"
PANEL = "#dcebfa"
FILM = "#0e151d"
BODY = "#8da1b8"
BONE = "#eef3f8"
FINDING = "#ff9f1c"

#: (kind, box in VIEW units, fill, extra): rounded rectangles, ellipses and rings.
SHAPES = (
    ("rect", (8, 8, 248, 248), FRAME, 44),  # frame, corner radius 44
    ("rect", (30, 30, 226, 226), PANEL, 26),  # the lit panel
    ("rect", (50, 50, 206, 206), FILM, 14),  # the film
    ("ellipse", (66, 82, 190, 174), BODY, None),  # the trunk, axial
    ("ellipse", (116, 140, 140, 164), BONE, None),  # the vertebral body
    ("ring", (82, 96, 130, 144), FINDING, 9),  # the AI finding, stroke width 9
)


def svg() -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VIEW} {VIEW}" '
             f'width="{VIEW}" height="{VIEW}">', "  <title>Lightbox</title>"]
    for kind, (x0, y0, x1, y1), colour, extra in SHAPES:
        if kind == "rect":
            parts.append(f'  <rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                         f'rx="{extra}" fill="{colour}"/>')
        else:
            cx, cy, rx, ry = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2
            paint = (f'fill="none" stroke="{colour}" stroke-width="{extra}"' if kind == "ring"
                     else f'fill="{colour}"')
            parts.append(f'  <ellipse cx="{cx:g}" cy="{cy:g}" rx="{rx:g}" ry="{ry:g}" {paint}/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def raster(size: int) -> Image.Image:
    scale = size * 4 / VIEW
    big = Image.new("RGBA", (size * 4, size * 4), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    for kind, box, colour, extra in SHAPES:
        xy = [round(v * scale) for v in box]
        if kind == "rect":
            draw.rounded_rectangle(xy, radius=round(extra * scale), fill=colour)
        elif kind == "ellipse":
            draw.ellipse(xy, fill=colour)
        else:
            # The SVG stroke is centred on the outline; Pillow draws it inside the box.
            half = extra * scale / 2
            grown = [xy[0] - half, xy[1] - half, xy[2] + half, xy[3] + half]
            draw.ellipse([round(v) for v in grown], outline=colour,
                         width=max(1, round(extra * scale)))
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    (ICONS / "lightbox.svg").write_text(svg(), encoding="utf-8")
    images = {size: raster(size) for size in SIZES}
    for size, image in images.items():
        image.save(ICONS / f"lightbox-{size}.png", optimize=True)
    images[256].save(ICONS / "lightbox.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    raster(1024).save(ICONS / "lightbox.icns")
    print(f"wrote {len(SIZES)} PNGs, lightbox.svg, lightbox.ico and lightbox.icns to {ICONS}")


if __name__ == "__main__":
    main()
