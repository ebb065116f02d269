"""Helpers for the packaging tests: the packaging/ scripts, and the frozen build under test.

The frozen tests run against a build named by ``LIGHTBOX_FROZEN_DIR`` (the folder
``dist/lightbox``; CI sets it after ``python packaging/build.py``) and are skipped
without it, so an ordinary test run stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
if str(PACKAGING) not in sys.path:
    sys.path.insert(0, str(PACKAGING))

FROZEN_ENV = "LIGHTBOX_FROZEN_DIR"


@pytest.fixture(scope="session")
def frozen_dir() -> Path:
    value = os.environ.get(FROZEN_ENV)
    if not value:
        pytest.skip(f"no frozen build to test: set {FROZEN_ENV}=dist/lightbox")
    folder = Path(value).resolve()
    assert folder.is_dir(), f"{FROZEN_ENV}={value} is not a folder"
    return folder
