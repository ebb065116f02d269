"""A study opened while its images are still arriving: shown at once, filled in as they land.

The reader may open a study from the study list while the PACS pushes it, and the Search
PACS window opens a retrieved study at its first stored image rather than at the end.
Such a study (its folder in the local store, and a push or a retrieve still bringing it)
is opened as any folder is (its first image painted while the scan reads the rest,
``early_image.py``), then followed: every :data:`POLL_MS` the folder is listed (names
only), and the files that landed since are scanned on a worker and merged into the open
study (``Session.open``: the series grows; its viewports keep the window and zoom the
reader had, ``reading_layout.py``, and the image, found again here by its file). Nothing is said complete while it is not: the
status bar shows "Receiving n / m images" (n so far for a push, which names no total)
until the delivery ends, then "Incomplete: n / m images" if it stopped short (the study
keeps its partial mark in the store and the study list).

The store's files are written atomically (``viewer.net.store``): a listed ``.dcm`` is a
whole object, never one still being written.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel

from viewer.io.model import ScanResult
from viewer.io.scan import scan
from viewer.ui.bridge import Outcome
from viewer.ui.i18n import translate

if TYPE_CHECKING:
    from viewer.state.pacs_search import PacsSearch
    from viewer.ui.window.main_window import MainWindow

#: How often a followed study's folder is listed.
POLL_MS = 500
_PARTIAL = ".partial"  # viewer.net.store.PARTIAL (not imported: no network code here)


@dataclass
class _Followed:
    study_uid: str
    folder: Path
    known: set[Path] = field(default_factory=set)  # files handed to a scan
    opened: bool = False
    scanning: bool = False


class ArrivingStudies:
    """The studies on screen whose images are still arriving, and the status line."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.followed: dict[str, _Followed] = {}
        #: Studies whose delivery stopped short: the line they keep while shown.
        self.incomplete: dict[str, str] = {}
        self.label = QLabel()
        self.label.setObjectName("arriving")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)
        self._timer = QTimer(window)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._tick)

    # -- what is arriving (a push to this viewer, a retrieve of its Search PACS window) --

    def arriving(self, study_uid: str) -> tuple[bool, int | None]:
        """Whether images of the study are still on their way, and how many in all."""
        window = self._window
        if study_uid in window.receiving.arriving:
            return True, None
        search = window.pacs_search
        status = search.model.retrieves.get(study_uid) if search is not None else None
        if status is not None and status.state in ("queued", "running"):
            return True, status.total or None
        return False, status.total if status is not None and status.total else None

    def open(self, folder: str | Path) -> None:
        """Open a study folder; one in the local store still arriving is followed."""
        path = Path(folder)
        uid = path.name
        if path.parent != self._window.settings.pacs_store_dir or not self.arriving(uid)[0]:
            self._window.open_paths([path])
            return
        self.incomplete.pop(uid, None)
        followed = self.followed.setdefault(uid, _Followed(uid, path))
        if not followed.opened:
            self._open_first(followed)
        self._show()
        self._timer.start()

    def heard(self, study_uid: str) -> None:
        """A push landed images (or ended): a followed study not on screen yet, or whose
        delivery ended, is looked at now (the rest at the next poll: one merge per image
        would read the series again for each)."""
        followed = self.followed.get(study_uid)
        if followed is not None and (not followed.opened or not self.arriving(study_uid)[0]):
            self._tick()

    def follow_retrieves(self, model: PacsSearch) -> None:
        """The Search PACS window's retrieves: a followed study whose retrieve ended is
        finished at once, not at the next poll."""
        model.changed.subscribe(lambda change: self._retrieves_changed()
                                if change == "retrieve" else None)

    def _retrieves_changed(self) -> None:
        if any(not self.arriving(uid)[0] for uid in self.followed):
            self._tick()

    # -- following ----------------------------------------------------------------------

    def _files(self, folder: Path) -> set[Path]:
        try:
            return {p for p in folder.glob("*/*.dcm") if not p.name.startswith(".")}
        except OSError:
            return set()

    def _open_first(self, followed: _Followed) -> None:
        files = self._files(followed.folder)
        if files:  # else: opened when the first image lands
            followed.opened = True
            followed.known = files
            self._window.open_paths([followed.folder])

    def _tick(self) -> None:
        window = self._window
        for uid, followed in list(self.followed.items()):
            if followed.scanning:
                continue
            going, _total = self.arriving(uid)
            if not followed.opened:
                self._open_first(followed)
                if not followed.opened and not going:
                    del self.followed[uid]  # nothing came
                continue
            new = self._files(followed.folder) - followed.known
            if new and not window.scanning:
                followed.known |= new
                followed.scanning = True
                window.background.submit(functools.partial(scan, sorted(new)),
                                         functools.partial(self._merged, followed))
            elif not new and not going and not window.scanning:
                self._finished(followed)
        self._show()
        if not self.followed and not self.incomplete:
            self._timer.stop()

    def _merged(self, followed: _Followed, outcome: Outcome[ScanResult]) -> None:
        followed.scanning = False
        if outcome.value is not None:
            # The image each viewport shows, by its key: a slice that lands may sort in
            # before it, and the reader stays on the image they were reading.
            shown = {viewport: ref.key for viewport in self._window.grid.visible_viewports()
                     if (ref := viewport.current_ref()) is not None}
            self._window.session.open(outcome.value.studies)
            for viewport, key in shown.items():
                keys = [r.key for r in viewport.series.frames] if viewport.series else []
                if key in keys and keys.index(key) != viewport.state.index:
                    viewport.state.update(index=keys.index(key))
        if not self.arriving(followed.study_uid)[0]:
            self._tick()  # the delivery is over: the last files now, then finished
        self._show()

    def _finished(self, followed: _Followed) -> None:
        del self.followed[followed.study_uid]
        if not self.followed:  # what arrived is all there is: the window may settle
            QTimer.singleShot(0, self._window._maybe_settled)
        if (followed.folder / _PARTIAL).is_file():
            total = self.arriving(followed.study_uid)[1]
            have = len(followed.known)
            self.incomplete[followed.study_uid] = (
                translate("Arriving", "⚠ Incomplete: {} / {} images").format(have, total)
                if total else translate("Arriving", "⚠ Incomplete: {} images").format(have))

    def _show(self) -> None:
        """The status line for the active viewport's study (receiving, or stopped short;
        else hidden), and the same under the image number of each viewport showing a
        study that is not whole."""
        for viewport in self._window.grid.visible_viewports():
            shown = viewport.series
            viewport.set_arriving_note(self._text(shown.study_uid) if shown else "")
        shown = self._window.viewport.series
        text = self._text(shown.study_uid) if shown is not None else ""
        self.label.setText(text)
        self.label.setVisible(bool(text))

    def _text(self, uid: str) -> str:
        if uid in self.followed:
            total = self.arriving(uid)[1]
            have = len(self.followed[uid].known)
            return (translate("Arriving", "Receiving {} / {} images…").format(have, total)
                    if total else
                    translate("Arriving", "Receiving: {} images so far…").format(have))
        return self.incomplete.get(uid, "")

    def stop(self) -> None:
        self._timer.stop()
        self.followed.clear()
