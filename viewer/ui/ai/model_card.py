"""The model card view: intended use, limitations, training data, validation, identity.

Built from the artifact's manifest (``viewer.inference.model_card``); the generated
CARD.md is one tab further. A demonstration model's banner sits above both tabs.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from viewer.inference.errors import ManifestError
from viewer.inference.manifest import Manifest, read_manifest
from viewer.inference.model_card import ModelCard, model_card
from viewer.ui.ai.dialogs import read_card
from viewer.ui.ai.drift_marks import EXPLAINED, tooltip
from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:
    from viewer.audit.drift import DriftAlert

#: The card's fixed words, written by the core; lupdate collects them here and they are
#: translated when shown (the manifest's own lines stay as the model's authors wrote them).
CARD_WORDS = (
    QT_TRANSLATE_NOOP("ModelCard", "Intended use"),
    QT_TRANSLATE_NOOP("ModelCard", "Limitations"),
    QT_TRANSLATE_NOOP("ModelCard", "Training data"),
    QT_TRANSLATE_NOOP("ModelCard", "Validation (held-out)"),
    QT_TRANSLATE_NOOP("ModelCard", "Compared with the training data"),
    QT_TRANSLATE_NOOP("ModelCard", "Version and digest"),
    QT_TRANSLATE_NOOP("ModelCard", "Demonstration model — not for clinical use. It has not been "
                                   "validated on patient images and must not inform any "
                                   "diagnosis."),
)
DRIFT_STYLE = ("background: #4a3270; color: white; padding: 6px; border-radius: 3px;")
BANNER_STYLE = ("background: #78480A; color: white; font-weight: bold; padding: 6px; "
                "border-radius: 3px;")


def _html(card: ModelCard) -> str:
    parts = [f"<h2>{escape(card.title)}</h2>", f"<p>{escape(card.description)}</p>"]
    for section in card.sections:
        items = "".join(f"<li>{escape(line)}</li>" for line in section.lines)
        title = translate("ModelCard", section.title)
        parts.append(f"<h3>{escape(title)}</h3><ul>{items}</ul>")
    return "".join(parts)


class ModelCardDialog(QDialog):
    """The card of the model in ``folder`` (``manifest``: already parsed, if at hand)."""

    def __init__(self, title: str, folder: Path, parent: QWidget | None,
                 manifest: Manifest | None = None,
                 drift: Sequence[DriftAlert] = ()) -> None:
        """``drift``: the alerts of this model version over the last window: shown as
        "drift under review" above the card, each with its metric and threshold."""
        super().__init__(parent)
        self.setWindowTitle(translate("ModelCard", "Model card — {}").format(title))
        self.resize(680, 600)
        self.card: ModelCard | None = None
        problem = ""
        if manifest is None:
            try:
                manifest = read_manifest(folder)
            except ManifestError as exc:
                problem = str(exc)
        layout = QVBoxLayout(self)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        layout.addWidget(self.banner)
        self.drift = QLabel()  # "drift under review" (viewer.ui.ai.drift_marks)
        self.drift.setWordWrap(True)
        self.drift.setStyleSheet(DRIFT_STYLE)
        self.drift.setTextFormat(Qt.TextFormat.PlainText)
        self.drift.setText("\n".join([tooltip(drift), translate("Drift", EXPLAINED)])
                           if drift else "")
        self.drift.setVisible(bool(drift))
        layout.addWidget(self.drift)
        self.tabs = QTabWidget()
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(False)  # offline: nothing is ever fetched
        if manifest is not None:
            self.card = model_card(manifest)
            self.view.setHtml(_html(self.card))
        else:
            self.view.setPlainText(
                translate("ModelCard", "The manifest cannot be read: {}").format(problem))
        self.banner.setText(translate("ModelCard", self.card.banner)
                            if self.card and self.card.banner else "")
        self.banner.setVisible(bool(self.card and self.card.banner))
        self.browser = QTextBrowser()  # the generated CARD.md, in full
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(read_card(folder))
        self.tabs.addTab(self.view, translate("ModelCard", "Card"))
        self.tabs.addTab(self.browser, "CARD.md")
        layout.addWidget(self.tabs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def text(self) -> str:
        """Everything the card says, banners first (plain text)."""
        banner = self.banner.text() + "\n" if self.banner.isVisible() else ""
        banner += self.drift.text() + "\n" if self.drift.isVisible() else ""
        return banner + self.view.toPlainText() + "\n" + self.browser.toPlainText()
