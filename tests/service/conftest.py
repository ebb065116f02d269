"""One real service process per module: keys set, small limits (tests/service/server.py)."""

from __future__ import annotations

import pytest

from tests.service.server import KEY, running_service
from viewer.service.keys import hash_key

SITE = f"""service_api_keys = ["{hash_key(KEY)}"]
service_max_request_mb = 1
service_max_instances = 8
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with running_service(tmp_path_factory.mktemp("serve"), site=SITE, key=KEY) as server:
        yield server


@pytest.fixture(scope="module")
def phantom(tmp_path_factory):
    from viewer.io.demo import write_phantom_series

    return write_phantom_series(tmp_path_factory.mktemp("phantom"), slices=4, size=128)
