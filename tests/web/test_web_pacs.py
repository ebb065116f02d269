"""The PACS through the service (docs/web.md, "PACS"): a real Orthanc (tests/pacs_server.py)
configured as the site's node, searched and retrieved from over HTTP by a real
``lightbox serve``; the retrieved study is then local and its frames open."""

from __future__ import annotations

from tests.pacs_server import site_file
from tests.service.server import running_service


def test_search_and_retrieve_through_the_service(orthanc, tmp_path):
    store = tmp_path / "store"
    site = site_file(tmp_path / "site.toml", orthanc, store, top="hide_identity = true\n")
    phantom = orthanc.studies["phantom"]
    with running_service(tmp_path / "home", site=site.read_text()) as server:
        assert server.get("/v1/studies").json()["studies"] == []  # nothing retrieved yet
        found = server.get("/v1/studies?source=orthanc&modality=CT")
        assert found.status == 200, found.body
        match = next(s for s in found.json()["studies"] if s["study_uid"] == phantom)
        assert match["source"] == "orthanc" and match["patient"] == ""
        assert "Demo^Phantom" not in found.body.decode()
        unknown = server.get("/v1/studies?source=elsewhere")
        assert unknown.status == 404 and unknown.json()["reason"] == "unknown_node"
        assert "orthanc" in unknown.json()["detail"]
        got = server.call("POST", f"/v1/studies/{phantom}/retrieve?node=orthanc")
        assert got.status == 200, got.body
        assert got.json()["complete"] and got.json()["images"] == 64
        local = server.get("/v1/studies").json()["studies"]
        assert [s["study_uid"] for s in local] == [phantom] and local[0]["source"] == "local"
        series = server.get(f"/v1/studies/{phantom}/series").json()["series"]
        assert series[0]["frames"] == 64
        frame = server.get(f"/v1/series/{series[0]['series_uid']}/frames/10")
        assert frame.status == 200 and len(frame.body) == 256 * 256 * 4


def test_without_nodes_a_pacs_source_is_refused(tmp_path):
    with running_service(tmp_path / "home") as server:
        refused = server.get("/v1/studies?source=orthanc")
        assert refused.status == 404 and refused.json()["reason"] == "unknown_node"
        assert "no PACS node is configured" in refused.json()["detail"]
        retrieve = server.call("POST", "/v1/studies/1.2.3/retrieve?node=orthanc")
        assert retrieve.status == 404
