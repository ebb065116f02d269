"""AI results back from DICOM: a SEG or a Measurement Report SR → :class:`Result` objects
on the frames of the series they reference, ready for the overlays.

Lightbox's own objects carry their provenance in the Contributing Equipment Sequence (see
:mod:`viewer.inference.dicom_export`); other producers' objects are shown with what their
header says (manufacturer, model, versions). An object is only ever matched to the series
whose UIDs it names: a SEG or SR that points at another series is refused with a message,
never drawn on whatever happens to be open.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import highdicom as hd
import numpy as np
from pydicom import Dataset, dcmread

from viewer.errors import LightboxError
from viewer.inference.dicom_export import MANUFACTURER, SCHEME, SEG_SOP_CLASS
from viewer.inference.manifest import Label
from viewer.inference.preprocess import Letterbox
from viewer.inference.results import (
    READ_FROM_DICOM,
    Box,
    BoxesOutput,
    LabelsOutput,
    MaskOutput,
    Output,
    Provenance,
    Result,
    ValuesOutput,
)
from viewer.io.model import Series

#: SR storage classes that can hold a TID 1500 Measurement Report.
SR_SOP_CLASSES = frozenset({
    "1.2.840.10008.5.1.4.1.1.88.22",  # Enhanced SR
    "1.2.840.10008.5.1.4.1.1.88.33",  # Comprehensive SR
    "1.2.840.10008.5.1.4.1.1.88.34",  # Comprehensive 3D SR
})
_DESCRIPTION = re.compile(r"AI model (?P<id>[^;]+); digest (?P<digest>[^;]*); (?P<use>.+)")
_LABEL_VALUE = re.compile(r" label (\d+)$")
_BOX = re.compile(r"^(?P<output>.+) box \d+ class (?P<index>\d+)$")


class ForeignResultsError(LightboxError):
    """A SEG/SR whose references do not match the series it was offered to."""


def is_result_object(sop_class_uid: str) -> bool:
    """Could this object hold AI results Lightbox can show (SEG, or an SR that may be a
    Measurement Report)?"""
    return sop_class_uid == SEG_SOP_CLASS or sop_class_uid in SR_SOP_CLASSES


def _frame_of(series: Series, path: Path) -> dict[str, int]:
    """SOP Instance UID → reading-order index, for the single-frame images of ``series``."""
    return {
        ref.instance.sop_instance_uid: i
        for i, ref in enumerate(series.frames)
        if ref.instance.number_of_frames == 1
    }


def _check_references(path: Path, ds: Dataset, refs: Sequence[tuple[str, str]], series: Series) -> dict[str, int]:
    frames = _frame_of(series, path)
    other = {uid for uid, _ in refs if uid != series.uid}
    if other or not refs:
        raise ForeignResultsError(
            f"{path.name}: these AI results refer to another series, not the one shown; "
            "they are not displayed"
        )
    missing = [sop for _, sop in refs if sop not in frames]
    if missing:
        raise ForeignResultsError(
            f"{path.name}: {len(missing)} referenced image(s) are not in this series; "
            "the AI results are not displayed"
        )
    if str(ds.get("StudyInstanceUID", "")) != series.study_uid:
        raise ForeignResultsError(f"{path.name}: these AI results belong to another study")
    return frames


def _provenance(ds: Dataset, series_uid: str) -> Provenance:
    equipment = [
        item for item in ds.get("ContributingEquipmentSequence", [])
        if str(item.get("Manufacturer", "")) == MANUFACTURER
    ]
    if equipment:
        item = equipment[-1]
        versions = item.get("SoftwareVersions", "")
        version = str(versions[0] if isinstance(versions, Sequence) and not isinstance(versions, str) else versions)
        match = _DESCRIPTION.match(str(item.get("ContributionDescription", "")))
        model_id = match["id"] if match else str(item.get("ManufacturerModelName", "dicom"))
        digest = match["digest"] if match else ""
        demo = bool(match and match["use"] == "not for clinical use")
        name = str(item.get("ManufacturerModelName", model_id))
    else:  # another producer's object: say what its header says, assume nothing more
        name = str(ds.get("ManufacturerModelName", "") or ds.get("Manufacturer", "") or "unknown")
        versions = ds.get("SoftwareVersions", "")
        version = str(versions[0] if isinstance(versions, Sequence) and not isinstance(versions, str) else versions)
        model_id, digest, demo = f"dicom:{ds.get('SeriesInstanceUID', '')}", "", False
    return Provenance(
        model_id=model_id, model_name=name, model_version=version, model_digest=digest,
        not_for_clinical_use=demo, runtime=READ_FROM_DICOM, series_uid=series_uid,
        sop_instance_uid="", frame_index=0, instance_frame=0,
    )


def _at(provenance: Provenance, sop: str, index: int) -> Provenance:
    from dataclasses import replace

    return replace(provenance, sop_instance_uid=sop, frame_index=index)


def _shape(series: Series, index: int) -> tuple[int, int]:
    pixel = series.frames[index].instance.pixel
    assert pixel is not None, "a series frame is always an image's frame"
    return (pixel.rows, pixel.columns)


def _identity(shape: tuple[int, int]) -> Letterbox:
    # Read-back results are already on the image grid: no model input to map from.
    return Letterbox(source=shape, target=shape, scale=(1.0, 1.0), offset=(0, 0))


# --- SEG ----------------------------------------------------------------------------------


def _hex(rgb: Sequence[int]) -> str:
    return "#" + "".join(f"{int(c):02X}" for c in rgb[:3])


def _seg_labels(seg: hd.seg.Segmentation) -> tuple[dict[int, int], tuple[Label, ...]]:
    """Segment number → label value, and the labels (background first)."""
    value_of: dict[int, int] = {}
    labels = [Label("background", 0, None)]
    for number in seg.get_segment_numbers():
        desc = seg.get_segment_description(number)
        match = _LABEL_VALUE.search(str(desc.get("TrackingID", "")))
        value = int(match.group(1)) if match else number
        color = None
        if "RecommendedDisplayCIELabValue" in desc:
            lab = hd.color.CIELabColor.from_dicom_value(desc.RecommendedDisplayCIELabValue)
            color = _hex(lab.to_rgb())
        value_of[number] = value
        labels.append(Label(str(desc.SegmentLabel), value, color))
    return value_of, tuple(labels)


def read_seg(path: str | Path, series: Series) -> list[Result]:
    path = Path(path)
    ds = dcmread(path)
    try:
        seg = hd.seg.Segmentation.from_dataset(ds, copy=False)
    except Exception as exc:
        raise ForeignResultsError(f"{path.name}: not a readable DICOM segmentation ({exc})") from exc
    refs = [(series_uid, sop) for _, series_uid, sop in seg.get_source_image_uids()]
    frames = _check_references(path, ds, refs, series)
    provenance = _provenance(ds, series.uid)
    value_of, labels = _seg_labels(seg)
    lookup = np.zeros(max(value_of, default=0) + 1, dtype=np.uint16)
    for number, value in value_of.items():
        lookup[number] = value
    dtype = np.uint8 if lookup.max(initial=0) < 256 else np.uint16
    output = str(ds.get("ContentDescription", "") or "segmentation").removeprefix("AI segmentation ")
    results = []
    for sop in dict.fromkeys(sop for _, sop in refs):
        index = frames[sop]
        numbers = seg.get_pixels_by_source_instance(
            [sop], combine_segments=True, relabel=False, skip_overlap_checks=True
        )[0]
        mask = lookup[numbers].astype(dtype)
        mask.flags.writeable = False
        values, counts = np.unique(mask, return_counts=True)
        shape = _shape(series, index)
        if mask.shape != shape:
            raise ForeignResultsError(f"{path.name}: mask size does not match the image")
        out = MaskOutput(output, labels, mask, {int(v): int(c) for v, c in zip(values, counts, strict=True)})
        results.append(Result(_at(provenance, sop, index), shape, _identity(shape), (out,)))
    return results


# --- SR -----------------------------------------------------------------------------------


def _meaning(item: object) -> str:
    return str(getattr(item, "meaning", "") or getattr(item, "CodeMeaning", ""))


def _threshold(group: Sequence[Dataset]) -> float:
    """The manifest's score threshold, kept as an algorithm parameter of the group."""
    for item in group[0].get("ContentSequence", []):
        text = str(item.get("TextValue", ""))
        if text.startswith("score threshold "):
            return float(text.split()[-1])
    return 0.0


