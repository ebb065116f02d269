"""``lightbox infer --input NAME=SERIES``: the series of each input read from another series.

A model may read several series of the study (docs/model-artifact.md, ``inputs[].series``).
On the command line each such input is given explicitly, as a Series Instance UID of the
scanned PATH or as a path (a file or folder holding that one series); without it the
proposal of :mod:`viewer.inference.series_match` is used and said on stderr, so a script's
log shows which series fed which input. A series that does not fit the input's rule is a
failure (exit 1) that says why; a malformed or unknown ``--input`` is a usage error (2).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from viewer.errors import LightboxError
from viewer.inference.manifest import Manifest
from viewer.inference.series_match import check_choice, describe_series, extra_inputs, propose
from viewer.io.model import Series


class InputChoiceError(LightboxError):
    """A series given or proposed for an input cannot be used (exit 1)."""


class InputUsageError(LightboxError):
    """``--input`` names no input of the model, or twice the same (exit 2)."""


def input_choice(text: str) -> tuple[str, str]:
    """``--input NAME=SERIES``: an input name and a series UID or path."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(
            f"expects NAME=SERIES such as post=1.2.840.113619.2.55.3 or post=./post/, "
            f"not {text!r}")
    return name.strip(), value.strip()


def choose_inputs(manifest: Manifest, primary: Series, scanned: Sequence[Series],
                  given: Sequence[tuple[str, str]]) -> dict[str, Series]:
    """The series of each input read from another series: given, else proposed (said on
    stderr). Raises :class:`InputUsageError` or :class:`InputChoiceError`."""
    wanted = {spec.name: spec for spec in extra_inputs(manifest)}
    chosen: dict[str, Series] = {}
    for name, value in given:
        if name not in wanted:
            known = ", ".join(wanted) or "none: it reads only the series it runs on"
            raise InputUsageError(f"--input {name}: model {manifest.id} has no input {name!r} "
                                  f"read from another series (it has {known})")
        if name in chosen:
            raise InputUsageError(f"--input {name} is given twice")
        series = _series_of(value, scanned, name)
        problem = check_choice(wanted[name], series, primary)
        if problem:
            raise InputChoiceError(f"--input {name}={value}: {problem}")
        chosen[name] = series
    missing = [name for name in wanted if name not in chosen]
    if missing:
        for match in propose(manifest, primary, scanned):
            if match.input.name not in missing:
                continue
            if match.proposed is None:
                raise InputChoiceError(f"{match.reason}. Give it with --input "
                                       f"{match.input.name}=SERIES_UID_OR_PATH")
            chosen[match.input.name] = match.proposed
            print(f"input {match.input.name!r} ({match.role}): using series "
                  f"{describe_series(match.proposed)} {match.proposed.uid} (choose another "
                  f"with --input {match.input.name}=SERIES)", file=sys.stderr)
    return {name: chosen[name] for name in wanted}


def _series_of(value: str, scanned: Sequence[Series], name: str) -> Series:
    """The series a ``--input`` value names: a UID among ``scanned``, else a path."""
    for series in scanned:
        if series.uid == value:
            return series
    path = Path(value)
    if not path.exists():
        raise InputChoiceError(f"--input {name}={value}: no series with this UID in the "
                               "scanned files, and no such file or folder")
    from viewer.io.scan import scan

    found = [s for s in scan([path]).all_series() if s.has_images]
    if len(found) != 1:
        what = "no image" if not found else f"{len(found)} series"
        raise InputChoiceError(f"--input {name}={value}: {path} holds {what}; give a folder "
                               "holding one series, or a series UID")
    return found[0]
