"""Shared fixtures for every test: real sample files, never downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def pydicom_files() -> Path:
    """pydicom's bundled real test files (every transfer syntax, SR, RT, truncated...)."""
    import pydicom.data

    folder = Path(pydicom.data.__file__).parent / "test_files"
    assert folder.is_dir(), "pydicom's bundled test files are missing"
    return folder


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory, monkeypatch):
    """Keep the demo and other caches out of the user's home during tests."""
    monkeypatch.setenv("LIGHTBOX_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
