"""AI results and how they are shown, without Qt.

Results from :func:`viewer.inference.run_model` are grouped into *runs*: one model version
on one series, newest result per frame. A result belongs to its source series and frame
(``provenance.series_uid`` and ``frame_index``) and is only ever looked up by them, so it
can never show on another series. Everything else here is display state (visibility,
opacity, fill or contour, per-label and per-finding toggles, box score thresholds); it is
validated and evented like :class:`viewer.state.view.ViewState`. The source image is never
touched: :meth:`OverlayState.overlay_rgba` returns a separate RGBA layer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from viewer.imaging.ai_layers import COLORMAPS, heatmap_rgba, label_colors, mask_rgba, stack_rgba
from viewer.state.events import Listeners

if TYPE_CHECKING:
    from viewer.inference import Box, Label, Provenance, Result

Listener = Callable[[frozenset[str]], None]
RunKey = tuple[str, str]  # (series UID, model id)
STYLES = ("fill", "contour")
#: Heat below this is drawn clear, so the image stays readable where the model saw nothing.
HEATMAP_FLOOR = 0.2


def percent(score: float) -> str:
    return f"{score * 100:.0f}%"


def score_caption(provenance: Provenance, name: str, score: float) -> str:
    """Every score on screen carries its model: "AI · name version · lesion 93%"."""
    return f"AI · {provenance.model_name} {provenance.model_version} · {name} {percent(score)}"


def value_caption(provenance: Provenance, name: str, shown: str) -> str:
    """Every number on screen carries its model: "AI · name version · diameter 12.3 mm"."""
    return f"AI · {provenance.model_name} {provenance.model_version} · {name} {shown}"


@dataclass(frozen=True)
class Finding:
    """One row of the findings list: a box, a label of a mask on a slice, or a slice's
    classification. ``key`` is stable across refreshes (it names the toggle)."""

    key: str
    run_key: RunKey
    frame_index: int
    kind: str  # "box" | "mask" | "labels" | "values"
    text: str
    score: float | None = None
    color: str | None = None
    label_value: int | None = None
    #: What grouping across slices needs (viewer.state.finding_groups): the label or class
    #: name, the mask's pixel count of that label, the box.
    name: str = ""
    pixels: int = 0
    box: Box | None = None
    shown: str = ""  # values: the number with its unit, "12.3 mm"


class Run:
    """One model version's results on one series."""

    def __init__(self, provenance: Provenance) -> None:
        self.provenance = provenance
        self.results: dict[int, Result] = {}

    @property
    def key(self) -> RunKey:
        return (self.provenance.series_uid, self.provenance.model_id)

    @property
    def model_id(self) -> str:
        return self.provenance.model_id

    @property
    def title(self) -> str:
        """The model as every overlay line and legend names it; an unsigned model run in
        the site's developer mode carries the mark wherever its results are shown."""
        p = self.provenance
        title = f"{p.model_name} {p.model_version}"
        if p.server:  # computed on an inference server: where, and on which provider
            title += f" · on {p.server} ({p.provider.removesuffix('ExecutionProvider')})"
        if not p.unsigned:
            return title
        from viewer.inference.signing import UNSIGNED_MARK  # only when there is one

        return f"{title} · {UNSIGNED_MARK}"

    @property
    def warnings(self) -> tuple[str, ...]:
        """Intended-use warnings the reader accepted for any of these results."""
        seen: dict[str, None] = {}
        for result in self.results.values():
            seen.update(dict.fromkeys(result.warnings))
        return tuple(seen)

    def frames(self) -> list[int]:
        return sorted(self.results)

    def mask_labels(self) -> list[Label]:
        """Every non-background label of the model's masks, once, in manifest order."""
        found: dict[int, Label] = {}
        for result in self.results.values():
            for output in result.masks:
                for label in output.labels:
                    if label.value and label.value not in found:
                        found[label.value] = label
            break  # every result of one model version has the same labels
        return list(found.values())

    def base_threshold(self) -> float | None:
        """The manifest's box score threshold (None when the model draws no boxes)."""
        for result in self.results.values():
            for output in result.boxes:
                return float(output.score_threshold)
            return None
        return None


def _finding_key(run: Run, frame: int, kind: str, detail: object) -> str:
    return f"{run.model_id}|{run.provenance.series_uid}|{frame}|{kind}|{detail}"


