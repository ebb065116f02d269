"""Group Policy registry values → site-file values (the mapping; the registry is Windows').

The registry as the ADMX template writes it is given as plain dicts; what comes out is
written as a site file and read back by ``read_site_config``, so the policy and the file
are checked by the same rules.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from viewer.host import grouppolicy
from viewer.host.settings import KEYS, read_site_config

KEY = "ed25519:sH+bBMdXf627g03aAhPN7bZ49kTSht1Q5WQYh5XoZu0="


def as_toml(values: dict[str, grouppolicy.SiteValue]) -> str:
    # bool, str and lists of str: JSON's spelling is TOML's for these.
    return "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())


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


@pytest.mark.skipif(sys.platform != "win32", reason="the registry is Windows'")
def test_read_policy_reads_the_registry() -> None:  # pragma: no cover - Windows only
    values, lists = grouppolicy.read_policy()
    assert isinstance(values, dict) and isinstance(lists, dict)
