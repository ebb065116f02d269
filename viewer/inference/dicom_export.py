"""AI results as DICOM objects a PACS can keep: SEG, Measurement Report SR, and a burned-in
Secondary Capture for archives that show neither.

Every object carries the algorithm's identity the way the IHE AI Results (AIR) profile
asks: an item of the Contributing Equipment Sequence with Manufacturer "Lightbox", the
model's name as Manufacturer's Model Name, model and Lightbox versions as Software
Versions, and a Device UID derived from the model's digest (a new model build is a new
device). The objects join the source's study as new series and reference the source
images by UID; the source files are only read, never written.

Written with highdicom so the IODs are complete and checked; read back by
:mod:`viewer.inference.dicom_import`. Heatmaps are not exported (a Parametric Map would
be their home; nothing here needs it yet).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import highdicom as hd
import numpy as np
from pydicom import Dataset, dcmread
from pydicom.sr.codedict import codes
from pydicom.uid import generate_uid

import viewer
from viewer.errors import LightboxError
from viewer.host.files import write_atomic
from viewer.inference.manifest import Label
from viewer.inference.results import BoxesOutput, LabelsOutput, Provenance, Result, ValuesOutput
from viewer.io.model import Series

MANUFACTURER = "Lightbox"
#: Private coding scheme for what no standard code names (model outputs, scores).
SCHEME = "99LIGHTBOX"
#: Contributing Equipment's purpose: DCM 109102 "Processing Equipment".
PROCESSING = hd.sr.CodedConcept("109102", "DCM", "Processing Equipment")
SEG_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.66.4"
SC_SERIES_DESCRIPTION = "AI overlay — not original image"
#: Contribution Description prefix; the importer parses the rest back.
_DESCRIPTION = "AI model {id}; digest {digest}; {use}"

#: Standard (SNOMED CT) codes for the names the bundled models use; others get a private code.
_PROPERTY_CODES: dict[str, tuple[str, str]] = {
    "lung": ("39607008", "Lung"),
    "liver": ("10200004", "Liver"),
    "bone": ("272673000", "Bone"),
    "lesion": ("52988006", "Lesion"),
}
_ANATOMY = hd.sr.CodedConcept("91723000", "SCT", "Anatomical Structure")
_ABNORMAL = hd.sr.CodedConcept("49755003", "SCT", "Morphologically Abnormal Structure")


class DicomExportError(LightboxError):
    """A result that cannot be written as DICOM (e.g. its source has no DICOM header)."""


def device_uid(digest: str) -> str:
    """The model's Device UID: the same digest always gives the same UID, any change of
    the artifact (new weights, new manifest) gives a new one."""
    return generate_uid(entropy_srcs=["lightbox-model-device", digest])


def lightbox_code(meaning: str) -> hd.sr.CodedConcept:
    value = meaning.upper().replace(" ", "-")[:16]
    return hd.sr.CodedConcept(value, SCHEME, meaning[:64])


def property_type(name: str) -> hd.sr.CodedConcept:
    code = _PROPERTY_CODES.get(name.lower())
    if code is None:
        return lightbox_code(name)
    return hd.sr.CodedConcept(code[0], "SCT", code[1])


def _category(name: str) -> hd.sr.CodedConcept:
    return _ABNORMAL if name.lower() == "lesion" else _ANATOMY


def contributing_equipment(provenance: Provenance) -> hd.ContributingEquipment:
    item = hd.ContributingEquipment(
        manufacturer=MANUFACTURER,
        purpose_of_reference=PROCESSING,
        manufacturer_model_name=provenance.model_name[:64],
        software_versions=[provenance.model_version, f"Lightbox {viewer.__version__}"],
        contribution_description=_DESCRIPTION.format(
            id=provenance.model_id,
            digest=provenance.model_digest,
            use="not for clinical use" if provenance.not_for_clinical_use else "clinical",
        ),
    )
    item.DeviceUID = device_uid(provenance.model_digest)
    return item


def _algorithm(provenance: Provenance) -> hd.AlgorithmIdentificationSequence:
    return hd.AlgorithmIdentificationSequence(
        name=provenance.model_name[:64],
        family=codes.cid7162.ArtificialIntelligence,
        version=provenance.model_version,
        source=MANUFACTURER,
    )


def _series_description(kind: str, provenance: Provenance) -> str:
    demo = " (demonstration, not for clinical use)" if provenance.not_for_clinical_use else ""
    return f"AI {kind} · {provenance.model_name} {provenance.model_version}{demo}"[:64]


@dataclass(frozen=True)
class _Source:
    """The full header (no pixels) of the source image one result points at."""

    result: Result
    dataset: Dataset


def _sources(results: Sequence[Result], series: Series) -> list[_Source]:
    if not results:
        raise DicomExportError("nothing to export: no AI results")
    models = {(r.provenance.model_id, r.provenance.model_digest) for r in results}
    if len(models) != 1:
        raise DicomExportError("one DICOM object holds the results of one model version")
    found: list[_Source] = []
    for res in sorted(results, key=lambda r: r.provenance.frame_index):
        p = res.provenance
        if p.series_uid != series.uid or not 0 <= p.frame_index < len(series.frames):
            raise DicomExportError("these AI results belong to another series")
        ref = series.frames[p.frame_index]
        if ref.instance.kind != "dicom":
            raise DicomExportError(
                f"{ref.instance.path.name}: only results on DICOM images can be saved as DICOM"
            )
        if ref.instance.number_of_frames > 1:
            raise DicomExportError(
                f"{ref.instance.path.name}: results on multi-frame images cannot be saved as "
                "DICOM SEG/SR yet; use the secondary capture"
            )
        found.append(_Source(res, dcmread(ref.instance.path, stop_before_pixels=True)))
    return found


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- SEG ----------------------------------------------------------------------------------


def _segments(labels: Sequence[Label], provenance: Provenance) -> list[hd.seg.SegmentDescription]:
    algorithm = _algorithm(provenance)
    described = []
    for number, label in enumerate((lb for lb in labels if lb.value), start=1):
        color = hd.color.CIELabColor.from_rgb(*_rgb(label.color)) if label.color else None
        described.append(
            hd.seg.SegmentDescription(
                segment_number=number,
                segment_label=label.name[:64],
                segmented_property_category=_category(label.name),
                segmented_property_type=property_type(label.name),
                algorithm_type=hd.seg.SegmentAlgorithmTypeValues.AUTOMATIC,
                algorithm_identification=algorithm,
                # The label's value in the model's mask, so a read-back is value-exact
                # even when the manifest's values are not 1..n.
                tracking_id=f"{provenance.model_id} label {label.value}",
                tracking_uid=generate_uid(
                    entropy_srcs=["lightbox-segment", provenance.model_digest, str(label.value)]
                ),
                display_color=color,
            )
        )
    return described


def build_seg(results: Sequence[Result], series: Series, output: str | None = None) -> hd.seg.Segmentation:
    """One DICOM SEG (labelmap as binary segments) for a model's mask on several frames."""
    sources = _sources(results, series)
    masks = []
    for src in sources:
        found = [m for m in src.result.masks if output is None or m.output == output]
        if not found:
            raise DicomExportError("these AI results hold no segmentation mask")
        masks.append(found[0])
    labels = masks[0].labels
    provenance = sources[0].result.provenance
    number_of = {lb.value: n for n, lb in enumerate((lb for lb in labels if lb.value), start=1)}
    stack = np.zeros((len(masks), *masks[0].mask.shape), dtype=np.uint16)
    for i, mask in enumerate(masks):
        for value, number in number_of.items():
            stack[i][mask.mask == value] = number
    seg = hd.seg.Segmentation(
        source_images=[s.dataset for s in sources],
        pixel_array=stack,
        segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=_segments(labels, provenance),
        series_instance_uid=generate_uid(),
        series_number=9000,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        manufacturer_model_name=provenance.model_name[:64],
        # highdicom annotates a one-element tuple but accepts (and writes) any number
        software_versions=(provenance.model_version,  # type: ignore[arg-type]
                           f"Lightbox {viewer.__version__}"),
        device_serial_number=provenance.model_digest[:16] or "unknown",
        # Keep empty frames: "the model looked at this slice and found nothing" is a result.
        omit_empty_frames=False,
        content_label="AI_SEG",
        content_description=f"AI segmentation {masks[0].output}"[:64],
        contributing_equipment=[contributing_equipment(provenance)],
    )
    seg.SpecificCharacterSet = "ISO_IR 192"  # UTF-8: model and label names may be any text
    seg.SeriesDescription = _series_description("segmentation", provenance)
    return seg


