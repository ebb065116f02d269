"""The quick header scan: the same instances as the thorough reader, less read and kept.

A folder scan reads only the bytes before each file's pixel data and keeps a few values
(:mod:`viewer.io.quick_header`); the whole header is read when something asks for it.
These tests hold it to the thorough reader (:func:`viewer.io.dicom.read_instance`) on
every sample file it takes, and check what a reader would notice: the same tree, the
same problems named, the same tags in the browser; plus what makes it scale: bytes read
per file bounded whatever the folder's size, no data set kept per file, nothing heavy
imported by ``lightbox info``.
"""

from __future__ import annotations

import gc
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pydicom.dataset import Dataset

from viewer.imaging.lossy import lossy
from viewer.io.demo import write_phantom_series
from viewer.io.dicom import read_instance
from viewer.io.quick_instance import read_quick_instance
from viewer.io.scan import scan

from .conftest import TEST_FILES, ct_slice, sample

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("sop_instance_uid", "sop_class_uid", "study_uid", "series_uid", "modality",
          "instance_number", "pixel", "geometry", "pixel_offset", "pixel_length",
          "items_offset", "warnings")
#: Values the scan, the series tree, lossy marks and corner text read from every file.
KEYWORDS = ("PatientName", "PatientID", "StudyDate", "StudyDescription", "SeriesDescription",
            "SeriesNumber", "FrameOfReferenceUID", "Modality", "Rows", "Columns",
            "LossyImageCompression", "LossyImageCompressionRatio", "PixelSpacing",
            "ImagePositionPatient", "ImageOrientationPatient", "WindowCenter", "WindowWidth",
            "RescaleSlope", "RescaleIntercept", "SliceThickness")


def _same_value(quick: object, full: object) -> bool:
    if quick is None or full is None:
        return quick is None and full is None
    if isinstance(quick, list):
        return [float(v) for v in quick] == [float(v) for v in full]  # type: ignore[attr-defined]
    if isinstance(quick, (int, float)):
        return float(quick) == float(full)  # type: ignore[arg-type]
    return str(quick) == str(full)


def test_every_sample_the_quick_path_takes_gives_the_thorough_instance():
    files = sorted(f for f in TEST_FILES.rglob("*") if f.is_file())
    taken = 0
    for path in files:
        quick = read_quick_instance(path)
        if quick is None:
            continue  # not an ordinary file: the thorough reader decides alone
        taken += 1
        full = read_instance(path)
        for field in FIELDS:
            assert getattr(quick, field) == getattr(full, field), (path.name, field)
        assert full.header is not None
        for keyword in KEYWORDS:
            assert _same_value(quick.tags.get(keyword), full.header.get(keyword)), (
                path.name, keyword)
        # The header read on first use is the thorough reader's, element for element.
        assert quick.header is not None
        assert list(quick.header.keys()) == list(full.header.keys()), path.name
        assert quick.header == full.header, path.name
    assert taken >= 30, f"only {taken} sample files took the quick path"


def test_compressed_samples_take_the_quick_path():
    # The walk stops at encapsulated pixel data as at native; the equality with the
    # thorough reader is checked above, file by file (items_offset included). A file
    # not ending with the items' delimiter (cut short, or elements after the pixels, as
    # MR_small_jp2klossless.dcm has) goes to the thorough reader.
    for name in ("JPEG2000.dcm", "examples_jpeg2k.dcm", "SC_rgb_rle.dcm",
                 "JPEGLSNearLossless_16.dcm", "SC_rgb_jpeg_dcmtk.dcm", "SC_rgb_rle_2frame.dcm"):
        inst = read_quick_instance(sample(name))
        assert inst is not None and inst.pixel_offset is None, name
        assert (inst.items_offset is not None) == (inst.number_of_frames == 1), name


def test_unusual_files_go_to_the_thorough_reader():
    # Big endian, deflated, enhanced multi-frame, no pixels, a SEG, compressed data
    # followed by other elements: not quick.
    for name in ("MR_small_bigendian.dcm", "image_dfl.dcm", "MR_small_jp2klossless.dcm",
                 "liver_1frame.dcm", "rtplan.dcm", "test-SR.dcm"):
        assert read_quick_instance(sample(name)) is None, name


def test_non_ascii_names_come_from_the_full_header(tmp_path):
    ds = ct_slice((0, 0, 0))
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.PatientName = "Yamada^Tarou=山田^太郎"
    ds.StudyDescription = "Thorax ÄÖÜ"
    path = tmp_path / "utf8.dcm"
    ds.save_as(path, enforce_file_format=True)
    (study,) = scan([path]).studies
    assert study.patient_name == "Yamada^Tarou=山田^太郎"
    assert study.description == "Thorax ÄÖÜ"


