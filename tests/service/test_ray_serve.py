"""``lightbox serve --ray local``: the same service on a real local Ray instance with Ray
Serve, two replicas (autoscaling up to three), keys set, one small model. One service for the module (a Ray start
is slow on a small machine); the last test stops it and checks nothing is left."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from tests.batch.archive import processes
from tests.batch.test_batch_ray import LOOPBACK, _listening
from tests.batch.test_batch_ray_cluster import RAY, ray_cluster
from tests.service.conftest import SITE
from tests.service.server import KEY, ROOT, environment, quiet_port, running_service
from tests.service.test_service import MODELS, _direct, _image
from viewer.audit.log import AuditLog, logs_in

MODEL = "ct-lesion-cls"


@pytest.fixture(scope="module")
def ray_service(tmp_path_factory):
    home = tmp_path_factory.mktemp("ray-serve")
    models = home / "models"
    shutil.copytree(MODELS / MODEL, models / MODEL)
    with running_service(home, site=SITE, key=KEY, start_s=600, port=quiet_port(),
                         args=["--ray", "local", "--replicas", "2", "--max-replicas", "3",
                               "--models-dir", str(models)]) as server:
        yield server


def test_models_are_listed_verified_and_keys_are_checked(ray_service):
    models = {m["id"]: m for m in ray_service.get("/v1/models").json()["models"]}
    assert set(models) == {MODEL} and models[MODEL]["verified"]
    assert models[MODEL]["status"] == "available"
    for path in ("/v1/models", "/v2/models/ct-lesion-cls", "/metrics"):
        reply = ray_service.get(path, key=False)
        assert reply.status == 401 and reply.json()["reason"] == "unauthorized", path
    assert ray_service.get("/v2/health/ready").status == 200


def test_open_inference_protocol_equals_onnx_runtime_and_is_audited(ray_service):
    image = _image()
    expected = _direct(MODEL, image)
    body = {"inputs": [{"name": "image", "shape": list(image.shape), "datatype": "FP32",
                        "data": image.reshape(-1).tolist()}]}

    def infer(i: int) -> None:
        reply = ray_service.post_json(f"/v2/models/{MODEL}/infer", {"id": f"r{i}", **body})
        assert reply.status == 200, reply.body
        for out in reply.json()["outputs"]:
            got = np.asarray(out["data"], np.float32).reshape(out["shape"])
            np.testing.assert_allclose(got, expected[out["name"]], rtol=1e-5, atol=1e-6)

    # Serve's router picks between the replicas at random when both are idle: requests
    # four at a time until both have answered (one chain each), at most 40
    sent = 0
    with ThreadPoolExecutor(4) as pool:
        while sent < 40:
            list(pool.map(infer, range(sent, sent + 4)))
            sent += 4
            if len(list((ray_service.home / "audit").glob("serve-*"))) >= 2:
                break
    folders = sorted((ray_service.home / "audit").glob("serve-*"))
    assert len(folders) >= 2  # one chain per replica that answered, each its only writer
    records = []
    for folder in folders:  # each verifies as the docs say: lightbox audit verify
        env = {**environment(ray_service.home, SITE), "LIGHTBOX_AUDIT_DIR": str(folder)}
        checked = subprocess.run([sys.executable, "-m", "viewer", "audit", "verify"],
                                 cwd=ROOT, env=env, capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        records += [r for log in logs_in(folder) for r in AuditLog(log).records()]
    runs = [r for r in records if r.get("model_id") == MODEL]
    assert len(runs) == sent and all(r["client"].startswith("key:") for r in runs)


def _ray_logs(server) -> str:
    """Every log Ray wrote for this service's private instance (its scratch folder, named
    on its processes' command lines): the proxy's, the controller's, the replicas'."""
    import re

    found = {m.group(1) for cmd in _family(server.process.pid).values()
             for m in re.finditer(r"(/\S*?/lb-ray-[^/\s]+)", cmd)}
    assert found, "no lb-ray- scratch folder on the instance's command lines"
    return "\n".join(path.read_text(errors="replace") for root in found
                     for path in Path(root).glob("session_*/logs/serve/*.log"))


def test_rays_own_request_logs_hold_no_uid_and_no_search_key(ray_service):
    """Ray Serve logs each request in its proxy and in the replica (its access log, in the
    session's logs/serve/): the route's shape only, as the plain service's redacted
    access log (viewer/service/access_log.py), never a UID or a PACS search key."""
    uid = "1.2.826.0.1.3680043.10.4242.77"
    assert ray_service.get(f"/v1/series/{uid}/frames/0").status == 404
    assert ray_service.get("/v1/studies?patient_name=Secretname*").status == 200
    lines = ("GET /v1/series/{series_uid}/frames/{index} 404", "GET /v1/studies 200")
    deadline = time.monotonic() + 60  # the replicas' and the proxy's files are flushed late
    while not all(line in (text := _ray_logs(ray_service)) for line in lines) \
            and time.monotonic() < deadline:
        time.sleep(1)
    assert all(line in text for line in lines), text[-2000:]  # the access lines: shapes
    assert uid not in text and "Secretname" not in text


def test_loopback_only_and_sigterm_stops_serve_and_the_local_instance(ray_service):
    family = _family(ray_service.process.pid)
    assert any("raylet" in cmd for cmd in family.values())  # the private instance
    listening = _listening(ray_service.process)  # Serve's proxy and Ray's servers
    outside = [a for a in listening if not a.startswith(LOOPBACK)]
    assert listening and not outside, outside  # the replicas' own gRPC servers included
    ray_service.process.terminate()
    assert ray_service.process.wait(120) == 0
    deadline = time.monotonic() + 60
    while (left := set(family) & set(processes())) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, [family[p] for p in left]
    log = (ray_service.home / "serve.log").read_text(errors="replace")
    assert "2 to 3 replicas (autoscaling: above 2 requests" in log and "stopping" in log
    assert "every one verified" in log and "2 replica(s) running; replicas " in log


def _family(root: int) -> dict[int, str]:
    every = processes()
    found, grown = {root}, True
    while grown:
        more = {pid for pid, (parent, _) in every.items() if parent in found} - found
        grown, found = bool(more), found | more
    return {pid: every[pid][1] for pid in found if pid in every}


def test_serve_on_a_cluster_with_token_authentication(tmp_path, monkeypatch):
    """``--ray ADDRESS``: a cluster IT started (docs/batch.md: its token where Ray looks);
    at the end Serve, which this command started there, stops listening and the cluster
    keeps running."""
    token = tmp_path / "ray-token"
    token.write_text(secrets.token_hex(32))
    models = tmp_path / "models"
    shutil.copytree(MODELS / MODEL, models / MODEL)
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    with ray_cluster(token) as address:
        with running_service(tmp_path / "home", site=SITE, key=KEY, start_s=600,
                             port=quiet_port(),
                             args=["--ray", address, "--models-dir", str(models)]) as server:
            assert server.get("/v1/models").json()["models"][0]["verified"]
            assert server.get("/v1/models", key=False).status == 401
            server.process.terminate()
            assert server.process.wait(120) == 0
            with pytest.raises(OSError):
                server.get("/v2/health/live", key=False)  # the proxy is gone
        assert subprocess.run([RAY, "status", f"--address={address}"], capture_output=True,
                              env={**os.environ, "RAY_AUTH_MODE": "token"},
                              timeout=120).returncode == 0  # the cluster is still there
