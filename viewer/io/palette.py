"""PALETTE COLOR → RGB, correct in every byte order (see :mod:`viewer.io.lut_data`).

pydicom's ``apply_color_lut`` reads a plain (not segmented) palette as native-endian words,
so a big-endian ultrasound rendered all black. Plain palettes are applied here; segmented
ones go to pydicom, which reads those in the file's byte order.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels.processing import apply_color_lut

from viewer.io.lut_data import entry_count, is_little_endian, lut_entries

_COLOURS = ("Red", "Green", "Blue")


def palette_rgb(indices: np.ndarray, header: Dataset, signed: bool) -> np.ndarray:
    """(rows, columns, 3) uint8 RGB for palette indices. Raises ValueError when unusable."""
    descriptor = header.get("RedPaletteColorLookupTableDescriptor")
    if descriptor is None or len(descriptor) != 3:
        raise ValueError("no usable palette descriptor")
    entries, first, bits = entry_count(descriptor[0]), int(descriptor[1]), int(descriptor[2])
    if bits not in (8, 16):
        raise ValueError(f"palette entries of {bits} bits (8 or 16 allowed)")
    if signed and first >= 32768:  # the descriptor is US or SS as the pixels are
        first -= 65536
    if "RedPaletteColorLookupTableData" not in header:
        rgb = apply_color_lut(indices, ds=header)[..., :3]  # segmented palette
        return _to_8bit(rgb, bits)
    order = is_little_endian(header)
    tables = []
    for colour in _COLOURS:
        table = lut_entries(header.get(f"{colour}PaletteColorLookupTableData"), entries,
                            bits, order)
        if table is None:
            raise ValueError(f"the {colour.lower()} palette has fewer than {entries} entries")
        tables.append(table)
    lut = _to_8bit(np.stack(tables, axis=-1), bits)  # (entries, 3), folded to 8 bits first
    index = indices.astype(np.intp)
    if first:
        index -= first
    np.clip(index, 0, entries - 1, out=index)
    shown: np.ndarray = np.take(lut, index, axis=0)
    return shown


def _to_8bit(rgb: np.ndarray, bits: int) -> np.ndarray:
    out: np.ndarray
    if bits > 8:
        out = (rgb.astype(np.uint32) >> (bits - 8)).astype(np.uint8)
    else:
        out = np.clip(rgb, 0, 255).astype(np.uint8)
    return out
