"""Group Policy registry values → site-file values → the settings Lightbox starts with.

The registry as the ADMX template writes it is given as plain dicts (what
``grouppolicy.read_policy`` returns on Windows); the mapping's output is read back by
``read_site_config``, so the policy and the file are checked by the same rules, and
``load_settings(policy=...)`` merges it exactly as it merges the machine's policy at start.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from viewer.host import grouppolicy
from viewer.host.settings import (
    POLICY,
    SAFE_DEFAULT,
    SITE,
    SettingsError,
    load_settings,
    read_site_config,
    save_user_preferences,
)
from viewer.host.site_keys import KEYS, check_value

KEY = "ed25519:sH+bBMdXf627g03aAhPN7bZ49kTSht1Q5WQYh5XoZu0="


def _toml(value: object) -> str:
    # bool, numbers, str and lists of str: JSON's spelling is TOML's; tables inline.
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def as_toml(values: dict[str, grouppolicy.SiteValue]) -> str:
    return "".join(f"{name} = {_toml(value)}\n" for name, value in values.items())


def test_every_policy_is_a_site_file_key_only_it_sets_or_locks() -> None:
    assert set(grouppolicy.POLICY_KEYS) <= set(KEYS)
    assert len(set(grouppolicy.POLICY_KEYS)) == len(grouppolicy.POLICY_KEYS)


def test_the_template_s_values_become_the_site_file_s(tmp_path: Path) -> None:
    values: dict[str, grouppolicy.RegistryValue] = {
        "hide_identity": 1, "developer_mode": 0, "language": "ja",
        "audit_dir": r"%ProgramData%\Lightbox\audit", "audit_required_since": "2026-03-01",
        "allowed_models": 1, "trusted_keys": 1, "locked": 1, "revoked_models": 0,
    }
    lists: dict[str, dict[str, grouppolicy.RegistryValue]] = {
        "allowed_models": {"2": "ct-lesion-det", "1": "ct-body-seg", "10": "cxr-triage"},
        "trusted_keys": {"1": KEY},
        "locked": {"1": "hide_identity", "2": "language"},
        "revoked_models": {"1": "0" * 64},  # disabled: ignored
    }
    site, problems = grouppolicy.site_values(values, lists)
    assert problems == []
    assert site == {
        "hide_identity": True, "developer_mode": False, "language": "ja",
        "audit_dir": r"%ProgramData%\Lightbox\audit", "audit_required_since": "2026-03-01",
        "allowed_models": ["ct-body-seg", "ct-lesion-det", "cxr-triage"],  # 1, 2, 10
        "trusted_keys": [KEY], "locked": ["hide_identity", "language"],
    }
    path = tmp_path / "lightbox.toml"
    path.write_text(as_toml(site), encoding="utf-8")
    read_problems: list[str] = []
    checked, ok = read_site_config(path, read_problems)
    assert ok and read_problems == []
    assert set(checked) == set(site)


def test_an_enabled_empty_allow_list_allows_no_model() -> None:
    site, problems = grouppolicy.site_values({"allowed_models": 1}, {})
    assert site == {"allowed_models": []} and problems == []


def test_no_policy_sets_nothing() -> None:
    assert grouppolicy.site_values({}, {}) == ({}, [])


def test_a_value_of_the_wrong_type_is_reported_and_left_out() -> None:
    site, problems = grouppolicy.site_values(
        {"hide_identity": "yes", "language": 1, "allowed_models": 1},
        {"allowed_models": {"1": "ct-body-seg", "first": "x"}})
    assert site == {}
    assert len(problems) == 3
    assert all(p.startswith("Group Policy Software\\Policies\\Lightbox\\") for p in problems)
    assert "ask IT" in problems[0]


# --- the hospital network (docs/pacs.md) -------------------------------------------------

NETWORK: dict[str, grouppolicy.RegistryValue] = {
    "dicom_nodes": 1, "local_ae_title": "WS1", "storage_port": 4006,
    "pacs_store_dir": r"%ProgramData%\Lightbox\studies", "pacs_cache_gb": "0.5",
    "pacs_max_results": 200, "dicom_timeout_s": 20, "results_destination": "pacs",
    "results_auto_send": 1, "tls_ca_file": r"C:\pki\ca.pem",
    "tls_cert_file": r"C:\pki\ws1.pem", "tls_key_file": r"C:\pki\ws1.key",
}
NODES = {"dicom_nodes": {"1": "pacs=HOSPITAL_PACS@pacs.hospital.local:104",
                         "2": "archive=ARCH@10.1.2.3:2762;tls;move",
                         "3": "v6=V6NODE@[fd00::17]:11112; TLS"}}


def test_the_network_policies_become_the_site_file_s_keys_and_nodes(tmp_path) -> None:
    site, problems = grouppolicy.site_values(NETWORK, NODES)
    assert problems == []
    assert site["dicom_nodes"] == {
        "pacs": {"ae_title": "HOSPITAL_PACS", "host": "pacs.hospital.local", "port": 104,
                 "tls": False, "retrieve": "get"},
        "archive": {"ae_title": "ARCH", "host": "10.1.2.3", "port": 2762, "tls": True,
                    "retrieve": "move"},
        "v6": {"ae_title": "V6NODE", "host": "fd00::17", "port": 11112, "tls": True,
               "retrieve": "get"}}
    assert (site["storage_port"], site["pacs_cache_gb"], site["results_auto_send"]) == (
        4006, 0.5, True)
    # The same table in a site file passes the file's checks.
    path = tmp_path / "lightbox.toml"
    path.write_text(as_toml(site), encoding="utf-8")
    read_problems: list[str] = []
    checked, ok = read_site_config(path, read_problems)
    assert ok and read_problems == [] and set(checked) == set(site)


def test_network_policies_rule_and_lock(files) -> None:
    site, prefs = files
    site.write_text(SITE_FILE + '[dicom_nodes.old]\nae_title = "OLD"\nhost = "old.local"\n'
                    'port = 104\n', encoding="utf-8")
    s = load_settings(site, prefs, policy=(NETWORK, NODES))
    assert s.problems == () and not s.failed_closed
    assert sorted(s.dicom_nodes) == ["archive", "pacs", "v6"]  # the file's node: replaced
    archive = s.dicom_nodes["archive"]
    assert archive.tls and archive.retrieve == "move" and archive.address == "ARCH@10.1.2.3:2762"
    assert (s.local_ae_title, s.storage_port, s.pacs_max_results, s.dicom_timeout_s,
            s.pacs_cache_gb) == ("WS1", 4006, 200, 20.0, 0.5)
    assert s.results_destination == "pacs" and s.results_auto_send
    assert s.tls_ca_file == Path(r"C:\pki\ca.pem") and s.tls_key_file is not None
    assert s.source("dicom_nodes") == POLICY and {"dicom_nodes", "tls_ca_file"} <= s.locked


@pytest.mark.parametrize(("entry", "said"), [
    ("pacs=HOSPITAL_PACS@pacs.local", "is not a node (NAME=AE_TITLE@host:port"),
    ("HOSPITAL_PACS@pacs.local:104", "is not a node"),
    ("pacs=HOSPITAL_PACS@pacs.local:http", "the port must be a number"),
    ("pacs=HOSPITAL_PACS@pacs.local:104;tsl", "options are ;tls and ;move (or ;get), not 'tsl'"),
    ("pacs=HOSPITAL_PACS@pacs.local:104;move;get", "options are ;tls and ;move"),
    # The layout is right; the same checks as the site file's find what is wrong.
    ("pacs=HOSPITAL_PACS@pacs.local:70000", "port must be a TCP port number"),
    ("pacs=A_TITLE_MUCH_TOO_LONG@pacs.local:104", "ae_title must be an AE title"),
    ("../x=PACS@pacs.local:104", "node name"),
])
def test_a_wrong_node_entry_leaves_no_node_at_all(files, entry, said) -> None:
    site, prefs = files
    site.write_text(SITE_FILE + '[dicom_nodes.old]\nae_title = "OLD"\nhost = "old.local"\n'
                    'port = 104\n', encoding="utf-8")
    s = load_settings(site, prefs, policy=({"dicom_nodes": 1},
                                           {"dicom_nodes": {"1": "ok=OK@ok.local:104",
                                                            "2": entry}}))
    assert dict(s.dicom_nodes) == {}  # not the policy's first, not the file's
    assert any(said in p and "Policies\\Lightbox\\dicom_nodes" in p for p in s.problems), \
        s.problems


def test_a_wrong_number_policy_is_reported_and_the_site_file_decides(files) -> None:
    site, prefs = files
    s = load_settings(site, prefs, policy=({"storage_port": 0, "pacs_cache_gb": "lots"}, {}))
    assert s.storage_port == 11112 and s.pacs_cache_gb == 50.0 and not s.failed_closed
    assert len(s.problems) == 2 and all("Policies\\Lightbox\\" in p for p in s.problems)


# --- DICOMweb nodes and inference servers: "NAME=URL;field=value" entries -----------------

def url_lists(folder: Path) -> dict[str, dict[str, grouppolicy.RegistryValue]]:
    web: dict[str, grouppolicy.RegistryValue] = {
        "1": "web=https://pacs.hospital.local/dicom-web",
        "2": f"cloud=https://archive.local:8443/dicomweb;auth=bearer; token_file={folder / 't'}",
        "3": f"plain=http://10.1.2.3:8042/dicom-web;auth=basic;username=lightbox;"
             f"password_file={folder / 'pw'}"}
    servers: dict[str, grouppolicy.RegistryValue] = {
        "1": f"gpu1=https://ai.hospital.local:8443;api_key_file={folder / 'gpu1.key'};"
             "timeout_s=120",
        "2": "cpu=http://[fd00::5]:8000"}
    return {"dicomweb_nodes": web, "inference_servers": servers}


URL_POLICIES: dict[str, grouppolicy.RegistryValue] = {"dicomweb_nodes": 1,
                                                      "inference_servers": 1}
OLD_TABLES = """
[dicomweb_nodes.old]
url = "http://old.local/dicom-web"

