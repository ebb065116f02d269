"""Fixtures for the inference tests: tiny real artifacts, the phantom, private folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.inference.artifacts import build
from viewer.audit.log import log_name
from viewer.io.demo import write_phantom_series
from viewer.io.scan import scan


@pytest.fixture(autouse=True)
def _private_dirs(private_audit, monkeypatch):
    """Every inference test writes its own audit (tests/conftest.py) and sees only the
    model folders it names."""
    monkeypatch.delenv("LIGHTBOX_MODEL_DIRS", raising=False)


@pytest.fixture
def audit_file(tmp_path) -> Path:
    return tmp_path / "audit" / log_name()


@pytest.fixture
def models_dir(tmp_path) -> Path:
    """A folder with the three test artifacts: threshold, classify, detect."""
    root = tmp_path / "models"
    for kind in ("threshold", "classify", "detect"):
        build(root, kind)
    return root


@pytest.fixture(scope="session")
def phantom_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("phantom")
    write_phantom_series(folder, slices=12, size=96)
    return folder


@pytest.fixture
def phantom(phantom_dir):
    """The phantom CT series (12 slices of 96 × 96, 0.8 mm pixels)."""
    return scan([phantom_dir]).all_series()[0]


@pytest.fixture(scope="session")
def volume_model(tmp_path_factory) -> Path:
    """The 3-D test model (tests/inference/volumes3d.py), built once through modelkit."""
    pytest.importorskip("torch")
    from tests.inference.volumes3d import build_volume_model

    work = tmp_path_factory.mktemp("volume-model")
    return build_volume_model(work / "models", work)


@pytest.fixture(scope="session")
def axial_phantom_dir(tmp_path_factory) -> Path:
    from tests.inference.volumes3d import write_axial

    folder = tmp_path_factory.mktemp("axial")
    write_axial(folder)
    return folder


@pytest.fixture(scope="session")
def sagittal_phantom_dir(tmp_path_factory) -> Path:
    from tests.inference.volumes3d import write_sagittal

    folder = tmp_path_factory.mktemp("sagittal")
    write_sagittal(folder)
    return folder
