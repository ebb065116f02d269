"""Results back to the PACS against the real Orthanc (tests/net/conftest.py): the demo study
retrieved, a bundled model run on it with ``lightbox infer --dicom --send``, the SEG and
the SR found again in Orthanc by a series-level C-FIND and retrieved back byte for byte,
the audit record of each send verifying; a refused association, an unknown node, a file
Lightbox does not send, the automatic send a site turns on."""

from __future__ import annotations

import json
from pathlib import Path

import pydicom
import pytest

from tests.pacs_server import Orthanc, site_file
from viewer.audit.log import AuditLog, series_hash
from viewer.cli.ai import infer_main
from viewer.cli.audit import main as audit_main
from viewer.cli.pacs import main as pacs_main
from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import Settings, load_settings
from viewer.net.dimse import node_named
from viewer.net.errors import NodeNotConfiguredError
from viewer.net.query import Query, find
from viewer.net.retrieve import retrieve
from viewer.net.send import read_objects, send

pytestmark = pytest.mark.usefixtures("private_audit")

MODELS = Path(__file__).resolve().parents[2] / "models"
SEG, SR3D = "1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.88.34"


def settings_for(tmp_path: Path, orthanc: Orthanc, extra: str = "", web: str = "",
                 **kw: object) -> Settings:
    """The tests' site file with ``extra`` top-level keys (before the node's table), and
    the DICOMweb node "web" at the URL ``web`` when given."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = site_file(tmp_path / "site.toml", orthanc, tmp_path / "store", **kw)  # type: ignore[arg-type]
    path.write_text(extra + path.read_text(encoding="utf-8")
                    + (f'[dicomweb_nodes.web]\nurl = "{web}"\n' if web else ""),
                    encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problems == ()
    return loaded


def body(path: Path) -> bytes:
    """The data set's bytes after the file meta (what C-STORE carries)."""
    from pynetdicom.dsutils import split_dataset

    _, offset = split_dataset(path)
    return path.read_bytes()[offset:]


@pytest.fixture
def phantom_here(orthanc, tmp_path) -> tuple[Settings, Path]:
    """The demo study retrieved from Orthanc by C-GET, as a reader would pull it."""
    settings = settings_for(tmp_path, orthanc, 'results_destination = "orthanc"\n')
    outcome = retrieve(node_named(settings, "orthanc"), settings, orthanc.studies["phantom"])
    assert outcome.complete
    return settings, settings.pacs_store_dir / orthanc.studies["phantom"]


def test_results_sent_found_again_and_audited(orthanc, phantom_here, tmp_path, capsys):
    settings, study = phantom_here
    node = node_named(settings, "orthanc")
    (source_series,) = {pydicom.dcmread(p, stop_before_pixels=True).SeriesInstanceUID
                        for p in study.rglob("*.dcm")}
    out = tmp_path / "out"
    sent: list[Path] = []
    try:
        for model, to in (("ct-body-seg", ["--send"]), ("ct-lesion-cls", ["--send-to", "orthanc"])):
            code = infer_main([str(study), "--model", model, "--frame", "5", "--out", str(out),
                               "--models-dir", str(MODELS), "--accept-warnings", *to],
                              settings=settings)
            err = capsys.readouterr().err
            assert code == 0, err
            assert "1 object(s) sent to orthanc (ORTHANCTEST@127.0.0.1:" in err
        seg, sr = out / "ct-body-seg-seg.dcm", out / "ct-lesion-cls-sr.dcm"
        sent = [seg, sr]
        for path, modality, sop_class in ((seg, "SEG", SEG), (sr, "SR", SR3D)):
            written = pydicom.dcmread(path)
            assert written.SOPClassUID == sop_class
            found = find(node, Query(level="series", study_uid=orthanc.studies["phantom"],
                                     modality=modality), settings).matches
            assert [m.series_uid for m in found] == [written.SeriesInstanceUID], modality
            back = retrieve(node, settings, orthanc.studies["phantom"], written.SeriesInstanceUID)
            assert back.complete and back.stored == 1
            (copy,) = (settings.pacs_store_dir / orthanc.studies["phantom"]).rglob(
                f"{written.SOPInstanceUID}*")
            assert pydicom.dcmread(copy).SOPInstanceUID == written.SOPInstanceUID
            assert body(copy) == body(path), f"the {modality} came back changed"
        records = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        assert [r["outcome"] for r in records] == ["ok", "ok"]
        first = records[0]
        assert (first["node"], first["ae_title"]) == ("orthanc", "ORTHANCTEST")
        assert first["address"] == f"127.0.0.1:{orthanc.dicom_port}"
        assert first["trigger"] == "reader" and first["user"]
        (obj,) = first["objects"]
        seg_ds = pydicom.dcmread(seg)
        assert obj["sop_class"] == SEG and obj["status"] == "sent"
        assert obj["instance_hash"] == series_hash(seg_ds.SOPInstanceUID)
        assert obj["study_hash"] == series_hash(orthanc.studies["phantom"])
        assert obj["references"] == [series_hash(source_series)]
        assert obj["model_id"] == "ct-body-seg" and len(obj["model_digest"]) == 64
        assert records[1]["objects"][0]["model_id"] == "ct-lesion-cls"
        text = AuditLog.of(settings).path.read_text()
        for uid in (orthanc.studies["phantom"], source_series, seg_ds.SOPInstanceUID):
            assert uid not in text  # UIDs only as keyed hashes, as the AI-run records
        assert "Phantom" not in text and str(seg_ds.PatientID) not in text
        assert audit_main(["verify"], settings) == 0
    finally:
        for path in sent:
            if path.exists():
                orthanc.forget_series(pydicom.dcmread(path).SeriesInstanceUID)


