"""What the model card view shows, read from the artifact's manifest (no Qt).

The dialog (``viewer.ui.ai.model_card``) lays these out; a script can print them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from viewer.inference.manifest import Manifest

DEMO_BANNER = ("Demonstration model — not for clinical use. It has not been validated on "
               "patient images and must not inform any diagnosis.")


@dataclass(frozen=True)
class CardSection:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class ModelCard:
    title: str  # name and version
    banner: str  # empty for a clinical model
    description: str
    sections: tuple[CardSection, ...]

    def section(self, title: str) -> CardSection:
        return next(s for s in self.sections if s.title == title)

    def text(self) -> str:
        parts = [self.title, self.banner, self.description]
        for s in self.sections:
            parts += [s.title, *s.lines]
        return "\n".join(p for p in parts if p)


def _any(values: tuple[str, ...]) -> str:
    return ", ".join(values) if values else "any"


def _figure(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_figure(v)}" for k, v in value.items())
    return str(value)


def model_card(m: Manifest) -> ModelCard:
    use = m.intended_use
    spacing = use.pixel_spacing_mm
    intended = (
        f"Modality: {_any(use.modality)}",
        f"Body part: {_any(use.body_part)}",
        f"View: {use.view or 'any'}",
        f"Population: {use.population or 'not stated'}",
        f"Pixel spacing: {f'{spacing[0]:g}–{spacing[1]:g} mm' if spacing else 'any'}",
        f"Input: one {'2-D slice' if use.input == 'slice' else 'volume'}",
    )
    limitations = list(m.limitations) or ["None stated by the model's authors."]
    if m.not_for_clinical_use:
        limitations.insert(0, "Demonstration only: not for clinical use.")
    evaluation = m.provenance.get("evaluation") or {}
    validation = tuple(f"{k.replace('_', ' ')}: {_figure(v)}" for k, v in evaluation.items()) \
        or ("No held-out figures are recorded.",)
    ref = m.reference
    reference: tuple[str, ...] = ("No reference statistics: images are not compared with the "
                                  "training data.",)
    if ref is not None:
        t = ref.thresholds
        lines = [f"{ref.samples} training-like samples; an image is called unlike the training "
                 f"data above PSI {t.psi_unlike:g} (some shift from {t.psi_shift:g})"]
        if ref.spacing_mm:
            lines.append(f"Pixel spacing seen: {ref.spacing_mm.min:g}–{ref.spacing_mm.max:g} mm")
        if ref.rows and ref.columns:
            lines.append(f"Image size seen: {ref.rows.min:g}–{ref.rows.max:g} rows, "
                         f"{ref.columns.min:g}–{ref.columns.max:g} columns")
        lines += [f"Declared {k}: {_figure(v)}" for k, v in ref.acquisition.items()]
        reference = tuple(lines)
    prov = m.provenance
    identity = (
        f"Model id: {m.id}",
        f"Version: {m.version}",
        f"Artifact digest: {m.digest}",
        f"Weights digest: {prov.get('weights_digest', 'not recorded')}",
        f"Exporter: {prov.get('exporter', '?')}, opset {prov.get('opset', '?')}; "
        f"built with torch {prov.get('torch', '?')}, onnxruntime {prov.get('onnxruntime', '?')}",
    )
    return ModelCard(
        title=m.title,
        banner=DEMO_BANNER if m.not_for_clinical_use else "",
        description=m.description,
        sections=(
            CardSection("Intended use", intended),
            CardSection("Limitations", tuple(limitations)),
            CardSection("Training data", (str(prov.get("training_data") or "Not stated."),)),
            CardSection("Validation (held-out)", validation),
            CardSection("Compared with the training data", reference),
            CardSection("Version and digest", identity),
        ),
    )
