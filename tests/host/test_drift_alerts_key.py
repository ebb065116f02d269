"""The site's ``drift_alerts`` thresholds: defaults, a partial table filled in, a mistake
named (and the defaults kept)."""

from __future__ import annotations

import pytest

from viewer.audit.drift import DriftThresholds
from viewer.host.drift_alerts import DEFAULTS
from viewer.host.settings import load_settings


@pytest.fixture(autouse=True)
def _private(tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(tmp_path / "lightbox.toml"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))


def _site(tmp_path, text: str) -> None:
    (tmp_path / "lightbox.toml").write_text(text, encoding="utf-8")


def test_absent_gives_the_defaults():
    assert dict(load_settings().drift_alerts) == dict(DEFAULTS)
    assert DriftThresholds.of(load_settings().drift_alerts) == DriftThresholds()


def test_a_partial_table_keeps_the_other_defaults(tmp_path):
    _site(tmp_path, "[drift_alerts]\nunlike_share = 0.05\nmin_runs = 50\n")
    s = load_settings()
    assert s.problems == ()
    t = DriftThresholds.of(s.drift_alerts)
    assert (t.unlike_share, t.min_runs, t.shift_share, t.window_days) == (0.05, 50, 0.3, 30)


@pytest.mark.parametrize(("text", "reason"), [
    ("drift_alerts = 3", "must be a table of thresholds"),
    ("drift_alerts = {unlike = 0.1}", "has no threshold 'unlike'"),
    ("drift_alerts = {unlike_share = 1.5}", "unlike_share must be a number from 0 to 1"),
    ("drift_alerts = {min_runs = 2.5}", "min_runs must be a whole number from 1"),
    ("drift_alerts = {window_days = true}", "window_days must be a whole number"),
])
def test_a_mistake_is_named_and_the_defaults_stay(tmp_path, text, reason):
    _site(tmp_path, text + "\n")
    s = load_settings()
    assert any("drift_alerts" in p and reason in p for p in s.problems), s.problems
    assert dict(s.drift_alerts) == dict(DEFAULTS)
