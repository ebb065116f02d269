"""Lightbox's SEG and SR objects shown again as overlays on the series they reference.

When a series is opened, the SEG/SR objects of its study that point at it are read
(:mod:`viewer.inference.dicom_import`) and their results added to the viewport's overlays;
those that point at another series stay where they are. A file the reader asks for
explicitly and that does not match gets a message instead.
"""

from __future__ import annotations

import logging
from pathlib import Path

from viewer.errors import LightboxError
from viewer.io.model import Series, Study
from viewer.state.ai_results import OverlayState

log = logging.getLogger(__name__)


def result_files(study: Study | None) -> list[Path]:
    """The SEG/SR files of ``study`` that may hold AI results."""
    if study is None:
        return []
    objects = [inst for series in study.series for inst in series.instances
               if inst.kind == "dicom" and not inst.has_pixels]
    if not objects:  # images only: the SEG/SR reader (and highdicom) is not even loaded
        return []
    from viewer.inference.dicom_import import is_result_object

    return [inst.path for inst in objects if is_result_object(inst.sop_class_uid)]


def load_study_results(overlays: OverlayState, series: Series, study: Study | None,
                       done: set[tuple[Path, str]] | None = None) -> int:
    """Add the results of every SEG/SR of ``study`` that references ``series``; how many
    results were added. Objects about other series are skipped quietly (they are not
    about what is shown). ``done`` (kept by the caller) remembers which file was already
    read for which series, so going back to a series does not read its files again, nor
    put stored results back over newer runs."""
    files = result_files(study)
    if not files:
        return 0
    from viewer.inference.dicom_import import ForeignResultsError, read_results

    added = 0
    for path in files:
        if done is not None:
            if (path, series.uid) in done:
                continue
            done.add((path, series.uid))
        try:
            results = read_results(path, series)
        except ForeignResultsError:
            continue
        except LightboxError as exc:
            log.warning("AI results in %s not shown: %s", path.name, type(exc).__name__)
            continue
        if results:
            overlays.add_results(results)
            added += len(results)
    return added


def load_results_file(overlays: OverlayState, path: str | Path, series: Series) -> int:
    """An explicit "load AI results from DICOM": raises ForeignResultsError (a message for
    the reader) when the file is about another series."""
    from viewer.inference.dicom_import import read_results

    results = read_results(path, series)
    overlays.add_results(results)
    return len(results)
