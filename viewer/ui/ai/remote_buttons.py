""""Run on <server>": one button per inference server IT configured, beside "Run here".

A button is enabled only when its server answered that it serves the very model selected
here (same id, version and digest, verified there: :func:`viewer.inference.remote.
check_server`); otherwise it is disabled and its tooltip says why (unreachable, the key,
the field that differs). The check runs on its own worker, so it never waits behind a run
and never blocks the window; it is made once per server and model, and again after a run
there failed. With no server configured this widget is not built, and neither it nor the
HTTP client is imported (tests/test_offline.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from viewer.host.settings import Settings
from viewer.inference.series_match import extra_inputs
from viewer.ui.bridge import Background, Bridge, Outcome
from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text

if TYPE_CHECKING:
    from viewer.inference import ModelEntry
    from viewer.inference.remote import ServerModel

#: Per (server, model id): None while the check goes, "" when it may run there, else why not.
State = dict[tuple[str, str], str | None]


class RemoteButtons(QWidget):
    def __init__(self, settings: Settings, bridge: Bridge, run: Callable[[str], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._jobs = Background(bridge, workers=1, name="lightbox-ai-servers")
        self.state: State = {}
        self.providers: dict[tuple[str, str], str] = {}
        self._entry: ModelEntry | None = None
        self._ready = False
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for name in sorted(settings.inference_servers):
            button = QPushButton(translate("AiPanel", "Run on {}").format(name))
            button.clicked.connect(lambda _=False, n=name: run(n))
            layout.addWidget(button)
            self.buttons[name] = button
        self.show_for(None, False)

    def show_for(self, entry: ModelEntry | None, ready: bool) -> None:
        """The selected model (None: none) and whether a run could start now."""
        self._entry, self._ready = entry, ready
        if entry is not None and entry.available:
            for name in self.buttons:
                if (name, entry.id) not in self.state:
                    self._check(name, entry)
        self._update()

    def retry_failed(self) -> None:
        """Check again the servers that failed (a new series opened: it may be back)."""
        self.state = {k: v for k, v in self.state.items() if v is None or v == ""}
        self.show_for(self._entry, self._ready)

    def forget(self, server: str, model_id: str) -> None:
        """Check again (a run there failed: the server may be down, or changed)."""
        self.state.pop((server, model_id), None)
        self.show_for(self._entry, self._ready)

    def _check(self, server: str, entry: ModelEntry) -> None:
        from viewer.inference.remote import check_server

        key = (server, entry.id)
        self.state[key] = None
        settings = self.settings

        def done(outcome: Outcome[ServerModel]) -> None:
            if outcome.error is not None:
                self.state[key] = problem_text(str(outcome.error)) or type(
                    outcome.error).__name__
            else:
                self.state[key] = ""
                if outcome.value is not None:
                    self.providers[key] = outcome.value.provider
            self._update()

        self._jobs.submit(lambda: check_server(settings, server, entry), done)

    def _update(self) -> None:
        entry = self._entry
        for name, button in self.buttons.items():
            if entry is None:
                button.setEnabled(False)
                button.setToolTip("")
                continue
            why = self.state.get((name, entry.id))
            if entry.manifest is not None and extra_inputs(entry.manifest):
                why = translate("AiPanel", "This model reads other series of the study: "
                                "it runs here only.")
            if why is None:
                tip = translate("AiPanel", "Checking that {} serves this model…").format(name)
            elif why:
                tip = why
            else:
                provider = self.providers.get((name, entry.id), "")
                tip = translate("AiPanel", "Runs the whole series on {} ({}), the same "
                                "model as here").format(name, provider)
            button.setEnabled(self._ready and why == "")
            button.setToolTip(tip)

    def shutdown(self) -> None:
        self._jobs.close()