class OverlayState:
    """Evented store of AI runs and their display state.

    Events (field names): ``runs``, ``visible``, ``opacity``, ``heatmap_opacity``,
    ``heatmap_colormap``, ``style``, ``labels``, ``findings``, ``threshold``.
    """

    def __init__(self) -> None:
        self._runs: dict[RunKey, Run] = {}
        self._listeners: Listeners[frozenset[str]] = Listeners()
        self._visible = True
        self._opacity = 0.45
        self._heatmap_opacity = 0.45
        self._heatmap_colormap: str | None = None  # None: each model's own (its manifest's)
        self._style = "fill"
        self._hidden_labels: set[tuple[str, int]] = set()
        self._hidden_findings: set[str] = set()
        self._thresholds: dict[str, float] = {}

    # -- observation ----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(changed_fields)`` after each change; returns the unsubscribe."""
        return self._listeners.subscribe(listener)

    def _emit(self, *changed: str) -> None:
        self._listeners.emit(frozenset(changed))

    # -- runs -----------------------------------------------------------------------------

    def add_results(self, results: Iterable[Result]) -> list[Run]:
        """Keep ``results``; a newer result for the same model, series and frame replaces
        the older. A different version of a model replaces that model's run on the series
        (scores and thresholds belong to one version)."""
        touched: dict[RunKey, Run] = {}
        for result in results:
            p = result.provenance
            key = (p.series_uid, p.model_id)
            run = self._runs.get(key)
            # where it ran belongs to the run too: a run elsewhere replaces this one
            if run is None or run.provenance.model_digest != p.model_digest \
                    or run.provenance.server != p.server:
                run = self._runs[key] = Run(p)
                self._hidden_findings = {k for k in self._hidden_findings
                                         if not k.startswith(f"{p.model_id}|{p.series_uid}|")}
            run.results[p.frame_index] = result
            touched[key] = run
        if touched:
            self._emit("runs")
        return list(touched.values())

    def runs(self, series_uid: str | None = None) -> list[Run]:
        return [r for r in self._runs.values()
                if series_uid is None or r.provenance.series_uid == series_uid]

    def remove_run(self, key: RunKey) -> None:
        if self._runs.pop(key, None) is not None:
            self._emit("runs")

    def clear(self) -> None:
        if self._runs:
            self._runs.clear()
            self._emit("runs")

    def at(self, series_uid: str | None, frame_index: int) -> list[tuple[Run, Result]]:
        """The results shown on one frame of one series (none for another series)."""
        if series_uid is None:
            return []
        found = []
        for run in self.runs(series_uid):
            result = run.results.get(frame_index)
            if result is not None:
                found.append((run, result))
        return found

    # -- display state ---------------------------------------------------------------------

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if bool(value) != self._visible:
            self._visible = bool(value)
            self._emit("visible")

    def toggle_visible(self) -> None:
        self.visible = not self._visible

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = _fraction(value, "opacity")
        if value != self._opacity:
            self._opacity = value
            self._emit("opacity")

    @property
    def heatmap_opacity(self) -> float:
        return self._heatmap_opacity

    @heatmap_opacity.setter
    def heatmap_opacity(self, value: float) -> None:
        value = _fraction(value, "heatmap opacity")
        if value != self._heatmap_opacity:
            self._heatmap_opacity = value
            self._emit("heatmap_opacity")

    @property
    def heatmap_colormap(self) -> str | None:
        """The colour map heatmaps are drawn with; None draws each with its model's own."""
        return self._heatmap_colormap

    @heatmap_colormap.setter
    def heatmap_colormap(self, value: str | None) -> None:
        if value is not None and value not in COLORMAPS:
            raise ValueError(f"unknown colour map {value!r} (known: {', '.join(COLORMAPS)})")
        if value != self._heatmap_colormap:
            self._heatmap_colormap = value
            self._emit("heatmap_colormap")

    @property
    def style(self) -> str:
        return self._style

    @style.setter
    def style(self, value: str) -> None:
        if value not in STYLES:
            raise ValueError(f"style must be one of {', '.join(STYLES)}, not {value!r}")
        if value != self._style:
            self._style = value
            self._emit("style")

    def label_visible(self, model_id: str, value: int) -> bool:
        return (model_id, int(value)) not in self._hidden_labels

    def set_label_visible(self, model_id: str, value: int, visible: bool) -> None:
        key = (model_id, int(value))
        if visible == (key not in self._hidden_labels):
            return
        (self._hidden_labels.discard if visible else self._hidden_labels.add)(key)
        self._emit("labels")

    def finding_visible(self, key: str) -> bool:
        return key not in self._hidden_findings

    def set_finding_visible(self, key: str, visible: bool) -> None:
        if visible == (key not in self._hidden_findings):
            return
        (self._hidden_findings.discard if visible else self._hidden_findings.add)(key)
        self._emit("findings")

    def threshold(self, run: Run) -> float:
        """The box score threshold shown for ``run``: the model's unless raised."""
        base = run.base_threshold() or 0.0
        return max(self._thresholds.get(run.model_id, base), base)

    def set_threshold(self, run: Run, value: float) -> None:
        """Raise (or lower back) the shown threshold; never below the model's own, which
        is the one its version was validated with."""
        base = run.base_threshold() or 0.0
        value = min(max(_fraction(value, "threshold"), base), 1.0)
        if value != self.threshold(run):
            self._thresholds[run.model_id] = value
            self._emit("threshold")

    # -- what to draw ---------------------------------------------------------------------

    def boxes(self, run: Run, result: Result) -> list[Box]:
        """Boxes at or above the shown threshold, minus the ones toggled off."""
        threshold = self.threshold(run)
        shown = []
        for n, output in enumerate(result.boxes):
            # Greedy NMS only lets a box suppress lower-scoring ones, so the candidates
            # (NMS at threshold 0) filtered by a higher threshold equal NMS at it.
            for box in output.candidates or output.boxes:
                if box.score >= threshold and self.finding_visible(
                        _box_key(run, result.provenance.frame_index, n, box)):
                    shown.append(box)
        return shown

    def overlay_rgba(self, series_uid: str | None, frame_index: int,
                     shape: tuple[int, int]) -> np.ndarray | None:
        """Heatmaps then masks of one frame as one RGBA layer of ``shape``; None when
        there is nothing to draw. Results of another size are skipped, never stretched."""
        layers = []
        for run, result in self.at(series_uid, frame_index):
            if tuple(result.shape) != tuple(shape):
                continue
            if self.finding_visible(_labels_key(run, frame_index)):
                for heat in result.heatmaps:
                    layers.append(heatmap_rgba(heat.heatmap,
                                               self._heatmap_colormap or heat.colormap,
                                               opacity=self._heatmap_opacity,
                                               floor=HEATMAP_FLOOR))
            for output in result.masks:
                values = {label.value for label in output.labels
                          if label.value and self.label_visible(run.model_id, label.value)
                          and self.finding_visible(_mask_key(run, frame_index, label.value))}
                if values:
                    layers.append(mask_rgba(output.mask, label_colors(output.labels),
                                            opacity=self._opacity, style=self._style,
                                            visible=values))
        return stack_rgba(*layers) if layers else None

    def findings(self, series_uid: str | None) -> list[Finding]:
        """Every finding on a series, by model then slice."""
        found: list[Finding] = []
        for run in self.runs(series_uid):
            for frame in run.frames():
                found.extend(frame_findings(run, run.results[frame], self.threshold(run)))
        return found


