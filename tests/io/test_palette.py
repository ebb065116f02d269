"""Palette colour and lookup tables read the same in every byte order and encoding.

The same image written little-endian, big-endian (OW values byte-swapped, as a real
big-endian file holds them) and RLE must render to identical RGB / grey values. Before,
a big-endian palette ultrasound with 16-bit entries rendered all black.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRBigEndian, RLELossless, SecondaryCaptureImageStorage

from viewer.imaging.render import render_frame
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame

from .conftest import ct_slice, sample


def as_big_endian(ds: Dataset, path: Path) -> Path:
    """``ds`` as Explicit VR Big Endian: OW values hold words, so their bytes swap."""
    ds = pydicom.dcmread(ds) if isinstance(ds, Path) else ds
    for elem in ds.iterall():
        if elem.VR == "OW" and isinstance(elem.value, bytes):
            elem.value = np.frombuffer(elem.value, "<u2").astype(">u2").tobytes()
    ds.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    pydicom.dcmwrite(path, ds, implicit_vr=False, little_endian=False, force_encoding=True)
    return path


def as_rle(source: Path, path: Path) -> Path:
    ds = pydicom.dcmread(source)
    ds.compress(RLELossless, encoding_plugin="pydicom")
    ds.save_as(path)
    return path


def shown(path: Path) -> np.ndarray:
    inst = read_instance(path)
    return render_frame(read_frame(FrameRef(inst)), inst, 0, None)


def three_encodings(little: Path, tmp_path: Path) -> list[np.ndarray]:
    big = as_big_endian(pydicom.dcmread(little), tmp_path / "big.dcm")
    rle = as_rle(little, tmp_path / "rle.dcm")
    return [shown(p) for p in (little, big, rle)]


def test_the_palette_ultrasound_is_the_same_image_in_every_byte_order(tmp_path):
    little = sample("examples_palette.dcm")  # 8-bit indices, 16-bit palette entries in OW
    assert int(pydicom.dcmread(little).RedPaletteColorLookupTableDescriptor[2]) == 16
    images = three_encodings(little, tmp_path)
    assert images[0].shape == (350, 800, 3) and images[0].max() == 255
    for other in images[1:]:
        np.testing.assert_array_equal(other, images[0])


def _palette_image(bits: int, entries: int, packed: bool = False) -> Dataset:
    """A 16-bit-index palette image over a descriptor of ``entries`` (0 = 65536)."""
    ds = ct_slice((0, 0, 0), size=(16, 16))
    ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    ds.Modality = "OT"
    ds.PhotometricInterpretation = "PALETTE COLOR"
    ds.PixelRepresentation = 0
    count = entries or 65536
    ds.PixelData = (np.arange(256, dtype="<u2") * (count // 256)).reshape(16, 16).tobytes()
    index = np.arange(count)
    top = 2**bits - 1
    tables = {"Red": index * top // (count - 1), "Green": top - index * top // (count - 1),
              "Blue": (index * 7) % (top + 1)}
    for colour, table in tables.items():
        ds.add_new(f"{colour}PaletteColorLookupTableDescriptor", "US", [entries, 0, bits])
        data = (table.astype("u1").tobytes() if packed else table.astype("<u2").tobytes())
        ds.add_new(f"{colour}PaletteColorLookupTableData", "OW", data)
    return ds


@pytest.mark.parametrize(("bits", "entries", "packed"), [
    (16, 0, False),     # descriptor 0: 65536 entries of 16 bits
    (16, 4096, False),
    (8, 256, False),    # 8-bit entries, one to a word
    (8, 256, True),     # 8-bit entries packed two to a word
])
def test_palette_descriptors_read_alike_in_every_encoding(tmp_path, bits, entries, packed):
    little = tmp_path / "little.dcm"
    _palette_image(bits, entries, packed).save_as(little, enforce_file_format=True)
    images = three_encodings(little, tmp_path)
    red = images[0][..., 0].ravel()
    assert red[0] == 0 and red[-1] >= 250 and np.all(np.diff(red.astype(int)) >= 0)
    for other in images[1:]:
        np.testing.assert_array_equal(other, images[0])


def _lut_item(descriptor: list[int], table: np.ndarray) -> Dataset:
    item = Dataset()
    item.add_new("LUTDescriptor", "US", descriptor)
    item.add_new("LUTData", "OW", table.astype("<u2").tobytes())
    return item


def test_modality_and_voi_lut_sequences_read_alike_in_every_encoding(tmp_path):
    ds = ct_slice((0, 0, 0), size=(16, 16))
    ds.PixelRepresentation, ds.BitsStored, ds.HighBit = 0, 12, 11
    ds.PixelData = (np.arange(256, dtype="<u2") * 16).reshape(16, 16).tobytes()
    modality = _lut_item([4096, 0, 16], np.arange(4096) * 15)  # up to 61425: needs 16 bits
    voi = _lut_item([0, 0, 16], np.minimum(np.arange(65536), 61439) // 240 * 256)
    ds.ModalityLUTSequence = [modality]
    ds.VOILUTSequence = [voi]
    little = tmp_path / "little.dcm"
    ds.save_as(little, enforce_file_format=True)
    images = three_encodings(little, tmp_path)
    assert images[0].min() == 0 and images[0].max() >= 250  # the tables span the range
    assert len(np.unique(images[0])) > 200
    for other in images[1:]:
        np.testing.assert_array_equal(other, images[0])


def test_a_segmented_palette_reads_alike_in_every_encoding(tmp_path):
    """Segmented palettes (PS3.3 C.7.9.2) are expanded by pydicom in the file's byte order."""
    ds = _palette_image(16, 256)
    segments = {"Red": [0, 1, 0, 1, 255, 65535],        # discrete 0, then a linear ramp up
                "Green": [0, 1, 65535, 1, 255, 0],      # ... and down
                "Blue": [0, 2, 0, 0, 1, 254, 40000]}    # two discrete, one linear
    for colour, words in segments.items():
        del ds[f"{colour}PaletteColorLookupTableData"]
        ds.add_new(f"{colour}PaletteColorLookupTableDescriptor", "US", [256, 0, 16])
        ds.add_new(f"Segmented{colour}PaletteColorLookupTableData", "OW",
                   np.asarray(words, dtype="<u2").tobytes())
    ds.PixelData = np.arange(256, dtype="<u2").reshape(16, 16).tobytes()
    little = tmp_path / "little.dcm"
    ds.save_as(little, enforce_file_format=True)
    images = three_encodings(little, tmp_path)
    red, green = images[0][..., 0].ravel(), images[0][..., 1].ravel()
    assert red[0] == 0 and red[-1] == 255 and green[0] == 255 and green[-1] == 0
    for other in images[1:]:
        np.testing.assert_array_equal(other, images[0])
