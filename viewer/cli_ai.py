"""``lightbox models`` and ``lightbox infer``: the AI path without a display.

    lightbox models [--models-dir DIR ...] [--json]
    lightbox infer PATH --model ID --out DIR [--models-dir DIR ...]
                   [--frame N | --all] [--series UID] [--accept-warnings]

``models`` lists every artifact with its verification status (exit 0 when all verify,
1 when any is unavailable or none is found). ``infer`` runs one verified model and writes,
per image, ``MODEL-frame-NNNN.json`` (provenance, probabilities, boxes in original pixels,
mask label counts), ``MODEL-frame-NNNN-overlay.png`` (the overlay alone, transparent) and
``MODEL-frame-NNNN-image.png`` (the image as displayed with the overlay blended). Exit 0 on
success, 1 on failure (message on stderr), 2 on bad usage. Neither imports Qt or torch.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from viewer.errors import Cancelled, LightboxError


def _registry(dirs: list[str] | None):  # type: ignore[no-untyped-def]
    from viewer.inference.registry import ModelRegistry

    return ModelRegistry([Path(d) for d in dirs] if dirs else None)


def _models_dir_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models-dir",
        action="append",
        metavar="DIR",
        help="use the model artifacts in DIR instead of the installed ones (repeatable)",
    )


# --- lightbox models -----------------------------------------------------------------


def models_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox models", description="List the AI models and whether each one verifies."
    )
    _models_dir_option(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    registry = _registry(ns.models_dir)
    listing = [_entry_summary(e) for e in registry.entries]
    if ns.json:
        json.dump(
            {"models": listing, "dirs": [str(d) for d in registry.dirs]}, sys.stdout, indent=2
        )
        sys.stdout.write("\n")
    else:
        for item in listing:
            title = f"{item['name']} {item['version']}".strip()
            line = f"{item['id']:<24} {item['status']:<12} {title}"
            if item["not_for_clinical_use"]:
                line += "  [demonstration, not for clinical use]"
            print(line)
            if item["reason"]:
                print(f"    reason: {item['reason']}")
        if not listing:
            print("No models found in " + ", ".join(str(d) for d in registry.dirs))
    return 0 if listing and all(e.available for e in registry.entries) else 1


def _entry_summary(entry: Any) -> dict[str, Any]:
    manifest = entry.manifest
    return {
        "id": entry.id,
        "status": entry.status,
        "reason": entry.reason,
        "name": entry.name,
        "version": entry.version,
        "digest": manifest.digest if manifest else None,
        "not_for_clinical_use": bool(manifest and manifest.not_for_clinical_use),
        "modality": list(manifest.intended_use.modality) if manifest else [],
        "body_part": list(manifest.intended_use.body_part) if manifest else [],
        "outputs": [o.kind for o in manifest.outputs] if manifest else [],
        "folder": str(entry.folder),
        "cached": bool(entry.model and entry.model.cached),
    }


# --- lightbox infer ------------------------------------------------------------------


def infer_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="lightbox infer",
        description="Run a verified AI model on an image or series; write JSON and PNGs.",
    )
    parser.add_argument("path", help="a DICOM file, a folder or an image")
    parser.add_argument(
        "--model", required=True, metavar="ID", help="the model's id (see 'lightbox models')"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the results")
    _models_dir_option(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument(
        "--frame", type=int, metavar="N", help="image N of the series (0-based reading order)"
    )
    which.add_argument("--all", action="store_true", help="every image of the series")
    parser.add_argument("--series", metavar="UID", help="the series to use when PATH holds several")
    parser.add_argument(
        "--accept-warnings",
        action="store_true",
        help="run even when the image is outside the model's intended use",
    )
    ns = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return _infer(ns)
    except Cancelled:
        _error("cancelled")
        return 1
    except LightboxError as exc:
        _error(str(exc))
        return 1


def _error(message: str) -> None:
    print(f"lightbox infer: {message}", file=sys.stderr)


def _infer(ns: argparse.Namespace) -> int:
    from viewer.inference import IntendedUseError, run_model
    from viewer.io.scan import scan

    path = Path(ns.path)
    if not path.exists():
        _error(f"{path}: no such file or folder")
        return 1
    registry = _registry(ns.models_dir)
    entry = registry.get(ns.model)
    if not entry.available:
        _error(f"model {entry.id} is unavailable: {entry.reason}")
        return 1
    result = scan([path])
    candidates = [s for s in result.all_series() if s.has_images]
    if ns.series:
        candidates = [s for s in candidates if s.uid == ns.series]
    if not candidates:
        reasons = "; ".join(f"{p.path.name}: {p.reason}" for p in result.problems[:3])
        _error(f"{path}: no image to run on" + (f" ({reasons})" if reasons else ""))
        return 1
    series = candidates[0]
    if len(candidates) > 1:
        print(
            f"{path} holds {len(candidates)} series; using {series.uid} (choose with --series)",
            file=sys.stderr,
        )
    frames = _frames(ns, series, path)
    try:
        results = run_model(entry, series, frames, accept_warnings=ns.accept_warnings)
    except IntendedUseError as exc:
        _error(f"model {exc.model} is not meant for this image:")
        for warning in exc.warnings:
            print(f"  - {warning}", file=sys.stderr)
        print("Run again with --accept-warnings to go on anyway.", file=sys.stderr)
        return 1
    out = Path(ns.out)
    out.mkdir(parents=True, exist_ok=True)
    for res in results:
        written = write_result(res, series, out)
        print(" ".join(str(p) for p in written))
    return 0


def _frames(ns: argparse.Namespace, series: Any, path: Path) -> list[int] | None:
    if ns.all:
        return None
    if ns.frame is not None:
        return [ns.frame]
    if path.is_file():  # the file named on the command line, not the first of its series
        for i, ref in enumerate(series.frames):
            if ref.instance.path.resolve() == path.resolve():
                return [i]
    return [0]


# --- writing results -----------------------------------------------------------------


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
        "model": {
            "id": p.model_id,
            "name": p.model_name,
            "version": p.model_version,
            "digest": p.model_digest,
        },
        "runtime": p.runtime,
        "source": {
            "series_uid": p.series_uid,
            "sop_instance_uid": p.sop_instance_uid,
            "frame_index": p.frame_index,
            "instance_frame": p.instance_frame,
        },
        "image_size": {"rows": res.shape[0], "columns": res.shape[1]},
        "warnings_accepted": list(res.warnings),
        "outputs": outputs,
    }


def overlay_layers(res: Any) -> list[Any]:
    """The default rendering of a result's overlays: heatmaps, then masks, then boxes."""
    from viewer.imaging.overlay import (
        boxes_rgba,
        heatmap_rgba,
        label_colors,
        mask_rgba,
        parse_color,
    )

    layers = [heatmap_rgba(h.heatmap, h.colormap, opacity=0.4) for h in res.heatmaps]
    layers += [mask_rgba(m.mask, label_colors(m.labels), opacity=0.5) for m in res.masks]
    for group in res.boxes:
        outlines = [
            (b.x0, b.y0, b.x1, b.y1, parse_color(b.color, b.class_index)) for b in group.boxes
        ]
        layers.append(boxes_rgba(res.shape, outlines))
    return layers


def write_result(res: Any, series: Any, out: Path) -> list[Path]:
    import numpy as np
    from PIL import Image

    from viewer.imaging.overlay import blend, stack_rgba
    from viewer.imaging.render import render_frame
    from viewer.io.pixels import read_frame

    # One name per model and image: results of several models in one folder never
    # overwrite each other.
    stem = f"{res.provenance.model_id}-frame-{res.provenance.frame_index:04d}"
    ref = series.frames[res.provenance.frame_index]
    layers = overlay_layers(res)
    overlay = stack_rgba(*layers) if layers else np.zeros((*res.shape, 4), dtype=np.uint8)
    shown = render_frame(read_frame(ref), ref.instance, ref.frame, None)
    paths = [out / f"{stem}.json", out / f"{stem}-overlay.png", out / f"{stem}-image.png"]
    text = json.dumps(result_summary(res), indent=2, ensure_ascii=False) + "\n"
    _atomic_write(paths[0], text.encode("utf-8"))
    _atomic_write(paths[1], _png(Image.fromarray(overlay, "RGBA")))
    _atomic_write(paths[2], _png(Image.fromarray(blend(shown, *layers), "RGB")))
    return paths


def _png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
