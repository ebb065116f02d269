"""Shared fixtures for every test: real sample files, never downloaded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pacs_server import Orthanc, running_orthanc


@pytest.fixture(scope="session")
def pydicom_files() -> Path:
    """pydicom's bundled real test files (every transfer syntax, SR, RT, truncated...)."""
    import pydicom.data

    folder = Path(pydicom.data.__file__).parent / "test_files"
    assert folder.is_dir(), "pydicom's bundled test files are missing"
    return folder


@pytest.fixture(scope="session", autouse=True)
def _private_dirs_for_shared_fixtures(tmp_path_factory):
    """The same folders for module- and session-scoped fixtures, which run before the
    function-scoped one below: a run there must not write the audit key state or the
    series-hash key into the home."""
    base = tmp_path_factory.getbasetemp()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LIGHTBOX_AUDIT_DIR", str(base / "audit"))
        env.setenv("LIGHTBOX_CONFIG_DIR", str(base / "config"))
        yield


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory, monkeypatch):
    """Keep the demo, caches, the audit log, logs and the install key out of the user's home,
    and any real site configuration out of the tests."""
    base = tmp_path_factory.getbasetemp()
    monkeypatch.setenv("LIGHTBOX_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(base / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(base / "logs"))
    # The per-user data folder (the local store and its study list, which every folder
    # the viewer opens is entered in) is the tests' own too.
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "data"))
    # A real /etc/lightbox/lightbox.toml on the test machine must not change the tests.
    # These policy variables are honoured because the tests run a copy of Lightbox the
    # account can change (developer mode, viewer.host.folders.program_is_writable); an
    # installed copy ignores them (tests/host/test_site_policy.py).
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(base / "no-site-config.toml"))


@pytest.fixture
def private_audit(tmp_path, monkeypatch):
    """An audit folder and key state of this test's own (the shared ones above would carry
    one test's chain into the next): ``pytestmark = pytest.mark.usefixtures(...)``."""
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))



@pytest.fixture(scope="session")
def orthanc(tmp_path_factory) -> Iterator[Orthanc]:
    """The real PACS of the network and PACS-window tests (tests/pacs_server.py): one
    Orthanc for the whole session, shared by tests/net and tests/ui."""
    with running_orthanc(tmp_path_factory.mktemp("orthanc"),
                         tmp_path_factory.mktemp("pacs-demo") / "demo") as server:
        yield server
