"""Structured reports read as a document a reader can follow: pydicom's SR samples,
Lightbox's own TID 1500 measurement report, and hostile files."""

from __future__ import annotations

import pydicom
import pytest
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from pydicom.tag import Tag

from tests.ai_reports import phantom_series, write_ai_report
from viewer.errors import LightboxError
from viewer.io.sr_values import MAX_POINTS, MAX_TEXT
from viewer.io.structured_report import (
    MAX_DEPTH,
    MAX_ITEMS,
    Report,
    ReportItem,
    UnreadableReportError,
    read_report,
    report_from_dataset,
)


def _walk(items: tuple[ReportItem, ...]):
    for item in items:
        yield item
        yield from _walk(item.children)


def _findings(report: Report) -> dict[str, str]:
    return {i.label: i.value for i in _walk(report.body) if i.kind == "finding"}


def test_comprehensive_sr_sample_reads_as_headings_findings_and_references(pydicom_files):
    report = read_report(pydicom_files / "test-SR.dcm")
    assert report.title == "Diagnosis" and report.document_type == "Comprehensive SR"
    assert [i.kind for i in report.body[:2]] == ["finding", "heading"]
    findings = [(i.label, i.value) for i in _walk(report.body) if i.kind == "finding"]
    assert ("Text Code", "A mass of") in findings
    assert ("Diameter", "3 Length Unit") in findings  # value and unit (a non-UCUM unit's name)
    region = next(i.region for i in _walk(report.body) if i.kind == "region")
    assert region.graphic_type == "CIRCLE" and region.points == ((0.0, 0.0), (255.0, 255.0))
    (first, second) = report.image_refs()
    assert first.sop_instance_uid == "1.2.3.4.5.0" and first.frames == (5, 2)
    assert first.frame_index == 4  # Lightbox counts frames from 0
    assert second.sop_instance_uid == "1.2.3.4.0.1" and second.frames == ()
    # A by-reference item and an item missing its value type become notes, not errors.
    assert any(i.kind == "note" and "see item 1 3 2" in i.value for i in _walk(report.body))
    assert not report.is_ai and not report.notes


def test_basic_text_sr_sample(pydicom_files):
    report = read_report(pydicom_files / "reportsi.dcm")
    assert report.document_type == "Basic Text SR"
    assert [i.label for i in report.body if i.kind == "heading"] == ["Section Heading"]
    assert _findings(report)["Report Text"] == "Enter text"
    assert len(report.image_refs()) == 2


@pytest.fixture(scope="module")
def lightbox_reports(tmp_path_factory):
    """Lightbox's own TID 1500 reports (detections, classifications) on a small phantom."""
    folder = tmp_path_factory.mktemp("sr")
    series = phantom_series(folder / "ct", slices=8)
    written = {model: write_ai_report(series, model, folder, folder / "audit")
               for model in ("ct-lesion-det", "ct-lesion-cls")}
    return series, written


def test_lightbox_measurement_report_is_marked_as_ai_with_model_and_version(lightbox_reports):
    series, written = lightbox_reports
    path, provenance = written["ct-lesion-cls"]
    report = read_report(path)
    assert report.title == "Imaging Measurement Report"
    assert report.document_type == "Comprehensive 3D SR"
    (ai,) = report.ai  # equipment and algorithm identification name the same model once
    assert (ai.name, ai.version) == (provenance.model_name, provenance.model_version)
    assert ai.manufacturer == "Lightbox" and "not for clinical use" in ai.description
    (device,) = report.observers
    assert device.kind == "device" and device.model_name == provenance.model_name
    headings = [i.label for i in _walk(report.body) if i.kind == "heading"]
    assert "Imaging Measurements" in headings and "Measurement Group" in headings
    findings = [(i.label, i.value) for i in _walk(report.body) if i.kind == "finding"]
    assert ("Algorithm Version", provenance.model_version) in findings
    assert ("Slice Thickness", "2.5 mm") in findings  # a measurement with its unit
    rows = dict(findings)["Pixel Data Rows"]  # UCUM {pixels} read as px
    assert rows.endswith(" px") and float(rows.split()[0]) == 64
    assert any(label == "Finding" and value in ("Lesion", "no lesion")
               for label, value in findings)
    probabilities = [v for k, v in findings if k.startswith("probability of")]
    assert probabilities and all(" " not in v for v in probabilities)  # no unit: a score
    refs = {r.sop_instance_uid for r in report.image_refs()}
    assert refs == {f.instance.sop_instance_uid for f in series.frames}


