"""manifest.json → typed, frozen dataclasses (docs/model-artifact.md, format version 1).

A manifest is data: it is read with ``json.loads`` and every field is checked here, so
the rest of the layer can trust the types. A problem names the model folder, the field
(``outputs[1].labels[0].name``) and what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from viewer.inference import contract
from viewer.inference.agreement import Tolerance, tolerance_problem
from viewer.inference.errors import ManifestError
from viewer.inference.volume_plan import VolumePlan, parse_volume

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")
VERSION_PATTERN = re.compile(r"\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")
OUTPUT_KINDS = contract.OUTPUT_KINDS
BOX_LAYOUTS = ("fixed", "variable")
#: The most decimals a ``values`` output may ask for (float32 holds about seven digits).
MAX_DECIMALS = 6
ACTIVATIONS = ("softmax", "sigmoid", "none")
INTENSITY_KINDS = ("window", "normalize", "minmax")
INTERPOLATIONS = ("linear", "nearest")
DTYPES = ("float32",)
#: Larger manifests are refused unread (the bundled ones are about 6 KB).
MAX_MANIFEST_BYTES = 1 << 20
#: Deeper nesting of objects and lists is refused before parsing (format 1 needs 5).
MAX_DEPTH = 32
Axis = int | str


@dataclass(frozen=True)
class Label:
    """One class: ``value`` is the mask value (masks, label maps) or None; ``color`` is
    ``#RRGGBB``; ``unit`` is what a ``values`` output's number is in ("mm", "%")."""

    name: str
    value: int | None = None
    color: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class Resize:
    size: tuple[int, int]  # (rows, columns) of the model input
    keep_aspect: bool = True
    pad_value: float = 0.0
    interpolation: str = "linear"


@dataclass(frozen=True)
class Intensity:
    kind: str  # window | normalize | minmax
    center: float = 0.0
    width: float = 1.0
    mean: float = 0.0
    std: float = 1.0


#: The longest ``series.description`` pattern accepted: a rule is a short expression, and a
#: bound keeps a hostile pattern's cost bounded (it is matched against descriptions cut to
#: :data:`MAX_DESCRIPTION` characters, DICOM's LO length is 64).
MAX_PATTERN = 200
MAX_DESCRIPTION = 256
MAX_ROLE = 64
_SERIES_KEYS = ("modality", "description", "contrast", "role")