# --- SR (TID 1500) -------------------------------------------------------------------------


_SCORE_UNIT = hd.sr.CodedConcept("1", "UCUM", "no units")


def _observer(provenance: Provenance) -> hd.sr.ObservationContext:
    device = hd.sr.DeviceObserverIdentifyingAttributes(
        uid=device_uid(provenance.model_digest),
        name=provenance.model_name[:64],
        manufacturer_name=MANUFACTURER,
        model_name=provenance.model_name[:64],
    )
    return hd.sr.ObservationContext(
        observer_device_context=hd.sr.ObserverContext(
            observer_type=codes.DCM.Device, observer_identifying_attributes=device
        )
    )


def _algorithm_id(provenance: Provenance, parameters: Sequence[str] = ()) -> hd.sr.AlgorithmIdentification:
    return hd.sr.AlgorithmIdentification(
        name=provenance.model_name[:64], version=provenance.model_version,
        parameters=list(parameters) or None,
    )


def _box_groups(src: _Source, output: BoxesOutput,
                ) -> list[hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations]:
    provenance = src.result.provenance
    groups = []
    for k, box in enumerate(output.boxes):
        corners = np.array(
            [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1],
             [box.x0, box.y0]], dtype=float,
        )
        region = hd.sr.ImageRegion(
            graphic_type=hd.sr.GraphicTypeValues.POLYLINE,
            graphic_data=corners,
            source_image=hd.sr.SourceImageForRegion.from_source_image(src.dataset),
        )
        groups.append(
            hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations(
                tracking_identifier=hd.sr.TrackingIdentifier(
                    uid=generate_uid(),
                    identifier=f"{output.output} box {k} class {box.class_index}",
                ),
                referenced_region=region,
                finding_type=property_type(box.class_name),
                algorithm_id=_algorithm_id(
                    provenance, [f"score threshold {output.score_threshold:g}"]
                ),
                measurements=[
                    hd.sr.Measurement(
                        name=lightbox_code(f"{box.class_name} score"),
                        value=float(box.score), unit=_SCORE_UNIT,
                    )
                ],
            )
        )
    return groups


