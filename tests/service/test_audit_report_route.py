"""``GET /v1/audit/report`` on the real service: the drift report of the service's own
records (a generated history in its audit folder's serve-0/ replica log, and a
tampered log beside it), the same figures as ``lightbox audit report``, the page's policy
in the header, a key needed, bad dates refused with the reason."""

from __future__ import annotations

import html

import pytest

from tests.audit import history as h
from tests.service.server import KEY, running_service
from viewer.audit.log import AuditLog
from viewer.service.keys import hash_key


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    home = tmp_path_factory.mktemp("report-serve")
    with pytest.MonkeyPatch.context() as mp:  # written where the service logs
        mp.setenv("LIGHTBOX_CONFIG_DIR", str(home / "config"))
        h.generate(AuditLog(home / "audit" / "serve-0" / "ai-runs-1-lightbox.jsonl"), 4,
                   "lightbox", runs_per_week=30)
        bad = AuditLog(home / "audit" / "serve-1" / "ai-runs-1-lightbox.jsonl")
        h.generate(bad, 5, "lightbox", runs_per_week=2, weeks=range(3))
        lines = bad.path.read_text(encoding="utf-8").splitlines()
        lines[2] = lines[2].replace('"outcome": "ok"', '"outcome": "error"')
        bad.path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with running_service(home, site=f'service_api_keys = ["{hash_key(KEY)}"]\n',
                         key=KEY) as server:
        yield server


def test_the_service_draws_the_report_of_its_own_records(service):
    reply = service.get(f"/v1/audit/report?from={h.iso(0)}&to={h.iso(h.WEEKS)}"
                        f"&reference={h.iso(2)}:{h.iso(8)}")
    assert reply.status == 200
    headers = {k.lower(): v for k, v in reply.headers.items()}
    assert headers["content-security-policy"].startswith("default-src 'none'")
    page = html.unescape(reply.body.decode())
    assert "chest-triage 2.0.0" in page and "liver-seg 1.1.0" in page
    runs = 30 * (h.WEEKS - len(h.GAP_WEEKS))
    assert f"{runs} AI run(s) counted" in page
    assert "ai-runs-1-lightbox.jsonl was NOT counted: record 3 (line 3) was edited" in page
    assert "<script" not in page and h.MARKER not in page


def test_the_report_needs_a_key_and_good_dates(service):
    assert service.get(f"/v1/audit/report?from={h.iso(0)}&to={h.iso(1)}",
                       key=False).status == 401
    reply = service.get("/v1/audit/report?from=last%20month&to=2026-02-01")
    assert reply.status == 400 and "ISO 8601" in reply.json()["message"]
    reply = service.get("/v1/audit/report?from=2026-02-01&to=2026-01-01")
    assert reply.status == 400 and reply.json()["reason"] == "bad_request"
    # a period out of reach once crashed the worker (9999) or drew for ever (0001)
    for start, end in (("2026-01-01", "9999-12-31"), ("0001-01-01", "2026-01-01")):
        reply = service.get(f"/v1/audit/report?from={start}&to={end}")
        assert reply.status == 400 and "between 1970-01-01 and 9000-01-01" in \
            reply.json()["message"]
