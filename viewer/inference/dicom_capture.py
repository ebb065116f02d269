"""The fallback for archives that cannot show SEG or SR: the overlay burned into a copy of
the image, saved as an RGB Secondary Capture in a new series of the same study.

The copy says what it is three ways, so nobody mistakes it for the acquired image: a
banner burned into the pixels, Series Description "AI overlay — not original image", and
Burned In Annotation YES. It carries the same Contributing Equipment (model identity,
Device UID) as the SEG/SR. The source file is read, never written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import highdicom as hd
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom import dcmread
from pydicom.uid import generate_uid

from viewer.host.files import write_atomic
from viewer.imaging.ai_layers import (
    blend,
    boxes_rgba,
    heatmap_rgba,
    label_colors,
    mask_rgba,
    parse_color,
)
from viewer.imaging.render import render_frame
from viewer.inference.dicom_export import (
    MANUFACTURER,
    SC_SERIES_DESCRIPTION,
    DicomExportError,
    contributing_equipment,
    dicom_bytes,
)
from viewer.inference.results import Result
from viewer.io.frames import FrameSource
from viewer.io.model import Series
from viewer.io.pixels import read_frame

BANNER = "AI OVERLAY - NOT ORIGINAL IMAGE"


def default_layers(res: Result) -> list[np.ndarray]:
    """The default rendering of a result's overlays: heatmaps, then masks, then boxes."""
    layers = [heatmap_rgba(h.heatmap, h.colormap, opacity=0.4) for h in res.heatmaps]
    layers += [mask_rgba(m.mask, label_colors(m.labels), opacity=0.5) for m in res.masks]
    for group in res.boxes:
        outlines = [
            (b.x0, b.y0, b.x1, b.y1, parse_color(b.color, b.class_index)) for b in group.boxes
        ]
        layers.append(boxes_rgba(res.shape, outlines))
    return layers


#: Punctuation outside Latin-1 that model names and labels use, in the banner's font.
_PLAIN = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2018": "'", "\u2019": "'",
                        "\u201c": '"', "\u201d": '"', "\u2026": "..."})


def banner_text(line: str) -> str:
    """``line`` as the banner's bitmap font can draw it: Latin-1, anything else as "?"."""
    return line.translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


def _banner(rgb: np.ndarray, lines: list[str]) -> np.ndarray:
    """Burn ``lines`` in white on red across the top. Pillow's built-in bitmap font (11
    pixels high): the same pixels in the source and the frozen app, which ships Pillow
    without FreeType (packaging/bundle.py)."""
    image = Image.fromarray(rgb, "RGB")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default_imagefont()
    height = 12 * len(lines) + 4
    draw.rectangle((0, 0, image.width, height), fill=(160, 0, 0))
    for i, line in enumerate(lines):
        draw.text((3, 2 + 12 * i), banner_text(line), fill=(255, 255, 255), font=font)
    return np.asarray(image)


def burned_image(res: Result, series: Series, *, source: FrameSource = read_frame) -> np.ndarray:
    """The windowed source image with the overlays and a warning banner, (rows, cols, 3)."""
    ref = series.frames[res.provenance.frame_index]
    shown = render_frame(source(ref), ref.instance, ref.frame, None)
    rgb = blend(shown, *default_layers(res))
    return _banner(np.ascontiguousarray(rgb[..., :3]), [BANNER, res.provenance.label[:60]])


def _orientation_letters(cosines: Sequence[float] | None) -> tuple[str, str] | None:
    if cosines is None or len(cosines) != 6:
        return None
    letters = []
    for vector in (cosines[:3], cosines[3:]):
        axis = int(np.argmax(np.abs(vector)))
        positive = vector[axis] > 0
        letters.append(("L", "P", "H")[axis] if positive else ("R", "A", "F")[axis])
    return letters[0], letters[1]


def build_secondary_capture(res: Result, series: Series, *, series_uid: str | None = None,
                            instance_number: int = 1,
                            source: FrameSource = read_frame) -> hd.sc.SCImage:
    ref = series.frames[res.provenance.frame_index]
    if ref.instance.kind != "dicom":
        raise DicomExportError(f"{ref.instance.path.name}: not a DICOM image")
    header = dcmread(ref.instance.path, stop_before_pixels=True)
    letters = _orientation_letters(header.get("ImageOrientationPatient"))
    spacing = header.get("PixelSpacing")
    sc = hd.sc.SCImage.from_ref_dataset(
        ref_dataset=header,
        pixel_array=burned_image(res, series, source=source),
        photometric_interpretation="RGB",
        bits_allocated=8,
        coordinate_system="PATIENT",
        series_instance_uid=series_uid or generate_uid(),
        series_number=9002,
        sop_instance_uid=generate_uid(),
        instance_number=instance_number,
        manufacturer=MANUFACTURER,
        # highdicom annotates int spacing; DICOM Pixel Spacing is decimal (DS) and it writes floats
        pixel_spacing=tuple(float(v) for v in spacing) if spacing else None,  # type: ignore[arg-type]
        patient_orientation=letters or ("L", "P"),
        contributing_equipment=[contributing_equipment(res.provenance)],
    )
    sc.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: the description's dash, any model name
    sc.SeriesDescription = SC_SERIES_DESCRIPTION
    sc.BurnedInAnnotation = "YES"
    sc.ImageType = ["DERIVED", "SECONDARY", "AI_OVERLAY"]
    sc.DerivationDescription = f"{res.provenance.label}; overlay burned into a copy"[:1024]
    return sc


def write_secondary_captures(results: list[Result], series: Series, folder: str | Path, *,
                             source: FrameSource = read_frame) -> list[Path]:
    """One SC file per result, all in one new series: ``<model-id>-sc-NNNN.dcm``."""
    folder = Path(folder)
    series_uid = generate_uid()
    written = []
    for n, res in enumerate(sorted(results, key=lambda r: r.provenance.frame_index), start=1):
        path = folder / f"{res.provenance.model_id}-sc-{res.provenance.frame_index:04d}.dcm"
        sc = build_secondary_capture(res, series, series_uid=series_uid, instance_number=n,
                                     source=source)
        write_atomic(path, dicom_bytes(sc))
        written.append(path)
    return written