def _detections_group(src: _Source, output: BoxesOutput) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    """One image-level group per analysed image, boxes or not: "looked and found nothing"
    is a result, and the group keeps the output's name and score threshold."""
    provenance = src.result.provenance
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier=f"{output.output} detections"
        ),
        algorithm_id=_algorithm_id(provenance, [f"score threshold {output.score_threshold:g}"]),
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(src.dataset)],
        measurements=[
            hd.sr.Measurement(
                name=lightbox_code("number of detections"),
                value=float(len(output.boxes)), unit=_SCORE_UNIT,
            )
        ],
    )


def _label_group(src: _Source, output: LabelsOutput) -> hd.sr.MeasurementsAndQualitativeEvaluations:
    provenance = src.result.provenance
    top, _ = output.top
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier=f"{output.output} classification"
        ),
        algorithm_id=_algorithm_id(provenance),
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(src.dataset)],
        qualitative_evaluations=[
            hd.sr.QualitativeEvaluation(name=codes.DCM.Finding, value=property_type(top))
        ],
        measurements=[
            hd.sr.Measurement(
                name=lightbox_code(f"probability of {label.name}"),
                value=float(p), unit=_SCORE_UNIT,
            )
            for label, p in zip(output.labels, output.probabilities, strict=True)
        ],
    )


#: Units a ``values`` output may name, as UCUM codes (the SR's unit code system); any other
#: unit text is kept as the code's meaning under Lightbox's own scheme.
_UCUM = {"": ("1", "no units"), "mm": ("mm", "millimeter"), "cm": ("cm", "centimeter"),
         "ml": ("mL", "milliliter"), "%": ("%", "percent"), "years": ("a", "year"),
         "year": ("a", "year"), "hu": ("[hnsf'U]", "Hounsfield unit"), "s": ("s", "second"),
         "ms": ("ms", "millisecond"), "kg": ("kg", "kilogram"), "g": ("g", "gram"),
         "mm2": ("mm2", "square millimeter"), "cm3": ("cm3", "cubic centimeter")}


