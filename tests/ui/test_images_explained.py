"""Image refusals and a SEG alone read in the UI language; the SEG's neutral panel says it."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest

from tests.ui.conftest import open_and_wait
from tests.ui.helpers import click_item
from viewer.errors import InconsistentImageError
from viewer.io.dicom import read_instance
from viewer.ui.i18n import install_translators, remove_translators
from viewer.ui.problem_text import problem_text

SAMPLES = Path(pydicom.__file__).parent / "data" / "test_files"
SEG_SAYS = "Segmentation (1 segment): open its images to see it"


def _contradictions(tmp_path: Path) -> list[str]:
    reasons = []
    for number, values in enumerate([{"BitsAllocated": 12}, {"BitsStored": 20},
                                     {"HighBit": 11}, {"PixelRepresentation": 2},
                                     {"PhotometricInterpretation": "RGB"}, {"Rows": 64}]):
        ds = pydicom.dcmread(SAMPLES / "CT_small.dcm")
        for keyword, value in values.items():
            setattr(ds, keyword, value)
        ds.save_as(tmp_path / f"{number}.dcm")
        with pytest.raises(InconsistentImageError) as caught:
            read_instance(tmp_path / f"{number}.dcm")
        reasons.append(caught.value.reason)
    return reasons


def _compressed_contradictions(tmp_path: Path) -> list[str]:
    reasons = []
    for name, values in [("MR_small_jp2klossless.dcm", {"Rows": 56}),
                         ("MR_small_jp2klossless.dcm", {"BitsAllocated": 8}),
                         ("SC_rgb_jpeg_dcmtk.dcm", {"SamplesPerPixel": 1,
                                                    "PhotometricInterpretation": "MONOCHROME2"})]:
        ds = pydicom.dcmread(SAMPLES / name)
        for keyword, value in values.items():
            setattr(ds, keyword, value)
        if "BitsAllocated" in values:
            ds.BitsStored, ds.HighBit = 8, 7
        ds.save_as(tmp_path / f"c-{len(reasons)}.dcm")
        with pytest.raises(InconsistentImageError) as caught:
            read_instance(tmp_path / f"c-{len(reasons)}.dcm")
        reasons.append(caught.value.reason)
    return reasons


def test_every_refusal_and_the_seg_note_are_in_the_catalogue(qapp, tmp_path):
    reasons = [*_contradictions(tmp_path), *_compressed_contradictions(tmp_path), SEG_SAYS,
               "Segmentation (3 segments): open its images to see it"]
    translators = install_translators(qapp, "ja")
    try:
        translated = [problem_text(r) for r in reasons]
    finally:
        remove_translators(qapp, translators)
    untranslated = [r for r, t in zip(reasons, translated, strict=True) if r == t]
    assert untranslated == []
    assert "3 セグメント" in translated[-1]
    assert "12" in translated[0] and "矛盾" in translated[0]


def test_a_seg_alone_is_explained_in_the_browser_and_the_neutral_panel(main_window, qtbot):
    w = main_window
    open_and_wait(qtbot, w, SAMPLES / "liver_1frame.dcm")
    item = next(i for i in w.browser.series_items() if "SEG" in i.text(0))
    assert item.text(0).endswith(f"SEG · {SEG_SAYS}")
    click_item(w.browser, item)
    assert w.viewport.object_text().endswith(f"SEG · {SEG_SAYS}")
    assert "no pixel" not in w.viewport._message()