@dataclass(frozen=True)
class SeriesRule:
    """Which series of the study feeds an input (``inputs[].series``).

    ``modality`` (upper case; empty = any) and ``description`` (a regular expression
    searched in the SeriesDescription; None = any) and ``contrast`` (True: a contrast agent
    is recorded, ContrastBolusAgent; False: none is; None = either) select candidates;
    ``role`` is what the reader is shown ("FLAIR", "pre-contrast"). The role ``primary``
    marks the series the reader runs the model on."""

    modality: tuple[str, ...] = ()
    description: str | None = None
    role: str = ""
    contrast: bool | None = None

    @property
    def primary(self) -> bool:
        return self.role.strip().lower() == "primary"

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The compiled description pattern (checked to compile when the manifest parsed)."""
        return None if self.description is None else re.compile(self.description)


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple[Axis, ...]
    dtype: str
    channels: int
    resize: Resize
    intensity: Intensity
    slices: int | None = None
    series: SeriesRule | None = None  # None: the series the reader runs the model on

    @property
    def from_other_series(self) -> bool:
        """True when this input reads a series other than the one the model runs on."""
        return self.series is not None and not self.series.primary


@dataclass(frozen=True)
class OutputSpec:
    name: str
    kind: str
    shape: tuple[Axis, ...]
    activation: str = "none"
    labels: tuple[Label, ...] = ()
    value_range: tuple[float, float] = (0.0, 1.0)  # heatmap "range"
    colormap: str = "inferno"
    for_output: str | None = None  # heatmap "for"
    box_format: str = "xyxy"
    scores: str | None = None  # boxes: the companion output holding scores
    classes: tuple[Label, ...] = ()
    score_threshold: float = 0.5
    nms_iou: float = 0.5
    decimals: int = 1  # values: digits after the point when shown
    layout: str = "fixed"  # boxes: "fixed" (padded, batch first) or "variable"
    batch_index: str | None = None  # variable boxes: the box_batch output
    classes_output: str | None = None  # variable boxes: the box_classes output

    @property
    def batch_first(self) -> bool:
        """Whether axis 0 is the batch (a variable-length output's is its detections)."""
        return bool(self.shape) and self.shape[0] == "batch"


@dataclass(frozen=True)
class IntendedUse:
    modality: tuple[str, ...] = ()
    body_part: tuple[str, ...] = ()
    view: str | None = None
    population: str = ""
    pixel_spacing_mm: tuple[float, float] | None = None
    input: str = "slice"  # slice | volume


@dataclass(frozen=True)
class Quantiles:
    """Spread of one figure over the reference samples."""

    min: float
    p05: float
    p50: float
    p95: float
    max: float


@dataclass(frozen=True)
class DomainThresholds:
    """When an image counts as unlike the training data (docs/model-artifact.md)."""

    psi_shift: float = 0.1  # PSI at or above: some shift, noted
    psi_unlike: float = 0.25  # PSI above: unlike the training data, warned
    spacing_margin: float = 0.1  # relative room beyond the training spacing range
    size_margin: float = 0.1  # relative room beyond the training image-size range


@dataclass(frozen=True)
class Reference:
    """Statistics of the training inputs, stored at build time (manifest ``reference``)."""

    input: str
    samples: int
    bins: int
    value_range: tuple[float, float]
    histogram: tuple[float, ...]  # fraction of model-input values per bin, sums to 1
    spacing_mm: Quantiles | None = None
    rows: Quantiles | None = None
    columns: Quantiles | None = None
    acquisition: Mapping[str, Any] = field(default_factory=dict)
    thresholds: DomainThresholds = DomainThresholds()
    sample_psi: Quantiles | None = None  # each reference sample against the whole


@dataclass(frozen=True, eq=False)
class Manifest:
    folder: Path
    format_version: int
    id: str
    name: str
    version: str
    description: str
    not_for_clinical_use: bool
    intended_use: IntendedUse
    inputs: tuple[InputSpec, ...]
    outputs: tuple[OutputSpec, ...]
    tolerance: Tolerance
    files: Mapping[str, str]
    digest: str
    checks: Mapping[str, Any] = field(default_factory=dict)
    provenance: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False)
    reference: Reference | None = None  # optional: older artifacts have none
    limitations: tuple[str, ...] = ()  # optional: what the model is known not to do
    volume: VolumePlan | None = None  # optional: a sliding-window volume model (issue 12)

    def output(self, name: str) -> OutputSpec:
        for spec in self.outputs:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def title(self) -> str:
        """``name version``: how every result names the model that made it."""
        return f"{self.name} {self.version}"


def read_manifest(folder: str | Path) -> Manifest:
    """Read and validate ``folder/manifest.json``; raises :class:`ManifestError`.

    Only a regular file is read (a named pipe would block for ever), at most
    :data:`MAX_MANIFEST_BYTES`, and nesting deeper than :data:`MAX_DEPTH` is refused
    before ``json.loads`` could recurse."""
    folder = Path(folder)
    data = read_limited(folder / MANIFEST, MAX_MANIFEST_BYTES, what=MANIFEST)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ManifestError(folder, f"{MANIFEST} is not UTF-8 text") from None
    if nesting_depth(text) > MAX_DEPTH:
        raise ManifestError(folder, f"{MANIFEST} nests deeper than {MAX_DEPTH} levels")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ManifestError(folder, f"{MANIFEST} nests too deeply") from None
    except ValueError as exc:
        raise ManifestError(folder, f"{MANIFEST} does not parse as JSON ({exc})") from None
    return parse_manifest(document, folder)


