"""Site policy no user can switch off (issue 11): environment overrides only in developer
mode, a broken site configuration fails closed, drop-ins, the documented key table."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest

from viewer.cli.ai import models_main
from viewer.host.settings import (
    SAFE_DEFAULT,
    SettingsError,
    load_settings,
    save_user_preferences,
)
from viewer.host.site_keys import schema_table
from viewer.inference.registry import SITE_BROKEN, ModelRegistry

ROOT = Path(__file__).resolve().parents[2]
INSTALL_MD = ROOT / "docs" / "install.md"

# Runs Lightbox as an installed copy on a configured workstation would: the system-wide
# site folder is a temporary one (a test cannot write /etc) and the program's own folder
# counts as not writable by the account (as /opt/lightbox is for a clinician). Nothing
# else is changed: the environment is the one the test passes.
DRIVER = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    import viewer.host.folders as folders
    folders.system_site_dir = lambda: Path(sys.argv[1])
    if sys.argv[2] != "as-it-is":
        folders.program_is_writable = lambda: sys.argv[2] == "writable"
    import viewer.host.settings as settings
    if os.geteuid() != 0:  # a test account's temporary files cannot be root's
        check = settings._open_to_users
        settings._open_to_users = lambda p: "" if "not root" in check(p) else check(p)
    from viewer.host.settings import load_settings
    if sys.argv[3] == "settings":
        s = load_settings()
        print(json.dumps({
            "site_file": str(s.site_file), "audit_dir": str(s.audit_dir),
            "log_dir": str(s.log_dir), "hide_identity": s.hide_identity,
            "allowed_models": sorted(s.allowed_models or []),
            "model_dirs": [str(p) for p in s.environment_model_dirs],
            "ignored": list(s.ignored_environment), "problems": list(s.problems)}))
    else:
        from viewer.cli.main import main
        sys.exit(main(sys.argv[3:]))
""")


def run_lightbox(etc: Path, *args: str, writable: bool | None = False,
                 env: dict[str, str] | None = None,
                 **popen: Any) -> subprocess.CompletedProcess[str]:
    """``writable`` None: the program's own folder as it is for the account running it."""
    mode = "as-it-is" if writable is None else "writable" if writable else "installed"
    return subprocess.run(
        [sys.executable, "-c", DRIVER, str(etc), mode, *args], capture_output=True,
        text=True, cwd=ROOT, timeout=300, env={**os.environ, **(env or {})}, **popen)


@pytest.fixture
def etc(tmp_path) -> Path:
    """A configured workstation's site folder: one model allowed, identity hidden, locked."""
    folder = tmp_path / "etc-lightbox"
    folder.mkdir()
    (folder / "lightbox.toml").write_text(
        'allowed_models = ["ct-body-seg"]\nhide_identity = true\n'
        f'audit_dir = "{tmp_path / "site-audit"}"\nlocked = ["hide_identity"]\n',
        encoding="utf-8")
    return folder


def user_overrides(tmp_path: Path) -> dict[str, str]:
    """What a user who wants around the policy would set."""
    (tmp_path / "my-models").mkdir(exist_ok=True)
    return {"LIGHTBOX_SITE_CONFIG": str(tmp_path / "missing.toml"),
            "LIGHTBOX_AUDIT_DIR": str(tmp_path / "my-audit"),
            "LIGHTBOX_LOG_DIR": str(tmp_path / "my-logs"),
            "LIGHTBOX_MODEL_DIRS": str(tmp_path / "my-models")}


def test_environment_overrides_are_ignored_on_an_installed_configured_workstation(
        tmp_path, etc) -> None:
    done = run_lightbox(etc, "settings", env=user_overrides(tmp_path))
    assert done.returncode == 0, done.stderr
    s = json.loads(done.stdout)
    assert s["site_file"] == str(etc / "lightbox.toml")
    assert s["allowed_models"] == ["ct-body-seg"] and s["hide_identity"] is True
    assert s["audit_dir"] == str(tmp_path / "site-audit")
    assert s["log_dir"] != str(tmp_path / "my-logs") and s["model_dirs"] == []
    assert set(s["ignored"]) == {"LIGHTBOX_SITE_CONFIG", "LIGHTBOX_AUDIT_DIR",
                                 "LIGHTBOX_LOG_DIR", "LIGHTBOX_MODEL_DIRS"}
    # The self-test says which ones it ignored, and passes the configuration.
    done = run_lightbox(etc, "--self-test", "--no-qt", env=user_overrides(tmp_path))
    line = next(x for x in done.stdout.splitlines() if "configuration" in x)
    assert line.startswith("OK    configuration: site file(s) "), done.stdout
    assert "ignored (not developer mode): LIGHTBOX_SITE_CONFIG" in line


NOBODY = 65534


def _as_nobody() -> None:
    os.setgid(NOBODY)
    os.setuid(NOBODY)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root to run as another account (CI runs as root)")