[inference_servers.old]
url = "https://old.local:8443"
"""


def test_the_web_node_and_server_policies_become_the_site_file_s_tables(tmp_path) -> None:
    site, problems = grouppolicy.site_values(URL_POLICIES, url_lists(tmp_path))
    assert problems == []
    assert site == {
        "dicomweb_nodes": {
            "web": {"url": "https://pacs.hospital.local/dicom-web"},
            "cloud": {"url": "https://archive.local:8443/dicomweb", "auth": "bearer",
                      "token_file": str(tmp_path / "t")},
            "plain": {"url": "http://10.1.2.3:8042/dicom-web", "auth": "basic",
                      "username": "lightbox", "password_file": str(tmp_path / "pw")}},
        "inference_servers": {
            "gpu1": {"url": "https://ai.hospital.local:8443",
                     "api_key_file": str(tmp_path / "gpu1.key"), "timeout_s": 120.0},
            "cpu": {"url": "http://[fd00::5]:8000"}}}
    # The same tables in a site file pass the file's checks.
    path = tmp_path / "lightbox.toml"
    path.write_text(as_toml(site), encoding="utf-8")
    read_problems: list[str] = []
    checked, ok = read_site_config(path, read_problems)
    assert ok and read_problems == [] and set(checked) == set(site)


def test_web_node_and_server_policies_replace_the_file_s_and_lock(files) -> None:
    site, prefs = files
    site.write_text(SITE_FILE + OLD_TABLES, encoding="utf-8")
    folder = site.parent
    s = load_settings(site, prefs, policy=(URL_POLICIES, url_lists(folder)))
    assert s.problems == () and not s.failed_closed
    assert sorted(s.dicomweb_nodes) == ["cloud", "plain", "web"]  # the file's: replaced
    cloud = s.dicomweb_nodes["cloud"]
    assert (cloud.auth, cloud.token_file, cloud.port) == ("bearer", folder / "t", 8443)
    assert s.dicomweb_nodes["plain"].password_file == folder / "pw"
    assert sorted(s.inference_servers) == ["cpu", "gpu1"]
    gpu1 = s.inference_servers["gpu1"]
    assert (gpu1.address, gpu1.api_key_file, gpu1.timeout_s) == (
        "ai.hospital.local:8443", folder / "gpu1.key", 120.0)
    assert s.inference_servers["cpu"].address == "[fd00::5]:8000"
    assert s.source("dicomweb_nodes") == s.source("inference_servers") == POLICY
    assert {"dicomweb_nodes", "inference_servers"} <= s.locked


@pytest.mark.parametrize(("key", "entry", "said"), [
    ("dicomweb_nodes", "web https://pacs.local", "is not an entry (NAME=URL, then ;auth="),
    ("dicomweb_nodes", "web=https://pacs.local;auth", "'auth' is not field=value"),
    ("dicomweb_nodes", "web=https://pacs.local;auth=bearer;token_file=pacs.token",
     "token_file must be a full path"),
    ("dicomweb_nodes", "ok=https://elsewhere.local", "'ok' is listed twice"),
    # The layout is right; the same checks as the site file's find what is wrong.
    ("dicomweb_nodes", "web=ftp://pacs.local", "url must start with http:// or https://"),
    ("dicomweb_nodes", "web=https://pacs.local;auth=bearer", "needs token_file"),
    ("dicomweb_nodes", "web=https://pacs.local;colour=red", "unknown field(s) 'colour'"),
    ("dicomweb_nodes", "../x=https://pacs.local", "node name"),
    ("inference_servers", "gpu1 https://ai.local:8443", "NAME=URL, then ;api_key_file="),
    ("inference_servers", "gpu1=https://ai.local:8443;timeout_s=soon",
     "timeout_s must be a number, not 'soon'"),
    ("inference_servers", "gpu1=https://ai.local:8443;timeout_s=5;timeout_s=6",
     "timeout_s is given twice"),
    ("inference_servers", "gpu1=https://ai.local:8443;api_key_file=gpu1.key",
     "api_key_file must be a full path"),
    ("inference_servers", "gpu1=https://ai.local:8443;timeout_s=0",
     "timeout_s must be a number of seconds above 0"),
    ("inference_servers", "gpu1=https://ai.local:99999", "use 1 to 65535"),
])
def test_a_wrong_web_node_or_server_entry_leaves_none_at_all(files, key, entry, said) -> None:
    site, prefs = files
    site.write_text(SITE_FILE + OLD_TABLES, encoding="utf-8")
    s = load_settings(site, prefs, policy=({key: 1},
                                           {key: {"1": "ok=https://ok.local", "2": entry}}))
    assert dict(getattr(s, key)) == {}  # not the policy's first, not the file's
    other = "inference_servers" if key == "dicomweb_nodes" else "dicomweb_nodes"
    assert sorted(getattr(s, other)) == ["old"]  # the other table is the file's still
    none_left = grouppolicy.NONE_LEFT[key]
    assert any(said in p and f"Policies\\Lightbox\\{key}" in p and none_left in p
               for p in s.problems), s.problems
    assert not s.failed_closed


DOCS = Path(__file__).resolve().parents[2] / "docs"
#: A policy entry as the docs show one: NAME=AE_TITLE@host:port… or NAME=URL….
DOC_ENTRY = re.compile(r"`([A-Za-z0-9][\w.-]*=(?:https?://|[A-Z0-9_]+@)[^`\s]*)`")


@pytest.mark.parametrize("doc", ["install.md", "pacs.md", "service.md"])
def test_every_policy_entry_the_docs_show_is_accepted(doc: str) -> None:
    entries = [e for e in DOC_ENTRY.findall((DOCS / doc).read_text(encoding="utf-8"))
               if not e.startswith("NAME=")]  # the layout itself, not an example
    assert entries
    for entry in entries:
        key = ("dicom_nodes" if "@" in entry.split(";")[0] else
               "inference_servers" if "api_key_file" in entry or "timeout_s" in entry
               else "dicomweb_nodes")
        site, problems = grouppolicy.site_values({key: 1}, {key: {"1": entry}})
        assert problems == [], (doc, entry, problems)
        assert check_value(KEYS[key], site[key], None)[1] == "", (doc, entry)


# --- the policy in the settings Lightbox starts with ------------------------------------

SITE_FILE = """\
allowed_models = ["ct-body-seg", "cxr-triage"]
hide_identity = false
language = "en"
revoked_models = ["%s"]
locked = ["language"]
""" % ("a" * 64)


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    for name in ("LIGHTBOX_SITE_CONFIG", "LIGHTBOX_AUDIT_DIR", "LIGHTBOX_LOG_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    site = tmp_path / "etc" / "lightbox.toml"
    site.parent.mkdir()
    site.write_text(SITE_FILE, encoding="utf-8")
    prefs = tmp_path / "user" / "preferences.json"
    prefs.parent.mkdir()
    prefs.write_text(json.dumps({"schema_version": 3, "hide_identity": False}), "utf-8")
    return site, prefs


def test_a_policy_wins_over_the_site_file_and_no_user_can_change_it(files) -> None:
    site, prefs = files
    policy = ({"allowed_models": 1, "hide_identity": 1, "revoked_models": 1, "locked": 1},
              {"allowed_models": {"1": "ct-body-seg"}, "revoked_models": {"1": "b" * 64},
               "locked": {"1": "corner_text"}})
    s = load_settings(site, prefs, policy=policy)
    assert s.problems == () and not s.failed_closed
    assert s.allowed_models == {"ct-body-seg"}  # cxr-triage, allowed by the file: not
    assert s.hide_identity is True  # the user's preference for false has no effect
    assert s.source("hide_identity") == POLICY and s.source("language") == SITE
    assert s.policy_keys == {"allowed_models", "hide_identity", "revoked_models", "locked"}
    # Locks and revocations are added to the file's, never replace them.
    assert s.revoked_models == {"a" * 64, "b" * 64}
    assert {"language", "corner_text", "hide_identity", "allowed_models"} <= s.locked
    with pytest.raises(SettingsError, match="set by your site"):
        save_user_preferences({"hide_identity": False}, s)


def test_the_policy_holds_whichever_site_file_is_read(files, tmp_path, monkeypatch) -> None:
    """Even where the environment may name the site file (this source checkout is a copy
    the account could change: developer mode), the machine's policy still rules."""
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "missing.toml"))
    s = load_settings(policy=({"allowed_models": 1}, {"allowed_models": {"1": "ct-body-seg"}}))
    assert s.environment_overrides and not s.site_found
    assert s.allowed_models == {"ct-body-seg"} and not s.allows("cxr-triage")