def test_scan_keeps_no_data_set_per_file_and_the_lossy_mark_reads_none(tmp_path):
    write_phantom_series(tmp_path / "ct", slices=40, size=32)
    gc.collect()
    before = sum(isinstance(o, Dataset) for o in gc.get_objects())
    (series,) = scan([tmp_path / "ct"]).all_series()
    gc.collect()
    assert sum(isinstance(o, Dataset) for o in gc.get_objects()) == before
    # Checking every slice for a lossy mark (as an MPR does) reads no header either.
    assert all(lossy(ref.instance.tags, ref.instance.pixel.transfer_syntax) is None
               for ref in series.frames)
    gc.collect()
    assert sum(isinstance(o, Dataset) for o in gc.get_objects()) == before
    # The tag browser asks for the header: it is read then, whole, and kept.
    header = series.frames[0].instance.header
    assert header is not None and header.PatientName == "Demo^Phantom"
    assert series.frames[0].instance.header is header


def _bytes_read_by_scan(folder: Path) -> int:
    io = Path("/proc/self/io")
    before = int(io.read_text().split("rchar:")[1].split()[0])
    scan([folder])
    after = int(io.read_text().split("rchar:")[1].split()[0])
    return after - before


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
def test_bytes_read_per_file_stay_bounded_as_the_folder_grows(tmp_path):
    # 256² slices hold 128 KiB of pixels each: the scan reads the header, not them, and a
    # folder five times larger costs five times the bytes (linear, by count not time).
    small, large = tmp_path / "small", tmp_path / "large"
    write_phantom_series(small, slices=20, size=256)
    write_phantom_series(large, slices=100, size=256)
    _bytes_read_by_scan(small)  # anything the first scan loads lazily
    per_small = _bytes_read_by_scan(small) / 20
    per_large = _bytes_read_by_scan(large) / 100
    assert per_small <= 16384 and per_large <= 16384, (per_small, per_large)
    assert per_large <= per_small * 1.1


def test_big_folder_with_broken_files_lists_them_and_opens_the_rest(tmp_path):
    folder = tmp_path / "big"
    files = write_phantom_series(folder, slices=1000, size=16)
    good = files[10].read_bytes()
    (folder / "cut_in_pixels.dcm").write_bytes(good[:-100])
    (folder / "cut_in_header.dcm").write_bytes(good[:300])
    (folder / "empty.dcm").write_bytes(b"")
    (folder / "garbage.dcm").write_bytes(b"\x00" * 128 + b"DICM" + b"\xff" * 400)
    (folder / "notes.txt").write_text("not an image")
    shutil.copy(sample("MR_small_bigendian.dcm"), folder / "other.dcm")
    result = scan([folder])
    reasons = {p.path.name: p.reason for p in result.problems}
    expected = {}
    for name in ("cut_in_pixels.dcm", "cut_in_header.dcm", "empty.dcm", "garbage.dcm"):
        try:
            read_instance(folder / name)
        except Exception as exc:  # noqa: BLE001 - the thorough reader's own words
            expected[name] = exc.reason  # type: ignore[attr-defined]
    expected["notes.txt"] = "not a DICOM file or supported image"
    assert reasons == expected
    assert reasons["cut_in_pixels.dcm"] == "file is truncated (pixel data incomplete)"
    ct = [s for s in result.all_series() if s.modality == "CT"]
    assert len(ct) == 1 and len(ct[0].frames) == 1000 and ct[0].sorted_by == "position"
    assert sum(len(s.instances) for s in result.all_series()) == 1001  # + the MR


def test_lightbox_info_imports_neither_pydicom_nor_numpy(tmp_path):
    write_phantom_series(tmp_path / "ct", slices=3, size=16)
    code = ("import sys; from viewer.cli.main import main; rc = main(['info', sys.argv[1]]); "
            "print('heavy:', sorted(m for m in ('pydicom', 'numpy') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ct")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=True)
    assert "3 image(s), 16x16, sorted by position" in done.stdout
    assert "heavy: []" in done.stdout


def test_pydicom_reads_quietly_whoever_imports_it_first():
    # viewer.io no longer imports pydicom; its reading setting still applies on import.
    code = ("import viewer.io, pydicom.config as c; "
            "print(c.settings.reading_validation_mode == c.IGNORE)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.strip() == "True"


def test_compressed_file_cut_short_goes_to_the_thorough_reader(tmp_path):
    (path,) = write_phantom_series(tmp_path / "ct", slices=1, size=32,
                                   transfer_syntax="1.2.840.10008.1.2.4.90")
    whole = path.read_bytes()
    assert read_quick_instance(path) is not None
    path.write_bytes(whole[:-100])
    assert read_quick_instance(path) is None
