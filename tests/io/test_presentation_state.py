"""Annotations as GSPS and key images as KOS: what pydicom sees in the files, read back."""

from __future__ import annotations

import os
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest

from tests.io.conftest import ct_slice, write
from viewer.io.atomic import ExportError
from viewer.io.key_objects import KOS_SOP_CLASS, read_kos, write_kos
from viewer.io.key_objects import default_name as kos_name
from viewer.io.presentation_state import (
    GSPS_SOP_CLASS,
    AnnotationFileError,
    Graphic,
    build_gsps,
    default_name,
    image_header,
    read_gsps,
    write_gsps,
)

SERIES = "1.2.826.0.1.3680043.8.498.2"


@pytest.fixture
def images(tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for z in range(2):
        ds = ct_slice((0, 0, z), size=(64, 64))
        paths[ds.SOPInstanceUID] = write(ds, tmp_path / f"im{z}.dcm")
    return paths


def _graphics(uids: list[str]) -> list[Graphic]:
    a, b = uids
    return [
        Graphic("distance", ((10.25, 12.5), (40.125, 30.0)), a, 0, "17.5 mm",
                {"kind": "distance", "points": [[10.25, 12.5], [40.125, 30.0]]}),
        Graphic("angle", ((5.0, 5.0), (20.0, 20.0), (35.0, 5.0)), a, 0, "90.0°"),
        Graphic("ellipse", ((30.0, 10.0), (10.0, 20.0)), b, 0, "Area 39.3 mm²; Mean 54.0 SD 3.2 HU"),
        Graphic("rectangle", ((2.0, 3.0), (12.0, 9.0)), b, 0, "Area 15.0 mm²"),
    ]


def test_gsps_holds_graphics_text_references_and_window(images, tmp_path):
    uids = list(images)
    path = write_gsps(_graphics(uids), images, tmp_path / default_name(SERIES, 1),
                      window=(40.0, 400.0))
    assert path.name == "lightbox-annotations-s1-" + path.name.split("-")[-1]
    assert "Synthetic" not in path.name
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == GSPS_SOP_CLASS and ds.Modality == "PR"
    assert ds.StudyInstanceUID == "1.2.826.0.1.3680043.8.498.1"
    [ref_series] = ds.ReferencedSeriesSequence
    assert ref_series.SeriesInstanceUID == SERIES
    assert {i.ReferencedSOPInstanceUID for i in ref_series.ReferencedImageSequence} == set(uids)
    items = ds.GraphicAnnotationSequence
    assert [i.GraphicObjectSequence[0].GraphicType for i in items] == \
        ["POLYLINE", "POLYLINE", "ELLIPSE", "POLYLINE"]
    distance, angle, ellipse, rect = (i.GraphicObjectSequence[0] for i in items)
    assert np.allclose(distance.GraphicData, [10.25, 12.5, 40.125, 30.0])
    assert angle.NumberOfGraphicPoints == 3
    assert np.allclose(ellipse.GraphicData, [30, 15, 10, 15, 20, 10, 20, 20])  # major first
    assert np.allclose(rect.GraphicData, [2, 3, 12, 3, 12, 9, 2, 9, 2, 3])
    assert items[0].TextObjectSequence[0].UnformattedTextValue == "17.5 mm"
    assert "Mean 54.0 SD 3.2 HU" in items[2].TextObjectSequence[0].UnformattedTextValue
    assert items[0].ReferencedImageSequence[0].ReferencedSOPInstanceUID == uids[0]
    voi = ds.SoftcopyVOILUTSequence[0]
    assert (float(voi.WindowCenter), float(voi.WindowWidth)) == (40.0, 400.0)
    # The reader's work, not an AI result.
    assert "AI" not in str(ds.get("SeriesDescription", ""))
    assert not any("AI" in str(e.get("ContributionDescription", "")) or "DeviceUID" in e
                   for e in ds.get("ContributingEquipmentSequence", []))
    assert ds.ContentLabel == "MEASUREMENTS"


def test_gsps_reads_back_kinds_points_frames_and_window(images, tmp_path):
    uids = list(images)
    written = _graphics(uids)
    state = read_gsps(write_gsps(written, images, tmp_path / "a.dcm", window=(40.0, 400.0)))
    assert state.series_uids == (SERIES,) and state.image_uids == frozenset(uids)
    assert state.window == (40.0, 400.0) and state.skipped == 0
    assert [(g.kind, g.sop_instance_uid, g.frame) for g in state.graphics] == \
        [(g.kind, g.sop_instance_uid, g.frame) for g in written]
    assert state.graphics[0].record == written[0].record  # Lightbox's exact record
    for got, want in zip(state.graphics, written, strict=True):
        assert np.allclose(got.points, want.points)
        assert got.text == want.text


def test_points_past_the_edge_stay_on_the_image_in_the_standard_part(images, tmp_path):
    uid = next(iter(images))
    g = Graphic("distance", ((-5.0, 10.0), (80.0, 10.0)), uid, 0, "1 mm",
                {"kind": "distance", "points": [[-5.0, 10.0], [80.0, 10.0]]})
    ds = pydicom.dcmread(write_gsps([g], images, tmp_path / "a.dcm"))
    assert list(ds.GraphicAnnotationSequence[0].GraphicObjectSequence[0].GraphicData) == [0, 10, 64, 10]
    assert read_gsps(tmp_path / "a.dcm").graphics[0].points == ((-5.0, 10.0), (80.0, 10.0))


def test_other_viewers_graphics_are_read_and_unknown_ones_counted(images, tmp_path):
    uid = next(iter(images))
    header = image_header(images[uid])
    layer = hd.pr.GraphicLayer("L", 1)
    objects = [hd.pr.GraphicObject("POLYLINE", np.array([[1.0, 1.0], [5.0, 1.0]]), "PIXEL"),
               hd.pr.GraphicObject("POINT", np.array([[3.0, 3.0]]), "PIXEL"),
               hd.pr.GraphicObject("CIRCLE", np.array([[3.0, 3.0], [5.0, 3.0]]), "PIXEL")]
    gsps = hd.pr.GrayscaleSoftcopyPresentationState(
        referenced_images=[header], series_instance_uid=pydicom.uid.generate_uid(),
        series_number=1, sop_instance_uid=pydicom.uid.generate_uid(), instance_number=1,
        manufacturer="Other", manufacturer_model_name="Other", software_versions="1",
        device_serial_number="1", content_label="OTHER",
        graphic_annotations=[hd.pr.GraphicAnnotation([header], layer, graphic_objects=objects)],
        graphic_layers=[layer])
    gsps.save_as(tmp_path / "other.dcm")
    state = read_gsps(tmp_path / "other.dcm")
    assert [(g.kind, g.points, g.record) for g in state.graphics] == \
        [("distance", ((1.0, 1.0), (5.0, 1.0)), None)]
    assert state.skipped == 2


def test_corrupt_truncated_and_wrong_files_say_what_to_do(images, tmp_path):
    uid = next(iter(images))
    path = write_gsps(_graphics(list(images))[:1], images, tmp_path / "a.dcm")
    kos = write_kos([(uid, 0) for uid in images], images, tmp_path / "k.dcm")
    (tmp_path / "junk.dcm").write_bytes(b"not dicom at all" * 10)
    with pytest.raises(AnnotationFileError, match="damaged or incomplete.*unchanged"):
        read_gsps(tmp_path / "junk.dcm")
    # pydicom reads a cut file silently: wherever it is cut, the reader says so, or (cut
    # in the last bytes, past everything Lightbox uses) reads exactly what the whole holds.
    whole = {read_gsps: read_gsps(path).graphics, read_kos: read_kos(kos).images}
    for source, reader in ((path, read_gsps), (kos, read_kos)):
        data = source.read_bytes()
        for size in range(132, len(data), 7):
            cut = tmp_path / "cut.dcm"
            cut.write_bytes(data[:size])
            try:
                got = reader(cut)
            except AnnotationFileError as exc:
                assert "damaged or incomplete" in str(exc)
                continue
            assert (got.graphics if reader is read_gsps else got.images) == whole[reader]
    with pytest.raises(AnnotationFileError, match="not a presentation state"):
        read_gsps(images[uid])
    with pytest.raises(AnnotationFileError, match="not a key image selection"):
        read_kos(path)


def test_nothing_half_written_in_a_folder_that_cannot_be_written(images, tmp_path):
    graphics = _graphics(list(images))
    with pytest.raises(ExportError, match="read-only|Cannot"):
        write_gsps(graphics, images, "/sys/lightbox-annotations.dcm")  # also as root
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ExportError, match="read-only"):
                write_gsps(graphics, images, locked / "a.dcm")
            assert list(locked.iterdir()) == []
        finally:
            locked.chmod(0o700)


