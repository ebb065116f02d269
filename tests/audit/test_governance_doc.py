"""docs/governance.md's record example is what the analysis reads, and its thresholds
block is a valid site configuration giving the defaults."""

from __future__ import annotations

import json
import re
from pathlib import Path

from viewer.audit.drift import DriftThresholds, aggregate
from viewer.host.settings import load_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "governance.md"


def _block(language: str) -> str:
    (text,) = re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return text


def test_the_documented_record_is_read_by_the_analysis():
    stats = json.loads(_block("json"))
    record = {"model_id": "m", "model_version": "1", "model_digest": "d", "outcome": "ok",
              "time": "2026-12-07T08:00:00Z", "stats": stats}
    total = aggregate([record])
    assert (total.runs, total.without_stats, total.frames) == (1, 0, 64)
    assert total.unlike_share == 1 / 64 and total.shift_share == 3 / 64
    assert total.psi(0.5) == 0.04 and sum(total.psi_hist) == 64
    assert total.psi_thresholds == (0.1, 0.25)
    assert total.devices == {"ACME / Scan 64 / VB20": 1} and total.warned_runs == 1
    assert total.outputs["CLS"].top_share["lesion"] == 14 / 64
    assert total.outputs["SEG"].mean == {"liver": 1450.2}
    assert total.outputs["BOXES"].boxes_per_run == 3


def test_the_documented_thresholds_are_the_defaults(tmp_path, monkeypatch):
    site = tmp_path / "lightbox.toml"
    site.write_text(_block("toml"), encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "user"))
    settings = load_settings()
    assert settings.problems == ()
    assert DriftThresholds.of(settings.drift_alerts) == DriftThresholds()