def test_an_account_that_cannot_change_the_program_gets_no_overrides(tmp_path) -> None:
    """No stand-in for the installed check: this checkout is root's, the run is nobody's."""
    from viewer.host.folders import program_dir

    if program_dir().stat().st_uid != 0 or program_dir().stat().st_mode & 0o002:
        pytest.skip("this checkout is not owned by root alone")
    probe = subprocess.run([sys.executable, "-c", "import viewer.host.settings"], cwd=ROOT,
                           capture_output=True, preexec_fn=_as_nobody, timeout=120)
    if probe.returncode != 0:  # e.g. a checkout under /root, which nobody cannot read
        pytest.skip("the account nobody cannot read this checkout or its Python")
    # tmp_path is private to root: a world-readable folder nobody can use.
    shared = Path(tempfile.mkdtemp(prefix="lightbox-policy-"))
    try:
        shared.chmod(0o755)
        etc = shared / "etc"
        etc.mkdir()
        (etc / "lightbox.toml").write_text('allowed_models = ["ct-body-seg"]\n',
                                           encoding="utf-8")
        overrides = user_overrides(shared)
        done = run_lightbox(etc, "settings", writable=None, preexec_fn=_as_nobody,
                            env={**overrides, "HOME": str(shared)})
        assert done.returncode == 0, done.stderr
        s = json.loads(done.stdout)
        assert s["site_file"] == str(etc / "lightbox.toml") and len(s["ignored"]) == 4
        assert s["allowed_models"] == ["ct-body-seg"]
        # The same command as root, who could change the program, is honoured.
        s = json.loads(run_lightbox(etc, "settings", writable=None, env=overrides).stdout)
        assert s["site_file"] == overrides["LIGHTBOX_SITE_CONFIG"] and s["ignored"] == []
    finally:
        shutil.rmtree(shared)


@pytest.mark.parametrize("opened", ["file", "folder", "drop-in folder"])
def test_a_site_file_other_accounts_can_change_fails_closed(tmp_path, etc, opened) -> None:
    target = {"file": etc / "lightbox.toml", "folder": etc,
              "drop-in folder": etc / "conf.d"}[opened]
    if opened == "drop-in folder":
        target.mkdir()
    target.chmod(target.stat().st_mode | 0o022)
    s = json.loads(run_lightbox(etc, "settings").stdout)
    assert s["allowed_models"] == [] and s["hide_identity"] is True
    assert s["problems"][0].startswith(f"{target}: is writable by group or others")
    assert f"chmod go-w {target}" in s["problems"][0]
    # A developer's copy does not ask (its files are the developer's anyway).
    s = json.loads(run_lightbox(etc, "settings", writable=True,
                                env={"LIGHTBOX_SITE_CONFIG": str(etc / "lightbox.toml")}).stdout)
    assert s["problems"] == [] and s["allowed_models"] == ["ct-body-seg"]


def test_the_disallowed_model_stays_unavailable_whatever_the_environment(tmp_path, etc) -> None:
    done = run_lightbox(etc, "models", "--json", env=user_overrides(tmp_path))
    models = {m["id"]: m for m in json.loads(done.stdout)["models"]}
    assert models["ct-body-seg"]["status"] == "available"
    assert models["ct-lesion-det"]["status"] == "unavailable"
    assert models["ct-lesion-det"]["reason"] == "not allowed by the site configuration"


def test_a_writable_copy_or_the_sites_grant_honours_the_environment(tmp_path, etc) -> None:
    # A source checkout, build folder or archive in the home: the test suite's way in.
    s = json.loads(run_lightbox(etc, "settings", writable=True,
                                env=user_overrides(tmp_path)).stdout)
    assert s["site_file"] == str(tmp_path / "missing.toml") and s["ignored"] == []
    assert s["audit_dir"] == str(tmp_path / "my-audit")
    # A support machine: the system file itself allows the overrides.
    with (etc / "lightbox.toml").open("a", encoding="utf-8") as f:
        f.write("allow_environment_overrides = true\n")
    s = json.loads(run_lightbox(etc, "settings", env=user_overrides(tmp_path)).stdout)
    assert s["site_file"] == str(tmp_path / "missing.toml") and s["ignored"] == []
    assert s["model_dirs"] == [str(tmp_path / "my-models")]


def test_a_broken_system_file_does_not_grant_the_environment(tmp_path, etc) -> None:
    (etc / "lightbox.toml").write_text("allow_environment_overrides = true\nlocked = [\n",
                                       encoding="utf-8")
    s = json.loads(run_lightbox(etc, "settings", env=user_overrides(tmp_path)).stdout)
    assert s["site_file"] == str(etc / "lightbox.toml") and len(s["ignored"]) == 4
    assert s["allowed_models"] == [] and s["hide_identity"] is True
    assert any("fails closed" in p for p in s["problems"])


# --- a broken site configuration fails closed -----------------------------------------------


@pytest.fixture
def site(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "site" / "lightbox.toml"
    path.parent.mkdir()
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(path))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    return path


