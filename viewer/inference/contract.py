"""The one contract the build (``viewer.modelkit``) and the viewer share for model outputs.

Which output kinds exist, which shapes and ONNX element types each one may have (per
input kind: a slice model gives 2-D results, a sliding-window volume model 3-D ones), and
the check of a graph's real inputs and outputs against the manifest. The build runs the
same functions on the manifest it is about to write and on the graph it exported, so an
artifact it accepts is one the viewer verifies, runs and shows; what the viewer would
refuse, the build refuses first, with the same words.

The graph check reads ``session.get_inputs()/get_outputs()`` of ONNX Runtime (not the
``onnx`` package, which the frozen viewer does not ship).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from viewer.inference.manifest import Manifest

FLOAT = ("float32",)
INTEGER = ("int64", "int32", "int16", "int8", "uint8", "uint16")
#: Element types an input may have; the pre-processing always makes float32.
INPUT_TYPES = FLOAT


@dataclass(frozen=True)
class Kind:
    """What one output kind must look like: its axes per model kind, its element types."""

    name: str
    article: str  # "a mask", "labels": how messages name it
    slice_shape: tuple[str, ...] | None  # axes on a slice model (None: not allowed there)
    volume_shape: tuple[str, ...] | None  # axes on a sliding-window volume model
    types: tuple[str, ...]
    needs: str = "need"  # "needs" for a singular article


def _kind(name: str, article: str, slice_shape: str | None, volume_shape: str | None,
          types: tuple[str, ...]) -> Kind:
    def axes(text: str | None) -> tuple[str, ...] | None:
        return None if text is None else tuple(text.split())

    singular = article.startswith(("a ", "an "))
    return Kind(name, article, axes(slice_shape), axes(volume_shape), types,
                "needs" if singular else "need")


KINDS: Mapping[str, Kind] = {k.name: k for k in (
    _kind("mask", "a mask", "batch classes rows columns",
          "batch classes depth rows columns", FLOAT),
    _kind("label_map", "a label_map", "batch rows columns", "batch depth rows columns",
          INTEGER + FLOAT),
    _kind("labels", "labels", "batch classes", None, FLOAT),
    _kind("values", "values", "batch values", None, FLOAT),
    _kind("heatmap", "a heatmap", "batch 1 rows columns", None, FLOAT),
    _kind("boxes", "boxes", "batch n 4", None, FLOAT),
    _kind("box_scores", "box_scores", "batch n classes", None, FLOAT),
    _kind("box_classes", "box_classes", "detections", None, INTEGER + FLOAT),
    _kind("box_batch", "box_batch", "detections", None, INTEGER + FLOAT),
)}
OUTPUT_KINDS = tuple(KINDS)
#: Shapes of the variable-length box layout: one row per detection of the whole batch.
VARIABLE_SHAPES: Mapping[str, tuple[str, ...]] = {
    "boxes": ("detections", "4"),
    "box_scores": ("detections",),
    "box_classes": ("detections",),
    "box_batch": ("detections",),
}
#: A heatmap may leave out its channel axis; box scores may leave out their class axis.
_SHORTER = {"heatmap": ("batch", "rows", "columns"), "box_scores": ("batch", "n")}

#: ONNX Runtime's type strings ("tensor(float)") → the names used here and in messages.
_ORT_TYPES = {
    "tensor(float)": "float32", "tensor(double)": "float64", "tensor(float16)": "float16",
    "tensor(bfloat16)": "bfloat16", "tensor(int64)": "int64", "tensor(int32)": "int32",
    "tensor(int16)": "int16", "tensor(int8)": "int8", "tensor(uint8)": "uint8",
    "tensor(uint16)": "uint16", "tensor(uint32)": "uint32", "tensor(uint64)": "uint64",
    "tensor(bool)": "bool", "tensor(string)": "string",
}


def element_type(ort_type: str) -> str:
    """``tensor(int64)`` → ``int64`` (an unknown type keeps its own name)."""
    return _ORT_TYPES.get(ort_type, ort_type)


def is_volume_model(document: Mapping[str, Any]) -> bool:
    """A sliding-window volume model: ``intended_use.input`` "volume" AND a top-level
    ``volume`` section. Without the section a 5-D input keeps its older meaning (N
    neighbouring slices on the channel axis), and its outputs are 2-D."""
    use = document.get("intended_use")
    return (isinstance(use, Mapping) and use.get("input") == "volume"
            and document.get("volume") is not None)


def _text(axes: Sequence[object]) -> str:
    return "[" + ", ".join(str(a) for a in axes) + "]"


def wanted(kind: str, *, volume: bool, layout: str = "fixed") -> list[tuple[str, ...]]:
    """The shapes (as axis names) an output of ``kind`` may have; [] when none."""
    if layout == "variable" and kind in VARIABLE_SHAPES:
        return [] if volume else [VARIABLE_SHAPES[kind]]
    rule = KINDS[kind]
    shape = rule.volume_shape if volume else rule.slice_shape
    if shape is None:
        return []
    return [shape, *([_SHORTER[kind]] if kind in _SHORTER and not volume else [])]


def needs(kind: str, *, volume: bool, layout: str = "fixed") -> str:
    """``a mask needs [batch, classes, rows, columns]`` (what the viewer can show)."""
    rule = KINDS[kind]
    shapes = wanted(kind, volume=volume, layout=layout)
    if not shapes:
        return (f"a volume model's outputs are masks or label maps; {rule.article} "
                f"{'is' if rule.needs == 'needs' else 'are'} not shown for volume models")
    text = " or ".join(_text(s) for s in shapes)
    if kind == "mask" and not volume:
        text += (" (a 3-D mask [batch, classes, depth, rows, columns] needs a volume model: "
                 'intended_use.input "volume" and a volume section)')
    if kind == "label_map" and not volume:
        text += " (a 3-D [batch, depth, rows, columns] one needs a volume model)"
    return f"{rule.article} {rule.needs} {text}"


def shape_problem(kind: str, shape: Sequence[int | str], *, volume: bool,
                  layout: str = "fixed") -> str | None:
    """Why a declared ``shape`` cannot hold ``kind`` (None: it can).

    Ranks and the fixed axes the viewer relies on (4 box coordinates, one heatmap channel)
    are checked; names of the other dynamic axes are free."""
    for axes in wanted(kind, volume=volume, layout=layout):
        if len(axes) != len(shape):
            continue
        first = shape[0]
        if axes[0] == "batch" and first != "batch":
            continue
        if axes[0] != "batch" and not (isinstance(first, str) and first != "batch"):
            continue  # a variable-length output's first axis is its own dynamic one
        if all(not a.isdigit() or not isinstance(s, int) or s == int(a)
               for a, s in zip(axes, shape, strict=True)):
            return None
    return needs(kind, volume=volume, layout=layout)


def suggest(rank: int, element: str, *, volume: bool) -> str:
    """Which kind would fit an output of this rank and element type (for messages)."""
    integer = element in INTEGER
    if volume:
        if rank == 4 and integer:
            return "declare kind label_map"
        if rank == 5 and not integer:
            return "declare kind mask"
        return "a volume model gives [batch, classes, depth, rows, columns] scores or a " \
               "[batch, depth, rows, columns] label map"
    if integer:
        return "declare kind label_map" if rank == 3 else \
            "an integer output must be a label map [batch, rows, columns]"
    return {
        2: "declare kind labels (class probabilities) or values (numbers shown as they are)",
        3: "declare kind label_map (argmax done in the graph) or heatmap",
        4: "declare kind mask (or heatmap for a single channel)",
        5: "a 3-D output needs a volume model: intended_use.input \"volume\" and a volume "
           "section (docs/model-artifact.md)",
    }.get(rank, f"no output kind has {rank} axes")


@dataclass(frozen=True)
class Given:
    """What a model really gives for one output: its shape (ints, axis names or None for
    unknown) and element type."""

    shape: tuple[int | str | None, ...]
    element: str

    def describe(self) -> str:
        axes = ["batch" if i == 0 and d in ("batch", None) else "?" if d is None else d
                for i, d in enumerate(self.shape)]
        return f"{_text(axes)} of {self.element}"


def fit_problem(name: str, kind: str, declared: Sequence[int | str], given: Given, *,
                volume: bool, layout: str = "fixed") -> str | None:
    """Why output ``name`` as the model gives it cannot be shown as ``kind`` (or None).

    ``a mask needs [batch, classes, rows, columns] of float32; this output is
    [batch, 32, 32] of int64: declare kind label_map``."""
    rule = KINDS[kind]
    rank_ok = len(given.shape) == len(declared)
    if rank_ok and given.element in rule.types:
        return None
    types = "float32" if rule.types == FLOAT else "integers or float32"
    shapes = wanted(kind, volume=volume, layout=layout)
    need = " or ".join(_text(s) for s in shapes) if shapes else "no place"
    if rank_ok and given.element in INTEGER and kind == "mask":
        advice = ("integer classes are a label map: drop the class axis (argmax over it) "
                  "and declare kind label_map")
    elif rank_ok:  # the element type alone is wrong
        advice = f"give {types} (convert it in forward())"
    elif layout == "variable":
        advice = f"give {need}, one row per box of the whole batch"
    else:
        advice = suggest(len(given.shape), given.element, volume=volume)
    return (f"output {name!r}: {rule.article} {rule.needs} {need} of {types}; this output "
            f"is {given.describe()}: {advice}")


class _Node(Protocol):
    """An ONNX Runtime ``NodeArg`` (``session.get_inputs()`` items)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def shape(self) -> Any: ...


