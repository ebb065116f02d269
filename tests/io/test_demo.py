"""The demo study: a CT phantom with known HU, and the demo folder built atomically."""

import os

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless

from viewer.imaging.lut import default_window, modality_values
from viewer.imaging.render import render_frame
from viewer.imaging.window import Window
from viewer.io import demo
from viewer.io.dicom import read_instance
from viewer.io.model import FrameRef
from viewer.io.pixels import read_frame

SLICES, SIZE = 64, 256


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    return demo.write_phantom_series(tmp_path_factory.mktemp("phantom"), SLICES, SIZE)


def hu_of(path):
    instance = read_instance(path)
    return modality_values(read_frame(FrameRef(instance, 0)), instance)


def test_series_reads_back_as_a_ct_with_proper_headers(phantom):
    assert len(phantom) == SLICES
    ds = pydicom.dcmread(phantom[0])
    assert ds.SOPClassUID == pydicom.uid.CTImageStorage
    assert ds.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert str(ds.PatientName) == "Demo^Phantom"
    assert (ds.Rows, ds.Columns, ds.Modality) == (SIZE, SIZE, "CT")
    assert [float(v) for v in ds.PixelSpacing] == [0.8, 0.8]
    assert (float(ds.WindowCenter), float(ds.WindowWidth)) == (40, 400)
    assert ds.pixel_array.shape == (SIZE, SIZE)
    uids = {pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID for p in phantom}
    assert len(uids) == SLICES


def test_slice_positions_are_evenly_spaced_along_the_normal(phantom):
    positions = np.array(
        [
            [float(v) for v in pydicom.dcmread(p, stop_before_pixels=True).ImagePositionPatient]
            for p in phantom
        ]
    )
    steps = np.diff(positions, axis=0)
    np.testing.assert_allclose(steps, np.tile([0, 0, -2.5], (SLICES - 1, 1)))
    numbers = [pydicom.dcmread(p, stop_before_pixels=True).InstanceNumber for p in phantom]
    assert numbers == list(range(1, SLICES + 1))


@pytest.mark.parametrize("name", list(demo.NAMES))
def test_each_structure_has_its_nominal_hu(phantom, name):
    region = demo.phantom_regions(SLICES, SIZE)[name]
    values = hu_of(phantom[region.slice_index])[region.rows, region.cols]
    assert values.size >= 30
    assert abs(float(values.mean()) - region.hu) < 3.0
    assert 4 < float(values.std()) < 12  # the seeded noise is there, and only mild


def test_soft_tissue_window_shows_lung_black_bone_white(phantom):
    regions = demo.phantom_regions(SLICES, SIZE)
    path = phantom[regions["lung"].slice_index]
    instance = read_instance(path)
    stored = read_frame(FrameRef(instance, 0))
    window = default_window(instance, 0, stored)
    assert window == Window(40, 400)
    image = render_frame(stored, instance, 0, window)

    def mean(name):
        region = regions[name]
        return float(image[region.rows, region.cols].mean())

    assert mean("lung") == 0
    assert mean("cortical") == 255
    assert 120 < mean("soft_tissue") < 136
    assert mean("fat") < mean("soft_tissue")


def test_same_seed_same_pixels_and_other_seed_other_noise(phantom, tmp_path):
    again = demo.write_phantom_series(tmp_path / "a", SLICES, SIZE)
    other = demo.write_phantom_series(tmp_path / "b", SLICES, SIZE, seed=1)
    first = pydicom.dcmread(phantom[10]).pixel_array
    assert np.array_equal(first, pydicom.dcmread(again[10]).pixel_array)
    assert not np.array_equal(first, pydicom.dcmread(other[10]).pixel_array)


def test_jpeg2000_variant_decodes_to_the_same_pixels(phantom, tmp_path):
    j2k = demo.write_phantom_series(tmp_path, SLICES, SIZE, transfer_syntax=JPEG2000Lossless)
    for plain, compressed in zip(phantom, j2k, strict=True):
        ds = pydicom.dcmread(compressed)
        assert ds.file_meta.TransferSyntaxUID == JPEG2000Lossless
        np.testing.assert_array_equal(ds.pixel_array, pydicom.dcmread(plain).pixel_array)
    # Its own series of the same study, so both can be opened side by side.
    a, b = (pydicom.dcmread(p[0], stop_before_pixels=True) for p in (phantom, j2k))
    assert a.StudyInstanceUID == b.StudyInstanceUID and a.SeriesInstanceUID != b.SeriesInstanceUID


def test_build_demo_in_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_CACHE_DIR", str(tmp_path / "cache"))
    folder = demo.build_demo()
    assert folder == tmp_path / "cache" / "demo"
    assert demo.is_complete(folder)
    assert len(list((folder / "phantom").glob("*.dcm"))) == 64
    samples = sorted(p.name for p in (folder / "samples").iterdir())
    assert "CT_small.dcm" in samples and "SC_rgb_rle_2frame.dcm" in samples
    for sample in samples:
        assert read_instance(folder / "samples" / sample).has_pixels
    assert [p.name for p in tmp_path.joinpath("cache").iterdir()] == ["demo"]  # no leftovers

    stamp = os.stat(folder / "phantom" / "CT0001.dcm").st_mtime_ns
    assert demo.build_demo() == folder  # a finished demo is reused as it is
    assert os.stat(folder / "phantom" / "CT0001.dcm").st_mtime_ns == stamp


def test_an_interrupted_build_leaves_nothing_half_written(tmp_path, monkeypatch):
    dest = tmp_path / "demo"

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_copy_samples", killed)
    with pytest.raises(KeyboardInterrupt):
        demo.build_demo(dest)
    assert list(tmp_path.iterdir()) == []


def test_an_incomplete_folder_is_replaced(tmp_path):
    dest = tmp_path / "demo"
    (dest / "phantom").mkdir(parents=True)
    (dest / "phantom" / "CT0001.dcm").write_bytes(b"half")
    assert demo.build_demo(dest) == dest
    assert demo.is_complete(dest)
    assert pydicom.dcmread(dest / "phantom" / "CT0001.dcm").Rows == SIZE