def test_a_malformed_site_file_leaves_no_model_runnable_and_hides_identity(site) -> None:
    site.write_text('allowed_models = ["ct-body-seg"\nhide_identity = false\n',
                    encoding="utf-8")
    s = load_settings()
    assert s.failed_closed and s.allowed_models == frozenset()
    assert s.hide_identity is True and s.source("hide_identity") == SAFE_DEFAULT
    assert s.is_locked("hide_identity") and not s.developer_mode
    registry = ModelRegistry(settings=s)
    assert registry.entries and not registry.available()
    assert {e.reason for e in registry.entries} == {SITE_BROKEN}
    # The reader cannot show identity from the preferences either.
    with pytest.raises(SettingsError):
        save_user_preferences({"hide_identity": False}, s)


def test_a_misspelt_policy_key_fails_closed(site) -> None:
    site.write_text('alowed_models = ["ct-body-seg"]\n', encoding="utf-8")
    s = load_settings()
    assert s.problems[0].startswith(f"{site}: line 1: unknown key 'alowed_models'")
    assert s.failed_closed and not s.allows("ct-body-seg")


def test_lightbox_models_says_why_and_fails(site, capsys) -> None:
    site.write_text("developer_mode = yes\n", encoding="utf-8")
    assert models_main([], load_settings()) == 1
    out, err = capsys.readouterr()
    assert "unavailable" in out and SITE_BROKEN in out
    assert f"lightbox models: {site}: line 1: " in err and "fails closed" in err


# --- drop-ins --------------------------------------------------------------------------------


def test_drop_ins_merge_in_name_order_after_the_main_file(site) -> None:
    site.write_text('allowed_models = ["ct-body-seg", "ct-lesion-det"]\nlanguage = "ja"\n',
                    encoding="utf-8")
    conf = site.parent / "conf.d"
    conf.mkdir()
    (conf / "20-identity.toml").write_text("hide_identity = true\n", encoding="utf-8")
    (conf / "10-models.toml").write_text('allowed_models = ["ct-body-seg"]\n',
                                         encoding="utf-8")
    (conf / "README").write_text("not read: only *.toml\n", encoding="utf-8")
    s = load_settings()
    assert s.problems == () and not s.failed_closed
    assert s.site_files == (site, conf / "10-models.toml", conf / "20-identity.toml")
    assert s.allowed_models == {"ct-body-seg"} and s.hide_identity and s.language == "ja"


def test_drop_ins_alone_configure_the_site(site) -> None:
    (site.parent / "conf.d").mkdir()
    (site.parent / "conf.d" / "models.toml").write_text('allowed_models = []\n',
                                                        encoding="utf-8")
    s = load_settings()
    assert s.site_found and s.allowed_models == frozenset()


def test_a_broken_drop_in_fails_closed_and_is_named(site) -> None:
    site.write_text('allowed_models = ["ct-body-seg"]\n', encoding="utf-8")
    (site.parent / "conf.d").mkdir()
    bad = site.parent / "conf.d" / "30-trust.toml"
    bad.write_text('trusted_keys = ["not a key"]\n', encoding="utf-8")
    s = load_settings()
    assert s.problems[0].startswith(f"{bad}: line 1: trusted_keys holds 'not a key'")
    assert s.failed_closed and s.allowed_models == frozenset() and s.hide_identity


# --- the documented schema ----------------------------------------------------------------


def test_the_key_table_in_install_md_is_the_codes() -> None:
    text = INSTALL_MD.read_text(encoding="utf-8")
    begin, end = "<!-- site-keys:begin -->\n", "<!-- site-keys:end -->"
    documented = text[text.index(begin) + len(begin):text.index(end)]
    assert documented == schema_table(), (
        "docs/install.md's key table differs from viewer/host/site_keys.py KEYS: paste "
        "the output of `python -c 'from viewer.host.site_keys import schema_table; "
        "print(schema_table(), end=\"\")'` between the site-keys markers")


def test_a_missing_model_folder_is_named_by_the_models_listing(site, tmp_path, capsys) -> None:
    site.write_text(f'model_dirs = ["{tmp_path / "share"}"]\nallowed_models = []\n',
                    encoding="utf-8")
    assert models_main([], load_settings()) == 1
    assert (f"the model folder {tmp_path / 'share'} does not exist"
            in capsys.readouterr().err)


# --- TLS files ----------------------------------------------------------------------------


def test_tls_files_are_read_relative_to_the_site_file_and_empty_means_none(site) -> None:
    site.write_text('tls_ca_file = "ca.pem"\ntls_cert_file = "/etc/pki/ws1.pem"\n'
                    'tls_key_file = ""\n', encoding="utf-8")
    s = load_settings()
    assert s.problems == ()
    assert s.tls_ca_file == site.parent / "ca.pem"
    assert s.tls_cert_file == Path("/etc/pki/ws1.pem") and s.tls_key_file is None


def test_a_user_cannot_point_lightbox_at_another_ca(site) -> None:
    site.write_text("", encoding="utf-8")
    user = site.parent.parent / "user"
    user.mkdir()
    (user / "preferences.json").write_text(
        json.dumps({"schema_version": 4, "tls_ca_file": "/tmp/mine.pem"}), encoding="utf-8")
    s = load_settings()
    assert s.tls_ca_file is None
    assert any("tls_ca_file" in p for p in s.problems)
