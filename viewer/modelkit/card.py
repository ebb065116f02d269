"""CARD.md, the model card, written from the manifest so the two never disagree."""

from __future__ import annotations

from typing import Any

BANNER = (
    "> **Demonstration model — not for clinical use.** Trained on generated phantoms or "
    "public templates, never on patient images, to show how Lightbox builds, verifies and "
    "displays AI results. It has not been validated on patient images and must not inform "
    "any diagnosis."
)


def _any(values: list[Any] | None) -> str:
    return ", ".join(map(str, values)) if values else "any"


def render_card(m: dict[str, Any]) -> str:
    use = m["intended_use"]
    prov = m["provenance"]
    checks = m["checks"]
    lines = [f"# {m['name']} — version {m['version']}", ""]
    if m.get("not_for_clinical_use"):
        lines += [BANNER, ""]
    lines += [f"Model id `{m['id']}`, artifact format {m['format_version']}.", "",
              m["description"], "", "## Intended use", ""]
    spacing = use.get("pixel_spacing_mm")
    lines += [
        f"- Modality: {_any(use.get('modality'))}",
        f"- Body part: {_any(use.get('body_part'))}",
        f"- View: {use.get('view') or 'any'}",
        f"- Population: {use.get('population') or 'not stated'}",
        f"- In-plane pixel spacing: {f'{spacing[0]} – {spacing[1]} mm' if spacing else 'any'}",
        f"- Input: one {'2-D slice' if use.get('input') == 'slice' else 'volume'}",
        "", "## Inputs", "",
    ]
    for item in m["inputs"]:
        lines.append(
            f"- `{item['name']}` {item['dtype']} {item['shape']}, {item['channels']} channel(s)"
        )
        if item.get("resize") and not m.get("volume"):  # a volume model: the volume section
            r = item["resize"]
            lines.append(
                f"  - resized to {r['size']} ({'aspect kept, padded' if r.get('keep_aspect') else 'stretched'}"
                f", {r.get('interpolation', 'linear')})"
            )
        intensity = item.get("intensity") or {}
        if intensity.get("kind") == "window":
            lines.append(
                f"  - window centre {intensity['center']}, width {intensity['width']} → [0, 1]"
            )
        elif intensity.get("kind") == "normalize":
            lines.append(f"  - (value − {intensity['mean']}) / {intensity['std']}")
        elif intensity.get("kind") == "minmax":
            lines.append("  - per-image minimum/maximum → [0, 1]")
    lines += _volume(m.get("volume"))
    lines += ["", "## Outputs", ""]
    for out in m["outputs"]:
        lines.append(f"- `{out['name']}` ({out['kind']}) {out['shape']}")
        labels = out.get("labels") or out.get("classes") or []
        if labels:
            lines.append("  - " + ", ".join(
                str(x.get("name")) + (f" ({x['unit']})" if x.get("unit") else "")
                for x in labels))
        if out["kind"] == "label_map":
            lines.append("  - label map: the argmax is done inside the model")
        if out["kind"] == "values":
            lines.append(f"  - numbers shown with {out.get('decimals', 1)} decimal(s)")
        if out["kind"] == "boxes" and out.get("layout") == "variable":
            lines.append("  - a variable number of boxes per image")
        if out["kind"] == "boxes":
            lines.append(
                f"  - {out.get('format', 'xyxy')} in input pixels, score threshold "
                f"{out.get('score_threshold')}, NMS IoU {out.get('nms_iou')}"
            )
    if m.get("limitations"):
        lines += ["", "## Limitations", ""] + [f"- {item}" for item in m["limitations"]]
    lines += ["", "## Training data", "", str(prov.get("training_data") or "not stated").strip(), ""]
    lines += _reference(m.get("reference"))
    evaluation = prov.get("evaluation")
    if evaluation:
        lines += ["## Held-out evaluation", ""]
        for key, value in evaluation.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k} {v}" for k, v in value.items())
            lines.append(f"- {key.replace('_', ' ')}: {value}")
        lines.append("")
    parity = checks["parity"]
    lines += [
        "## Checks", "",
        f"- Modules that behave differently in training: {_any(checks['train_mode_modules'])}"
        if checks["train_mode_modules"] else "- Modules that behave differently in training: none",
        f"- Exported in eval mode: {'yes' if checks['exported_in_eval_mode'] else 'no'}",
        f"- Deterministic (two runs identical): {'yes' if checks['deterministic'] else 'no'}",
        f"- Batch independent: {'yes' if checks['batch_independent'] else 'no'}",
        f"- Parity PyTorch vs ONNX Runtime on {parity.get('golden_samples', '?')} golden "
        f"inputs, batch sizes {parity['batch_sizes']}, graph optimisations "
        f"{' and '.join(parity['ort_optimizations'])}; tolerance atol {m['tolerance']['atol']}, "
        f"rtol {m['tolerance']['rtol']}, scale_rtol {m['tolerance'].get('scale_rtol', 0)}:",
        "", "| output | max abs | max rel | max of scale |", "| --- | --- | --- | --- |",
    ]
    for name, fig in parity["outputs"].items():
        lines.append(f"| `{name}` | {fig['max_abs']:.3g} | {fig['max_rel']:.3g} | "
                     f"{fig.get('max_of_scale', 0.0):.3g} |")
    lines += ["", "## Provenance", ""]
    for key in ("python", "torch", "onnx", "onnxruntime", "exporter", "opset", "seed",
                "recipe_digest", "weights_digest", "export_fallback_reason"):
        if prov.get(key) is not None:
            lines.append(f"- {key.replace('_', ' ')}: `{prov[key]}`")
    lines += ["", "Built by `lightbox model build`; this card is generated from manifest.json.", ""]
    return "\n".join(lines)


