"""The viewer's own Storage SCP: studies the PACS pushes, received while the reader works.

With DICOM nodes configured and the site's ``receive_pushes`` on, the window listens on
``storage_port`` (:class:`viewer.net.listener.Listener`: only the configured nodes' AE
titles may store, each object checked and written as a retrieve's are). It starts after
the first image is painted (the entry point calls :meth:`Receiving.start` then), on a
thread of its own: pynetdicom's import and the bind never delay that image, and nothing
of the network is loaded without nodes. A port already taken (a second viewer, ``lightbox
pacs listen``, another program) is said in the status bar, without a box: the reader
works on, and retrieves by C-GET are unaffected. A C-MOVE retrieve from the Search PACS
window then arrives through this same listener (``viewer.net.retrieve``).

Pushed studies enter the study list as their images land (the index is written with each
file; the list polls it), marked incomplete until the node closes its association. Then
the reader is told "Study received from <node>: n images" (the patient's name too, unless
identity is hidden). Closing the window closes the port.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from viewer.io.person_names import person_name
from viewer.ui.i18n import translate

if TYPE_CHECKING:
    from viewer.net.listener import Arrival, Listener
    from viewer.ui.window.main_window import MainWindow

log = logging.getLogger(__name__)


class Receiving:
    """The window's listener (None until started, or when it could not listen)."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.listener: Listener | None = None
        #: Why the viewer does not receive pushes ("" while it does, or was not asked to).
        self.problem = ""
        #: What the reader was told of received studies, newest last.
        self.notices: list[str] = []
        #: Pushed studies whose delivery is under way: images landed so far.
        self.arriving: dict[str, int] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.label = QLabel()
        self.label.setObjectName("receiving")
        self.label.hide()
        window.statusBar().addPermanentWidget(self.label)

    @property
    def wanted(self) -> bool:
        settings = self._window.settings
        return bool(settings.dicom_nodes) and settings.receive_pushes

    @property
    def starting(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Open the port on a thread (after the first image); nothing without nodes."""
        if not self.wanted or self._thread is not None or self._closed:
            return
        settings, post = self._window.settings, self._window.bridge.post

        def opening() -> None:
            from viewer.errors import LightboxError
            from viewer.net.listener import Listener

            listener = Listener(settings, on_arrival=lambda a: post(self._arrived, a))
            try:
                listener.start()
            except LightboxError as exc:
                log.warning("not receiving pushed studies: %s", exc)
                post(self._opened, None)
                return
            with self._lock:
                closed = self._closed
                if not closed:
                    self.listener = listener
            if closed:  # the window closed meanwhile: the port goes with it
                listener.stop()
                return
            post(self._opened, listener)

        self._thread = threading.Thread(target=opening, name="pacs-listener-open",
                                        daemon=True)
        self._thread.start()

    def _opened(self, listener: Listener | None) -> None:
        port = self._window.settings.storage_port
        if listener is None:
            self.problem = translate(
                "Receiving", "Studies pushed by the PACS are not received: port {} is in "
                "use by another program (another Lightbox, or lightbox pacs listen). "
                "Searching and retrieving work as usual.").format(port)
            self.label.setText(translate("Receiving", "⚠ Not receiving (port {} in use)")
                               .format(port))
            self.label.setToolTip(self.problem)
            self.label.show()
            self._window.statusBar().showMessage(self.problem, 30_000)
            return
        self.label.setText(translate("Receiving", "Receiving from the PACS"))
        self.label.setToolTip(translate(
            "Receiving", "Lightbox receives the studies the PACS sends to it on port {}")
            .format(port))
        self.label.show()

    def _arrived(self, arrival: Arrival) -> None:
        if not arrival.done:
            self.arriving[arrival.study_uid] = arrival.images
            self._window.arriving.heard(arrival.study_uid)
            return
        self.arriving.pop(arrival.study_uid, None)
        window = self._window
        if window.viewport.state.hide_identity or not arrival.patient_name:
            text = translate("Receiving", "Study received from {}: {} images").format(
                arrival.node, arrival.images)
        else:
            text = translate("Receiving", "Study received from {}: {}, {} images").format(
                arrival.node, person_name(arrival.patient_name), arrival.images)
        if arrival.failed:
            text += " " + translate("Receiving", "({} refused: see the log)").format(
                arrival.failed)
        self.notices.append(text)
        window.statusBar().showMessage(text, 15_000)
        window.arriving.heard(arrival.study_uid)

    def stop(self) -> None:
        """Close the port (the window closes); safe to call twice."""
        with self._lock:
            self._closed = True
            listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
