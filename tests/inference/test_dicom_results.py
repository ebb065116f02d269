"""AI results as DICOM SEG / SR / secondary capture, read back with pydicom and highdicom,
and shown again on the same images."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import highdicom as hd
import numpy as np
import pydicom
import pytest

from viewer.audit.log import AuditLog
from viewer.cli.ai import infer_main
from viewer.host.settings import load_settings
from viewer.inference import run_model, verify_artifact
from viewer.inference.dicom_capture import (
    SC_SERIES_DESCRIPTION,
    banner_text,
    write_secondary_captures,
)
from viewer.inference.dicom_export import device_uid, write_dicom, write_seg
from viewer.inference.dicom_import import ForeignResultsError, read_results
from viewer.io.demo import write_phantom_series
from viewer.io.pixels import read_frame
from viewer.io.scan import scan

MODELS = Path(__file__).resolve().parents[2] / "models"
SEG_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
SR_CLASS = "1.2.840.10008.5.1.4.1.1.88.34"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Every bundled model's results on every slice of a small phantom."""
    folder = tmp_path_factory.mktemp("dicom-results")
    write_phantom_series(folder / "ct", slices=12, size=96)
    series = scan([folder / "ct"]).all_series()[0]
    runs = {}
    for model in ("ct-body-seg", "ct-lesion-det", "ct-lesion-cls"):
        verified = verify_artifact(MODELS / model)
        runs[model] = run_model(verified, series, None, accept_warnings=True, audit_log=AuditLog.of(load_settings()))
    return folder, series, runs


def _equipment(ds):
    return next(i for i in ds.ContributingEquipmentSequence if i.Manufacturer == "Lightbox")


def test_seg_is_valid_and_references_the_source(results, tmp_path):
    _, series, runs = results
    (path,) = write_dicom(runs["ct-body-seg"], series, tmp_path)
    ds = pydicom.dcmread(path)
    assert ds.SOPClassUID == SEG_CLASS and ds.Modality == "SEG"
    assert ds.StudyInstanceUID == series.study_uid and ds.SeriesInstanceUID != series.uid
    seg = hd.seg.Segmentation.from_dataset(ds)
    refs = seg.get_source_image_uids()
    assert {r[1] for r in refs} == {series.uid}
    assert {r[2] for r in refs} == {f.instance.sop_instance_uid for f in series.frames}
    names = [seg.get_segment_description(n).SegmentLabel for n in seg.get_segment_numbers()]
    assert names == ["lung", "liver", "bone", "lesion"]
    first = seg.get_segment_description(1)
    assert "RecommendedDisplayCIELabValue" in first
    assert first.SegmentationAlgorithmIdentificationSequence[0].AlgorithmName.startswith("CT body")
    item = _equipment(ds)
    provenance = runs["ct-body-seg"][0].provenance
    assert item.ManufacturerModelName == provenance.model_name
    assert list(item.SoftwareVersions)[0] == provenance.model_version
    assert item.DeviceUID == device_uid(provenance.model_digest)


def test_seg_shows_again_pixel_exact(results, tmp_path):
    _, series, runs = results
    (path,) = write_dicom(runs["ct-body-seg"], series, tmp_path)
    back = read_results(path, series)
    assert [r.provenance.frame_index for r in back] == list(range(len(series.frames)))
    assert any(r.masks[0].counts.get(4) for r in back)  # the lesion is in it
    for original, again in zip(runs["ct-body-seg"], back, strict=True):
        assert np.array_equal(original.masks[0].mask, again.masks[0].mask)
        assert again.provenance.model_id == "ct-body-seg"
        assert again.provenance.not_for_clinical_use
        assert again.masks[0].label_named("liver").color is not None


def test_device_uid_follows_the_digest(results, tmp_path):
    _, series, runs = results
    original = runs["ct-body-seg"][:2]
    rebuilt = [replace(r, provenance=replace(r.provenance, model_digest="f" * 64)) for r in original]
    a = _equipment(pydicom.dcmread(write_seg(original, series, tmp_path / "a.dcm"))).DeviceUID
    b = _equipment(pydicom.dcmread(write_seg(rebuilt, series, tmp_path / "b.dcm"))).DeviceUID
    again = _equipment(pydicom.dcmread(write_seg(original, series, tmp_path / "c.dcm"))).DeviceUID
    assert a != b and a == again