def graph_problem(manifest: Manifest, inputs: Sequence[_Node], outputs: Sequence[_Node]
                  ) -> str | None:
    """Why the graph's inputs and outputs disagree with the manifest (None: they agree).

    Names and order, ranks, static sizes, element types per kind, and every first axis
    dynamic (a batch axis frozen by the exporter would break every other batch size)."""
    graph_inputs = {i.name: i for i in inputs}
    declared = {i.name for i in manifest.inputs}
    if set(graph_inputs) != declared:
        return f"takes inputs {sorted(graph_inputs)}, the manifest declares {sorted(declared)}"
    for spec in manifest.inputs:
        node = graph_inputs[spec.name]
        if element_type(node.type) not in INPUT_TYPES:
            return f"input {spec.name!r} is {element_type(node.type)}, not {spec.dtype}"
        problem = axes_problem(f"input {spec.name!r}", spec.shape, node.shape)
        if problem:
            return problem
    names = [o.name for o in outputs]
    if names != [o.name for o in manifest.outputs]:
        return (f"gives outputs {names}, the manifest declares "
                f"{[o.name for o in manifest.outputs]} (same order expected)")
    volume = is_volume_model(manifest.raw)
    for out, node in zip(manifest.outputs, outputs, strict=True):
        given = Given(tuple(node.shape) if node.shape is not None else (),
                      element_type(node.type))
        problem = fit_problem(out.name, out.kind, out.shape, given, volume=volume,
                              layout=out.layout)
        if problem:
            return problem
        problem = axes_problem(f"output {out.name!r}", out.shape, node.shape)
        if problem:
            return problem
    return None


def axes_problem(what: str, declared: Sequence[int | str], actual: Any) -> str | None:
    """Rank and static sizes agree; the first (batch or detections) axis is dynamic."""
    if actual is None or len(actual) != len(declared):
        return f"{what} has shape {actual}, the manifest {list(declared)}"
    for axis, (want, got) in enumerate(zip(declared, actual, strict=True)):
        if isinstance(want, int) and isinstance(got, int) and want != got:
            return f"{what} axis {axis} is {got}, the manifest says {want}"
        if axis == 0 and isinstance(want, str) and isinstance(got, int):
            return (f"{what} has its {want} axis frozen at {got} (must be dynamic; the "
                    "exporter froze it: a hard-coded size or int(x.shape[0]) in forward())")
    return None
