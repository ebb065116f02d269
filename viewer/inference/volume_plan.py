"""The manifest's ``volume`` section: how a volume model wants its series (docs/model-artifact.md).

A volume model reads the whole series at once: the viewer reorients it to ``axes``,
resamples it to ``spacing_mm``, cuts it into overlapping ``patch_size`` windows and blends
the answers (:mod:`viewer.inference.volume_run`). This module only parses and validates
the section, field by field, so that the runner can trust every number; it also holds the
rules that tie the section to the inputs and outputs (a 5-D mask belongs to a volume model,
and a volume model's outputs are masks or label maps over the whole patch).

A volume model may read other series of the study too (``inputs[].series``: T1, T1c, T2
and FLAIR, or a CT and its prior): each input is one grey channel with the same patch,
since every input is resampled onto the primary series' grid and windowed at the same
place (:mod:`viewer.inference.volume_inputs`).

A 5-D input WITHOUT a ``volume`` section keeps its older meaning: N neighbouring slices
around each image (``inputs[].slices``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from viewer.inference.errors import ManifestError
    from viewer.inference.manifest import InputSpec, IntendedUse, OutputSpec

BLENDINGS = ("gaussian", "constant")
INTERPOLATIONS = ("linear", "nearest")
#: Patient direction letter → (patient axis in LPS, +1 when the letter is the axis' positive end).
DIRECTIONS = {"R": (0, -1), "L": (0, 1), "A": (1, -1), "P": (1, 1), "I": (2, -1), "S": (2, 1)}
#: The coarsest and finest target voxel accepted (mm): beyond either the grid is absurd.
SPACING_RANGE = (0.05, 50.0)

Fail = Callable[[str, str], "ManifestError"]


@dataclass(frozen=True)
class VolumePlan:
    """How the series is prepared and windowed, along the model's (depth, rows, columns)."""

    spacing_mm: tuple[float, float, float]
    axes: str  # e.g. "SPL": depth toward superior, rows toward posterior, columns toward left
    patch_size: tuple[int, int, int]
    overlap: float = 0.5
    blending: str = "gaussian"
    pad_value: float = 0.0  # modality value (HU for CT) outside the volume, before intensity
    interpolation: str = "linear"

    @property
    def directions(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        """Per model axis: (LPS patient axis, sign) the index increases toward."""
        a, b, c = (DIRECTIONS[letter] for letter in self.axes)
        return a, b, c


def parse_volume(value: Any, use: IntendedUse, inputs: Sequence[InputSpec],
                 outputs: Sequence[OutputSpec], fail: Fail) -> VolumePlan | None:
    """The ``volume`` section (None when absent), checked against the inputs and outputs."""
    if value is None:  # a 5-D mask or 4-D label map without it: the contract refused it
        return None
    w = "volume."
    if not isinstance(value, dict):
        raise fail("volume", "expected an object")
    if use.input != "volume":
        raise fail("intended_use.input", 'a model with a volume section reads "volume"')
    own = [i for i, spec in enumerate(inputs) if not spec.from_other_series]
    for i, spec in enumerate(inputs):  # the series, and any other series of the study
        if i in own[1:]:
            raise fail(f"inputs[{i}].series", "a volume model reads one series per input: "
                       "every input but the one the model runs on needs a series rule")
        if len(spec.shape) != 5:
            raise fail(f"inputs[{i}].shape", "a volume model needs [batch, 1, depth, rows, "
                       "columns]")
        if spec.channels != 1 or spec.shape[1] != 1:
            raise fail(f"inputs[{i}].channels", "a volume model reads one grey channel per "
                       "input (one series each)")
    spacing = _triple(value, "spacing_mm", fail, _positive_mm)
    patch = _triple(value, "patch_size", fail, _patch_edge)
    for i, spec in enumerate(inputs):  # every input takes its patch at the same place
        if tuple(spec.shape[2:]) != patch:
            raise fail(w + "patch_size", f"{list(patch)} differs from inputs[{i}].shape "
                       f"{list(spec.shape)} (the patch is each input's shape)")
    axes = value.get("axes")
    if (not isinstance(axes, str) or len(axes) != 3 or any(a not in DIRECTIONS for a in axes)
            or len({DIRECTIONS[a][0] for a in axes}) != 3):
        raise fail(w + "axes", f"{axes!r} must be three letters from R/L, A/P, S/I, one of "
                   'each pair (e.g. "SPL")')
    overlap = _number(value.get("overlap", 0.5), w + "overlap", fail)
    if not 0 <= overlap < 1:
        raise fail(w + "overlap", "must lie in 0 <= overlap < 1")
    blending = value.get("blending", "gaussian")
    if blending not in BLENDINGS:
        raise fail(w + "blending", f"{blending!r} is not one of {', '.join(BLENDINGS)}")
    interpolation = value.get("interpolation", "linear")
    if interpolation not in INTERPOLATIONS:
        raise fail(w + "interpolation",
                   f"{interpolation!r} is not one of {', '.join(INTERPOLATIONS)}")
    for i, out in enumerate(outputs):
        if out.kind not in ("mask", "label_map") or not _volume_rank(out):
            raise fail(f"outputs[{i}]", "a volume model's outputs are masks [batch, classes, "
                       "depth, rows, columns] or label maps [batch, depth, rows, columns]")
        if tuple(out.shape[-3:]) != patch:  # fixed, so each voxel has its place
            raise fail(f"outputs[{i}].shape", f"{list(out.shape)} must cover the whole patch "
                       f"{list(patch)}")
    return VolumePlan(
        spacing_mm=spacing, axes=axes, patch_size=patch, overlap=overlap,
        blending=str(blending), pad_value=_number(value.get("pad_value", 0.0),
                                                  w + "pad_value", fail),
        interpolation=str(interpolation),
    )


def _volume_rank(out: OutputSpec) -> bool:
    return (out.kind == "mask" and len(out.shape) == 5) or (
        out.kind == "label_map" and len(out.shape) == 4)


def _number(value: Any, where: str, fail: Fail) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise fail(where, "expected a finite number")
    return float(value)


def _positive_mm(value: Any, where: str, fail: Fail) -> float:
    mm = _number(value, where, fail)
    lo, hi = SPACING_RANGE
    if not lo <= mm <= hi:
        raise fail(where, f"{mm:g} mm lies outside {lo:g}–{hi:g} mm")
    return mm


def _patch_edge(value: Any, where: str, fail: Fail) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(where, "expected a positive integer")
    return value


def _triple(d: dict[str, Any], key: str, fail: Fail,
            item: Callable[[Any, str, Fail], Any]) -> Any:
    where = f"volume.{key}"
    if key not in d:
        raise fail(where, "is missing")
    values = d[key]
    if not isinstance(values, list) or len(values) != 3:
        raise fail(where, "expected three values: [depth, rows, columns]")
    a, b, c = (item(v, f"{where}[{i}]", fail) for i, v in enumerate(values))
    return a, b, c
