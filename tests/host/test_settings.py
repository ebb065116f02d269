"""Site configuration and user preferences: merged, locked, and broken files survived."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from viewer.host.settings import (
    ENVIRONMENT,
    SAFE_DEFAULT,
    SCHEMA_VERSION,
    SITE,
    USER,
    SettingsError,
    load_settings,
    save_user_preferences,
    site_config_path,
)
from viewer.host.site_keys import CORNER_GROUPS

EXAMPLE = Path(__file__).resolve().parents[2] / "packaging" / "lightbox.toml.example"


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "site" / "lightbox.toml"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    for name in ("LIGHTBOX_LOG_DIR", "LIGHTBOX_AUDIT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def site(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site" / "lightbox.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def user(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "user" / "preferences.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1),
                    encoding="utf-8")
    return path


def test_no_files_gives_the_defaults(tmp_path) -> None:
    s = load_settings()
    assert (s.model_dirs, s.allowed_models, s.hide_identity, s.language) == ((), None, False, "en")
    assert s.log_dir == tmp_path / "state" / "lightbox" / "logs"
    assert s.audit_dir == tmp_path / "data" / "lightbox" / "audit"
    assert s.problems == () and not s.site_found
    assert s.source("language") == "default"
    assert s.allows("anything")


def test_the_shipped_example_parses_to_what_its_comments_say() -> None:
    s = load_settings(site_file=EXAMPLE)
    assert s.problems == ()
    assert s.model_dirs == (Path("/opt/hospital/lightbox-models"),)
    assert s.allowed_models == {"ct-body-seg", "ct-lesion-det"}
    assert not s.allows("ct-lesion-cls")
    assert s.hide_identity is True and s.language == "ja"
    assert s.log_dir == Path("/var/log/lightbox")
    assert s.audit_dir == Path("/var/lib/lightbox/audit")
    assert s.locked == {"hide_identity", "model_dirs"}
    assert len(s.trusted_keys) == 1 and not s.revoked_keys and not s.revoked_models
    assert s.developer_mode is False
    assert all(s.source(k) == SITE for k in ("model_dirs", "hide_identity", "log_dir"))


def test_every_key_is_documented_in_the_example() -> None:
    from viewer.host.site_keys import KEYS

    text = EXAMPLE.read_text(encoding="utf-8")
    for key in KEYS:
        assert f"\n{key} = " in text, key


def test_user_preferences_apply_unless_the_site_locks_them(tmp_path) -> None:
    site(tmp_path, 'hide_identity = true\nlanguage = "en"\nmodel_dirs = ["/site/models"]\n'
                   'locked = ["hide_identity"]\n')
    user(tmp_path, {"schema_version": 1, "hide_identity": False, "language": "ja",
                    "model_dirs": ["/my/models"]})
    s = load_settings()
    assert s.hide_identity is True and s.source("hide_identity") == SITE
    assert s.language == "ja" and s.source("language") == USER
    # A preference adds folders; it never drops IT's.
    assert s.model_dirs == (Path("/site/models"), Path("/my/models"))


def test_locked_model_dirs_ignore_the_users_folders(tmp_path) -> None:
    site(tmp_path, 'model_dirs = ["/site/models"]\nlocked = ["model_dirs"]\n')
    user(tmp_path, {"schema_version": 1, "model_dirs": ["/my/models"]})
    assert load_settings().model_dirs == (Path("/site/models"),)


def test_a_user_cannot_set_site_only_keys(tmp_path) -> None:
    path = user(tmp_path, {"schema_version": 1, "allowed_models": ["x"],
                           "audit_dir": "/tmp/elsewhere"})
    s = load_settings()
    assert s.allowed_models is None and s.source("audit_dir") == "default"
    assert any(str(path) in p and "'allowed_models' is not a user preference" in p
               for p in s.problems)


def test_a_toml_syntax_error_names_the_file_and_line_and_fails_closed(tmp_path) -> None:
    path = site(tmp_path, 'language = "ja"\nallowed_models = ["a"]\nhide_identity = yes\n')
    s = load_settings()
    assert len(s.problems) == 2 and "fails closed" in s.problems[1]
    assert s.problems[0].startswith(f"{path}: line 3: ")
    assert "not valid TOML" in s.problems[0]
    # Nothing from a file that cannot be read applies; no model runs; identity hidden.
    assert s.language == "en" and s.allowed_models == frozenset() and s.failed_closed
    assert s.hide_identity is True and s.source("hide_identity") == SAFE_DEFAULT


def test_a_wrong_type_names_the_key_and_line_and_the_rest_applies(tmp_path) -> None:
    path = site(tmp_path, '# comment\nlanguage = "ja"\n\ncorner_text = "yes"\n')
    s = load_settings()
    assert any(p.startswith(f"{path}: line 4: corner_text must be a list") and
               p.endswith("; the default is used") for p in s.problems)
    assert s.language == "ja" and s.corner_text == CORNER_GROUPS and not s.failed_closed
    assert s.allowed_models is None


def test_a_wrong_type_for_a_policy_key_fails_closed(tmp_path) -> None:
    path = site(tmp_path, '# comment\nlanguage = "ja"\n\nhide_identity = "yes"\n'
                          'allowed_models = "ct-body-seg"\n')
    s = load_settings()
    assert f"{path}: line 4: hide_identity must be true or false" in s.problems
    assert any(p.startswith(f"{path}: line 5: allowed_models must be a list")
               for p in s.problems)
    # Before issue 11 this gave every model; now none, with identity hidden and locked.
    assert s.language == "ja" and s.failed_closed and s.allowed_models == frozenset()
    assert s.hide_identity is True and s.is_locked("hide_identity")


def test_unknown_keys_and_values_are_named(tmp_path) -> None:
    path = site(tmp_path, 'langauge = "ja"\nlanguage = "fr"\nlocked = ["colour"]\n'
                          '[extra]\nx = 1\n')
    problems = load_settings().problems
    assert any(p.startswith(f"{path}: line 1: unknown key 'langauge'") for p in problems)
    assert any(p.startswith(f"{path}: line 2: language must be one of 'en', 'ja'")
               for p in problems)
    assert any(p.startswith(f"{path}: line 3: locked names unknown key(s) 'colour'")
               for p in problems)
    assert any(p.startswith(f"{path}: line 4: unknown key 'extra'") for p in problems)


def test_paths_expand_variables_and_are_relative_to_the_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("LB_SHARE", "/srv/share")
    site(tmp_path, 'model_dirs = ["models", "$LB_SHARE/models"]\nlog_dir = "~/lb-logs"\n')
    s = load_settings()
    assert s.model_dirs == (tmp_path / "site" / "models", Path("/srv/share/models"))
    assert s.log_dir == Path.home() / "lb-logs"


def test_environment_overrides_the_folders(tmp_path, monkeypatch) -> None:
    site(tmp_path, 'log_dir = "/var/log/lightbox"\naudit_dir = "/var/lib/lightbox"\n')
    monkeypatch.setenv("LIGHTBOX_LOG_DIR", str(tmp_path / "logs"))
    s = load_settings()
    assert s.log_dir == tmp_path / "logs" and s.source("log_dir") == ENVIRONMENT
    assert s.audit_dir == Path("/var/lib/lightbox") and s.source("audit_dir") == SITE


def test_the_audit_log_goes_where_the_site_says(tmp_path) -> None:
    site(tmp_path, f'audit_dir = "{(tmp_path / "shared-audit").as_posix()}"\n')
    assert load_settings().audit_dir == tmp_path / "shared-audit"


def test_broken_user_preferences_name_the_line(tmp_path) -> None:
    path = user(tmp_path, '{\n "schema_version": 1,\n "language": "ja",\n}\n')
    s = load_settings()
    assert s.language == "en"
    assert s.problems == (f"{path}: line 4: Expecting property name enclosed in double "
                          "quotes (not valid JSON); your preferences are not used",)


def test_old_preferences_are_migrated_and_newer_ones_refused(tmp_path) -> None:
    user(tmp_path, {"language": "ja"})  # written before preferences had a schema version
    assert load_settings().language == "ja"
    path = user(tmp_path, {"schema_version": SCHEMA_VERSION + 1, "language": "ja"})
    s = load_settings()
    assert s.language == "en"
    assert s.problems[0].startswith(f"{path}: written by a newer Lightbox")


def test_saving_preferences_round_trips_and_respects_locks(tmp_path) -> None:
    path = save_user_preferences({"language": "ja"}, load_settings())
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved == {"schema_version": SCHEMA_VERSION, "language": "ja"}
    save_user_preferences({"hide_identity": True}, load_settings())
    s = load_settings()
    assert (s.language, s.hide_identity) == ("ja", True)
    with pytest.raises(SettingsError, match="must be one of"):
        save_user_preferences({"hide_identity": False, "language": "xx"}, load_settings())
    with pytest.raises(SettingsError, match="not a user preference"):
        save_user_preferences({"audit_dir": "/tmp"}, load_settings())
    site(tmp_path, 'locked = ["language"]\n')
    with pytest.raises(SettingsError, match="set by your site's configuration"):
        save_user_preferences({"language": "en"}, load_settings())
    assert load_settings().hide_identity is True  # nothing was written by the refusals


def test_the_site_file_is_in_the_usual_place_per_os(monkeypatch) -> None:
    monkeypatch.delenv("LIGHTBOX_SITE_CONFIG")
    monkeypatch.setattr("sys.platform", "linux")
    assert site_config_path() == Path("/etc/lightbox/lightbox.toml")
    monkeypatch.setattr("sys.platform", "darwin")
    assert site_config_path() == Path("/Library/Application Support/Lightbox/lightbox.toml")
    monkeypatch.setattr("sys.platform", "win32")
    # %PROGRAMDATA% is the user's to set: ProgramData comes from the known-folder API.
    monkeypatch.setenv("PROGRAMDATA", "D:/chosen-by-the-user")
    assert site_config_path() == Path("C:/ProgramData/Lightbox/lightbox.toml")


@pytest.mark.skipif(sys.platform != "win32", reason="the known-folder API is Windows'")
def test_programdata_comes_from_the_known_folder_api(monkeypatch, tmp_path) -> None:
    from viewer.host.folders import system_site_dir  # pragma: no cover - Windows only

    monkeypatch.setenv("PROGRAMDATA", str(tmp_path))
    assert tmp_path not in system_site_dir().parents
    assert system_site_dir().parent.is_dir() and system_site_dir().name == "Lightbox"


def test_an_unclosed_list_is_reported_at_the_last_line(tmp_path) -> None:
    path = site(tmp_path, 'language = "ja"\nallowed_models = [\n  "ct-body-seg",\n')
    problem, closed = load_settings().problems
    assert problem.startswith(f"{path}: line 3: ") and "fails closed" in closed


def test_default_presets_and_corner_text_are_typed_preferences(tmp_path) -> None:
    s = load_settings()
    assert dict(s.default_presets) == {} and s.corner_text == CORNER_GROUPS
    # A version-2 file (before these keys) is migrated as it is.
    user(tmp_path, {"schema_version": 2, "language": "ja",
                    "default_presets": {"ct": "Lung"},
                    "corner_text": ["display", "identity"]})
    s = load_settings()
    assert s.problems == ()
    assert dict(s.default_presets) == {"CT": "Lung"}
    assert s.corner_text == ("identity", "display")  # always in corner order
    path = user(tmp_path, {"schema_version": SCHEMA_VERSION,
                           "corner_text": ["identity", "weather"],
                           "default_presets": {"CT": 4}})
    s = load_settings()
    assert s.corner_text == CORNER_GROUPS and dict(s.default_presets) == {}
    assert any(p.startswith(f"{path}: line 3: corner_text must be a list of corner text groups")
               for p in s.problems), s.problems
    assert any("default_presets must map modalities to preset names" in p for p in s.problems)


def test_the_site_can_set_and_lock_the_reading_defaults(tmp_path) -> None:
    site(tmp_path, 'default_presets = { CT = "Brain" }\ncorner_text = ["display"]\n'
                   'locked = ["corner_text"]\n')
    user(tmp_path, {"schema_version": SCHEMA_VERSION, "corner_text": ["identity"],
                    "default_presets": {"CT": "Lung"}})
    s = load_settings()
    assert s.corner_text == ("display",) and s.source("corner_text") == SITE
    assert dict(s.default_presets) == {"CT": "Lung"} and s.source("default_presets") == USER
    with pytest.raises(SettingsError, match="set by your site's configuration"):
        save_user_preferences({"corner_text": list(CORNER_GROUPS)}, load_settings())


def test_the_audit_anchor_is_a_date_of_the_site(tmp_path) -> None:
    from datetime import UTC, datetime

    s = load_settings(site_file=site(tmp_path, 'audit_required_since = 2026-01-31\n'))
    assert s.audit_required_since == datetime(2026, 1, 31, tzinfo=UTC) and not s.problems
    s = load_settings(site_file=site(tmp_path, 'audit_required_since = "2026-02-01"\n'))
    assert s.audit_required_since == datetime(2026, 2, 1, tzinfo=UTC)
    s = load_settings(site_file=site(tmp_path, 'audit_required_since = "soon"\n'))
    assert s.audit_required_since is None
    assert any("must be a date like 2026-01-31" in p for p in s.problems)
    s = load_settings(user_file=user(tmp_path, {"schema_version": 3,
                                                "audit_required_since": "2000-01-01"}))
    assert s.audit_required_since is None  # IT's alone