def _decimals(group: Sequence[Dataset]) -> int:
    """The digits a values output is shown with, kept as an algorithm parameter."""
    for item in group[0].get("ContentSequence", []):
        text = str(item.get("TextValue", ""))
        if text.startswith("decimals ") and text.split()[-1].isdigit():
            return int(text.split()[-1])
    return 1


def _unit(measurement: Any) -> str:
    """A measurement's unit as a values output names it ("" for UCUM's "1")."""
    code = measurement.unit
    if code is None or (code.scheme_designator == "UCUM" and code.value == "1"):
        return ""
    if code.scheme_designator == "UCUM":
        return str({"a": "years", "[hnsf'U]": "HU"}.get(code.value, code.value))
    return _meaning(code)


def read_sr(path: str | Path, series: Series) -> list[Result]:
    path = Path(path)
    ds = dcmread(path)
    try:
        report = hd.sr.srread(path).content
        if not isinstance(report, hd.sr.MeasurementReport):  # highdicom reads other SRs too
            raise AttributeError("no TID 1500 measurement groups")
        image_groups = report.get_image_measurement_groups()
        roi_groups = report.get_planar_roi_measurement_groups()
    except Exception as exc:
        raise ForeignResultsError(
            f"{path.name}: not a Measurement Report Lightbox can read ({type(exc).__name__})"
        ) from exc
    refs: list[tuple[str, str]] = []
    evidence = {
        str(ref.ReferencedSOPInstanceUID): str(item.SeriesInstanceUID)
        for study in ds.get("CurrentRequestedProcedureEvidenceSequence", [])
        for item in study.get("ReferencedSeriesSequence", [])
        for ref in item.get("ReferencedSOPSequence", [])
    }
    image_of_group = []
    for group in image_groups:
        sops = [str(s.referenced_sop_instance_uid) for s in group.source_images]
        image_of_group.append(sops[0] if sops else "")
    roi_sops = [str(g.roi.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID)
                if g.roi is not None else "" for g in roi_groups]
    for sop in [*image_of_group, *roi_sops]:
        refs.append((evidence.get(sop, ""), sop))
    frames = _check_references(path, ds, refs, series)
    provenance = _provenance(ds, series.uid)
    outputs: dict[str, list[Output]] = {sop: [] for sop in dict.fromkeys(s for _, s in refs)}
    boxes: dict[tuple[str, str], list[Box]] = {}
    for roi_group, sop in zip(roi_groups, roi_sops, strict=True):
        match = _BOX.match(str(roi_group.tracking_identifier))
        if match is None or roi_group.roi is None:
            continue
        corners = np.asarray(roi_group.roi.value, dtype=np.float64)
        measured = roi_group.get_measurements()
        score = float(measured[0].value) if measured else 1.0
        name = _meaning(roi_group.finding_type)
        boxes.setdefault((sop, match["output"]), []).append(Box(
            float(corners[:, 0].min()), float(corners[:, 1].min()),
            float(corners[:, 0].max()), float(corners[:, 1].max()),
            score, int(match["index"]), name,
        ))
    for group, sop in zip(image_groups, image_of_group, strict=True):
        tracking = str(group.tracking_identifier)
        if tracking.endswith(" detections"):
            name = tracking.removesuffix(" detections")
            found = sorted(boxes.get((sop, name), []), key=lambda b: -b.score)
            classes = {b.class_index: b.class_name for b in found}
            outputs[sop].append(BoxesOutput(
                name, tuple(found), _threshold(group),
                tuple(Label(classes[i]) for i in sorted(classes)),
            ))
        elif tracking.endswith(" values"):
            measures = group.get_measurements()
            outputs[sop].append(ValuesOutput(
                tracking.removesuffix(" values"),
                tuple(_meaning(m.name) for m in measures),
                tuple(_unit(m) for m in measures),
                _decimals(group),
                tuple(float(m.value) for m in measures),
            ))
        elif tracking.endswith(" classification"):
            measures = group.get_measurements()
            outputs[sop].append(LabelsOutput(
                tracking.removesuffix(" classification"),
                tuple(Label(_meaning(m.name).removeprefix("probability of ")) for m in measures),
                tuple(float(m.value) for m in measures),
            ))
    results = []
    for sop, outs in outputs.items():
        if outs:
            index = frames[sop]
            shape = _shape(series, index)
            results.append(Result(_at(provenance, sop, index), shape, _identity(shape), tuple(outs)))
    return sorted(results, key=lambda r: r.provenance.frame_index)


def read_results(path: str | Path, series: Series) -> list[Result]:
    """A SEG or SR file → its AI results on ``series`` (ForeignResultsError if they are
    not about it)."""
    path = Path(path)
    sop_class = str(dcmread(path, stop_before_pixels=True, specific_tags=["SOPClassUID"]).get("SOPClassUID", ""))
    if sop_class == SEG_SOP_CLASS:
        return read_seg(path, series)
    if sop_class in SR_SOP_CLASSES:
        return read_sr(path, series)
    raise ForeignResultsError(f"{path.name}: not a DICOM SEG or structured report")


__all__ = ["ForeignResultsError", "SCHEME", "is_result_object", "read_results", "read_seg", "read_sr"]