def test_a_wrong_policy_value_fails_closed_like_a_wrong_site_file(files) -> None:
    site, prefs = files
    s = load_settings(site, prefs, policy=({"allowed_models": 1, "hide_identity": 7},
                                           {"allowed_models": {"1": "ct-body-seg"}}))
    assert s.failed_closed and s.allowed_models == frozenset()
    assert s.hide_identity is True and s.source("hide_identity") == SAFE_DEFAULT
    assert any("Policies\\Lightbox\\hide_identity" in p for p in s.problems)
    assert "fails closed" in s.problems[-1]


def test_a_wrong_language_policy_is_reported_and_the_site_file_decides(files) -> None:
    site, prefs = files
    s = load_settings(site, prefs, policy=({"language": "fr"}, {}))
    assert not s.failed_closed and s.language == "en" and s.source("language") == SITE
    (problem,) = s.problems
    assert "language must be one of" in problem and "site file's value is used" in problem


def test_no_policy_changes_nothing(files) -> None:
    site, prefs = files
    assert load_settings(site, prefs, policy=({}, {})) == load_settings(site, prefs)


@pytest.mark.skipif(sys.platform != "win32", reason="the registry is Windows'")
def test_read_policy_reads_the_registry() -> None:  # pragma: no cover - Windows only
    values, lists = grouppolicy.read_policy()
    assert isinstance(values, dict) and isinstance(lists, dict)
