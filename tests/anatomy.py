"""The 3-D demonstration data for tests: real anatomy (the MNI152 brain, via nilearn) as a
real DICOM MR series, and the 3-D CT phantom generator. Both live beside the recipes that
train on them (models/recipes/anatomy/); nilearn is a test and build dependency only.

    series = write_mni152_series(tmp_path / "axial", "axial")     # or "sagittal"
    brain = mni152().load(resolution=2)       # t1, labels in model axes "SPL", affine_lps
    labels, _ = mni152().in_orientation(brain, brain.labels, "sagittal")  # as written
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

ANATOMY = Path(__file__).resolve().parents[1] / "models" / "recipes" / "anatomy"


def _module(name: str) -> ModuleType:
    if str(ANATOMY) not in sys.path:
        sys.path.insert(0, str(ANATOMY))
    return __import__(name)


def mni152() -> ModuleType:
    """models/recipes/anatomy/mni152.py (needs nilearn to load the template)."""
    return _module("mni152")


def phantom3d() -> ModuleType:
    """models/recipes/anatomy/phantom3d.py (numpy only)."""
    return _module("phantom3d")


def write_mni152_series(folder: Path, orientation: str = "axial", resolution: int = 2) -> Path:
    """The MNI152 T1 template as one MR file per slice in ``folder``; returns ``folder``."""
    mni152().write_series(folder, orientation, resolution)
    return folder
