"""Argument types shared by the ``lightbox`` commands: numbers and output paths checked
before any work starts, each refusal a sentence that says what to type instead.

An ``argparse`` type function that raises ``ArgumentTypeError`` makes the command print
its usage line and the message, and exit with status 2 (a usage error), never a
traceback: ``--window nan,nan`` once crashed ``render``.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
from pathlib import Path

from viewer.host.files import NotRegularFileError, check_replaceable, special_kind


def frame_index(text: str) -> int:
    """``--frame N``: a whole number from 0 (the upper bound is the file's, checked once
    it is read)."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expects a frame number such as 0 (the first), not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expects a frame number from 0 (the first), not {value}")
    return value


def window(text: str) -> tuple[float, float]:
    """``--window C,W``: centre and width, finite numbers, width at least 1."""
    from viewer.imaging.window import MIN_WIDTH

    try:
        center, width = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expects centre,width such as 40,400, not {text!r}") from None
    if not (math.isfinite(center) and math.isfinite(width)):
        raise argparse.ArgumentTypeError(
            f"expects finite numbers such as 40,400, not {text!r}")
    if width < MIN_WIDTH:
        raise argparse.ArgumentTypeError(
            f"the width must be at least {MIN_WIDTH:g} (such as 40,400), not {width:g}")
    return center, width


def output_file(text: str) -> Path:
    """An output file: a new name or a regular file to replace, never a device, a named
    pipe, a socket or a folder (a rename would go over any of them)."""
    path = Path(text)
    try:
        check_replaceable(path)
    except NotRegularFileError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc.strerror or exc}") from None
    return path


def output_folder(text: str) -> Path:
    """An output folder: a new name or an existing folder, never a file or a device."""
    path = Path(text)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{path}: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(st.st_mode):
        what = special_kind(st.st_mode) or "a file"
        raise argparse.ArgumentTypeError(
            f"{path}: {what}, not a folder; choose a folder name")
    return path
