"""The DICOM nodes in the site configuration: typed, checked with clear messages, IT's
alone (a user's preferences cannot add or change one), none after any doubt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from viewer.host.dicom_nodes import DicomNode
from viewer.host.settings import (
    MIGRATIONS,
    SAFE_DEFAULT,
    SCHEMA_VERSION,
    load_settings,
    migrate,
)

NODE = '[dicom_nodes.pacs]\nae_title = "PACS1"\nhost = "10.1.2.3"\nport = 104\n'


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "lightbox.toml"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))


def site(tmp_path: Path, text: str) -> None:
    (tmp_path / "lightbox.toml").write_text(text, encoding="utf-8")


def test_no_nodes_by_default(tmp_path) -> None:
    s = load_settings()
    assert dict(s.dicom_nodes) == {} and s.local_ae_title == "LIGHTBOX"
    assert s.storage_port == 11112 and s.pacs_max_results == 500
    assert s.pacs_store_dir == s.pacs_store_dir.parent / "studies"


def test_nodes_and_the_workstation_are_read(tmp_path) -> None:
    site(tmp_path, 'local_ae_title = "WS1"\nstorage_port = 4006\npacs_max_results = 50\n'
                   'dicom_timeout_s = 5\n' + NODE
                   + '[dicom_nodes.archive]\nae_title = "ARCH"\nhost = "archive.local"\n'
                     'port = 11112\ntls = true\nretrieve = "move"\n')
    s = load_settings()
    assert s.problems == ()
    assert s.dicom_nodes["pacs"] == DicomNode("pacs", "PACS1", "10.1.2.3", 104)
    assert s.dicom_nodes["pacs"].retrieve == "get"  # C-GET unless IT says move
    assert s.dicom_nodes["archive"].host == "archive.local"
    assert s.dicom_nodes["archive"].retrieve == "move"
    assert s.dicom_nodes["archive"].tls and not s.dicom_nodes["pacs"].tls
    assert (s.local_ae_title, s.storage_port, s.pacs_max_results, s.dicom_timeout_s) == (
        "WS1", 4006, 50, 5.0)


@pytest.mark.parametrize(("text", "message"), [
    (NODE.replace("104", "70000"), "port must be a TCP port number from 1 to 65535"),
    (NODE.replace('"PACS1"', '"A_TITLE_MUCH_TOO_LONG"'), "ae_title must be an AE title"),
    (NODE.replace('"PACS1"', '"BACK\\\\SLASH"'), "ae_title must be an AE title"),
    (NODE.replace('"10.1.2.3"', '"bad host/x"'), "host must be a host name or IP address"),
    (NODE + "tls = 1\n", "tls must be true or false"),
    (NODE + "hots = 1\n", "unknown field(s) 'hots'"),
    (NODE + 'retrieve = "wado"\n', 'retrieve must be "get" (C-GET) or "move"'),
    (NODE.replace('port = 104\n', ''), "lacks port"),
    (NODE + NODE.replace("dicom_nodes.pacs", "dicom_nodes.other"), "has the AE title 'PACS1'"),
    ('[dicom_nodes."../x"]\nae_title = "A"\nhost = "h"\nport = 1\n', "node name"),
])
def test_a_wrong_node_is_named_and_no_node_is_used(tmp_path, text, message) -> None:
    site(tmp_path, text)
    s = load_settings()
    assert dict(s.dicom_nodes) == {}
    assert any(message in p for p in s.problems), s.problems
    assert any("line " in p and "dicom_nodes" in p for p in s.problems)


def test_a_user_cannot_add_a_node_or_move_the_port(tmp_path) -> None:
    site(tmp_path, NODE)
    prefs = tmp_path / "user" / "preferences.json"
    prefs.parent.mkdir()
    prefs.write_text(json.dumps({
        "schema_version": SCHEMA_VERSION, "default_node": "pacs", "storage_port": 1,
        "dicom_nodes": {"mine": {"ae_title": "X", "host": "evil.example", "port": 1}}}))
    s = load_settings()
    assert list(s.dicom_nodes) == ["pacs"] and s.storage_port == 11112
    assert s.default_node == "pacs"  # a user preference may choose among IT's nodes
    assert sum("is not a user preference" in p for p in s.problems) == 2


def test_a_site_configuration_with_a_mistake_contacts_no_one(tmp_path) -> None:
    site(tmp_path, "developer_mode = 3\n" + NODE)
    s = load_settings()
    assert s.failed_closed and dict(s.dicom_nodes) == {}
    assert s.source("dicom_nodes") == SAFE_DEFAULT


def test_preferences_of_schema_3_migrate_to_4() -> None:
    assert MIGRATIONS[3]({"schema_version": 3, "language": "ja"}) == {
        "schema_version": 4, "language": "ja"}
    assert migrate({"schema_version": 3, "language": "ja"}) == {
        "schema_version": SCHEMA_VERSION, "language": "ja"}