def test_lightbox_detection_report_has_regions_on_their_images(lightbox_reports):
    series, written = lightbox_reports
    report = read_report(written["ct-lesion-det"][0])
    findings = _findings(report)
    assert "number of detections" in findings
    regions = [i.region for i in _walk(report.body) if i.kind == "region"]
    sops = {f.instance.sop_instance_uid for f in series.frames}
    for region in regions:  # boxes, if the model found any on this small phantom
        assert region.graphic_type == "POLYLINE" and len(region.points) == 5
        assert region.image is not None and region.image.sop_instance_uid in sops


# -- hostile input --------------------------------------------------------------------------


def _sr(*items: Dataset) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.33"
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = DicomSequence([_code("T", "Hostile report")])
    ds.ContentSequence = DicomSequence(list(items))
    return ds


def _code(value: str, meaning: str, scheme: str = "99TEST") -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, scheme, meaning
    return code


def _item(value_type: str, meaning: str = "Thing", **values) -> Dataset:
    item = Dataset()
    item.RelationshipType = "CONTAINS"
    item.ValueType = value_type
    item.ConceptNameCodeSequence = DicomSequence([_code("X", meaning)])
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _num(meaning: str, number: str, unit: str) -> Dataset:
    measured = Dataset()
    measured.NumericValue = number
    measured.MeasurementUnitsCodeSequence = DicomSequence([_code(unit, unit, "UCUM")])
    return _item("NUM", meaning, MeasuredValueSequence=DicomSequence([measured]))


def test_measurements_read_with_their_units_and_bad_values_say_so():
    report = report_from_dataset(_sr(
        _num("Volume", "12.3", "ml"), _num("Density", "45", "[hnsf'U]"),
        _num("Count", "3", "1"), _item("NUM", "Empty"),
    ))
    findings = _findings(report)
    assert findings["Volume"] == "12.3 mL"
    assert findings["Density"] == "45 HU"
    assert findings["Count"] == "3"
    assert findings["Empty"] == "(no value)"


def test_missing_values_wrong_vrs_and_huge_values_are_notes_not_crashes():
    broken = _item("NUM", "Broken")
    measured = Dataset()
    # NumericValue as raw bytes of the wrong VR: pydicom fails when the value is read.
    measured[0x0040A30A] = RawDataElement(Tag(0x0040A30A), "UN", 9, b"\x00\x01garbage",
                                          0, False, True)
    broken.MeasuredValueSequence = DicomSequence([measured])
    no_type = Dataset()
    no_type.RelationshipType = "CONTAINS"
    report = report_from_dataset(_sr(
        broken, no_type, _item("TEXT", "Long", TextValue="x" * (MAX_TEXT * 3)),
        _item("IMAGE", "No reference"),
        _item("SCOORD", "Points", GraphicType="POLYLINE",
              GraphicData=[1.0] * (MAX_POINTS * 2 + 10)),
        _item("WAVEFORM", "Trace"), _item("CODE", "No code"),
    ))
    findings = _findings(report)
    assert findings["Broken"] == "(garbage is not a number)"
    assert len(findings["Long"]) == MAX_TEXT
    assert findings["Trace"] == "(waveform not shown)" and findings["No code"] == ""
    assert any(i.kind == "note" for i in report.body)
    region = next(i.region for i in report.body if i.kind == "region")
    assert len(region.points) == MAX_POINTS and region.truncated
    image = next(i for i in report.body if i.label == "No reference")
    assert image.image is None


