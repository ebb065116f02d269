"""A structured report shown as a readable document, with links that go to its images.

The widget only shows :func:`viewer.ui.dialogs.report_html.report_html` and turns a click
on an image link into ``image_requested(sop_instance_uid, frame)`` (frame counted from 0,
as Lightbox numbers frames). Where the image is not open it says so instead of emitting:
the window decides what "go to this image" means. Nothing is ever loaded from a file or
the network: links are not followed and resources are refused.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from viewer.errors import LightboxError
from viewer.io.sr_values import ImageRef
from viewer.io.structured_report import Report, read_report
from viewer.ui.dialogs.report_html import LINK_SCHEME, error_html, report_html
from viewer.ui.i18n import translate

if TYPE_CHECKING:
    from viewer.io.model import Study


def image_labels(studies: Iterable[Study]) -> dict[str, str]:
    """Each open image's SOP Instance UID → "Se <series number> · Im <n>" (n from 1 in
    reading order, as the corner text counts), for :meth:`ReportView.show_report`."""
    labels: dict[str, str] = {}
    text = translate("ReportView", "Se {} · Im {}")
    for study in studies:
        for series in study.series:
            number = "?" if series.number is None else str(series.number)
            for index, ref in enumerate(series.frames):
                labels.setdefault(ref.instance.sop_instance_uid, text.format(number, index + 1))
    return labels


class _OfflineBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing: no file, no network, no image."""

    def loadResource(self, kind: int, name: QUrl | str) -> object:  # noqa: N802 - Qt override
        return None


class ReportView(QWidget):
    #: The reader clicked a reference to an open image: (SOP Instance UID, 0-based frame).
    image_requested = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = _OfflineBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.setSearchPaths([])
        self.browser.anchorClicked.connect(self._clicked)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        layout.addWidget(self.message)
        self.report: Report | None = None
        self._links: list[ImageRef] = []
        self._open: Collection[str] | Mapping[str, str] = frozenset()
        self._hide_identity = False

    def show_report(self, report: Report | None,
                    open_images: Collection[str] | Mapping[str, str] = ()) -> None:
        """Show ``report``; ``open_images``: SOP Instance UIDs the session has open, or a
        mapping from them to link labels (:func:`image_labels`)."""
        self.report = report
        self._open = open_images if isinstance(open_images, Mapping) else frozenset(open_images)
        self._render()

    def show_file(self, path: str | Path,
                  open_images: Collection[str] | Mapping[str, str] = ()) -> bool:
        """Read and show the SR in ``path``; a file that cannot be read shows why (False)."""
        try:
            report = read_report(path)
        except LightboxError as exc:
            self.report, self._links = None, []
            self.browser.setHtml(error_html(str(exc)))
            self.message.hide()
            return False
        self.show_report(report, open_images)
        return True

    def set_open_images(self, open_images: Collection[str] | Mapping[str, str]) -> None:
        """What is open changed (a study opened or closed): links say so at once."""
        self.show_report(self.report, open_images)

    def set_hide_identity(self, hide: bool) -> None:
        if hide != self._hide_identity:
            self._hide_identity = hide
            self._render()

    def clear(self) -> None:
        self.show_report(None)

    def _render(self) -> None:
        self.message.hide()
        if self.report is None:
            self._links = []
            self.browser.clear()
            return
        html, self._links = report_html(self.report, self._open, self._hide_identity)
        self.browser.setHtml(html)

    def _clicked(self, url: QUrl) -> None:
        ref = self._link(url)
        if ref is None:
            return  # not one of ours: never followed
        if ref.sop_instance_uid not in self._open:
            self.message.setText(translate(
                "ReportView", "The image this refers to is not open. Open the study it "
                "belongs to (File > Open), then click the link again."))
            self.message.show()
            return
        self.message.hide()
        self.image_requested.emit(ref.sop_instance_uid, ref.frame_index)

    def _link(self, url: QUrl) -> ImageRef | None:
        if url.scheme() != LINK_SCHEME:
            return None
        try:
            index = int(url.path())
        except ValueError:
            return None
        return self._links[index] if 0 <= index < len(self._links) else None

    def links(self) -> list[ImageRef]:
        """The image references the shown links stand for, in document order."""
        return list(self._links)