def _volume(volume: dict[str, Any] | None) -> list[str]:
    """How the viewer cuts a volume model's series (docs/model-artifact.md)."""
    if not volume:
        return []
    return [
        "", "## Volume (sliding window)", "",
        f"- Resampled to {volume.get('spacing_mm')} mm voxels, model axes "
        f"{volume.get('axes')} (the patient direction each of depth, rows and columns "
        "increases toward)",
        f"- Patches of {volume.get('patch_size')}, overlap {volume.get('overlap')}, "
        f"{volume.get('blending')} blending; outside the series {volume.get('pad_value')}",
    ]


def _reference(ref: dict[str, Any] | None) -> list[str]:
    """What the out-of-domain warning compares each image with."""
    if not ref:
        return []
    t = {"psi_shift": 0.1, "psi_unlike": 0.25, "spacing_margin": 0.1, "size_margin": 0.1,
         **(ref.get("thresholds") or {})}
    lines = ["## Training-data reference (out-of-domain warning)", "",
             f"- {ref['samples']} training-like samples (seed {ref.get('seed')}); intensity "
             f"histogram of the model input, {ref['intensity_histogram']['bins']} bins over "
             f"{ref['intensity_histogram']['range']}"]
    for key, caption, unit in (("pixel_spacing_mm", "Pixel spacing", " mm"),
                               ("image_rows", "Image rows", ""),
                               ("image_columns", "Image columns", "")):
        q = ref.get(key)
        if q:
            lines.append(f"- {caption}: {q['min']:g}–{q['max']:g}{unit} (median {q['p50']:g})")
    for key, value in (ref.get("acquisition") or {}).items():
        lines.append(f"- Declared {key}: {value}")
    lines.append(
        f"- Warned as unlike the training data: PSI above {t['psi_unlike']:g} (some shift "
        f"from {t['psi_shift']:g}), spacing or size beyond the range by more than "
        f"{t['spacing_margin']:.0%} / {t['size_margin']:.0%}, a declared attribute differing")
    if ref.get("sample_psi"):
        q = ref["sample_psi"]
        lines.append(f"- The reference samples' own PSI: median {q['p50']:g}, 95th percentile "
                     f"{q['p95']:g}, largest {q['max']:g}")
    return lines + [""]
