"""A result as plain data: what ``lightbox infer`` writes as ``MODEL-frame-NNNN.json`` and
what ``lightbox serve`` answers with (one shape for both, so a script reading one reads the
other). Provenance, probabilities, regression values, boxes in original pixels, mask label
counts, every source series; no pixels and no patient data beyond the UIDs of the source.
"""

from __future__ import annotations

import math
from typing import Any


def result_summary(res: Any) -> dict[str, Any]:
    """A result as plain data (what MODEL-frame-NNNN.json holds)."""
    p = res.provenance
    outputs: list[dict[str, Any]] = []
    for o in res.outputs:
        kind = type(o).__name__
        if kind == "MaskOutput":
            outputs.append(
                {
                    "name": o.output,
                    "kind": "mask",
                    "labels": [
                        {
                            "value": lb.value,
                            "name": lb.name,
                            "color": lb.color,
                            "pixels": o.counts.get(lb.value or 0, 0),
                        }
                        for lb in o.labels
                    ],
                }
            )
        elif kind == "LabelsOutput":
            outputs.append(
                {
                    "name": o.output,
                    "kind": "labels",
                    "probabilities": {
                        lb.name: round(pr, 6)
                        for lb, pr in zip(o.labels, o.probabilities, strict=True)
                    },
                    "top": o.top[0],
                }
            )
        elif kind == "ValuesOutput":
            outputs.append(
                {
                    "name": o.output,
                    "kind": "values",
                    "values": [
                        {"name": name, "value": value if math.isfinite(value) else None,
                         "unit": unit, "shown": o.text(i)}
                        for i, (name, unit, value) in enumerate(
                            zip(o.names, o.units, o.values, strict=True))
                    ],
                }
            )
        elif kind == "BoxesOutput":
            outputs.append(
                {
                    "name": o.output,
                    "kind": "boxes",
                    "score_threshold": o.score_threshold,
                    "boxes": [
                        {
                            "x0": round(b.x0, 3),
                            "y0": round(b.y0, 3),
                            "x1": round(b.x1, 3),
                            "y1": round(b.y1, 3),
                            "score": round(b.score, 6),
                            "class": b.class_name,
                        }
                        for b in o.boxes
                    ],
                }
            )
        elif kind == "HeatmapOutput":
            outputs.append(
                {
                    "name": o.output,
                    "kind": "heatmap",
                    "for": o.for_output,
                    "colormap": o.colormap,
                    "max": round(float(o.heatmap.max()), 6),
                    "mean": round(float(o.heatmap.mean()), 6),
                }
            )
    return {
        "ai_output": True,
        "marking": p.label,
        "not_for_clinical_use": p.not_for_clinical_use,
        "unsigned": p.unsigned,
        "model": {
            "id": p.model_id,
            "name": p.model_name,
            "version": p.model_version,
            "digest": p.model_digest,
        },
        "runtime": p.runtime,
        # computed on an inference server (viewer.inference.remote); absent when here
        **({"computed_on": {"server": p.server, "provider": p.provider}}
           if getattr(p, "server", "") else {}),
        "source": {
            "series_uid": p.series_uid,
            "sop_instance_uid": p.sop_instance_uid,
            "frame_index": p.frame_index,
            "instance_frame": p.instance_frame,
        },
        **_other_inputs(p),
        "image_size": {"rows": res.shape[0], "columns": res.shape[1]},
        "warnings_accepted": list(res.warnings),
        # vs the model's training data (docs/model-artifact.md, "reference"); null: no reference
        "ood": res.domain.as_dict() if getattr(res, "domain", None) is not None else None,
        "outputs": outputs,
        **({"volume": _volume_summary(res.volume)} if getattr(res, "volume", None) else {}),
    }


def _volume_summary(summary: Any) -> dict[str, Any]:
    """A volume run as a whole (the same in every image's JSON): label volumes in mL."""
    return {
        "frames": summary.frames,
        "voxel_mm3": round(summary.voxel_mm3, 6),
        "model_grid": list(summary.target_shape),
        "model_spacing_mm": [round(v, 4) for v in summary.target_spacing_mm],
        "labels": [{"output": v.output, "name": v.label.name, "value": v.label.value,
                    "voxels": v.voxels, "ml": round(v.ml, 3)} for v in summary.volumes],
    }


def _other_inputs(p: Any) -> dict[str, Any]:
    """``other_inputs``: the frames of other series that fed the model (multi-series models
    only; absent otherwise, so single-series results read as before)."""
    if not getattr(p, "inputs", ()):
        return {}
    return {"other_inputs": [
        {"input": s.input, "series_uid": s.series_uid, "sop_instance_uid": s.sop_instance_uid,
         "frame_index": s.frame_index, "distance_mm": round(s.distance_mm, 3),
         "resampled": s.resampled}
        for s in p.inputs]}