def read_limited(path: Path, limit: int, *, what: str) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened without blocking and checked with ``fstat`` on the open descriptor, so a FIFO,
    a device or a file swapped in between is refused instead of read."""
    folder = path.parent
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ManifestError(folder, f"{what} is missing") from None
    except OSError as exc:
        raise ManifestError(folder, f"{what} cannot be read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ManifestError(folder, f"{what} is not a regular file (a named pipe, device "
                                "or folder); it is not read")
        if info.st_size > limit:
            raise ManifestError(folder, f"{what} is {info.st_size} bytes, over the limit of "
                                f"{limit}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise ManifestError(folder, f"{what} cannot be read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ManifestError(folder, f"{what} is over the limit of {limit} bytes")
    return data


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """The deepest nesting of JSON objects and lists in ``text`` (strings skipped)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def backtracks(pattern: str) -> str:
    """Why ``pattern`` may backtrack exponentially ("" when it cannot): a repetition inside
    a repetition (``(a+)+``), an alternation inside one (``(a|ab)*``) or a backreference.
    Python's engine has no time limit, so a series rule with these shapes is refused
    rather than run against every description of a study."""
    from re import _parser  # type: ignore[attr-defined]  # the stdlib's own parser

    def walk(items: Any, repeated: bool) -> str:
        for op, arg in items:
            name = str(op)
            if name in _REPEATS:
                many = arg[1] > 1
                if repeated and many:
                    return "a repetition inside a repetition"
                found = walk(arg[2], repeated or many)
            elif name == "BRANCH":
                if repeated:
                    return "an alternation inside a repetition"
                found = next((why for alt in arg[1] if (why := walk(alt, repeated))), "")
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                return "a backreference"
            else:
                found = next((why for sub in _subpatterns(arg) if (why := walk(sub, repeated))),
                             "")
            if found:
                return found
        return ""

    return walk(_parser.parse(pattern), False)


def _subpatterns(arg: Any) -> list[Any]:
    """The nested patterns in a parsed node's argument (groups, lookarounds, atomic groups)."""
    if isinstance(arg, (list, tuple)):
        if arg and all(isinstance(item, tuple) and len(item) == 2 and hasattr(item[0], "name")
                       for item in arg):
            return [arg]
        return [sub for item in arg for sub in _subpatterns(item)]
    if hasattr(arg, "data"):  # a SubPattern
        return [arg]
    return []


def parse_manifest(document: Any, folder: str | Path) -> Manifest:
    """Validate an already-parsed manifest document."""
    return _Parser(Path(folder)).manifest(document)


