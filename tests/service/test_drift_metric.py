"""The service computes drift alerts from its own audit log at start, and again every
``--drift-refresh`` seconds: a model version whose recent runs were mostly unlike its
training data is "under review" in /metrics and in /v1/models; the others are not."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.service.server import KEY, running_service
from viewer.audit.log import AuditLog, AuditRecord
from viewer.host.settings import load_settings
from viewer.inference import ModelRegistry
from viewer.service.keys import hash_key

SITE = f"""service_api_keys = ["{hash_key(KEY)}"]
drift_alerts = {{unlike_share = 0.2, min_runs = 5}}
"""


def _stats(unlike: int) -> dict:
    return {"v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": [],
            "input": {"modality": "CT", "body_part": "CHEST", "manufacturer": "ACME",
                      "device_model": "Scan 64", "software": "VB20", "kvp": 120.0,
                      "field_strength_t": None, "frames": 10, "rows": 512, "columns": 512,
                      "spacing_mm": [0.7, 0.7], "slice_mm": 2.5,
                      "levels": {"like": 10 - unlike, "shift": 0, "unlike": unlike},
                      "psi": None},
            "output": {}}


def _append_history(home, history: dict[str, int]) -> dict:
    """Eight runs two days ago of each bundled model id in ``history`` (its unlike frames
    out of 10), appended to the audit log the service at ``home`` writes; the manifests."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LIGHTBOX_AUDIT_DIR", str(home / "audit"))
        mp.setenv("LIGHTBOX_CONFIG_DIR", str(home / "config"))
        mp.setenv("LIGHTBOX_SITE_CONFIG", str(home / "absent.toml"))
        mp.delenv("LIGHTBOX_MODEL_DIRS", raising=False)
        settings = load_settings()
        registry = ModelRegistry(settings=settings)
        log = AuditLog.of(settings)
        now = datetime.now(UTC)
        manifests = {}
        for model_id, unlike in history.items():
            m = manifests[model_id] = registry.get(model_id).manifest
            log.append_many([AuditRecord(
                m.id, m.version, m.digest, "h", "onnxruntime", 0.1, 10, "ok",
                time=(now - timedelta(days=2, hours=i)).isoformat().replace("+00:00", "Z"),
                stats=_stats(unlike)) for i in range(8)])
        return manifests


def _under_review(server) -> list[str]:
    return [row for row in server.get("/metrics").body.decode().splitlines()
            if row.startswith("lightbox_drift_under_review{")]


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    home = tmp_path_factory.mktemp("drift-serve")
    # the history, written where the service logs
    manifests = _append_history(home, {"ct-lesion-cls": 6, "ct-body-seg": 0})
    with running_service(home, site=SITE, key=KEY) as server:
        yield server, manifests["ct-lesion-cls"]


def test_the_drifted_model_is_under_review_in_the_metrics_and_the_model_list(service):
    server, manifest = service
    text = server.get("/metrics").body.decode()
    line = next(row for row in text.splitlines()
                if row.startswith("lightbox_drift_under_review{"))
    assert 'model="ct-lesion-cls"' in line and 'metric="unlike_share"' in line
    assert f'version="{manifest.version}"' in line and line.endswith(" 1.0")
    assert sum(row.startswith("lightbox_drift_under_review{") for row in text.splitlines()) == 1
    assert any(row.startswith("lightbox_drift_value{") and row.endswith(" 0.6")
               for row in text.splitlines())
    models = {m["id"]: m for m in server.get("/v1/models").json()["models"]}
    (note,) = models["ct-lesion-cls"]["drift"]
    assert (note["metric"], note["value"], note["threshold"], note["runs"]) == (
        "unlike_share", 0.6, 0.2, 8)
    assert "60% > 20%" in note["message"]
    assert models["ct-body-seg"]["drift"] == []


def test_runs_recorded_after_start_raise_the_alert_at_the_next_refresh(tmp_path):
    home = tmp_path / "refresh"
    with running_service(home, site=SITE, key=KEY, args=["--drift-refresh", "1"]) as server:
        assert _under_review(server) == []  # nothing recorded yet
        # runs recorded while it serves (a replica, or the service's own), mostly unlike
        _append_history(home, {"ct-body-seg": 5})
        rows: list[str] = []
        for _ in range(240):  # bounded: the refresh comes every second
            rows = _under_review(server)
            if rows:
                break
            time.sleep(0.25)
        (line,) = rows
        assert 'model="ct-body-seg"' in line and 'metric="unlike_share"' in line
        assert line.endswith(" 1.0")
        models = {m["id"]: m for m in server.get("/v1/models").json()["models"]}
        assert [n["metric"] for n in models["ct-body-seg"]["drift"]] == ["unlike_share"]


def test_the_refresh_period_is_checked():
    from viewer.cli.serve import parser

    assert parser().parse_args(["--drift-refresh", "60"]).drift_refresh == 60.0
    assert parser().parse_args([]).drift_refresh == 900.0
    with pytest.raises(SystemExit):
        parser().parse_args(["--drift-refresh", "0"])