def test_pacs_send_command_and_auto_send(orthanc, phantom_here, tmp_path, capsys):
    settings, study = phantom_here
    auto = settings_for(tmp_path / "auto", orthanc,
                        'results_destination = "orthanc"\nresults_auto_send = true\n')
    assert auto.results_auto_send and not settings.results_auto_send
    out = tmp_path / "out"
    written: list[Path] = []
    try:
        # No --send, no --dicom: the site sends every run's results.
        assert infer_main([str(study), "--model", "ct-lesion-cls", "--frame", "3", "--out",
                           str(out), "--models-dir", str(MODELS), "--accept-warnings"],
                          settings=auto) == 0
        written.append(out / "ct-lesion-cls-sr.dcm")
        (record,) = [r for r in AuditLog.of(auto).records() if r.get("event") == "send"]
        assert record["trigger"] == "automatic" and record["outcome"] == "ok"
        # The same file again by the IT command: Orthanc takes it again (same instance).
        capsys.readouterr()
        assert pacs_main(["send", "orthanc", str(written[0])], settings) == 0
        err = capsys.readouterr().err
        assert "1/1 sent: ct-lesion-cls-sr.dcm (Comprehensive 3D SR)" in err
        assert audit_main(["verify"], settings) == 0
    finally:
        for path in written:
            if path.exists():
                orthanc.forget_series(pydicom.dcmread(path).SeriesInstanceUID)


def test_a_refused_association_is_named_and_audited(orthanc, phantom_here, tmp_path, capsys):
    settings, study = phantom_here
    assert infer_main([str(study), "--model", "ct-lesion-cls", "--frame", "2", "--out",
                       str(tmp_path / "out"), "--models-dir", str(MODELS),
                       "--accept-warnings", "--dicom"], settings=settings) == 0
    wrong = settings_for(tmp_path / "wrong", orthanc, ae="NOTORTHANC")
    capsys.readouterr()
    assert pacs_main(["send", "orthanc", str(tmp_path / "out" / "ct-lesion-cls-sr.dcm")],
                     wrong) == 1
    err = capsys.readouterr().err
    assert "refused to talk to this workstation" in err and "0 of 1 object(s)" in err
    (record,) = [r for r in AuditLog.of(wrong).records() if r.get("event") == "send"]
    assert record["outcome"] == "refused" and record["objects"][0]["status"] == "not sent"
    assert record["ae_title"] == "NOTORTHANC"
    assert audit_main(["verify"], wrong) == 0


def test_each_objects_outcome_is_named(orthanc, phantom_here, tmp_path, capsys):
    """One send of two objects: the first stored, the second in a transfer syntax the
    node does not take (the tests' Orthanc refuses deflate) refused by context, not
    converted; exit status 1, both outcomes in the audit record."""
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    settings, study = phantom_here
    out = tmp_path / "out"
    assert infer_main([str(study), "--model", "ct-lesion-cls", "--frame", "4", "--out",
                       str(out), "--models-dir", str(MODELS), "--accept-warnings",
                       "--dicom"], settings=settings) == 0
    plain = out / "ct-lesion-cls-sr.dcm"
    deflated = tmp_path / "deflated-sr.dcm"
    ds = pydicom.dcmread(plain)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    ds.file_meta.TransferSyntaxUID = DeflatedExplicitVRLittleEndian
    ds.save_as(deflated, enforce_file_format=True)
    capsys.readouterr()
    try:
        assert pacs_main(["send", "orthanc", str(plain), str(deflated)], settings) == 1
        err = capsys.readouterr().err
        assert "1/2 sent: ct-lesion-cls-sr.dcm" in err
        assert "2/2 refused: deflated-sr.dcm (Comprehensive 3D SR)" in err
        assert "does not accept Comprehensive 3D SR objects in transfer syntax" in err
        assert "1 of 2 object(s) stored by orthanc" in err
        (record,) = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        assert record["outcome"] == "error" and record["sent"] == 1
        assert [o["status"] for o in record["objects"]] == ["sent", "refused"]
        assert audit_main(["verify"], settings) == 0
    finally:
        orthanc.forget_series(ds.SeriesInstanceUID)


