"""The reader's choice of a series per input, for a model that reads several series.

Before such a model runs, the reader confirms which series of the study feeds each of its
other inputs (T1 and FLAIR, pre- and post-contrast). The proposal and the reasons come
from :mod:`viewer.inference.series_match`; this model holds the choice while the dialog is
open (the dialog only shows it and turns clicks into :meth:`SeriesChoice.choose`), so
what runs is decided here, without Qt, and tested without a window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from viewer.inference.manifest import Manifest
from viewer.inference.series_match import (
    InputMatch,
    check_choice,
    describe_rule,
    describe_series,
    propose,
)
from viewer.io.model import Series


@dataclass(frozen=True, eq=False)
class InputRow:
    """One input as the dialog shows it."""

    name: str
    role: str  # the rule's role, else the input's name
    rule: str  # "modality MR and a description matching (?i)flair"
    options: tuple[tuple[Series, str], ...]  # the series that fit, best first, with a label
    chosen: Series | None
    reason: str  # why no series fits ("" when one does)


class SeriesChoice:
    """One choice per input read from another series; complete when each has one."""

    def __init__(self, manifest: Manifest, primary: Series, study: Sequence[Series]) -> None:
        self.primary = primary
        self.matches: tuple[InputMatch, ...] = propose(manifest, primary, study)
        self._chosen: dict[str, Series | None] = {m.input.name: m.proposed for m in self.matches}

    @property
    def needed(self) -> bool:
        """True when the model reads another series (the reader must confirm it)."""
        return bool(self.matches)

    def rows(self) -> list[InputRow]:
        return [InputRow(m.input.name, m.role, describe_rule(m.rule),
                         tuple((s, describe_series(s)) for s in m.candidates),
                         self._chosen[m.input.name], m.reason)
                for m in self.matches]

    def choose(self, name: str, series: Series) -> None:
        """The reader picked ``series`` for input ``name``; raises ValueError when it does
        not fit (the dialog offers only series that do)."""
        match = next((m for m in self.matches if m.input.name == name), None)
        if match is None:
            raise ValueError(f"the model has no input {name!r} read from another series")
        problem = check_choice(match.input, series, self.primary)
        if problem:
            raise ValueError(problem)
        self._chosen[name] = series

    @property
    def complete(self) -> bool:
        return all(series is not None for series in self._chosen.values())

    @property
    def problems(self) -> list[str]:
        """Why the model cannot run on this study (inputs nothing fits)."""
        return [m.reason for m in self.matches if m.proposed is None]

    def chosen(self) -> dict[str, Series]:
        """Input name → series, once :attr:`complete`."""
        if not self.complete:
            raise ValueError("; ".join(self.problems) or "a series is not chosen yet")
        return {name: series for name, series in self._chosen.items() if series is not None}
