"""Every run's audit record carries its drift statistics (``stats``), computed from the
run's real input and results, bounded, with no patient data; old and new records verify
together in one chain."""

from __future__ import annotations

import json

import pydicom
import pytest

from viewer.audit.drift import aggregate
from viewer.audit.log import AuditLog, AuditRecord
from viewer.cli.audit import main as audit_main
from viewer.host.settings import load_settings
from viewer.inference import IntendedUseError, ModelRegistry, run_model
from viewer.inference.run_stats import psi_bin, psi_summary
from viewer.io.demo import write_phantom_series
from viewer.io.scan import scan


@pytest.fixture
def registry(models_dir):
    return ModelRegistry([models_dir], settings=load_settings())


def _last() -> dict:
    return AuditLog.of(load_settings()).records()[-1]


def test_a_classifier_run_records_its_input_and_output_statistics(registry, phantom):
    results = run_model(registry.get("classify"), phantom, [0, 1, 2],
                        audit_log=AuditLog.of(load_settings()))
    stats = _last()["stats"]
    assert stats["v"] == 1 and stats["provider"] == "CPUExecutionProvider"
    assert stats["warnings_accepted"] == []
    item = stats["input"]
    assert {k: item[k] for k in ("modality", "body_part", "manufacturer", "kvp", "frames",
                                 "rows", "columns", "spacing_mm", "slice_mm")} == {
        "modality": "CT", "body_part": "CHEST", "manufacturer": "Lightbox demo phantom",
        "kvp": 120.0, "frames": 3, "rows": 96, "columns": 96, "spacing_mm": [0.8, 0.8],
        "slice_mm": pytest.approx(item["slice_mm"])}
    assert item["device_model"] == "" and item["field_strength_t"] is None
    assert item["psi"] is None  # the test model has no reference statistics
    assert item["psi_thresholds"] is None
    (name,) = [o.output for o in results[0].labels]
    out = stats["output"][name]
    assert out["kind"] == "labels" and sum(out["top"].values()) == 3
    tops = [r.labels[0].top[0] for r in results]
    assert out["top"] == {label.name: tops.count(label.name)
                          for label in results[0].labels[0].labels}
    mean0 = sum(r.labels[0].probabilities[0] for r in results) / 3
    assert out["mean"][0] == pytest.approx(mean0, abs=1e-4)
    assert out["names"] == [label.name for label in results[0].labels[0].labels]
    # read back from the log (whose keys are sorted), each mean lands on its class
    read = aggregate(AuditLog.of(load_settings()).records()).outputs[name]
    for i, label in enumerate(results[0].labels[0].labels):
        expected = sum(r.labels[0].probabilities[i] for r in results) / 3
        assert read.mean[f"{label.name}"] == pytest.approx(expected, abs=1e-4)
    heat = [o.output for o in results[0].heatmaps]
    assert all(stats["output"][h] == {"kind": "heatmap"} for h in heat)


def test_mask_areas_box_scores_and_the_record_stays_small(registry, phantom):
    results = run_model(registry.get("threshold"), phantom, audit_log=AuditLog.of(load_settings()))
    stats = _last()["stats"]
    mask = results[0].masks[0]
    out = stats["output"][mask.output]
    label = next(lab for lab in mask.labels if lab.value)
    pixels = sum(r.masks[0].counts.get(label.value, 0) for r in results)
    assert out == {"kind": "mask", "mm2": {label.name: pytest.approx(pixels * 0.8 * 0.8,
                                                                     abs=0.01)}}
    boxes = run_model(registry.get("detect"), phantom, audit_log=AuditLog.of(load_settings()))
    line = AuditLog.of(load_settings()).path.read_text().splitlines()[-1]
    out = json.loads(line)["stats"]["output"][boxes[0].boxes[0].output]
    scores = sorted((b.score for r in boxes for b in r.boxes[0].boxes), reverse=True)
    assert out["kind"] == "boxes" and out["count"] == len(scores)
    assert out["frames_with_boxes"] == sum(1 for r in boxes if r.boxes[0].boxes)
    assert out["scores"] == [pytest.approx(s, abs=1e-4) for s in scores[:50]]
    assert len(line) < 4096


def test_accepted_and_refused_warnings_are_recorded(registry, phantom_dir, tmp_path):
    # An MR series for a CT model: a warning the reader must accept.
    folder = tmp_path / "mr"
    folder.mkdir()
    for path in sorted(phantom_dir.glob("*.dcm"))[:2]:
        ds = pydicom.dcmread(path)
        ds.Modality = "MR"
        ds.MagneticFieldStrength = "1.5"
        ds.save_as(folder / path.name)
    series = scan([folder]).all_series()[0]
    with pytest.raises(IntendedUseError):
        run_model(registry.get("classify"), series, audit_log=AuditLog.of(load_settings()))
    refused = _last()
    assert refused["outcome"] == "refused" and refused["stats"]["warnings_accepted"] == []
    assert refused["stats"]["input"]["frames"] == 0  # the device is known, no image ran
    run_model(registry.get("classify"), series, accept_warnings=True,
              audit_log=AuditLog.of(load_settings()))
    stats = _last()["stats"]
    assert stats["warnings_accepted"] and "MR" in stats["warnings_accepted"][0]
    assert stats["input"]["field_strength_t"] == 1.5 and stats["input"]["modality"] == "MR"
    assert aggregate(AuditLog.of(load_settings()).records()).warned_runs == 1