def test_key_images_and_annotations_go_too(orthanc, phantom_here, tmp_path, capsys):
    """The reader's key-image selection (KOS) and saved measurements (GSPS), as Lightbox
    writes them, sent by the IT command and found again as series KO and PR."""
    from viewer.io.key_objects import write_kos
    from viewer.io.presentation_state import Graphic, write_gsps

    settings, study = phantom_here
    node = node_named(settings, "orthanc")
    images = {str(pydicom.dcmread(p, stop_before_pixels=True).SOPInstanceUID): p
              for p in study.rglob("*.dcm")}
    first, second = sorted(images)[:2]
    kos = write_kos([(first, 0), (second, 0)], images, tmp_path / "keys.dcm")
    gsps = write_gsps([Graphic("distance", ((10.0, 10.0), (40.0, 30.0)), first, text="36 mm")],
                      images, tmp_path / "measurements.dcm")
    sent = {"KO": pydicom.dcmread(kos).SeriesInstanceUID,
            "PR": pydicom.dcmread(gsps).SeriesInstanceUID}
    try:
        assert pacs_main(["send", "orthanc", str(kos), str(gsps)], settings) == 0, \
            capsys.readouterr().err
        for modality, series_uid in sent.items():
            found = find(node, Query(level="series", study_uid=orthanc.studies["phantom"],
                                     modality=modality), settings).matches
            assert [m.series_uid for m in found] == [series_uid], modality
        (record,) = [r for r in AuditLog.of(settings).records() if r.get("event") == "send"]
        image_series = series_hash(pydicom.dcmread(images[first]).SeriesInstanceUID)
        assert [(o["status"], o["references"]) for o in record["objects"]] == [
            ("sent", [image_series]), ("sent", [image_series])]
        assert all("model_id" not in o for o in record["objects"])  # not AI objects
    finally:
        for series_uid in sent.values():
            orthanc.forget_series(series_uid)


def test_a_cancelled_send_stops_between_objects(orthanc, phantom_here, tmp_path):
    """Cancelled after the first object: it is stored, the second is "not sent"."""
    from viewer.io.key_objects import write_kos
    from viewer.tasks.cancel import CancelToken

    settings, study = phantom_here
    uid = str(pydicom.dcmread(next(study.rglob("*.dcm")), stop_before_pixels=True).SOPInstanceUID)
    paths = [write_kos([(uid, 0)], {uid: next(study.rglob("*.dcm"))}, tmp_path / f"k{i}.dcm")
             for i in range(2)]
    token = CancelToken()
    seen = []

    def cancel_after_first(progress):
        seen.append(progress.done)
        token.cancel()

    try:
        outcome = send(node_named(settings, "orthanc"), settings, read_objects(paths),
                       progress=cancel_after_first, token=token)
        assert seen == [1] and outcome.cancelled and not outcome.ok
        assert [o.status for o in outcome.objects] == ["sent", "not sent"]
    finally:
        for path in paths:
            orthanc.forget_series(pydicom.dcmread(path).SeriesInstanceUID)


def test_status_codes_are_sorted_and_named() -> None:
    from viewer.net.send import _meaning, _status

    assert [_status(c) for c in (0x0000, 0x0001, 0xB000, 0xB007, 0xA700, 0xC123, 0x0122)] == [
        "sent", "warning", "warning", "warning", "failed", "failed", "failed"]
    assert _meaning(0xA701) == "status 0xA701 (out of resources)"
    assert _meaning(0xC005) == "status 0xC005 (cannot understand)"


def test_only_lightbox_results_to_configured_nodes(orthanc, phantom_here, tmp_path, capsys):
    settings, study = phantom_here
    image = next(study.rglob("*.dcm"))
    before = AuditLog.of(settings).records()
    # An image of the study is not a result: Lightbox does not forward patients' images.
    assert pacs_main(["send", "orthanc", str(image)], settings) == 2
    assert "not a kind of object Lightbox sends back" in capsys.readouterr().err
    assert pacs_main(["send", "elsewhere", str(image)], settings) == 2
    assert "no node named 'elsewhere' is configured" in capsys.readouterr().err
    assert AuditLog.of(settings).records() == before  # nothing sent, nothing recorded
    stranger = DicomNode("orthanc", "ORTHANCTEST", "127.0.0.2", orthanc.dicom_port)
    with pytest.raises(NodeNotConfiguredError, match="not one the site configured"):
        send(stranger, settings, [])
    assert read_objects([]) == []
    empty = send(node_named(settings, "orthanc"), settings, [])
    assert empty.objects == () and empty.ok  # no association opened for nothing


def test_the_destination_is_the_sites_alone(tmp_path) -> None:
    node = '[dicom_nodes.pacs]\nae_title = "PACS"\nhost = "pacs.local"\nport = 104\n'
    site = tmp_path / "site.toml"
    site.write_text('results_destination = "nowhere"\nresults_auto_send = true\n' + node)
    loaded = load_settings(site)
    assert loaded.results_destination is None and not loaded.results_auto_send
    assert any("results_destination names 'nowhere'" in p for p in loaded.problems)
    site.write_text(node)
    prefs = tmp_path / "prefs.json"
    prefs.write_text(json.dumps({"schema_version": 4, "results_destination": "pacs",
                                 "results_auto_send": True}))
    mine = load_settings(site, prefs)
    assert mine.results_destination is None and not mine.results_auto_send
