"""The report view: what a reader sees of an SR, escaped; links to open images emit the
image, links to images not open say so; damaged files show why."""

from __future__ import annotations

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DicomSequence
from PySide6.QtCore import QUrl

from tests.ai_reports import phantom_series, write_ai_report
from viewer.io.structured_report import read_report, report_from_dataset
from viewer.ui.dialogs.report_html import report_html
from viewer.ui.dialogs.report_view import ReportView


@pytest.fixture
def view(qtbot):
    widget = ReportView()
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    return widget


@pytest.fixture(scope="module")
def lightbox_sr(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sr-view")
    series = phantom_series(folder / "ct", slices=6)
    path, provenance = write_ai_report(series, "ct-lesion-cls", folder, folder / "audit")
    return path, series, provenance


def test_lightbox_report_reads_as_a_document_marked_ai(view, lightbox_sr):
    path, series, provenance = lightbox_sr
    sops = [f.instance.sop_instance_uid for f in series.frames]
    assert view.show_file(path, sops)
    text = view.browser.toPlainText()
    assert text.startswith("Imaging Measurement Report")
    assert "AI-generated content" in text
    assert f"{provenance.model_name} {provenance.model_version}" in text
    assert "Imaging Measurements" in text and "Measurement Group" in text
    assert "Slice Thickness: 2.5 mm" in text
    assert "Finding:" in text and "probability of lesion:" in text
    assert "Observer: Device" in text
    assert "Patient: Demo, Phantom" in text
    assert {ref.sop_instance_uid for ref in view.links()} == set(sops)
    assert "not open" not in text
    # AI banner comes before any finding of the model.
    assert text.index("AI-generated content") < text.index("Finding:")


def test_link_to_an_open_image_emits_it_and_one_not_open_says_so(view, qtbot, lightbox_sr):
    path, series, _ = lightbox_sr
    sops = [f.instance.sop_instance_uid for f in series.frames]
    view.show_file(path, sops[:1])
    report = read_report(path)
    first = report.image_refs()[0].sop_instance_uid
    index_of = {ref.sop_instance_uid: i for i, ref in enumerate(view.links())}
    with qtbot.waitSignal(view.image_requested) as signal:
        view.browser.anchorClicked.emit(QUrl(f"ref:{index_of[sops[0]]}"))
    assert signal.args == [sops[0], 0]
    assert first in sops
    other = next(uid for uid in sops[1:] if uid in index_of)
    report_before, links_before = view.report, view.links()
    with qtbot.assertNotEmitted(view.image_requested):
        view.browser.anchorClicked.emit(QUrl(f"ref:{index_of[other]}"))
    assert view.message.isVisibleTo(view) and "not open" in view.message.text()
    assert view.report is report_before and view.links() == links_before  # nothing else changed
    assert "(not open)" in view.browser.toPlainText()
    # Foreign or forged links are never followed.
    with qtbot.assertNotEmitted(view.image_requested):
        view.browser.anchorClicked.emit(QUrl("https://example.com/"))
        view.browser.anchorClicked.emit(QUrl("ref:999"))
        view.browser.anchorClicked.emit(QUrl("file:///etc/passwd"))


def test_sample_with_frames_links_with_the_frame_counted_from_zero(view, qtbot, pydicom_files):
    view.show_file(pydicom_files / "test-SR.dcm", {"1.2.3.4.5.0"})
    assert "Diagnosis" in view.browser.toPlainText()
    assert "image frame 5, 2" in view.browser.toPlainText()
    with qtbot.waitSignal(view.image_requested) as signal:
        view.browser.anchorClicked.emit(QUrl("ref:0"))
    assert signal.args == ["1.2.3.4.5.0", 4]


def test_everything_from_the_file_is_escaped():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "X", "99T"
    code.CodeMeaning = "<script>alert(1)</script>"
    ds.ConceptNameCodeSequence = DicomSequence([code])
    item = Dataset()
    item.RelationshipType, item.ValueType = "CONTAINS", "TEXT"
    item.ConceptNameCodeSequence = DicomSequence([code])
    item.TextValue = "<a href='https://evil'>click</a><img src='file:///x.png'>"
    ds.ContentSequence = DicomSequence([item])
    ds.PatientName = "<b>Doe</b>"
    html, links = report_html(report_from_dataset(ds))
    assert "<script>" not in html and "<img" not in html and "href='https" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=" in html
    assert links == []


def test_identity_hidden_hides_the_patient(view, pydicom_files):
    view.show_file(pydicom_files / "test-SR.dcm")
    view.set_hide_identity(True)
    text = view.browser.toPlainText()
    assert "Patient: (hidden)" in text


def test_damaged_or_wrong_file_shows_why(view, tmp_path, pydicom_files):
    data = (pydicom_files / "test-SR.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(data[: len(data) // 2])
    assert not view.show_file(cut)
    text = view.browser.toPlainText()
    assert "This report cannot be shown" in text and "cut.dcm" in text
    assert view.report is None and view.links() == []
    assert not view.show_file(pydicom_files / "CT_small.dcm")
    assert "not a structured report" in view.browser.toPlainText()


def test_links_read_as_series_and_image_numbers_and_paragraphs_keep_their_lines(
        view, lightbox_sr, pydicom_files):
    from viewer.io.scan import scan
    from viewer.ui.dialogs.report_view import image_labels

    path, series, _ = lightbox_sr
    studies = scan([f.instance.path for f in series.frames]).studies
    labels = image_labels(studies)
    assert sorted(labels.values())[:2] == ["Se 1 · Im 1", "Se 1 · Im 2"]
    view.show_file(path, labels)
    assert "Source: Se 1 · Im 1" in view.browser.toPlainText()
    view.show_file(pydicom_files / "test-SR.dcm")
    text = view.browser.toPlainText()
    assert "Code: Sample Text\nA\nB\n\nC" in text or "Code: Sample Text\nA\nB\nC" in text
    assert "Patient: Test, S R" in text