class _Parser:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fail(self, where: str, what: str) -> ManifestError:
        return ManifestError(self.folder, f"{MANIFEST}: {where}: {what}")

    # -- primitives -----------------------------------------------------------------

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected an object")
        return value

    def get(self, d: dict[str, Any], key: str, where: str) -> Any:
        if key not in d:
            raise self.fail(f"{where}{key}", "is missing")
        return d[key]

    def text(self, value: Any, where: str, *, empty: bool = True) -> str:
        if not isinstance(value, str) or (not empty and not value.strip()):
            raise self.fail(where, "expected text" if empty else "expected non-empty text")
        return value

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(where, "expected a number")
        if not math.isfinite(value):
            raise self.fail(where, "expected a finite number")
        return float(value)

    def integer(self, value: Any, where: str, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, "expected an integer")
        if minimum is not None and value < minimum:
            raise self.fail(where, f"must be at least {minimum}")
        return value

    def choice(self, value: Any, where: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            raise self.fail(where, f"{value!r} is not one of {', '.join(choices)}")
        return str(value)

    def array(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(where, "expected a list")
        return value

    def shape(self, value: Any, where: str, *, batch: bool = True) -> tuple[Axis, ...]:
        axes = self.array(value, where)
        if not axes:
            raise self.fail(where, "expected at least one axis")
        shape: list[Axis] = []
        for i, axis in enumerate(axes):
            if isinstance(axis, str) and axis:
                shape.append(axis)
            else:
                shape.append(self.integer(axis, f"{where}[{i}]", minimum=1))
        if batch and shape[0] != "batch":
            raise self.fail(f"{where}[0]", 'the first axis must be the dynamic axis "batch"')
        return tuple(shape)

    def color(self, value: Any, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
            raise self.fail(where, "expected a colour #RRGGBB")
        return value.upper()

    def labels(self, value: Any, where: str, *, values: bool) -> tuple[Label, ...]:
        found = []
        for i, item in enumerate(self.array(value, where)):
            w = f"{where}[{i}]"
            item = self.obj(item, w)
            name = self.text(self.get(item, "name", w + "."), w + ".name", empty=False)
            number = item.get("value", i if values else None)
            if number is not None:
                number = self.integer(number, w + ".value", minimum=0)
            unit = self.text(item.get("unit", ""), w + ".unit").strip()
            found.append(Label(name, number, self.color(item.get("color"), w + ".color"), unit))
        if values and len({label.value for label in found}) != len(found):
            raise self.fail(where, "two labels share a value")
        return tuple(found)

    # -- sections -------------------------------------------------------------------

    def manifest(self, document: Any) -> Manifest:
        d = self.obj(document, "the document")
        version = d.get("format_version")
        if version != FORMAT_VERSION:
            raise self.fail(
                "format_version",
                f"{version!r} is not supported (this Lightbox reads format {FORMAT_VERSION})",
            )
        model_id = self.text(self.get(d, "id", ""), "id")
        if not ID_PATTERN.fullmatch(model_id):
            raise self.fail("id", f"{model_id!r} must be lower-case letters, digits and -")
        if model_id != self.folder.name:
            raise self.fail("id", f"{model_id!r} differs from the folder name")
        semver = self.text(self.get(d, "version", ""), "version")
        if not VERSION_PATTERN.fullmatch(semver):
            raise self.fail("version", f"{semver!r} is not a semantic version")
        flag = d.get("not_for_clinical_use", False)
        if not isinstance(flag, bool):
            raise self.fail("not_for_clinical_use", "expected true or false")
        inputs = tuple(
            self.input(item, f"inputs[{i}]")
            for i, item in enumerate(self.array(self.get(d, "inputs", ""), "inputs"))
        )
        if not inputs:
            raise self.fail("inputs", "the model needs at least one input")
        volume = contract.is_volume_model(d)
        outputs = tuple(
            self.output(item, f"outputs[{i}]", volume=volume)
            for i, item in enumerate(self.array(self.get(d, "outputs", ""), "outputs"))
        )
        if not outputs:
            raise self.fail("outputs", "the model needs at least one output")
        self.cross_check(outputs)
        use = self.intended_use(self.get(d, "intended_use", ""))
        self.check_inputs(inputs, use)
        return Manifest(
            folder=self.folder,
            format_version=FORMAT_VERSION,
            id=model_id,
            name=self.text(self.get(d, "name", ""), "name", empty=False),
            version=semver,
            description=self.text(d.get("description", ""), "description"),
            not_for_clinical_use=flag,
            intended_use=use,
            inputs=inputs,
            outputs=outputs,
            tolerance=self.tolerance(self.get(d, "tolerance", "")),
            files=MappingProxyType(self.files(self.get(d, "files", ""))),
            digest=self.sha(self.get(d, "digest", ""), "digest"),
            checks=MappingProxyType(self.obj(d.get("checks", {}), "checks")),
            provenance=MappingProxyType(self.obj(d.get("provenance", {}), "provenance")),
            raw=MappingProxyType(d),
            reference=None if d.get("reference") is None else self.reference(d["reference"]),
            limitations=tuple(
                self.text(v, f"limitations[{i}]", empty=False)
                for i, v in enumerate(self.array(d.get("limitations", []), "limitations"))
            ),
            volume=parse_volume(d.get("volume"), use, inputs, outputs, self.fail),
        )

    def sha(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not SHA256_PATTERN.fullmatch(value):
            raise self.fail(where, "expected a SHA-256 in lower-case hex")
        return value

    def files(self, value: Any) -> dict[str, str]:
        files = self.obj(value, "files")
        for name, digest in files.items():
            where = f"files[{name!r}]"
            parts = Path(name).parts
            if (
                not name
                or Path(name).is_absolute()
                or "\\" in name
                or any(p in ("..", ".") for p in parts)
                or name == MANIFEST
            ):
                raise self.fail(where, "must be a plain path inside the model folder")
            self.sha(digest, where)
        for required in ("model.onnx", "golden.npz"):
            if required not in files:
                raise self.fail("files", f"{required} is not listed")
        return dict(files)

    def intended_use(self, value: Any) -> IntendedUse:
        d = self.obj(value, "intended_use")
        w = "intended_use."

        def names(key: str) -> tuple[str, ...]:
            items = self.array(d.get(key, []), w + key)
            return tuple(
                self.text(v, f"{w}{key}[{i}]").strip().upper() for i, v in enumerate(items)
            )

        spacing = d.get("pixel_spacing_mm")
        spacing_range = None
        if spacing is not None:
            pair = self.array(spacing, w + "pixel_spacing_mm")
            if len(pair) != 2:
                raise self.fail(w + "pixel_spacing_mm", "expected [smallest, largest]")
            lo, hi = (self.number(v, w + "pixel_spacing_mm") for v in pair)
            if not 0 < lo <= hi:
                raise self.fail(w + "pixel_spacing_mm", "expected 0 < smallest <= largest")
            spacing_range = (lo, hi)
        view = d.get("view")
        return IntendedUse(
            modality=names("modality"),
            body_part=names("body_part"),
            view=None if view is None else self.text(view, w + "view").strip().upper(),
            population=self.text(d.get("population", ""), w + "population"),
            pixel_spacing_mm=spacing_range,
            input=self.choice(d.get("input", "slice"), w + "input", ("slice", "volume")),
        )

    def input(self, value: Any, where: str) -> InputSpec:
        d = self.obj(value, where)
        w = where + "."
        shape = self.shape(self.get(d, "shape", w), w + "shape")
        if len(shape) not in (4, 5):
            raise self.fail(w + "shape", "expected [batch, channels, rows, columns] (or 5-D)")
        channels = self.integer(self.get(d, "channels", w), w + "channels")
        if channels not in (1, 3):
            raise self.fail(w + "channels", "must be 1 (grey) or 3 (RGB)")
        slices = d.get("slices")
        if slices is not None:
            slices = self.integer(slices, w + "slices", minimum=1)
        # issue 12: a 5-D input with fixed axes may omit resize (a volume model ignores it)
        if "resize" not in d and len(shape) == 5 and all(isinstance(a, int) for a in shape[-2:]):
            d = {**d, "resize": {"size": list(shape[-2:])}}
        rz = self.obj(self.get(d, "resize", w), w + "resize")
        size = self.array(self.get(rz, "size", w + "resize."), w + "resize.size")
        if len(size) != 2:
            raise self.fail(w + "resize.size", "expected [rows, columns]")
        rows, cols = (self.integer(v, w + "resize.size", minimum=1) for v in size)
        if all(isinstance(a, int) for a in shape[-2:]) and tuple(shape[-2:]) != (rows, cols):
            raise self.fail(
                w + "resize.size", f"{[rows, cols]} differs from the shape {list(shape)}"
            )
        keep = rz.get("keep_aspect", True)
        if not isinstance(keep, bool):
            raise self.fail(w + "resize.keep_aspect", "expected true or false")
        resize = Resize(
            (rows, cols),
            keep,
            self.number(rz.get("pad_value", 0.0), w + "resize.pad_value"),
            self.choice(
                rz.get("interpolation", "linear"), w + "resize.interpolation", INTERPOLATIONS
            ),
        )
        it = self.obj(self.get(d, "intensity", w), w + "intensity")
        kind = self.choice(it.get("kind"), w + "intensity.kind", INTENSITY_KINDS)
        intensity = Intensity(kind)
        if kind == "window":
            width = self.number(self.get(it, "width", w + "intensity."), w + "intensity.width")
            if width <= 0:
                raise self.fail(w + "intensity.width", "must be positive")
            center = self.number(self.get(it, "center", w + "intensity."), w + "intensity.center")
            intensity = Intensity(kind, center=center, width=width)
        elif kind == "normalize":
            std = self.number(self.get(it, "std", w + "intensity."), w + "intensity.std")
            if std <= 0:
                raise self.fail(w + "intensity.std", "must be positive")
            mean = self.number(self.get(it, "mean", w + "intensity."), w + "intensity.mean")
            intensity = Intensity(kind, mean=mean, std=std)
        return InputSpec(
            name=self.text(self.get(d, "name", w), w + "name", empty=False),
            shape=shape,
            dtype=self.choice(d.get("dtype", "float32"), w + "dtype", DTYPES),
            channels=channels,
            resize=resize,
            intensity=intensity,
            slices=slices,
            series=None if d.get("series") is None else self.series_rule(d["series"], w),
        )

    def series_rule(self, value: Any, w: str) -> SeriesRule:
        """``inputs[i].series``: unknown keys are refused (a misspelt key would quietly
        match every series), and so is a pattern that does not compile or is too long."""
        d = self.obj(value, w + "series")
        w += "series."
        unknown = sorted(set(d) - set(_SERIES_KEYS))
        if unknown:
            raise self.fail(w + unknown[0], f"is not a series rule key ({', '.join(_SERIES_KEYS)})")
        modality = tuple(
            self.text(v, f"{w}modality[{i}]", empty=False).strip().upper()
            for i, v in enumerate(self.array(d.get("modality", []), w + "modality"))
        )
        pattern = d.get("description")
        if pattern is not None:
            pattern = self.text(pattern, w + "description", empty=False)
            if len(pattern) > MAX_PATTERN:
                raise self.fail(w + "description",
                                f"is {len(pattern)} characters, over the limit of {MAX_PATTERN}")
            try:
                re.compile(pattern)
                risky = backtracks(pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                raise self.fail(w + "description",
                                f"is not a valid regular expression ({exc})") from None
            if risky:
                raise self.fail(w + "description", f"{risky}: such a pattern can take "
                                "exponential time on a short description; write it without")
        role = self.text(d.get("role", ""), w + "role").strip()
        if len(role) > MAX_ROLE:
            raise self.fail(w + "role", f"is over the limit of {MAX_ROLE} characters")
        contrast = d.get("contrast")
        if contrast is not None and not isinstance(contrast, bool):
            raise self.fail(w + "contrast", "expected true, false or null")
        rule = SeriesRule(modality, pattern, role, contrast)
        if not rule.primary and not modality and pattern is None and contrast is None:
            raise self.fail(w[:-1], "needs a modality, a description or contrast (else any "
                            "series of the study would match)")
        return rule

    def check_inputs(self, inputs: tuple[InputSpec, ...], use: IntendedUse) -> None:
        """Distinct names; one primary input (the volume section checks its own inputs)."""
        names = [i.name for i in inputs]
        if len(set(names)) != len(names):
            raise self.fail("inputs", "two inputs share a name")
        if all(i.from_other_series for i in inputs):
            raise self.fail("inputs", "every input has a series rule: one (the series the "
                            "model runs on) needs none, or the role \"primary\"")

    def output(self, value: Any, where: str, *, volume: bool = False) -> OutputSpec:
        """One output; its shape is checked against :mod:`contract` (what the viewer can
        show for this kind on this kind of model)."""
        d = self.obj(value, where)
        w = where + "."
        kind = self.choice(self.get(d, "kind", w), w + "kind", OUTPUT_KINDS)
        spec = OutputSpec(
            name=self.text(self.get(d, "name", w), w + "name", empty=False),
            kind=kind,
            shape=self.shape(self.get(d, "shape", w), w + "shape", batch=False),
            activation=self.choice(d.get("activation", "none"), w + "activation", ACTIVATIONS),
        )
        changes: dict[str, Any] = {}
        if kind in ("mask", "label_map", "labels", "values"):
            changes["labels"] = self.labels(
                self.get(d, "labels", w), w + "labels", values=kind in ("mask", "label_map")
            )
            if not changes["labels"]:
                raise self.fail(w + "labels", "expected at least one label")
        if kind == "values":
            changes["decimals"] = self.integer(d.get("decimals", 1), w + "decimals", minimum=0)
            if changes["decimals"] > MAX_DECIMALS:
                raise self.fail(w + "decimals", f"at most {MAX_DECIMALS}")
            count = spec.shape[-1]
            if isinstance(count, int) and count != len(changes["labels"]):
                raise self.fail(w + "labels", f"{len(changes['labels'])} names for {count} "
                                "values (one {\"name\", \"unit\"} per value)")
        if kind == "heatmap":
            rng = self.array(d.get("range", [0, 1]), w + "range")
            if len(rng) != 2:
                raise self.fail(w + "range", "expected [low, high]")
            lo, hi = (self.number(v, w + "range") for v in rng)
            if not lo < hi:
                raise self.fail(w + "range", "expected low < high")
            changes["value_range"] = (lo, hi)
            changes["colormap"] = self.text(d.get("colormap", "inferno"), w + "colormap")
            target = d.get("for")
            changes["for_output"] = None if target is None else self.text(target, w + "for")
        if kind == "boxes":
            changes.update(self.boxes(d, w))
        layout = changes.get("layout", "fixed")
        if kind in ("box_scores", "box_classes", "box_batch") and spec.shape[0] != "batch":
            layout = "variable"  # a companion of variable-length boxes; cross_check pairs it
        problem = contract.shape_problem(kind, spec.shape, volume=volume, layout=layout)
        if problem:
            raise self.fail(w + "shape", problem)
        return replace(spec, **changes)

    def boxes(self, d: dict[str, Any], w: str) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        changes["box_format"] = self.choice(d.get("format", "xyxy"), w + "format", ("xyxy",))
        changes["scores"] = self.text(self.get(d, "scores", w), w + "scores", empty=False)
        changes["classes"] = self.labels(self.get(d, "classes", w), w + "classes", values=False)
        if not changes["classes"]:
            raise self.fail(w + "classes", "expected at least one class")
        threshold = self.number(d.get("score_threshold", 0.5), w + "score_threshold")
        iou = self.number(d.get("nms_iou", 0.5), w + "nms_iou")
        if not (0 <= threshold <= 1 and 0 < iou <= 1):
            raise self.fail(w + "score_threshold", "threshold and nms_iou must lie in 0..1")
        changes["score_threshold"], changes["nms_iou"] = threshold, iou
        layout = self.choice(d.get("layout", "fixed"), w + "layout", BOX_LAYOUTS)
        changes["layout"] = layout
        if layout == "variable":
            changes["batch_index"] = self.text(
                self.get(d, "batch_index", w), w + "batch_index", empty=False)
            changes["classes_output"] = self.text(
                self.get(d, "classes_output", w), w + "classes_output", empty=False)
        return changes

    def cross_check(self, outputs: tuple[OutputSpec, ...]) -> None:
        names = [o.name for o in outputs]
        if len(set(names)) != len(names):
            raise self.fail("outputs", "two outputs share a name")
        by_name = {o.name: o for o in outputs}
        paired: set[str] = set()
        for i, o in enumerate(outputs):
            if o.kind == "boxes":
                companions = [("scores", o.scores, "box_scores")]
                if o.layout == "variable":
                    companions += [("batch_index", o.batch_index, "box_batch"),
                                   ("classes_output", o.classes_output, "box_classes")]
                for key, name, kind in companions:
                    companion = by_name.get(name or "")
                    if companion is None or companion.kind != kind:
                        raise self.fail(f"outputs[{i}].{key}", f"no {kind} output {name!r}")
                    if companion.batch_first == o.batch_first:
                        paired.add(companion.name)
                        if o.layout == "variable" and companion.shape[0] != o.shape[0]:
                            raise self.fail(
                                f"outputs[{names.index(companion.name)}].shape",
                                f"{companion.name!r} must share the first axis "
                                f"{o.shape[0]!r} of the boxes {o.name!r} (one row per box)")
                        continue
                    layout = "variable" if o.layout == "variable" else "fixed"
                    raise self.fail(f"outputs[{names.index(companion.name)}].shape",
                                    contract.needs(kind, volume=False, layout=layout)
                                    + f" (the {layout}-length boxes {o.name!r})")
            if o.kind == "heatmap" and o.for_output is not None and o.for_output not in by_name:
                raise self.fail(f"outputs[{i}].for", f"no output {o.for_output!r}")
        for i, o in enumerate(outputs):
            if o.kind in ("box_classes", "box_batch") and o.name not in paired:
                raise self.fail(f"outputs[{i}]", f"{o.kind} output {o.name!r} belongs to no "
                                "variable-length boxes output")

    def quantiles(self, value: Any, where: str) -> Quantiles | None:
        if value is None:
            return None
        d = self.obj(value, where)
        figures = [self.number(self.get(d, k, where + "."), f"{where}.{k}")
                   for k in ("min", "p05", "p50", "p95", "max")]
        if figures != sorted(figures):
            raise self.fail(where, "expected min <= p05 <= p50 <= p95 <= max")
        return Quantiles(*figures)

    def reference(self, value: Any) -> Reference:
        d = self.obj(value, "reference")
        w = "reference."
        hist = self.obj(self.get(d, "intensity_histogram", w), w + "intensity_histogram")
        hw = w + "intensity_histogram."
        fractions = tuple(
            self.number(v, f"{hw}fractions[{i}]")
            for i, v in enumerate(self.array(self.get(hist, "fractions", hw), hw + "fractions"))
        )
        if len(fractions) < 2 or any(f < 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-3:
            raise self.fail(hw + "fractions", "expected two or more fractions summing to 1")
        bins = self.integer(hist.get("bins", len(fractions)), hw + "bins", minimum=2)
        if bins != len(fractions):
            raise self.fail(hw + "bins", f"{bins} differs from the {len(fractions)} fractions")
        rng = self.array(self.get(hist, "range", hw), hw + "range")
        if len(rng) != 2:
            raise self.fail(hw + "range", "expected [low, high]")
        lo, hi = (self.number(v, hw + "range") for v in rng)
        if not lo < hi:
            raise self.fail(hw + "range", "expected low < high")
        t = self.obj(d.get("thresholds") or {}, w + "thresholds")
        defaults = DomainThresholds()
        thresholds = DomainThresholds(**{
            key: self.number(t.get(key, getattr(defaults, key)), f"{w}thresholds.{key}")
            for key in ("psi_shift", "psi_unlike", "spacing_margin", "size_margin")
        })
        if not 0 <= thresholds.psi_shift <= thresholds.psi_unlike:
            raise self.fail(w + "thresholds", "expected 0 <= psi_shift <= psi_unlike")
        if thresholds.spacing_margin < 0 or thresholds.size_margin < 0:
            raise self.fail(w + "thresholds", "margins must not be negative")
        return Reference(
            input=self.text(self.get(d, "input", w), w + "input", empty=False),
            samples=self.integer(self.get(d, "samples", w), w + "samples", minimum=1),
            bins=bins,
            value_range=(lo, hi),
            histogram=fractions,
            spacing_mm=self.quantiles(d.get("pixel_spacing_mm"), w + "pixel_spacing_mm"),
            rows=self.quantiles(d.get("image_rows"), w + "image_rows"),
            columns=self.quantiles(d.get("image_columns"), w + "image_columns"),
            acquisition=MappingProxyType(self.obj(d.get("acquisition") or {}, w + "acquisition")),
            thresholds=thresholds,
            sample_psi=self.quantiles(d.get("sample_psi"), w + "sample_psi"),
        )

    def tolerance(self, value: Any) -> Tolerance:
        """atol and rtol, and scale_rtol where the artifact has it (the one rule of
        :mod:`viewer.inference.agreement`; older artifacts have none and mean 0)."""
        d = self.obj(value, "tolerance")
        atol = self.number(self.get(d, "atol", "tolerance."), "tolerance.atol")
        rtol = self.number(self.get(d, "rtol", "tolerance."), "tolerance.rtol")
        scale_rtol = self.number(d.get("scale_rtol", 0.0), "tolerance.scale_rtol")
        tolerance = Tolerance(atol, rtol, scale_rtol)
        problem = tolerance_problem(tolerance)
        if problem is not None:
            raise self.fail(*problem)
        return tolerance
