"""The study / series browser: what was found, with thumbnails and warnings.

Thumbnails are decoded and rendered on a worker (``Background``), never on the GUI thread,
as one :class:`viewer.tasks.jobs.Batch`: thumbnails that arrive after the list was cleared
are dropped. Their pixels come from the window's one frame source (the frame cache), so
the frame decoded for a thumbnail (the middle one, which the viewport opens on) is not
decoded again when the series is opened, and the other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QStyle, QTreeWidget, QTreeWidgetItem, QWidget

from viewer.imaging.lut import default_window
from viewer.imaging.render import render_thumbnail
from viewer.io.frames import FrameSource, frame_source
from viewer.io.objects import object_note
from viewer.io.person_names import person_name
from viewer.tasks.jobs import Batch
from viewer.ui.i18n import QT_TRANSLATE_NOOP, corner_tr, translate
from viewer.ui.problem_text import problem_text
from viewer.ui.qt_items import child_items, top_level_items
from viewer.ui.viewport.corner_text import IDENTITY_HIDDEN, format_date
from viewer.ui.viewport.grid import SERIES_MIME

if TYPE_CHECKING:
    from viewer.io.model import FrameRef, Series, Study
    from viewer.state.session import Session
    from viewer.state.studies import StudiesAdded
    from viewer.tasks.jobs import Job
    from viewer.ui.bridge import Background, Outcome

THUMB = 64
NO_IMAGE = QT_TRANSLATE_NOOP("Browser", "no image to display")
_KEY = Qt.ItemDataRole.UserRole
WARNING_COLOUR = QColor(255, 190, 80)


def study_label(study: Study, hide_identity: bool) -> str:
    who = (corner_tr(IDENTITY_HIDDEN) if hide_identity
           else person_name(study.patient_name) or translate("Browser", "Unnamed"))
    what = " · ".join(x for x in (study.description, format_date(study.date)) if x)
    return f"{who}\n{what}" if what else who


def series_label(series: Series) -> str:
    number = f"{series.number}: " if series.number is not None else ""
    # Outside the f-string: lupdate does not see a translate() call inside one.
    description = series.description or translate("Browser", "(no description)")
    title = f"{number}{description}"
    if series.warnings:
        title = f"⚠ {title}"
    if not series.has_images:
        note = object_note(series.first)
        what = problem_text(note) if note else translate("Browser", NO_IMAGE)
        return f"{title}\n{series.modality} · {what}"
    return f"{title}\n{series.modality} · {image_count(len(series.frames))}"


def image_count(count: int) -> str:
    """"1 image" / "64 images": two messages, so English reads right with no English
    catalogue installed (Japanese has one form for both)."""
    if count == 1:
        return translate("Browser", "1 image")
    return translate("Browser", "{} images").format(count)


def sort_name(sorted_by: str) -> str:
    names = {"position": translate("Browser", "position"),
             "instance number": translate("Browser", "instance number"),
             "file order": translate("Browser", "file order")}
    return names.get(sorted_by, sorted_by)


def _thumbnail_job(ref: FrameRef, frames: FrameSource) -> np.ndarray:
    stored = frames(ref)
    window = default_window(ref.instance, ref.frame, stored)
    return np.ascontiguousarray(render_thumbnail(stored, ref.instance, ref.frame, window, THUMB))


class SeriesBrowser(QTreeWidget):
    #: The reader chose a series with images: (series, study).
    series_chosen = Signal(object, object)
    #: The reader chose an object without images: its instance (for the tag browser).
    non_image_chosen = Signal(object)
    #: A thumbnail job failed: the exception, for the error boundary.
    failed = Signal(object)
    #: The last pending thumbnail arrived (or failed).
    thumbnails_settled = Signal()

    def __init__(self, background: Background, parent: QWidget | None = None, *,
                 session: Session, frames: FrameSource | None = None) -> None:
        """A view of ``session``'s open studies: it lists them and hears what each scan
        adds (never a study twice: the session merges by UID). ``frames``: where thumbnail
        pixels come from (the window's frame cache; the files themselves when not given)."""
        super().__init__(parent)
        self._background = background
        self._frames = frames if frames is not None else frame_source()
        self.setHeaderHidden(True)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setIndentation(12)
        self.setUniformRowHeights(False)
        self.setExpandsOnDoubleClick(False)
        self._entries: dict[int, tuple[Series, Study]] = {}
        self._studies: list[tuple[QTreeWidgetItem, Study]] = []
        self._thumbnails: Batch[int, np.ndarray] = Batch(background.submit)
        self._hide_identity = False
        self._placeholder = self.style().standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._warning_icon = self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning)
        # A series can be dragged onto a viewport of the layout (see ui/layout.py).
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        # A click (press and release on the row) or Enter/double-click opens a series. Not
        # a change of the current item: the press that starts a drag changes it too, and
        # the series then opened in the active viewport as well as where it was dropped.
        self.itemClicked.connect(lambda item, _column: self._activated(item))
        self.itemActivated.connect(self._activated)
        self._add_studies(list(session.studies))
        self._unsubscribe = session.studies.subscribe(self._on_added)

    # -- content -------------------------------------------------------------------------

    def _add_studies(self, studies: list[Study]) -> None:
        for study in studies:
            top = QTreeWidgetItem([study_label(study, self._hide_identity)])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addTopLevelItem(top)
            self._studies.append((top, study))
            for series in study.series:
                self._add_series(top, series, study)
            top.setExpanded(True)

    def _on_added(self, added: StudiesAdded) -> None:
        """What the session says a scan added: new studies, new series of open studies,
        and open series that took new images (their rows are described again)."""
        self._add_studies(list(added.studies))
        for series, study in added.series:
            top = next((item for item, known in self._studies if known is study), None)
            if top is not None:
                self._add_series(top, series, study)
        for series in added.grown:
            self._describe_again(series)

    def _describe_again(self, series: Series) -> None:
        for item in self.series_items():
            entry = self.entry(item)
            if entry is not None and entry[0] is series:
                self._describe(item, series)
                if series.has_images:
                    self._request_thumbnail(item.data(0, _KEY), series)

    def _add_series(self, parent: QTreeWidgetItem, series: Series, study: Study) -> None:
        item = QTreeWidgetItem([series_label(series)])
        key = len(self._entries)
        self._entries[key] = (series, study)
        item.setData(0, _KEY, key)
        self._describe(item, series)
        parent.addChild(item)
        if series.has_images:
            self._request_thumbnail(key, series)

    def _describe(self, item: QTreeWidgetItem, series: Series) -> None:
        item.setText(0, series_label(series))
        tips = [translate("Browser", "{}, {}, ordered by {}").format(
            series.modality, image_count(len(series.frames)), sort_name(series.sorted_by))]
        if series.warnings:
            item.setForeground(0, WARNING_COLOUR)
            item.setIcon(0, self._warning_icon)
            tips += [translate("Browser", "Warnings:")] + [f"• {problem_text(w)}"
                                                           for w in series.warnings]
        else:
            item.setIcon(0, self._placeholder)
        item.setToolTip(0, "\n".join(tips))

    def shutdown(self) -> None:
        self._unsubscribe()

    @property
    def thumbnails_pending(self) -> int:
        return self._thumbnails.pending

    def set_hide_identity(self, hide: bool) -> None:
        self._hide_identity = hide
        for item, study in self._studies:
            item.setText(0, study_label(study, hide))

    def series_items(self) -> list[QTreeWidgetItem]:
        return [child for study in top_level_items(self) for child in child_items(study)]

    def entry(self, item: QTreeWidgetItem) -> tuple[Series, Study] | None:
        key = item.data(0, _KEY)
        return self._entries.get(key) if key is not None else None

    def entry_for_key(self, key: int) -> tuple[Series, Study] | None:
        return self._entries.get(key)

    def image_series(self) -> list[tuple[Series, Study]]:
        """Every series with images, in browser order."""
        return [e for e in self._entries.values() if e[0].has_images]

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return [SERIES_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:  # noqa: N802 - Qt override
        """A dragged series: its key, for the viewport it is dropped on."""
        mime = QMimeData()
        for item in items:
            key = item.data(0, _KEY)
            entry = self._entries.get(key) if key is not None else None
            if entry is not None and entry[0].has_images:
                mime.setData(SERIES_MIME, str(key).encode("ascii"))
                break
        return mime

    def first_image_series(self) -> tuple[Series, Study] | None:
        return next((e for e in self._entries.values() if e[0].has_images), None)

    def select_series(self, series: Series) -> None:
        """Highlight ``series`` (without choosing it again)."""
        for item in self.series_items():
            entry = self.entry(item)
            if entry and entry[0] is series:
                self.blockSignals(True)
                self.setCurrentItem(item)
                self.blockSignals(False)
                return

    def _activated(self, item: QTreeWidgetItem | None) -> None:
        entry = self.entry(item) if item is not None else None
        if entry is None:
            return
        series, study = entry
        if series.has_images:
            self.series_chosen.emit(series, study)
        elif series.first is not None:
            self.non_image_chosen.emit(series.first)

    # -- thumbnails ----------------------------------------------------------------------

    def _request_thumbnail(self, key: int, series: Series) -> None:
        ref = series.frames[len(series.frames) // 2]
        frames = self._frames
        self._thumbnails.start(key, lambda _job: _thumbnail_job(ref, frames),
                               self._thumbnail_done)

    def _thumbnail_done(self, job: Job[int], outcome: Outcome[np.ndarray]) -> None:
        try:
            self._show_thumbnail(job.request, outcome)
        finally:
            if not self._thumbnails.pending:
                self.thumbnails_settled.emit()

    def _show_thumbnail(self, key: int, outcome: Outcome[np.ndarray]) -> None:
        if outcome.error is not None:
            self.failed.emit(outcome.error)  # a bad file goes to the problems list
            return
        if outcome.value is None:
            return
        item = next((i for i in self.series_items() if i.data(0, _KEY) == key), None)
        if item is None:
            return
        array = outcome.value
        height, width = array.shape[:2]
        fmt = QImage.Format.Format_RGB888 if array.ndim == 3 else QImage.Format.Format_Grayscale8
        image = QImage(array.data, width, height, array.strides[0], fmt).copy()
        pixmap = QPixmap.fromImage(image)
        if max(width, height) < THUMB:
            # Tiny images (a 16x16 test pattern) would be a dot in the list: enlarge them,
            # pixels kept sharp so nobody mistakes the thumbnail for the real resolution.
            pixmap = pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.FastTransformation)
        item.setIcon(0, QIcon(pixmap))
