"""Structured reports on the main window: an SR chosen in the browser is read as a document.

Installed by ``ReportReading(window)``. The report takes the central area, in place of the
images, as RadiAnt and Weasis show an SR: a report is a document read top to bottom, it
needs the width of the screen rather than a dock beside the image, and a reader who chose
it is reading it, not the images. The viewport grid stays as it was underneath (its active
viewport cleared to the neutral panel first, through the session); "Back to images", a
series chosen in the browser or a link followed brings it back.

A link goes to its image: :func:`viewer.io.locate.locate` over the session's open studies,
that series opened in the active viewport at that image. A link to an image not open is
the report view's to say (nothing changes). A report that cannot be read is reported
through the window's boundary before anything is cleared, so the session is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from viewer.errors import LightboxError
from viewer.io.locate import ImageNotOpenError, locate
from viewer.io.structured_report import is_structured_report, read_report
from viewer.ui.dialogs.report_view import ReportView, image_labels
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text

if TYPE_CHECKING:
    from viewer.io.model import Instance
    from viewer.io.structured_report import Report
    from viewer.state.studies import StudiesAdded
    from viewer.ui.window.main_window import MainWindow


def is_report(instance: Instance) -> bool:
    """An object shown as a report (any SR, Key Object Selection and TID 1500 included)."""
    return instance.kind == "dicom" and is_structured_report(instance.sop_class_uid)


class ReportReading:
    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.page = QWidget(window.central)
        self.page.setObjectName("report_page")
        self.back_button = QPushButton(translate("Reports", "Back to images"), self.page)
        self.back_button.clicked.connect(self.leave)
        self.view = ReportView(self.page)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 0)
        bar.addWidget(self.back_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self.page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        window.central.addWidget(self.page)
        self.view.image_requested.connect(
            window.boundary.guard(self.go_to_image, "going to an image"))
        # Links say at once whether their image is open: they follow what the session opens.
        self._unsubscribe = window.session.studies.subscribe(self._studies_added)

    @property
    def shown(self) -> bool:
        return self.window.central.currentWidget() is self.page

    def read(self, instance: Instance) -> Report | None:
        """The report in ``instance``'s file, or None after telling the reader why."""
        try:
            return read_report(instance.path)
        except LightboxError as exc:
            self.window.boundary.report(exc, "reading a report")
            return None

    def show(self, report: Report) -> None:
        """Show ``report`` in place of the images (the viewport was cleared before)."""
        self.view.show_report(report, image_labels(self.window.session.studies))
        self.window.central.setCurrentWidget(self.page)

    def leave(self) -> None:
        """Back to the images (the grid), if the report is shown."""
        if self.shown:
            self.window.central.setCurrentWidget(self.window.grid)
            self.window.grid.active.setFocus()

    def set_hide_identity(self, hide: bool) -> None:
        self.view.set_hide_identity(hide)

    def go_to_image(self, sop_instance_uid: str, frame: int) -> None:
        """Open the series showing the image in the active viewport, at that image."""
        try:
            found = locate(self.window.session.studies, sop_instance_uid, frame)
        except ImageNotOpenError as exc:  # closed since the link was drawn: nothing changes
            self.view.message.setText(problem_text(str(exc)))
            self.view.message.show()
            return
        self.window.open_series(found.series, found.study)
        self.window.viewport.state.update(index=found.index)

    def _studies_added(self, _added: StudiesAdded) -> None:
        if self.view.report is not None:
            self.view.set_open_images(image_labels(self.window.session.studies))

    def shutdown(self) -> None:
        self._unsubscribe()
