"""docs/batch.md: its commands run as written (the installed models, a real archive, a
local Ray instance), and its table names every reason a study can fail for."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.batch.archive import ROOT, write_archive
from viewer.batch import tasks

DOC = (ROOT / "docs" / "batch.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.usefixtures("private_audit")


def test_the_run_examples_run(tmp_path):
    (block,) = re.findall(r"## Run\n\n```sh\n(.*?)```", DOC, re.S)
    commands = block.strip().splitlines()
    assert len(commands) == 3
    write_archive(tmp_path / "archive", 2)
    errs = []
    for line in commands:
        args = line.split()
        assert args[:2] == ["lightbox", "batch"]
        done = subprocess.run([sys.executable, "-m", "viewer", *args[1:]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=600,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert done.returncode == 0, line + done.stderr
        errs.append(done.stderr)
    assert "0 already done (skipped), 2 to run" in errs[0]
    assert "2 already done (skipped), 0 to run" in errs[1]
    assert "on a local Ray instance" in errs[2]
    for out in ("results", "results-ray"):
        summary = json.loads((tmp_path / out / "batch-summary-ct-lesion-cls.json").read_text())
        assert summary["failed"] == 0
    first = sorted((tmp_path / "results").glob("*/ct-lesion-cls-frame-0000.json"))
    again = sorted((tmp_path / "results-ray").glob("*/ct-lesion-cls-frame-0000.json"))
    assert len(first) == 2 and [p.read_text() for p in first] == [p.read_text() for p in again]


def test_the_reason_table_is_complete():
    reasons = {v for k, v in vars(tasks).items() if k.isupper() and isinstance(v, str)
               and k != "_SAFE_UID"}
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", DOC, re.M))
    assert reasons == documented


def _options(args: list[str]) -> list[str]:
    return [a.split("=", 1)[0] for a in args if a.startswith("--")]


def test_the_cluster_commands_are_the_tests_and_valid_usage():
    """IT's commands for a cluster of several machines: the `ray start` lines take the
    options tests/service/test_ray_multinode.py starts its nodes with (only the addresses
    and counts differ), Ray's own command line accepts them, and `lightbox batch` parses."""
    from ray.scripts.scripts import get_auth_token, start

    from tests.batch.test_batch_ray_cluster import ray_start
    from viewer.cli.batch import parser

    (block,) = re.findall(r"## A cluster of several machines\n.*?```sh\n(.*?)```", DOC, re.S)
    lines = [line.split() for line in block.strip().splitlines()]
    assert [line[:2] for line in lines] == [
        ["ray", "get-auth-token"], ["RAY_AUTH_MODE=token", "ray"],
        ["RAY_AUTH_MODE=token", "ray"], ["lightbox", "batch"]]
    get_auth_token.make_context("get-auth-token", lines[0][2:])
    head, node = lines[1][2:], lines[2][2:]
    for args, ours in ((head, ray_start(0, "127.0.0.1:1", 1)),
                       (node, ray_start(1, "127.0.0.1:1", 1))):
        assert args[0] == "start" and _options(args) == _options(ours[1:])
        start.make_context("start", args[1:])  # Ray's click command: valid usage
    said = dict(a.split("=", 1) for a in head if "=" in a)
    assert node[1] == f"--address={said['--node-ip-address']}:{said['--port']}"
    ns = parser().parse_args(lines[3][2:])
    assert ns.ray == node[1].split("=", 1)[1]
