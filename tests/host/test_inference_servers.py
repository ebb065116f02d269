"""``inference_servers`` in the site file: checked as every key is; a mistake leaves no
server at all (fails closed), and a user's preferences cannot add one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viewer.host.inference_servers import DEFAULT_SERVER_TIMEOUT_S, check_servers
from viewer.host.settings import load_settings


def test_a_server_table_is_read(tmp_path) -> None:
    site = tmp_path / "lightbox.toml"
    site.write_text('[inference_servers.gpu1]\nurl = "https://ai.hospital.local:8443"\n'
                    'api_key_file = "keys/gpu1.key"\n'
                    '[inference_servers.lab]\nurl = "http://[::1]/"\ntimeout_s = 30\n')
    s = load_settings(site)
    assert not s.problems, s.problems
    gpu1, lab = s.inference_servers["gpu1"], s.inference_servers["lab"]
    assert (gpu1.scheme, gpu1.host, gpu1.port, gpu1.address) == (
        "https", "ai.hospital.local", 8443, "ai.hospital.local:8443")
    assert gpu1.api_key_file == tmp_path / "keys" / "gpu1.key"  # beside the site file
    assert gpu1.timeout_s == DEFAULT_SERVER_TIMEOUT_S
    assert (lab.host, lab.port, lab.address, lab.api_key_file, lab.timeout_s) == (
        "::1", 80, "[::1]:80", None, 30.0)


@pytest.mark.parametrize(("table", "says"), [
    ('url = "ftp://ai:21"', "must start with https://"),
    ('url = "https://user:secret@ai:8443"', "must not hold a user or password"),
    ('url = "https://ai:8443/v1/models"', "must be only scheme://host[:port]"),
    ('url = "https://ai:99999"', "use 1 to 65535"),
    ('api_key_file = "/k"', "lacks url"),
    ('url = "https://ai"\nkey = "plain"', "unknown field(s) 'key'"),
    ('url = "https://ai"\ntimeout_s = 0', "timeout_s must be a number of seconds"),
])
def test_a_mistake_leaves_no_server(tmp_path, table, says) -> None:
    site = tmp_path / "lightbox.toml"
    site.write_text('[inference_servers.good]\nurl = "https://good:1"\n'
                    f'[inference_servers.bad]\n{table}\n')
    s = load_settings(site)
    assert dict(s.inference_servers) == {}
    assert any("inference_servers" in p and says in p for p in s.problems), s.problems


def test_a_user_cannot_add_a_server(tmp_path, monkeypatch) -> None:
    user = tmp_path / "preferences.json"
    user.write_text(json.dumps({"schema_version": 5, "inference_servers": {
        "mine": {"url": "https://elsewhere:443"}}}))
    s = load_settings(tmp_path / "absent.toml", user)
    assert dict(s.inference_servers) == {}
    assert any("'inference_servers' is not a user preference" in p for p in s.problems)


def test_not_tables_is_refused() -> None:
    assert check_servers(["https://ai"], Path("/"))[0] is None
