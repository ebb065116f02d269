"""Beyond one machine: a real Ray cluster of two nodes, started as IT would (docs/batch.md,
"A cluster of several machines"): ``ray start --head`` (1 CPU) and ``ray start
--address`` for a worker node (2 CPUs, named ``lightbox-node-1``), each its own raylet,
token authentication on. One cluster for the module (each start costs seconds); the
tests run in order, the last one kills the worker node. Every process is the module's
own, stopped by id (never ``ray stop``).

- ``lightbox batch --ray ADDRESS`` spreads the studies over both nodes and says how many
  each ran;
- ``lightbox serve --ray ADDRESS --replicas 2 --max-replicas 3`` places its replicas on
  both nodes, adds the third under concurrent load (Serve's status, as the command reports
  it), removes it after the load, and every replica's audit chain verifies;
- the worker node's raylet killed while it runs a study: the job still ends with every
  study done once (retried on the head), or, failed, is finished by running it again.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.batch.archive import lightbox, processes, write_archive
from tests.batch.test_batch_ray_cluster import ray_nodes
from tests.inference.artifacts import build
from tests.service.conftest import SITE
from tests.service.server import KEY, ROOT, environment, quiet_port, running_service
from tests.service.test_service import MODELS, _image
from viewer.audit.log import AuditLog, logs_in

MODEL = "ct-lesion-cls"
WORKER = "lightbox-node-1"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    home = tmp_path_factory.mktemp("ray-nodes")
    token = home / "ray-token"
    token.write_text(secrets.token_hex(32))
    models = home / "models"
    build(models, "threshold")
    shutil.copytree(MODELS / MODEL, models / MODEL)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("RAY_AUTH_MODE", raising=False)
        patch.setenv("RAY_AUTH_TOKEN_PATH", str(token))  # where the driver finds it
        with ray_nodes(token, head_cpus=1, workers=[2]) as nodes:
            nodes.models = models  # type: ignore[attr-defined]
            yield nodes


def _batch(cluster, archive, out, *more):
    return lightbox("batch", str(archive), "--model", "threshold", "--out", str(out),
                    "--models-dir", str(cluster.models), "--ray", cluster.address, "--all",
                    *more)


def _ok_runs(audit) -> list[dict]:
    return [r for log in logs_in(audit) for r in AuditLog(log).records()
            if r.get("outcome") == "ok"]


def test_batch_spreads_the_studies_over_both_nodes(cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    write_archive(tmp_path / "archive", 8)
    job = _batch(cluster, tmp_path / "archive", tmp_path / "out")
    _, err = job.communicate(timeout=600)
    assert job.returncode == 0, err
    summary = json.loads((tmp_path / "out" / "batch-summary-threshold.json").read_text())
    nodes = summary["done_by_node"]
    assert len(nodes) == 2 and sum(nodes.values()) == 8, nodes  # both nodes ran studies
    assert any(name.startswith(f"{WORKER} (") for name in nodes), nodes
    assert "batch: done on 2 node(s): " in err
    assert len(_ok_runs(tmp_path / "audit")) == 8  # each study once, one chain


def _reported(log_path) -> list[tuple[int, dict[str, str]]]:
    """What ``lightbox serve --ray`` said of its replicas, in order: (running, replica →
    node)."""
    found = []
    for line in log_path.read_text(errors="replace").splitlines():
        said = re.match(r"lightbox serve: (\d+) replica\(s\) running; replicas \(starting "
                        r"and stopping ones included\): (.*)$", line)
        if said:
            where = dict(re.findall(r"(\w+) on ([^,]+\))", said.group(2)))
            found.append((int(said.group(1)), where))
    return found


def _until(condition, what: str, deadline_s: float = 400, pause_s: float = 0.5):
    """Poll ``condition`` (a bound on a hung cluster, not a timing assertion)."""
    deadline = time.monotonic() + deadline_s
    while not (result := condition()):
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(pause_s)
    return result


def test_serve_places_replicas_on_both_nodes_and_autoscales_under_load(cluster, tmp_path):
    home = tmp_path / "home"
    with running_service(home, site=SITE, key=KEY, start_s=600, port=quiet_port(),
                         args=["--ray", cluster.address, "--replicas", "2",
                               "--max-replicas", "3", "--target-requests", "1",
                               "--upscale-delay", "1", "--downscale-delay", "5",
                               "--models-dir", str(cluster.models)]) as server:
        log = home / "serve.log"
        first = _until(lambda: next((r for r in _reported(log) if r[0] == 2
                                     and len(r[1]) == 2), None), "2 replicas placed")
        nodes = set(first[1].values())
        assert len(nodes) == 2 and any(n.startswith(f"{WORKER} (") for n in nodes), first

        image = _image()
        body = json.dumps({"inputs": [{"name": "image", "shape": list(image.shape),
                                       "datatype": "FP32",
                                       "data": image.reshape(-1).tolist()}]}).encode()
        scaled = threading.Event()
        answered: list[int] = []

        def client() -> None:  # bounded in count: at most 400 requests each
            for _ in range(400):
                if scaled.is_set():
                    return
                reply = server.call("POST", f"/v2/models/{MODEL}/infer", body,
                                    headers={"Content-Type": "application/json"})
                answered.append(reply.status)

        clients = [threading.Thread(target=client) for _ in range(8)]
        for thread in clients:
            thread.start()
        try:
            up = _until(lambda: next((r for r in _reported(log) if r[0] == 3), None)
                        or (not any(t.is_alive() for t in clients) and ("done",)),
                        "a third replica under load")
        finally:
            scaled.set()
            for thread in clients:
                thread.join()
        assert up[0] == 3, "the load ended before Serve added a replica"
        assert answered and set(answered) == {200}
        assert set(up[1].values()) == nodes  # 3 CPUs: one on the head, two on the worker

        seen = len(_reported(log))  # after the load: back down to --replicas
        _until(lambda: any(r[0] == 2 for r in _reported(log)[seen:]), "the scale-down")

        folders = sorted((home / "audit").glob("serve-*"))
        assert len(folders) == 3  # one chain per replica that ever ran, each verifies
        runs = 0
        for folder in folders:
            env = {**environment(home, SITE), "LIGHTBOX_AUDIT_DIR": str(folder)}
            checked = subprocess.run([sys.executable, "-m", "viewer", "audit", "verify"],
                                     cwd=ROOT, env=env, capture_output=True, text=True)
            assert checked.returncode == 0, checked.stdout + checked.stderr
            runs += len([r for r in _ok_runs(folder) if r.get("model_id") == MODEL])
        assert runs == len(answered)
        server.process.terminate()
        assert server.process.wait(120) == 0


def _running_study_on(raylet: int) -> bool:
    """A Ray worker of that node's raylet runs a study now (Ray titles it by its task)."""
    return any(parent == raylet and cmd.startswith("ray::_study")
               for parent, cmd in processes().values())