def test_psi_summary_and_bins():
    assert psi_summary([]) is None
    s = psi_summary([0.01, 0.02, 0.07, 0.3, 2.0])
    assert s == {"p50": 0.07, "p90": pytest.approx(1.32), "max": 2.0, "n": 5,
                 "hist": [2, 1, 0, 0, 0, 1, 0, 1]}
    assert [psi_bin(v) for v in (0.0, 0.05, 0.249, 0.25, 0.99, 1.0, 50)] == [0, 1, 4, 5, 6, 7, 7]


def test_old_and_new_records_verify_together_and_an_edited_statistic_does_not(
        registry, phantom, capsys):
    settings = load_settings()
    log = AuditLog.of(settings)
    log.append(AuditRecord("old", "1", "d" * 64, "h", "onnxruntime", 0.1, 1, "ok"))
    run_model(registry.get("classify"), phantom, [0], audit_log=log)
    log.append(AuditRecord("old", "1", "d" * 64, "h", "onnxruntime", 0.1, 1, "ok"))
    records = log.records()
    assert ["stats" in r for r in records] == [False, True, False]
    assert audit_main(["verify"], settings) == 0
    assert "intact, 3 signed record(s)" in capsys.readouterr().out
    lines = log.path.read_text().splitlines()
    edited = json.loads(lines[1])
    edited["stats"]["input"]["levels"]["unlike"] += 1
    lines[1] = json.dumps(edited, ensure_ascii=False, sort_keys=True)
    log.path.write_text("\n".join(lines) + "\n")
    assert audit_main(["verify"], settings) == 1
    assert "TAMPERED" in capsys.readouterr().out


MARKS = ("Zzqmarker", "MRK-98765", "Zzqhospital", "ZZQSTATION", "19230405", "20240607",
         "1.2.826.0.1.3680043.99999")


def test_a_marked_study_leaves_no_patient_data_in_its_record(tmp_path):
    """Every identifying field of the study marked; the bundled model with reference
    statistics run on it; its record holds the device's attributes and none of the marks."""
    study = tmp_path / "study"
    paths = write_phantom_series(study, slices=3, size=128)
    for i, path in enumerate(paths):
        ds = pydicom.dcmread(path)
        ds.PatientName, ds.PatientID, ds.PatientBirthDate = "Zzqmarker^Patient", "MRK-98765", \
            "19230405"
        ds.InstitutionName, ds.StationName = "Zzqhospital", "ZZQSTATION"
        ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = "20240607"
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.99999.1"
        ds.SeriesInstanceUID = "1.2.826.0.1.3680043.99999.2"
        ds.SOPInstanceUID = f"1.2.826.0.1.3680043.99999.3.{i}"
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.ManufacturerModelName, ds.SoftwareVersions = "Scan 64", ["VB20", "SP1"]
        ds.save_as(path)
    series = scan([study]).all_series()[0]
    registry = ModelRegistry(settings=load_settings())
    results = run_model(registry.get("ct-lesion-cls"), series,
                        audit_log=AuditLog.of(load_settings()))
    assert results[0].domain is not None
    text = AuditLog.of(load_settings()).path.read_text(encoding="utf-8")
    for mark in MARKS:
        assert mark not in text
    stats = json.loads(text.splitlines()[-1])["stats"]
    item = stats["input"]
    assert (item["device_model"], item["software"]) == ("Scan 64", "VB20\\SP1")
    assert item["psi"]["n"] == 3 and sum(item["psi"]["hist"]) == 3
    t = registry.get("ct-lesion-cls").manifest.reference.thresholds
    assert item["psi_thresholds"] == [t.psi_shift, t.psi_unlike]
    assert sum(item["levels"].values()) == 3


def test_a_thousand_classes_keep_the_record_bounded(phantom):
    from viewer.inference.manifest import Label
    from viewer.inference.preprocess import Letterbox
    from viewer.inference.results import LabelsOutput, Provenance, Result
    from viewer.inference.run_stats import MAX_CLASSES, run_stats

    labels = tuple(Label(f"class {i}") for i in range(1000))
    probabilities = tuple([1 / 1000] * 1000)
    provenance = Provenance("m", "m", "1", "d", True, "onnxruntime", phantom.uid,
                            phantom.frames[0].instance.sop_instance_uid, 0, 0)
    result = Result(provenance, (96, 96), Letterbox((96, 96), (96, 96), (1.0, 1.0), (0, 0)),
                    (LabelsOutput("CLS", labels, probabilities),))
    out = run_stats(phantom, [result], provider="CPUExecutionProvider")["output"]["CLS"]
    assert len(out["mean"]) == len(out["top"]) == MAX_CLASSES
    assert list(out["top"])[:2] == ["class 0", "class 1"]
    assert len(json.dumps(out)) < 4096