def test_sr_boxes_and_classifications_round_trip(results, tmp_path):
    _, series, runs = results
    for model in ("ct-lesion-det", "ct-lesion-cls"):
        (path,) = write_dicom(runs[model], series, tmp_path)
        ds = pydicom.dcmread(path)
        assert ds.SOPClassUID == SR_CLASS and ds.StudyInstanceUID == series.study_uid
        assert ds.ConceptNameCodeSequence[0].CodeValue == "126000"  # Imaging Measurement Report
        assert ds.ContentTemplateSequence[0].TemplateIdentifier == "1500"
        assert hd.sr.srread(path).content.get_image_measurement_groups()
        assert _equipment(ds).DeviceUID == device_uid(runs[model][0].provenance.model_digest)
        back = read_results(path, series)
        assert len(back) == len(runs[model])
        for original, again in zip(runs[model], back, strict=True):
            assert again.provenance.frame_index == original.provenance.frame_index
            for a, b in zip(original.boxes, again.boxes, strict=True):
                assert b.score_threshold == pytest.approx(a.score_threshold)
                assert len(a.boxes) == len(b.boxes)
                for x, y in zip(a.boxes, b.boxes, strict=True):
                    assert (y.x0, y.y0, y.x1, y.y1) == pytest.approx((x.x0, x.y0, x.x1, x.y1), abs=1e-4)
                    assert (y.class_name, y.class_index) == (x.class_name, x.class_index)
                    assert y.score == pytest.approx(x.score)
            for a, b in zip(original.labels, again.labels, strict=True):
                assert [lb.name for lb in b.labels] == [lb.name for lb in a.labels]
                assert b.probabilities == pytest.approx(a.probabilities)
    assert any(r.boxes[0].boxes for r in runs["ct-lesion-det"])  # some slice has a box


def test_results_for_another_series_are_refused(results, tmp_path):
    _, series, runs = results
    (path,) = write_dicom(runs["ct-body-seg"], series, tmp_path)
    other = scan([results[0] / "ct"]).all_series()[0]
    other.uid = "1.2.3.4"  # the same pixels under another series' identity
    with pytest.raises(ForeignResultsError, match="another series"):
        read_results(path, other)


def test_scan_lists_seg_and_sr_without_images(results):
    folder, series, runs = results
    write_dicom(runs["ct-body-seg"], series, folder / "ct")
    write_dicom(runs["ct-lesion-det"], series, folder / "ct")
    scanned = scan([folder / "ct"])
    (study,) = scanned.studies
    kinds = {s.modality: s for s in study.series}
    assert {"CT", "SEG", "SR"} <= set(kinds)
    assert not kinds["SEG"].has_images and not kinds["SR"].has_images
    assert not scanned.problems


def test_secondary_capture_opens_as_labelled_rgb(results, tmp_path):
    _, series, runs = results
    lesion = next(r for r in runs["ct-lesion-det"] if r.boxes[0].boxes)
    (path,) = write_secondary_captures([lesion], series, tmp_path)
    (sc,) = scan([path]).all_series()
    assert sc.description == SC_SERIES_DESCRIPTION and sc.study_uid == series.study_uid
    assert sc.uid != series.uid
    header = sc.frames[0].instance.header
    assert header.BurnedInAnnotation == "YES"
    pixels = read_frame(sc.frames[0])
    assert pixels.shape == (96, 96, 3)
    assert (pixels[2:6, 2:40] == [160, 0, 0]).any(axis=-1).any()  # the red banner
    assert (pixels[2:13, 3:90] == 255).all(axis=-1).sum() > 50  # its text, in white
    source = read_frame(series.frames[lesion.provenance.frame_index])
    assert source.ndim == 2  # the original is untouched and still grey


def test_the_banner_draws_any_model_name_in_its_latin_1_font():
    """The banner's bitmap font (the frozen app has no FreeType) holds Latin-1: dashes and
    quotes become their plain forms, other scripts "?", never an error."""
    assert banner_text("AI · Modèle “CT” — v1…") == 'AI · Modèle "CT" - v1...'
    assert banner_text("AI · 肺結節 2.0") == "AI · ??? 2.0"


def test_infer_dicom_writes_seg_beside_the_json(results, tmp_path):
    folder, _, _ = results
    out = tmp_path / "out"
    args = [str(folder / "ct"), "--model", "ct-body-seg", "--out", str(out), "--frame", "5",
            "--models-dir", str(MODELS), "--dicom", "--dicom-sc", "--accept-warnings"]
    assert infer_main(args) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "ct-body-seg-seg.dcm" in names and "ct-body-seg-frame-0005.json" in names
    assert "ct-body-seg-sc-0005.dcm" in names
    assert pydicom.dcmread(out / "ct-body-seg-seg.dcm").SOPClassUID == SEG_CLASS
