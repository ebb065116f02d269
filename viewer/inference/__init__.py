"""Artifact → prediction: verify a model, run it on an image, map its outputs back.

No Qt, no torch, no ``onnx`` package: only numpy, Pillow and ONNX Runtime (CPU).
The artifact format is docs/model-artifact.md; the guide is docs/inference.md.

Public API (stable; the UI builds on it)::

    from viewer.inference import ModelRegistry, run_model

    settings = viewer.host.settings.load_settings()   # once, by the entry point
    registry = ModelRegistry(dirs=None, *, settings)
        # dirs None: bundled models/ + LIGHTBOX_MODEL_DIRS + settings.model_dirs; the
        # site's allowed list and signing policy apply to any dirs. Verifies every
        # artifact at every start (digests, a signature by a key the site trusts, ONNX
        # signature, golden replay; nothing cached). Build it off the GUI thread.
    registry.entries -> list[ModelEntry]; registry.get(id) -> ModelEntry (ModelError if none)
    registry.available() -> list[ModelEntry]; registry.refresh()
    registry.applicable(series, frames=None) -> list[Applicability]

    ModelEntry: id, folder, status ("available" | "unavailable"), available, reason,
        name, version, title, manifest (Manifest | None), model (VerifiedModel | None),
        unsigned (runs only through the site's developer mode: show UNSIGNED_MARK)
    Applicability: entry, check (UseCheck: warnings, problems), applies, can_run, reason

    run_model(entry_or_verified_model, series, frames=None, *, progress=None,
              cancel=None, accept_warnings=False, batch_size=4, audit_log, source=read_frame,
              inputs=None)
        -> list[Result]                       # one per frame, in the order asked
        inputs: {input name: Series} for the inputs read from other series of the study
        (series_match.propose suggests them; companion aligns them frame by frame).
        audit_log: viewer.audit.AuditLog.of(settings); source: where stored pixels come
        from (viewer.io.frames.frame_source(cache) in the GUI, the files by default);
        frames: indices into series.frames (None = all); progress(done, total);
        cancel: viewer.tasks.cancel.CancelToken → raises viewer.errors.Cancelled.
        Raises IntendedUseError (.warnings) unless accept_warnings; ModelInputError;
        NotVerifiedError; FileProblemError for unreadable pixels. Always audited.

    check_intended_use(manifest, series, frames=None) -> UseCheck(warnings, problems)
    verify_artifact(folder, *, trust=None) -> VerifiedModel   # trust: TrustPolicy.of(settings)

    Result: provenance (Provenance: model_id, model_name, model_version, model_digest,
            not_for_clinical_use, runtime, series_uid, sop_instance_uid, frame_index,
            instance_frame, unsigned, inputs (InputSource per other series: input,
            series_uid, sop_instance_uid, frame_index, distance_mm, resampled);
            .label = "AI · … · name version"; .series_uids: every source series),
            shape (rows, cols of the original), geometry (Letterbox), warnings (accepted),
            outputs (tuple), and .masks / .boxes / .heatmaps / .labels / .values lists of:
        MaskOutput(output, labels: tuple[Label], mask: (rows, cols) uint8/16 read-only,
                   counts: {value: pixels})       # 0 = background; masks and label maps
        BoxesOutput(output, boxes: tuple[Box], score_threshold, classes, candidates)
            Box(x0, y0, x1, y1, score, class_index, class_name, color)  # original px
            candidates: every box after NMS at threshold 0, for a threshold slider
        HeatmapOutput(output, given, colormap, for_output, grid, box, value_range);
            .heatmap: (rows, cols) float32 0..1 at the image size, made when first read
        LabelsOutput(output, labels, probabilities; .top, .probability(name))
        ValuesOutput(output, names, units, decimals, values; .value(name), .items())
    Label(name, value, color "#RRGGBB" | None, unit)

Rendering overlays (Qt-free, numpy): :mod:`viewer.imaging.ai_layers`.
Errors (all ``viewer.errors.LightboxError``): :mod:`viewer.inference.errors`.
"""

from importlib import import_module
from typing import TYPE_CHECKING

# The names are loaded on first use (PEP 562): the viewer's start-up imports this package
# for light parts (results, manifests) and must not pay for the runner, the registry and
# the audit's signing before the first image is painted (bench/bench_startup.py).
if TYPE_CHECKING:
    from viewer.inference.errors import (
        ArtifactError,
        GoldenMismatchError,
        IntendedUseError,
        ManifestError,
        ModelError,
        ModelInputError,
        NotVerifiedError,
    )
    from viewer.inference.intended_use import UseCheck, check_intended_use
    from viewer.inference.manifest import Label, Manifest, read_manifest
    from viewer.inference.preprocess import Letterbox
    from viewer.inference.registry import (
        Applicability,
        ModelEntry,
        ModelRegistry,
        bundled_models_dir,
        default_model_dirs,
    )
    from viewer.inference.results import (
        Box,
        BoxesOutput,
        HeatmapOutput,
        LabelsOutput,
        MaskOutput,
        Provenance,
        Result,
        ValuesOutput,
    )
    from viewer.inference.runner import run_model
    from viewer.inference.signing import UNSIGNED_MARK, TrustPolicy, UntrustedModelError
    from viewer.inference.verify import VerifiedModel, verify_artifact

_HOME = {  # public name -> the module that defines it
    "Applicability": "registry",
    "ArtifactError": "errors",
    "Box": "results",
    "BoxesOutput": "results",
    "bundled_models_dir": "registry",
    "check_intended_use": "intended_use",
    "default_model_dirs": "registry",
    "GoldenMismatchError": "errors",
    "HeatmapOutput": "results",
    "IntendedUseError": "errors",
    "Label": "manifest",
    "LabelsOutput": "results",
    "Letterbox": "preprocess",
    "Manifest": "manifest",
    "ManifestError": "errors",
    "MaskOutput": "results",
    "ModelEntry": "registry",
    "ModelError": "errors",
    "ModelInputError": "errors",
    "ModelRegistry": "registry",
    "NotVerifiedError": "errors",
    "Provenance": "results",
    "read_manifest": "manifest",
    "Result": "results",
    "run_model": "runner",
    "TrustPolicy": "signing",
    "UNSIGNED_MARK": "signing",
    "UntrustedModelError": "signing",
    "UseCheck": "intended_use",
    "ValuesOutput": "results",
    "VerifiedModel": "verify",
    "verify_artifact": "verify",
}


def __getattr__(name: str) -> object:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'viewer.inference' has no attribute {name!r}")
    value = getattr(import_module(f"viewer.inference.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Applicability",
    "ArtifactError",
    "Box",
    "BoxesOutput",
    "GoldenMismatchError",
    "HeatmapOutput",
    "IntendedUseError",
    "Label",
    "LabelsOutput",
    "Letterbox",
    "Manifest",
    "ManifestError",
    "MaskOutput",
    "ModelEntry",
    "ModelError",
    "ModelInputError",
    "ModelRegistry",
    "NotVerifiedError",
    "Provenance",
    "Result",
    "UNSIGNED_MARK",
    "TrustPolicy",
    "UntrustedModelError",
    "UseCheck",
    "ValuesOutput",
    "VerifiedModel",
    "bundled_models_dir",
    "check_intended_use",
    "default_model_dirs",
    "read_manifest",
    "run_model",
    "verify_artifact",
]
