"""DICOM person names (PN) as people write them, for every place Lightbox shows one.

A PN value is ``Family^Given^Middle^Prefix^Suffix``, optionally followed by ``=`` and
the same name in ideographic and phonetic characters. The viewport corner, the window
title, the series browser, the study list, the Search PACS window and ``lightbox pacs
find`` show it through :func:`person_name` alone, so a name found by C-FIND, by QIDO-RS
or read from a file reads the same everywhere ("Doe, Jane"), never with DICOM's ``^``.
Pure: no pydicom (a ``PersonName`` is taken by its text). Qt-free.
"""

from __future__ import annotations

from typing import Any


def person_name(value: Any) -> str:
    """DICOM PN "Family^Given^Middle" -> "Family, Given Middle"."""
    parts = [p.strip() for p in str(value or "").split("=")[0].split("^")]
    family, rest = (parts[0], " ".join(p for p in parts[1:4] if p)) if parts else ("", "")
    return f"{family}, {rest}" if family and rest else family or rest
