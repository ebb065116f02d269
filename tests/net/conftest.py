"""The real PACS of the network tests (tests/pacs_server.py): one Orthanc per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.pacs_server import Orthanc, running_orthanc


@pytest.fixture(scope="session")
def orthanc(tmp_path_factory) -> Iterator[Orthanc]:
    with running_orthanc(tmp_path_factory.mktemp("orthanc"),
                         tmp_path_factory.mktemp("pacs-demo") / "demo") as server:
        yield server
