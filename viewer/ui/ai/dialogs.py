"""Dialogs of the AI panel: the intended-use warning that needs a choice, the model card.

Both open window-modal with ``open()`` (never ``exec()``): the event loop keeps running,
so loading and painting go on behind them, and tests can answer them like a reader.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QMessageBox,
    QPushButton,
    QWidget,
)

from viewer.ui.i18n import translate
from viewer.ui.problem_text import problem_text

CARD = "CARD.md"


class IntendedUseDialog(QMessageBox):
    """"This image is outside what the model is made for": go on only on an explicit yes.

    The safe answer is the default: Enter or Esc runs nothing.
    """

    def __init__(self, title: str, warnings: tuple[str, ...], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setIcon(QMessageBox.Icon.Warning)
        self.setWindowTitle(translate("AiDialogs", "Outside the model's intended use"))
        self.setText(translate("AiDialogs", "<b>{}</b> is not made for this image:").format(
            _escape(title)))
        self.setInformativeText(
            "\n".join(f"• {problem_text(w)}" for w in warnings) + "\n\n"
            + translate("AiDialogs", "Its results may be wrong. Run it anyway? If you do, these "
                        "warnings are shown with every result."))
        self.run_button: QPushButton = self.addButton(translate("AiDialogs", "Run anyway"),
                                                      QMessageBox.ButtonRole.AcceptRole)
        self.decline_button: QPushButton = self.addButton(translate("AiDialogs", "Don't run"),
                                                          QMessageBox.ButtonRole.RejectRole)
        self.setDefaultButton(self.decline_button)
        self.setEscapeButton(self.decline_button)
        self.warnings = warnings

    @property
    def accepted_run(self) -> bool:
        return self.clickedButton() is self.run_button


def read_card(folder: Path) -> str:
    """The card's Markdown, or a sentence saying why there is none."""
    path = Path(folder) / CARD
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return translate("AiDialogs", "This model has no model card ({} is missing from {})."
                         ).format(CARD, Path(folder).name)
    except (OSError, UnicodeDecodeError) as exc:
        return translate("AiDialogs", "The model card {} of {} cannot be read: {}").format(
            CARD, Path(folder).name, exc)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
