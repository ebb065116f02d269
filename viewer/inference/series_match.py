"""Which series of the study feeds each input of a model that reads several series.

A model may declare inputs from other series of the study (``inputs[].series`` in
docs/model-artifact.md: pre- and post-contrast, T1 and FLAIR, current and prior). The
reader runs it on one series, the *primary*; for every other input this module proposes a
series of the same study by the input's rule and says why when none fits. The proposal is
only that: the UI shows it for the reader to confirm, the command line takes an explicit
choice before it; :func:`check_choice` tells whether a chosen series fits the rule.

Ties between series that fit are broken, in order, by: the same frame of reference as the
primary (a series in another one could not be aligned slice by slice), the nearest series
number (series acquired in one sitting are numbered in order, so the nearest is usually the
companion acquisition: the post-contrast right after the pre-contrast), then the UID, so
the same study always gives the same proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from viewer.inference.manifest import MAX_DESCRIPTION, InputSpec, Manifest, SeriesRule
from viewer.io.model import Series

#: How many non-matching series a "nothing matches" reason lists before "and N more".
LISTED = 6


@dataclass(frozen=True, eq=False)
class InputMatch:
    """The proposal for one input from another series."""

    input: InputSpec
    candidates: tuple[Series, ...]  # series of the study that fit the rule, best first
    others: tuple[tuple[Series, str], ...]  # series that do not fit, each with why

    @property
    def rule(self) -> SeriesRule:
        assert self.input.series is not None
        return self.input.series

    @property
    def role(self) -> str:
        """What the reader is shown for this input: its role, else its name."""
        return self.rule.role or self.input.name

    @property
    def proposed(self) -> Series | None:
        return self.candidates[0] if self.candidates else None

    @property
    def reason(self) -> str:
        """Why nothing was proposed ("" when a series was)."""
        if self.candidates:
            return ""
        return no_match_reason(self.input, [s for s, _ in self.others])


def primary_input(manifest: Manifest) -> InputSpec:
    """The input fed from the series the reader runs the model on (the parser made sure
    there is one)."""
    return next(spec for spec in manifest.inputs if not spec.from_other_series)


def extra_inputs(manifest: Manifest) -> tuple[InputSpec, ...]:
    """The inputs read from other series of the study, in manifest order."""
    return tuple(spec for spec in manifest.inputs if spec.from_other_series)


def propose(manifest: Manifest, primary: Series, study: Sequence[Series]) -> tuple[InputMatch, ...]:
    """A proposal per input from another series; ``study``: the study's series (the primary
    among them or not; series of other studies and series without images are ignored)."""
    pool = [s for s in study if s.uid != primary.uid and s.has_images
            and (not primary.study_uid or s.study_uid == primary.study_uid)]
    matches = []
    for spec in extra_inputs(manifest):
        fits: list[Series] = []
        others: list[tuple[Series, str]] = []
        for series in pool:
            why = mismatch(spec, series)
            if why:
                others.append((series, why))
            else:
                fits.append(series)
        fits.sort(key=lambda s: _closeness(primary, s))
        matches.append(InputMatch(spec, tuple(fits), tuple(others)))
    return tuple(matches)


def mismatch(spec: InputSpec, series: Series) -> str:
    """Why ``series`` does not fit ``spec``'s rule ("" when it does)."""
    rule = spec.series
    if rule is None:
        return ""
    reasons = []
    modality = (series.modality or "").upper()
    if rule.modality and modality not in rule.modality:
        reasons.append(f"its modality is {modality or 'unknown'}, not {' or '.join(rule.modality)}")
    pattern = rule.pattern
    if pattern is not None and not pattern.search(series.description[:MAX_DESCRIPTION]):
        shown = series.description or "(none)"
        reasons.append(f"its description {shown!r} does not match {rule.description}")
    if rule.contrast is not None and contrast_agent(series) != rule.contrast:
        reasons.append("it records a contrast agent" if rule.contrast is False
                       else "it records no contrast agent")
    return "; ".join(reasons)


def check_choice(spec: InputSpec, series: Series, primary: Series) -> str:
    """Why ``series`` cannot feed ``spec`` ("" when it can): not the rule, another study,
    or the primary series itself."""
    if series.uid == primary.uid:
        return f"it is the series the model runs on; input {spec.name!r} needs another series"
    if primary.study_uid and series.study_uid != primary.study_uid:
        return "it belongs to another study"
    if not series.has_images:
        return "it holds no images"
    why = mismatch(spec, series)
    return f"it does not fit input {spec.name!r}: {why}" if why else ""


def describe_rule(rule: SeriesRule) -> str:
    """``modality MR and a description matching (?i)flair``."""
    parts = []
    if rule.modality:
        parts.append(f"modality {' or '.join(rule.modality)}")
    if rule.description is not None:
        parts.append(f"a description matching {rule.description}")
    if rule.contrast is not None:
        parts.append("a contrast agent recorded" if rule.contrast else "no contrast agent")
    return " and ".join(parts) or "any series"


def describe_series(series: Series) -> str:
    """How a series is named to the reader: number, description, modality."""
    number = f"{series.number} " if series.number is not None else ""
    description = series.description or "(no description)"
    return f"{number}{description} ({series.modality or '?'})"


def no_match_reason(spec: InputSpec, seen: Sequence[Series]) -> str:
    assert spec.series is not None
    found = ", ".join(describe_series(s) for s in seen[:LISTED])
    if len(seen) > LISTED:
        found += f" and {len(seen) - LISTED} more"
    return (f"no series of this study matches input {spec.name!r}: needs "
            f"{describe_rule(spec.series)}; found: {found or 'no other series with images'}")


def contrast_agent(series: Series) -> bool:
    """True when the series' first header records a contrast agent (ContrastBolusAgent)."""
    return bool(_first_value(series, "ContrastBolusAgent"))


def frame_of_reference(series: Series) -> str | None:
    """The series' FrameOfReferenceUID from its first header (None when unknown)."""
    value = _first_value(series, "FrameOfReferenceUID")
    return str(value) if value else None


def _first_value(series: Series, keyword: str) -> object:
    """``keyword`` of the first header that has it, stripped; None when none has."""
    for instance in series.instances:
        header = instance.header
        if header is None:
            continue
        try:
            value = header.get(keyword)
        except Exception:  # noqa: BLE001 - a malformed value is as good as none
            value = None
        if isinstance(value, str):
            value = value.strip()
        if value:
            return value
    return None


def _closeness(primary: Series, series: Series) -> tuple[int, float, str]:
    frame = frame_of_reference(primary)
    same_frame = frame is not None and frame_of_reference(series) == frame
    if primary.number is None or series.number is None:
        distance = float("inf")
    else:
        distance = abs(series.number - primary.number)
    return (0 if same_frame else 1, distance, series.uid)