def test_a_worker_node_killed_mid_job_the_job_still_finishes(cluster, tmp_path,
                                                             monkeypatch):
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    write_archive(tmp_path / "archive", 12, slices=6)
    out = tmp_path / "out"
    job = _batch(cluster, tmp_path / "archive", out)
    try:
        raylet = cluster.raylet(1)
        _until(lambda: _running_study_on(raylet) or job.poll() is not None,
               "a study on the worker node", pause_s=0.02)
        assert job.poll() is None, "the job ended first: " + job.stderr.read()
        os.kill(raylet, signal.SIGKILL)  # the node is lost, as a machine switched off
        _, err = job.communicate(timeout=600)
    finally:
        if job.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(job.pid, signal.SIGKILL)
    summary = json.loads((out / "batch-summary-threshold.json").read_text())
    if job.returncode != 0:  # retried once and lost again: failed, and resumable
        assert job.returncode == 1 and set(summary["failures_by_reason"]) == {
            "worker_died"}, err
        again = _batch(cluster, tmp_path / "archive", out)
        _, err = again.communicate(timeout=600)
        assert again.returncode == 0, err
        assert f"{summary['done']} skipped" in err
    else:
        assert summary["done"] == 12, err
    assert len(_ok_runs(tmp_path / "audit")) == 12  # every study done, and once
    assert len(list((out / "batch-ledger").glob("*.json"))) == 12