def frame_findings(run: Run, result: Result, threshold: float) -> list[Finding]:
    frame = result.provenance.frame_index
    p = result.provenance
    found: list[Finding] = []
    for output in result.labels:
        name, score = output.top
        found.append(Finding(_labels_key(run, frame), run.key, frame, "labels",
                             score_caption(p, name, score), score, name=name))
    for values in result.values:
        for name, shown in values.items():
            found.append(Finding(_finding_key(run, frame, "values", f"{values.output}:{name}"),
                                 run.key, frame, "values", value_caption(p, name, shown),
                                 name=name, shown=shown))
    for n, boxes in enumerate(result.boxes):
        for box in boxes.candidates or boxes.boxes:
            if box.score >= threshold:
                found.append(Finding(_box_key(run, frame, n, box), run.key, frame, "box",
                                     score_caption(p, box.class_name, box.score), box.score,
                                     box.color, name=box.class_name, box=box))
    for mask in result.masks:
        for label in mask.labels:
            pixels = mask.counts.get(label.value or 0, 0)
            if label.value and pixels:
                found.append(Finding(_mask_key(run, frame, label.value), run.key, frame,
                                     "mask", f"AI · {run.title} · {label.name} ({pixels:,} px)",
                                     None, label.color, label.value, label.name, pixels))
    return found


def _labels_key(run: Run, frame: int) -> str:
    return _finding_key(run, frame, "labels", "")


def _mask_key(run: Run, frame: int, value: int) -> str:
    return _finding_key(run, frame, "mask", value)


def _box_key(run: Run, frame: int, output: int, box: Box) -> str:
    return _finding_key(run, frame, "box",
                        f"{output}:{box.x0:.1f},{box.y0:.1f},{box.x1:.1f},{box.y1:.1f}")


def _fraction(value: float, what: str) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{what} must lie in 0..1, not {value:g}")
    return value
