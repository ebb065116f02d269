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
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.batch.archive import lightbox, processes, write_archive
from tests.batch.test_batch import audit_records
from tests.inference.artifacts import build
from tests.service.server import quiet_port

pytestmark = pytest.mark.usefixtures("private_audit")
RAY = str(Path(sys.executable).with_name("ray"))


@contextlib.contextmanager
def ray_cluster(token: Path) -> Iterator[str]:
    """A one-node cluster on 127.0.0.1 started as IT would (token authentication on)."""
    scratch = tempfile.mkdtemp(prefix="lb-rc-", dir="/tmp")
    port = quiet_port()
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
           "RAY_USAGE_STATS_ENABLED": "0"}
    started = subprocess.run(
        [RAY, "start", "--head", f"--port={port}", "--include-dashboard=false",
         "--disable-usage-stats", "--node-ip-address=127.0.0.1", "--num-cpus=1",
         f"--temp-dir={scratch}"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stderr
        yield f"127.0.0.1:{port}"
    finally:
        _stop(scratch)
        shutil.rmtree(scratch, ignore_errors=True)


def _stop(scratch: str) -> None:
    """Every process of this cluster (its command line names its scratch folder)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        mine = [pid for pid, (_, cmd) in processes().items() if scratch in cmd]
        for pid in mine:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 20
        while mine and time.monotonic() < deadline:
            mine = [p for p in mine if Path(f"/proc/{p}").exists()]
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
