"""The PACS through the service (docs/web.md, "PACS"): a real Orthanc (tests/pacs_server.py)
configured as the site's node, searched and retrieved from over HTTP by a real
``lightbox serve``; the retrieved study is then local and its frames open."""

from __future__ import annotations

from tests.pacs_server import site_file
from tests.service.server import running_service


def test_search_and_retrieve_through_the_service(orthanc, tmp_path):
    store = tmp_path / "store"
    archive = "[dicomweb_nodes.archive]\nurl = \"http://127.0.0.1:9/dicom-web\"\n"
    site = site_file(tmp_path / "site.toml", orthanc, store,
                     top="hide_identity = true\n" + archive)
    phantom = orthanc.studies["phantom"]
    with running_service(tmp_path / "home", site=site.read_text()) as server:
        listed = server.get("/v1/nodes")  # the names to choose from, nothing more
        assert listed.json() == {"nodes": [{"name": "archive", "kind": "dicomweb"},
                                           {"name": "orthanc", "kind": "dicom"}]}
        for secret in ("dicom-web", str(orthanc.dicom_port), "127.0.0.1", "ORTHANC"):
            assert secret not in listed.body.decode(), secret
        assert server.get("/v1/studies").json()["nodes"] == ["archive", "orthanc"]
        assert server.get("/v1/studies").json()["studies"] == []  # nothing retrieved yet
        found = server.get("/v1/studies?source=orthanc&modality=CT")
        assert found.status == 200, found.body
        match = next(s for s in found.json()["studies"] if s["study_uid"] == phantom)
        assert match["source"] == "orthanc" and match["patient"] == ""
        assert "Demo^Phantom" not in found.body.decode()
        assert found.json()["more"] is False
        one = server.get("/v1/studies?source=orthanc&limit=1").json()
        assert len(one["studies"]) == 1 and one["more"] is True
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
        server.get("/v1/studies?source=orthanc&patient_name=Demo*&patient_id=PHANTOM-0")
        logged = (tmp_path / "home" / "serve.log").read_text()  # the access log: no UID,
        assert "GET /v1/series/…/frames/10 HTTP" in logged  # no search key
        assert "GET /v1/studies?… HTTP" in logged
        for secret in (phantom, series[0]["series_uid"], "Demo", "PHANTOM-0"):
            assert secret not in logged, secret


def test_without_nodes_a_pacs_source_is_refused_and_a_locked_identity_stays_hidden(tmp_path):
    locked = 'hide_identity = true\nlocked = ["hide_identity"]\n'
    with running_service(tmp_path / "home", site=locked) as server:
        refused = server.get("/v1/studies?show_identity=true")
        assert refused.status == 403 and refused.json()["reason"] == "identity_locked"
        assert "show_identity is not allowed" in refused.json()["detail"]
        assert server.get("/v1/studies").json()["identity_hidden"] is True
        assert server.get("/v1/nodes").json() == {"nodes": []}
        assert server.get("/v1/studies").json()["nodes"] == []
        refused = server.get("/v1/studies?source=orthanc")
        assert refused.status == 404 and refused.json()["reason"] == "unknown_node"
        assert "no PACS node is configured" in refused.json()["detail"]
        retrieve = server.call("POST", "/v1/studies/1.2.3/retrieve?node=orthanc")
        assert retrieve.status == 404
