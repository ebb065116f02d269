"""Is this image what the model was made for? (modality, body part, view, pixel spacing)

A mismatch is a *warning*: the reader may still choose to run, explicitly. An image that
cannot feed the model at all (no pixels, too few slices for a volume model) is a
*problem*: no choice makes it work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from viewer.imaging.mpr import MIN_SLICES
from viewer.inference.manifest import Manifest
from viewer.io.model import Instance, Series


@dataclass(frozen=True)
class UseCheck:
    warnings: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.warnings and not self.problems


def _header_text(instance: Instance | None, keyword: str) -> str:
    header = instance.header if instance is not None else None
    if header is None:
        return ""
    try:
        value = header.get(keyword)
    except Exception:  # noqa: BLE001 - a malformed value is as good as none here
        return ""
    return str(value or "").strip().upper()


def _listing(values: Sequence[str]) -> str:
    return ", ".join(values)


def check_intended_use(
    manifest: Manifest, series: Series, frames: Sequence[int] | None = None
) -> UseCheck:
    """Compare ``series`` (the ``frames`` to be run, default all) with the manifest."""
    use = manifest.intended_use
    warnings: list[str] = []
    problems: list[str] = []
    indices = list(range(len(series.frames))) if frames is None else list(frames)
    if not series.frames:
        problems.append("the series holds no image")
    elif any(not 0 <= i < len(series.frames) for i in indices):
        problems.append(f"frame numbers must lie in 0..{len(series.frames) - 1}")
    if problems:
        return UseCheck((), tuple(problems))
    refs = [series.frames[i] for i in indices] or series.frames[:1]
    first = refs[0].instance

    modality = (series.modality or first.modality or "").upper()
    if use.modality and modality not in use.modality:
        warnings.append(
            f"modality is {modality or 'unknown'}; the model is meant for {_listing(use.modality)}"
        )
    if use.body_part:
        part = _header_text(first, "BodyPartExamined")
        if not part:
            warnings.append(
                f"body part is not recorded; the model is meant for {_listing(use.body_part)}"
            )
        elif part not in use.body_part:
            warnings.append(
                f"body part is {part}; the model is meant for {_listing(use.body_part)}"
            )
    if use.view:
        view = _header_text(first, "ViewPosition")
        if view != use.view:
            warnings.append(f"view is {view or 'not recorded'}; the model is meant for {use.view}")
    if use.pixel_spacing_mm is not None:
        warnings.extend(_spacing_warnings(refs, use.pixel_spacing_mm))

    if manifest.volume is not None and len(series.frames) < MIN_SLICES:
        problems.append(f"the model reads the series as a volume of at least {MIN_SLICES} "
                        f"slices; the series has {len(series.frames)}")
    elif use.input == "volume":
        needed = max((spec.slices or 1) for spec in manifest.inputs)
        if len(series.frames) < needed:
            problems.append(
                f"the model reads {needed} consecutive slices; the series has {len(series.frames)}"
            )
    if len(manifest.inputs) != 1 and use.input == "volume" and manifest.volume is None:
        # slice models and sliding-window volume models read several (runner.py); N
        # neighbouring slices (a 5-D input without a volume section) take one series only
        problems.append("models with more than one input are not supported by this viewer")
    return UseCheck(tuple(warnings), tuple(problems))


def _spacing_warnings(refs: Sequence[Any], bounds: tuple[float, float]) -> list[str]:
    lo, hi = bounds
    spacings = [ref.geometry.spacing for ref in refs]
    if any(s is None for s in spacings):
        return [f"pixel spacing is unknown; the model is meant for {lo:g}–{hi:g} mm"]
    worst = [v for s in spacings for v in s if not lo <= v <= hi]
    if worst:
        value = max(worst, key=lambda v: max(lo - v, v - hi))
        return [f"pixel spacing is {value:g} mm; the model is meant for {lo:g}–{hi:g} mm"]
    return []
