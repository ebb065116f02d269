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