def test_depth_and_size_are_bounded():
    deep = _item("CONTAINER", "Level")
    innermost = deep
    for _ in range(MAX_DEPTH * 4):  # a chain far deeper than any report
        child = _item("CONTAINER", "Level")
        innermost.ContentSequence = DicomSequence([child])
        innermost = child
    report = report_from_dataset(_sr(deep))
    assert any("nested deeper" in note for note in report.notes)
    wide = report_from_dataset(_sr(*[_item("TEXT", "Row", TextValue="v")
                                     for _ in range(MAX_ITEMS + 50)]))
    assert len(wide.body) == MAX_ITEMS
    assert any(f"first {MAX_ITEMS} items" in note for note in wide.notes)


def test_corrupt_truncated_or_wrong_files_raise_a_clear_error(pydicom_files, tmp_path):
    data = (pydicom_files / "test-SR.dcm").read_bytes()
    cut = tmp_path / "cut-sr.dcm"
    cut.write_bytes(data[: len(data) * 2 // 3])
    garbage = tmp_path / "garbage.dcm"
    garbage.write_bytes(b"not dicom at all" * 20)
    for path in (cut, garbage, pydicom_files / "CT_small.dcm"):
        with pytest.raises(UnreadableReportError) as info:
            read_report(path)
        assert isinstance(info.value, LightboxError)
        assert path.name in str(info.value)
    with pytest.raises(UnreadableReportError, match="truncated.*sent again"):
        read_report(cut)
    with pytest.raises(UnreadableReportError, match="not a structured report; open it as"):
        read_report(pydicom_files / "CT_small.dcm")


def test_the_report_names_no_file_path_and_reads_without_pixels(pydicom_files):
    ds = pydicom.dcmread(pydicom_files / "test-SR.dcm")
    assert report_from_dataset(ds).title == read_report(pydicom_files / "test-SR.dcm").title


def test_key_object_selection_lists_its_images(tmp_path):
    import highdicom as hd
    from pydicom.sr.codedict import codes

    from viewer.io.demo import write_phantom_series

    paths = write_phantom_series(tmp_path / "ct", slices=3, size=32)
    images = [pydicom.dcmread(p) for p in paths[:2]]
    document = hd.ko.KeyObjectSelectionDocument(
        evidence=images,
        content=hd.ko.KeyObjectSelection(
            document_title=codes.DCM.OfInterest, referenced_objects=images,
            observer_person_context=hd.sr.ObserverContext(
                observer_type=codes.DCM.Person,
                observer_identifying_attributes=hd.sr.PersonObserverIdentifyingAttributes(
                    name="Reader^Some")),
            description="Lesion images"),
        series_instance_uid=pydicom.uid.generate_uid(), series_number=20,
        sop_instance_uid=pydicom.uid.generate_uid(), instance_number=1,
        manufacturer="Lightbox tests")
    document.save_as(tmp_path / "kos.dcm")
    report = read_report(tmp_path / "kos.dcm")
    assert report.document_type == "Key Object Selection" and report.title == "Of Interest"
    assert _findings(report)["Key Object Description"] == "Lesion images"
    assert [r.sop_instance_uid for r in report.image_refs()] == [
        i.SOPInstanceUID for i in images]
    (observer,) = report.observers
    assert (observer.kind, observer.name) == ("person", "Reader^Some")
    assert not report.is_ai


def test_scoord3d_keeps_its_points_in_patient_space():
    item = _item("SCOORD3D", "Centre", GraphicType="POINT", GraphicData=[1.5, -2.0, 30.0],
                 ReferencedFrameOfReferenceUID="1.2.3")
    (region_item,) = report_from_dataset(_sr(item)).body
    region = region_item.region
    assert region.points == ((1.5, -2.0, 30.0),) and region.frame_of_reference_uid == "1.2.3"
    assert region.image is None
