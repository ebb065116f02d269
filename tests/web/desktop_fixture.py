"""The desktop's answers on fixed inputs, for the web page's unit tests (web/tests/).

The page re-implements a few pure pieces of viewer/ in TypeScript (the window LUT with
its VOI LUT Functions, the VOI LUTs, the
orientation letters, the array decoding, heatmap placement and the overlay colours); its
Vitest tests compare them with what THIS module computes with the desktop's own
functions, written to web/tests/fixtures/desktop.json. ``test_unit_js`` checks that the
committed file is what the desktop computes today, so a change on either side fails.

Regenerate: ``python -m tests.web.desktop_fixture``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from viewer.imaging.ai_layers import colormap_table, label_colors, mask_rgba
from viewer.imaging.lut import Lut, apply_voi_lut, apply_window, voi_lut_window
from viewer.imaging.orientation import orientation_labels
from viewer.imaging.window import Window
from viewer.inference.manifest import Label
from viewer.inference.postprocess import place_heatmap
from viewer.inference.preprocess import Letterbox
from viewer.inference.result_arrays import encode_array

FIXTURE = Path(__file__).resolve().parents[2] / "web" / "tests" / "fixtures" / "desktop.json"

#: Windows: the usual CT ones, a width of 1 (a threshold), 2, fractional and odd ones.
WINDOWS = [(40.0, 400.0), (-600.0, 1500.0), (40.0, 80.0), (0.0, 1.0), (10.5, 2.0),
           (127.5, 256.0), (1000.25, 3.5), (-1024.0, 4096.0), (0.3, 1.7)]

#: Orientations (row direction, column direction): axial, sagittal, coronal, obliques,
#: a slightly tilted axial, unnormalised, and unusable ones.
ORIENTATIONS: list[list[float] | None] = [
    [1, 0, 0, 0, 1, 0],
    [0, 1, 0, 0, 0, -1],
    [1, 0, 0, 0, 0, -1],
    [0.7071, 0.7071, 0, 0, 0, -1],
    [0.866, 0, -0.5, 0, 1, 0],
    [0.6, 0.6, 0.52, -0.5, 0.8, 0.33],
    [0.995, 0.0998, 0, -0.0998, 0.995, 0],
    [2, 0, 0, 0, 0, -3],
    [-1, 0, 0, 0, -1, 0],
    [0, 0, 0, 0, 1, 0],
    None,
]
#: VOI LUTs (first input value, bits per entry, entries): 8-bit and 12-bit ramps, a
#: 16-bit curve over negative inputs (a signed image's), a one-entry table.
VOI_LUTS: list[tuple[int, int, list[int]]] = [
    (-100, 8, list(range(256))),
    (0, 12, [min(4095, (i * i) // 256) for i in range(1024)]),
    (-1024, 16, [round(65535 * (1 - (1 - i / 2047) ** 3)) for i in range(2048)]),
    (40, 8, [200]),
]
VIEWS = [(0, False, False), (90, False, False), (180, True, False), (270, False, True)]


def _values() -> np.ndarray:
    """Modality values around every window's edges, integers and fractions."""
    base = [-3000, -1024, -1000, -600.5, -1.5, -0.5, 0, 0.25, 0.5, 1, 1.5, 9.5, 10, 10.5, 11,
            11.5, 39.5, 40, 240, 240.5, 1001, 1002.5, 3071, 1e6, -1e6]
    around = [c + d for c, w in WINDOWS for d in (-w / 2 - 1, -w / 2, -0.5, 0, 0.5, w / 2 - 1,
                                                  w / 2, w / 2 + 0.5)]
    ramp = np.linspace(-1200, 1200, 97)
    return np.asarray(base + around + list(ramp), dtype=np.float32)


def build() -> dict[str, Any]:
    values = _values()
    lut = [{"center": c, "width": w,
            "grey": apply_window(values, Window(c, w)).tolist()} for c, w in WINDOWS]
    integers = np.arange(-1100, 1300, 1, dtype=np.float32)
    lut_integers = [{"center": c, "width": w,
                     "grey": apply_window(integers, Window(c, w)).tolist()}
                    for c, w in WINDOWS[:4]]
    with np.errstate(over="ignore"):  # SIGMOID far from the centre: exp → inf → grey 0
        voi_functions = [{"center": c, "width": w, "function": fn,
                          "grey": apply_window(values, Window(c, w), fn).tolist(),
                          "grey_integers": apply_window(integers, Window(c, w), fn).tolist()
                          if (c, w) in WINDOWS[:4] else None}
                         for fn in ("LINEAR_EXACT", "SIGMOID") for c, w in WINDOWS]
    voi_luts = []
    for first, bits, entries in VOI_LUTS:
        table = Lut.of(first, entries, bits)
        window = voi_lut_window(table)
        voi_luts.append({"first": first, "bits": bits, "data": table.data.tolist(),
                         "window": {"center": window.center, "width": window.width},
                         "grey": apply_voi_lut(values, table).tolist(),
                         "grey_integers": apply_voi_lut(integers, table).tolist()})
    orientation = [{"orientation": o, "rotation": r, "flip_h": h, "flip_v": v,
                    "labels": orientation_labels(None if o is None else tuple(o), r, h, v)}
                   for o in ORIENTATIONS for r, h, v in VIEWS]

    rng = np.random.default_rng(16)
    arrays = []
    for dtype in ("uint8", "uint16", "int32", "float32"):
        if dtype == "float32":
            a = rng.normal(0, 100, (3, 5)).astype(np.float32)
        else:
            info = np.iinfo(dtype)
            a = rng.integers(info.min, info.max, (2, 3, 4), endpoint=True, dtype=dtype)
        arrays.append({"encoded": encode_array(a), "values": a.ravel().tolist(),
                       "shape": list(a.shape)})

    grid = rng.random((8, 8), dtype=np.float32) * 2 - 0.5
    box = Letterbox(source=(20, 30), target=(32, 32), scale=(32 / 30, 32 / 30), offset=(5, 0))
    heat = place_heatmap(grid, box, (-0.5, 1.5))
    heatmap = {"grid": encode_array(grid), "box": {"source": list(box.source),
               "target": list(box.target), "scale": list(box.scale),
               "offset": list(box.offset)}, "value_range": [-0.5, 1.5],
               "heat": heat.ravel().tolist(), "shape": list(heat.shape)}

    labels = [Label(name="background", value=0), Label(name="lung", value=1, color="#4FC3F7"),
              Label(name="liver", value=2), Label(name="bone", value=3, color="#fff176"),
              Label(name="lesion", value=4, color="bad")]
    mask = (np.arange(6 * 7).reshape(6, 7) % 6).astype(np.uint8)
    rgba = mask_rgba(mask, label_colors(labels), opacity=0.45)
    masks = {"labels": [{"name": lb.name, "value": lb.value, "color": lb.color} for lb in labels],
             "mask": encode_array(mask), "rgba": rgba.ravel().tolist()}

    colormaps = {name: colormap_table(name).ravel().tolist()
                 for name in ("inferno", "viridis", "jet", "hot", "gray")}
    return {"values": values.tolist(), "lut": lut, "integers": integers.tolist(),
            "lut_integers": lut_integers, "voi_functions": voi_functions,
            "voi_luts": voi_luts, "orientation": orientation, "arrays": arrays,
            "heatmap": heatmap, "masks": masks, "colormaps": colormaps}


def text() -> str:
    return json.dumps(build(), separators=(",", ":"), sort_keys=True) + "\n"


if __name__ == "__main__":
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(text(), encoding="utf-8")
    print(f"wrote {FIXTURE}")