def test_colour_images_are_refused_with_a_way_out(images):
    uid = next(iter(images))
    header = image_header(images[uid])
    header.SamplesPerPixel = 3
    with pytest.raises(AnnotationFileError, match="Export measurements"):
        build_gsps(_graphics(list(images))[:1], {uid: header})


def test_kos_of_interest_round_trip(images, tmp_path):
    uids = list(images)
    path = write_kos([(uids[1], 0), (uids[0], 0)], images,
                     tmp_path / kos_name("1.2.826.0.1.3680043.8.498.1"))
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == KOS_SOP_CLASS and ds.Modality == "KO"
    title = ds.ConceptNameCodeSequence[0]
    assert (title.CodeValue, title.CodingSchemeDesignator, title.CodeMeaning) == \
        ("113000", "DCM", "Of Interest")
    refs = {i.ReferencedSOPSequence[0].ReferencedSOPInstanceUID
            for i in ds.ContentSequence if i.ValueType == "IMAGE"}
    assert refs == set(uids)
    evidence = ds.CurrentRequestedProcedureEvidenceSequence[0].ReferencedSeriesSequence[0]
    assert evidence.SeriesInstanceUID == SERIES
    selection = read_kos(path)
    assert selection.title == "Of Interest"
    assert sorted(selection.images) == sorted([(uids[0], 0), (uids[1], 0)])


def test_frames_of_a_multi_frame_image_are_referenced_by_number(tmp_path):
    ds = ct_slice((0, 0, 0), size=(16, 16))
    ds.NumberOfFrames = 3
    ds.PixelData = np.zeros((3, 16, 16), dtype="<i2").tobytes()
    images = {ds.SOPInstanceUID: write(ds, tmp_path / "mf.dcm")}
    uid = ds.SOPInstanceUID
    g = Graphic("distance", ((1.0, 1.0), (5.0, 5.0)), uid, 2, "1 mm")
    saved = pydicom.dcmread(write_gsps([g], images, tmp_path / "a.dcm"))
    assert saved.GraphicAnnotationSequence[0].ReferencedImageSequence[0].ReferencedFrameNumber == 3
    assert read_gsps(tmp_path / "a.dcm").graphics[0].frame == 2
    kos = write_kos([(uid, 0), (uid, 2)], images, tmp_path / "k.dcm")
    numbers = [i.ReferencedSOPSequence[0].ReferencedFrameNumber
               for i in pydicom.dcmread(kos).ContentSequence if i.ValueType == "IMAGE"]
    assert numbers == [1, 3]
    assert read_kos(kos).images == [(uid, 0), (uid, 2)]
