"""`lightbox batch --ray ADDRESS` against a real cluster that IT started with `ray start
--head` and token authentication on (Ray 2.5x/2.6x: on whenever a token exists), the
token where Ray looks for it (RAY_AUTH_TOKEN_PATH). The driver must send it by itself:
without it the cluster refuses the job ("InvalidAuthToken"). The cluster is this test's
own: stopped by its own processes' ids (never `ray stop`, which stops every instance of
the account)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.batch.archive import lightbox, processes, write_archive
from tests.batch.test_batch import audit_records
from tests.inference.artifacts import build
from tests.service.server import quiet_port

pytestmark = pytest.mark.usefixtures("private_audit")
RAY = str(Path(sys.executable).with_name("ray"))


@dataclass
class Cluster:
    """A cluster of this test's own on 127.0.0.1: the head, then each worker node, each
    its own raylet (and session folder, ``scratch``)."""

    address: str
    scratch: list[str] = field(default_factory=list)

    def raylet(self, node: int) -> int:
        """The process id of node ``node``'s raylet (0: the head)."""
        return next(pid for pid, (_, cmd) in processes().items()
                    if "/raylet" in cmd.split(" ", 1)[0] and self.scratch[node] in cmd)


def ray_start(node: int, address: str, cpus: int) -> list[str]:
    """``ray start`` for node ``node`` (0: the head) as docs/batch.md has IT run it
    (tests/batch/test_docs.py compares), on 127.0.0.1."""
    host, port = address.rsplit(":", 1)
    where = [f"--node-ip-address={host}", f"--num-cpus={cpus}"]
    if node == 0:
        return ["start", "--head", f"--port={port}", *where, "--include-dashboard=false",
                "--disable-usage-stats"]
    return ["start", f"--address={address}", *where, f"--node-name=lightbox-node-{node}",
            "--disable-usage-stats"]


@contextlib.contextmanager
def ray_nodes(token: Path, head_cpus: int = 1, workers: Sequence[int] = ()
              ) -> Iterator[Cluster]:
    """A cluster started as IT would (docs/batch.md, "A cluster of several machines"):
    ``ray start --head`` with token authentication on, then ``ray start --address`` for
    each worker node, with ``workers[i]`` CPUs and the name ``lightbox-node-<i+1>``."""
    port = quiet_port()
    cluster = Cluster(f"127.0.0.1:{port}")
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
           "RAY_USAGE_STATS_ENABLED": "0"}
    try:
        for node, cpus in enumerate([head_cpus, *workers]):
            scratch = tempfile.mkdtemp(prefix="lb-rc-", dir="/tmp")
            cluster.scratch.append(scratch)
            started = subprocess.run([RAY, *ray_start(node, cluster.address, cpus),
                                      f"--temp-dir={scratch}"], env=env,
                                     capture_output=True, text=True, timeout=300)
            assert started.returncode == 0, started.stderr
        yield cluster
    finally:
        for scratch in reversed(cluster.scratch):
            _stop(scratch)
            shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def ray_cluster(token: Path) -> Iterator[str]:
    """A one-node cluster on 127.0.0.1 started as IT would (token authentication on)."""
    with ray_nodes(token) as cluster:
        yield cluster.address


def _stop(scratch: str) -> None:
    """Every process of this node: those whose command line names its session folder, and
    every process under them (Ray's agents and workers retitle themselves)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        table = processes()
        mine = {pid for pid, (_, cmd) in table.items() if scratch in cmd}
        grew = True
        while grew:
            more = {pid for pid, (parent, _) in table.items() if parent in mine} - mine
            mine |= more
            grew = bool(more)
        for pid in mine:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 20
        while mine and time.monotonic() < deadline:
            mine = {p for p in mine if Path(f"/proc/{p}").exists()}
            time.sleep(0.2)


def test_batch_joins_a_cluster_with_token_authentication(tmp_path, monkeypatch):
    token = tmp_path / "ray-token"
    token.write_text(secrets.token_hex(32))
    models = tmp_path / "models"
    build(models, "threshold")
    write_archive(tmp_path / "archive", 2)
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(token))
    with ray_cluster(token) as address:
        job = lightbox("batch", str(tmp_path / "archive"), "--model", "threshold", "--out",
                       str(tmp_path / "out"), "--models-dir", str(models), "--ray", address,
                       "--all")
        _, err = job.communicate(timeout=600)
        assert job.returncode == 0, err
        assert f"the Ray cluster {address}" in err and "batch: 2 done" in err
        assert len([r for r in audit_records() if r["outcome"] == "ok"]) == 2

        token.write_text(secrets.token_hex(32))  # a driver with the wrong token: refused
        job = lightbox("batch", str(tmp_path / "archive"), "--model", "threshold", "--out",
                       str(tmp_path / "out2"), "--models-dir", str(models), "--ray",
                       address, "--all")
        _, err = job.communicate(timeout=600)
        assert job.returncode == 1 and "cannot start or reach the Ray cluster" in err, err