def unit_code(unit: str) -> hd.sr.CodedConcept:
    known = _UCUM.get(unit.strip().lower())
    if known is not None:
        return hd.sr.CodedConcept(known[0], "UCUM", known[1])
    return lightbox_code(unit)


def _values_group(src: _Source, output: ValuesOutput,
                  ) -> hd.sr.MeasurementsAndQualitativeEvaluations | None:
    """A model's numbers for one image as numeric measurements with their units (a value
    that is not a number is left out: an SR measurement must hold one)."""
    measurements = [
        hd.sr.Measurement(name=lightbox_code(name), value=float(value), unit=unit_code(unit))
        for name, unit, value in zip(output.names, output.units, output.values, strict=True)
        if np.isfinite(value)
    ]
    if not measurements:
        return None
    return hd.sr.MeasurementsAndQualitativeEvaluations(
        tracking_identifier=hd.sr.TrackingIdentifier(
            uid=generate_uid(), identifier=f"{output.output} values"
        ),
        algorithm_id=_algorithm_id(src.result.provenance, [f"decimals {output.decimals}"]),
        source_images=[hd.sr.SourceImageForMeasurementGroup.from_source_image(src.dataset)],
        measurements=measurements,
    )


def _reported(result: Result) -> bool:
    """Whether a result holds something an SR carries (boxes, classifications, values)."""
    return bool(result.boxes or result.labels or result.values)


def build_sr(results: Sequence[Result], series: Series) -> hd.sr.Comprehensive3DSR:
    """A TID 1500 Measurement Report: boxes as planar ROIs, classifications as findings,
    regression values as numeric measurements with their units."""
    sources = _sources(results, series)
    provenance = sources[0].result.provenance
    groups: list[hd.sr.PlanarROIMeasurementsAndQualitativeEvaluations
                 | hd.sr.MeasurementsAndQualitativeEvaluations] = []
    for src in sources:
        for boxes in src.result.boxes:
            groups.append(_detections_group(src, boxes))
            groups.extend(_box_groups(src, boxes))
        for labels in src.result.labels:
            groups.append(_label_group(src, labels))
        for values in src.result.values:
            group = _values_group(src, values)
            if group is not None:
                groups.append(group)
    if not groups:
        raise DicomExportError("these AI results hold no detections, classifications or "
                               "values")
    report = hd.sr.MeasurementReport(
        observation_context=_observer(provenance),
        procedure_reported=codes.LN.CTUnspecifiedBodyRegion
        if series.modality == "CT" else lightbox_code("imaging procedure"),
        imaging_measurements=groups,
        referenced_images=[s.dataset for s in sources],
    )
    sr = hd.sr.Comprehensive3DSR(
        evidence=[s.dataset for s in sources],
        content=report,
        series_instance_uid=generate_uid(),
        series_number=9001,
        sop_instance_uid=generate_uid(),
        instance_number=1,
        manufacturer=MANUFACTURER,
        is_complete=True,
        contributing_equipment=[contributing_equipment(provenance)],
    )
    sr.SpecificCharacterSet = "ISO_IR 192"
    sr.SeriesDescription = _series_description("findings", provenance)
    return sr


# --- files ---------------------------------------------------------------------------------


def dicom_bytes(ds: Dataset) -> bytes:
    """``ds`` as a DICOM file (preamble, meta), for :func:`viewer.host.files.write_atomic`."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def write_seg(results: Sequence[Result], series: Series, path: str | Path) -> Path:
    return write_atomic(path, dicom_bytes(build_seg(results, series)))


def write_sr(results: Sequence[Result], series: Series, path: str | Path) -> Path:
    return write_atomic(path, dicom_bytes(build_sr(results, series)))


def write_dicom(results: Sequence[Result], series: Series, folder: str | Path) -> list[Path]:
    """Whatever DICOM the results call for: a SEG when they hold masks, an SR when they
    hold boxes, classifications or values. Names: ``<model-id>-seg.dcm``, ``<model-id>-sr.dcm``."""
    folder = Path(folder)
    if not results:
        return []
    model = results[0].provenance.model_id
    written = []
    if any(r.masks for r in results):
        written.append(write_seg([r for r in results if r.masks], series, folder / f"{model}-seg.dcm"))
    if any(_reported(r) for r in results):
        written.append(
            write_sr([r for r in results if _reported(r)], series, folder / f"{model}-sr.dcm")
        )
    return written
