"""The lower half of the AI panel: how results show, what is on this image, the findings.

Widgets here only reflect :class:`viewer.state.ai_results.OverlayState` and turn clicks into calls
on it (or on the viewport's state, to jump to a finding's slice); the viewport redraws from
the same state. Results of other series are never listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewer.imaging.ai_layers import COLORMAPS, parse_color
from viewer.inference.series_match import describe_series
from viewer.state.ai_results import OverlayState, Run, percent, score_caption, value_caption
from viewer.state.finding_groups import FindingGroup, area_mm2, group_findings, volume_ml
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text
from viewer.ui.qt_items import child_items, layout_widgets, top_level_items
from viewer.ui.wrapping import wrap_rows

if TYPE_CHECKING:
    from viewer.inference import Provenance
    from viewer.ui.viewport.viewport import Viewport

FINDING_ROLE = Qt.ItemDataRole.UserRole
WARNING_STYLE = "color: #ffcf70;"
CAPTION_STYLE = "color: #d8d8d8;"


def swatch(color: str | None, index: int = 0, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*parse_color(color, index)))
    return QIcon(pixmap)


def result_header(provenance: Provenance) -> str:
    """How every result is marked in the panel: Provenance.label in the UI language."""
    name = f"{provenance.model_name} {provenance.model_version}"
    if provenance.not_for_clinical_use:
        head = translate("AiResults", "AI · demonstration, not for clinical use · {}"
                         ).format(name)
    else:
        head = f"AI · {name}"
    if provenance.server:  # computed on an inference server, not here
        device = provenance.provider.removesuffix("ExecutionProvider") or "?"
        head += translate("AiResults", " · on {} ({})").format(provenance.server, device)
    return head


def _wrapping(text: str) -> QLabel:
    """A label that may wrap: the panel is narrow and Japanese labels are long."""
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _clear(layout: QGridLayout | QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None:
            widget.setParent(None)
            widget.deleteLater()


class AIResults(QWidget):
    def __init__(self, viewport: Viewport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport = viewport
        self.overlays: OverlayState = viewport.overlays
        self.threshold_sliders: dict[str, QSlider] = {}
        self._threshold_labels: dict[str, QLabel] = {}
        self.legend_boxes: dict[tuple[str, int], QCheckBox] = {}
        self._build()
        self._unsubscribe = self.overlays.subscribe(self._on_overlays)
        viewport.series_opened.connect(self._series_opened)
        viewport.state_changed.connect(self._on_view)
        self.refresh()

    def _series_opened(self, *_: object) -> None:
        self.refresh()

    def set_viewport(self, viewport: Viewport) -> None:
        """Show and control the AI results of another viewport."""
        if viewport is self.viewport:
            return
        self.viewport.series_opened.disconnect(self._series_opened)
        self.viewport.state_changed.disconnect(self._on_view)
        self._unsubscribe()
        self.viewport, self.overlays = viewport, viewport.overlays
        self._unsubscribe = self.overlays.subscribe(self._on_overlays)
        viewport.series_opened.connect(self._series_opened)
        viewport.state_changed.connect(self._on_view)
        self._sync_display()
        self.refresh()

    def _sync_display(self) -> None:
        """The display controls show the new viewport's overlay settings."""
        for widget, value in ((self.visible_box, self.overlays.visible),
                              (self.fill_button, self.overlays.style == "fill"),
                              (self.contour_button, self.overlays.style == "contour")):
            blocked = widget.blockSignals(True)
            widget.setChecked(value)
            widget.blockSignals(blocked)
        for slider, level in ((self.opacity_slider, self.overlays.opacity),
                              (self.heat_slider, self.overlays.heatmap_opacity)):
            blocked = slider.blockSignals(True)
            slider.setValue(round(level * 100))
            slider.blockSignals(blocked)

    # -- construction -------------------------------------------------------------------------

    def _build(self) -> None:
        display = QGroupBox(translate("AiResults", "Display"))
        grid = QGridLayout(display)
        self.visible_box = QCheckBox(translate("AiResults", "Show AI overlays  (A)"))
        self.visible_box.setChecked(self.overlays.visible)
        self.visible_box.toggled.connect(lambda on: setattr(self.overlays, "visible", on))
        grid.addWidget(self.visible_box, 0, 0, 1, 3)
        self.fill_button = QRadioButton(translate("AiResults", "Fill"))
        self.contour_button = QRadioButton(translate("AiResults", "Contour"))
        self.fill_button.setChecked(self.overlays.style == "fill")
        self.contour_button.setChecked(self.overlays.style == "contour")
        group = QButtonGroup(self)
        group.addButton(self.fill_button)
        group.addButton(self.contour_button)
        self.fill_button.toggled.connect(
            lambda on: setattr(self.overlays, "style", "fill" if on else "contour"))
        grid.addWidget(_wrapping(translate("AiResults", "Masks")), 1, 0)
        grid.addWidget(self.fill_button, 1, 1)
        grid.addWidget(self.contour_button, 1, 2)
        self.opacity_slider = self._slider(self.overlays.opacity, "opacity")
        self.heat_slider = self._slider(self.overlays.heatmap_opacity, "heatmap_opacity")
        grid.addWidget(_wrapping(translate("AiResults", "Mask opacity")), 2, 0)
        grid.addWidget(self.opacity_slider, 2, 1, 1, 2)
        grid.addWidget(_wrapping(translate("AiResults", "Heatmap opacity")), 3, 0)
        grid.addWidget(self.heat_slider, 3, 1, 1, 2)
        self.colormap_box = QComboBox()
        self._colormaps: list[str | None] = [None, *COLORMAPS]  # None: the model's own
        self.colormap_box.addItems([translate("AiResults", "as the model says"), *COLORMAPS])
        # May shrink below its longest entry: the panel is narrow, Japanese labels are wide,
        # and a horizontal scroll bar hides the findings' right edge.
        self.colormap_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.colormap_box.setMinimumContentsLength(6)
        self.colormap_box.setToolTip(translate("AiResults", "The colour map of heatmaps (the model's card names its "
                                     "own)"))
        self.colormap_box.currentIndexChanged.connect(
            lambda i: setattr(self.overlays, "heatmap_colormap", self._colormaps[i]))
        grid.addWidget(_wrapping(translate("AiResults", "Heatmap colours")), 4, 0)
        grid.addWidget(self.colormap_box, 4, 1, 1, 2)
        self.threshold_grid = QVBoxLayout()
        grid.addLayout(self.threshold_grid, 5, 0, 1, 3)

        self.legend_group = QGroupBox(translate("AiResults", "Legend"))
        self.legend_layout = QVBoxLayout(self.legend_group)

        self.image_group = QGroupBox(translate("AiResults", "This image"))
        self.image_layout = QVBoxLayout(self.image_group)

        findings = QGroupBox(translate("AiResults", "Findings  (click one to go to its image)"))
        findings_layout = QVBoxLayout(findings)
        self.findings_tree = QTreeWidget()
        self.findings_tree.setHeaderHidden(True)
        wrap_rows(self.findings_tree)  # "… · 317.0 mL" is not cut off in a narrow panel
        self.findings_tree.setMinimumHeight(160)
        self.findings_tree.setSizePolicy(QSizePolicy.Policy.Expanding,
                                         QSizePolicy.Policy.Expanding)
        self.findings_tree.itemClicked.connect(self._finding_clicked)
        self.findings_tree.itemChanged.connect(self._finding_toggled)
        self.clear_button = QPushButton(translate("AiResults", "Clear AI results of this series"))
        self.clear_button.clicked.connect(self.clear_series)
        findings_layout.addWidget(self.findings_tree)
        findings_layout.addWidget(self.clear_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (display, self.legend_group, self.image_group):
            layout.addWidget(widget)
        layout.addWidget(findings, 1)

    def _slider(self, value: float, field: str) -> QSlider:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(0, 100)
        slider.setValue(round(value * 100))
        slider.valueChanged.connect(lambda v: setattr(self.overlays, field, v / 100))
        return slider

    # -- refreshing -----------------------------------------------------------------------------

    @property
    def series_uid(self) -> str | None:
        series = self.viewport.series
        return series.uid if series is not None else None

    def runs(self) -> list[Run]:
        return self.overlays.runs(self.series_uid) if self.series_uid else []

    def refresh(self) -> None:
        self._rebuild_thresholds()
        self._rebuild_legend()
        self._rebuild_image()
        self._rebuild_findings()
        # An MPR plane's results are cut from its source's: they are cleared there.
        self.clear_button.setEnabled(bool(self.runs()) and not self.viewport.derived)

    def _on_overlays(self, changed: frozenset[str]) -> None:
        if "runs" in changed:
            self.refresh()
            return
        if "visible" in changed:
            self.visible_box.blockSignals(True)
            self.visible_box.setChecked(self.overlays.visible)
            self.visible_box.blockSignals(False)
        if "style" in changed:
            self.fill_button.setChecked(self.overlays.style == "fill")
            self.contour_button.setChecked(self.overlays.style == "contour")
        if "heatmap_colormap" in changed:
            self.colormap_box.blockSignals(True)
            self.colormap_box.setCurrentIndex(
                self._colormaps.index(self.overlays.heatmap_colormap))
            self.colormap_box.blockSignals(False)
        if "opacity" in changed or "heatmap_opacity" in changed:
            for slider, value in ((self.opacity_slider, self.overlays.opacity),
                                  (self.heat_slider, self.overlays.heatmap_opacity)):
                slider.blockSignals(True)
                slider.setValue(round(value * 100))
                slider.blockSignals(False)
        if "threshold" in changed:
            self._update_threshold_labels()
            self._rebuild_image()
            self._rebuild_findings()
        if "labels" in changed:
            for (model_id, value), box in self.legend_boxes.items():
                box.blockSignals(True)
                box.setChecked(self.overlays.label_visible(model_id, value))
                box.blockSignals(False)
        if "findings" in changed:
            self._sync_finding_checks()

    def _on_view(self, changed: frozenset[str]) -> None:
        if changed & {"index", "count"}:
            self._rebuild_image()
            self._update_finding_texts()

    def _rebuild_thresholds(self) -> None:
        _clear(self.threshold_grid)
        self.threshold_sliders.clear()
        self._threshold_labels.clear()
        for run in self.runs():
            base = run.base_threshold()
            if base is None:
                continue
            label = QLabel()
            label.setWordWrap(True)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(round(base * 100), 100)
            slider.setValue(round(self.overlays.threshold(run) * 100))
            slider.setToolTip(translate("AiResults", "Hide boxes scoring below this. The model's own threshold is "
                              "the lowest: its version was validated with it."))
            slider.valueChanged.connect(
                lambda v, r=run: self.overlays.set_threshold(r, v / 100))
            self.threshold_grid.addWidget(label)
            self.threshold_grid.addWidget(slider)
            self.threshold_sliders[run.model_id] = slider
            self._threshold_labels[run.model_id] = label
        self._update_threshold_labels()

    def _update_threshold_labels(self) -> None:
        for run in self.runs():
            label = self._threshold_labels.get(run.model_id)
            if label is not None:
                base = run.base_threshold() or 0.0
                label.setText(translate("AiResults", "Box score threshold for AI · {}: {} "
                                        "(model's: {})").format(
                    run.title, percent(self.overlays.threshold(run)), percent(base)))

    def _rebuild_legend(self) -> None:
        _clear(self.legend_layout)
        self.legend_boxes.clear()
        for run in self.runs():
            labels = run.mask_labels()
            if not labels:
                continue
            title = QLabel(f"AI · {run.title}")
            title.setStyleSheet(CAPTION_STYLE)
            self.legend_layout.addWidget(title)
            grid = QGridLayout()
            for n, label in enumerate(labels):
                box = QCheckBox(label.name)
                box.setIcon(swatch(label.color, (label.value or 1) - 1))
                box.setChecked(self.overlays.label_visible(run.model_id, label.value or 0))
                box.toggled.connect(lambda on, m=run.model_id, v=label.value:
                                    self.overlays.set_label_visible(m, v, on))
                grid.addWidget(box, n // 2, n % 2)
                self.legend_boxes[(run.model_id, label.value or 0)] = box
            holder = QWidget()
            holder.setLayout(grid)
            self.legend_layout.addWidget(holder)
        self.legend_group.setVisible(bool(self.legend_boxes))

    def _rebuild_image(self) -> None:
        """What the models said about the image on screen, every score with its model."""
        _clear(self.image_layout)
        shown = self.overlays.at(self.series_uid, self.viewport.state.index)
        self.image_group.setVisible(bool(shown))
        for run, result in shown:
            head = QLabel(result_header(result.provenance))
            head.setWordWrap(True)
            font = head.font()
            font.setBold(True)
            head.setFont(font)
            self.image_layout.addWidget(head)
            for output in result.labels:
                for label, p in zip(output.labels, output.probabilities, strict=True):
                    self._bar(score_caption(result.provenance, label.name, p), p)
            for values in result.values:
                for name, number in values.items():
                    self._caption(value_caption(result.provenance, name, number))
            for boxes in result.boxes:
                shown_boxes = self.overlays.boxes(run, result)
                text = (translate("AiResults", "{} box(es) at score ≥ {}").format(
                    len(shown_boxes), percent(self.overlays.threshold(run)))
                        if boxes.classes else "")
                self._caption(text)
                for box in shown_boxes:
                    self._caption(score_caption(result.provenance, box.class_name, box.score))
            for mask in result.masks:
                present = [f"{label.name} {mask.counts.get(label.value or 0, 0):,} px"
                           for label in mask.labels
                           if label.value and mask.counts.get(label.value, 0)]
                self._caption(translate("AiResults", "Mask: {}").format(
                    ", ".join(present) or translate("AiResults", "nothing found")))
            for used in result.provenance.inputs:  # the other series this result read
                self._caption(translate("AiResults", "Input {}: image {} of series {}").format(
                    used.input, used.frame_index + 1, self._series_name(used.series_uid))
                    + (translate("AiResults", " · resampled onto this image's pixels")
                       if used.resampled else ""))
            notes = [translate("AiResults", "⚠ Accepted outside intended use: {}").format(
                problem_text(w)) for w in result.warnings]
            if result.domain is not None and result.domain.unlike:
                notes.append(f"⚠ {result.domain.message[0].upper()}{result.domain.message[1:]}")
            for text in notes:
                note = QLabel(text)
                note.setWordWrap(True)
                note.setStyleSheet(WARNING_STYLE)
                self.image_layout.addWidget(note)

    def _series_name(self, uid: str) -> str:
        known = self.viewport.session.studies.series_by_uid(uid)
        return describe_series(known[0]) if known is not None else uid

    def _bar(self, caption: str, probability: float) -> None:
        self._caption(caption)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setValue(round(probability * 1000))
        bar.setTextVisible(False)
        bar.setFixedHeight(8)
        bar.setAccessibleName(caption)
        self.image_layout.addWidget(bar)

    def _caption(self, text: str) -> None:
        if text:
            label = QLabel(text)
            label.setWordWrap(True)
            label.setStyleSheet(CAPTION_STYLE)
            self.image_layout.addWidget(label)

    def image_texts(self) -> list[str]:
        """The text of the "This image" section (for tests and accessibility)."""
        texts = []
        for widget in layout_widgets(self.image_layout):
            if isinstance(widget, QLabel):
                texts.append(widget.text())
        return texts

    # -- findings -------------------------------------------------------------------------------

    def finding_groups(self) -> list[FindingGroup]:
        """One finding per row: grouped across slices (viewer.state.finding_groups)."""
        return group_findings(self.overlays.findings(self.series_uid))

    def _rebuild_findings(self) -> None:
        tree = self.findings_tree
        tree.blockSignals(True)
        tree.clear()
        by_run: dict[tuple[str, str], QTreeWidgetItem] = {}
        for run in self.runs():
            demo = run.provenance.not_for_clinical_use
            head = QTreeWidgetItem([f"AI · {run.title}"
                                    + (translate("AiResults", " · demonstration") if demo
                                       else "")])
            font = QFont(head.font(0))
            font.setBold(True)
            head.setFont(0, font)
            head.setFlags(Qt.ItemFlag.ItemIsEnabled)
            tree.addTopLevelItem(head)
            by_run[run.key] = head
        for group in self.finding_groups():
            parent = by_run.get(group.run_key)
            if parent is None:
                continue
            item = QTreeWidgetItem([""])
            item.setData(0, FINDING_ROLE, group)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, self._group_check(group))
            if group.color or group.kind == "box":
                item.setIcon(0, swatch(group.color, group.label_value or 0))
            parent.addChild(item)
        self._update_finding_texts()
        tree.expandAll()
        tree.blockSignals(False)

    def _group_text(self, group: FindingGroup) -> str:
        """"lesion · Im 4–9 · 310 mm² on this image · 2.4 mL" (the model is the row's head)."""
        frames = (translate("AiResults", "Im {}").format(group.first + 1)
                  if group.first == group.last
                  else translate("AiResults", "Im {}–{}").format(group.first + 1,
                                                                 group.last + 1))
        parts = [group.name, frames]
        if group.kind == "values":  # the number on the image shown, else the first one's
            here = [m for m in group.members if m.frame_index == self.viewport.state.index]
            parts.insert(1, (here or list(group.members))[0].shown)
        if group.score is not None:
            parts.append(translate("AiResults", "best {}").format(percent(group.score)))
        series = self.viewport.series
        if series is not None and group.kind == "mask":
            area = area_mm2(group, series, self.viewport.state.index)
            volume = volume_ml(group, series)
            if area:
                parts.append(translate("AiResults", "{:.0f} mm² on this image").format(area))
            if volume is not None:
                parts.append(translate("AiResults", "{:.1f} mL").format(volume))
        return " · ".join(parts)

    def _update_finding_texts(self) -> None:
        """Texts follow the shown slice (the area is the area on it)."""
        blocked = self.findings_tree.blockSignals(True)
        for item in self.finding_items():
            group: FindingGroup = item.data(0, FINDING_ROLE)
            run = next((r for r in self.runs() if r.key == group.run_key), None)
            text = self._group_text(group)
            item.setText(0, text)
            item.setToolTip(0, f"AI · {run.title} · {text}" if run is not None else text)
        self.findings_tree.blockSignals(blocked)

    def _group_check(self, group: FindingGroup) -> Qt.CheckState:
        shown = [self.overlays.finding_visible(key) for key in group.keys]
        return (Qt.CheckState.Checked if all(shown) else
                Qt.CheckState.Unchecked if not any(shown) else Qt.CheckState.PartiallyChecked)

    def _sync_finding_checks(self) -> None:
        tree = self.findings_tree
        tree.blockSignals(True)
        for item in self.finding_items():
            item.setCheckState(0, self._group_check(item.data(0, FINDING_ROLE)))
        tree.blockSignals(False)

    def finding_items(self) -> list[QTreeWidgetItem]:
        return [child for head in top_level_items(self.findings_tree)
                for child in child_items(head)]

    def _finding_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        group = item.data(0, FINDING_ROLE)
        if isinstance(group, FindingGroup):
            self.viewport.state.update(index=group.best_frame)

    def _finding_toggled(self, item: QTreeWidgetItem, _column: int) -> None:
        group = item.data(0, FINDING_ROLE)
        if isinstance(group, FindingGroup):
            on = item.checkState(0) != Qt.CheckState.Unchecked
            for key in group.keys:
                self.overlays.set_finding_visible(key, on)

    def clear_series(self) -> None:
        for run in self.runs():
            self.overlays.remove_run(run.key)

    def shutdown(self) -> None:
        self._unsubscribe()
