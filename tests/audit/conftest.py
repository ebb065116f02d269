"""The generated history the drift report's tests share (tests/audit/history.py): made
once per session, three workstations' months, exported and reported with the real
commands."""

from __future__ import annotations

import html
import json
from datetime import timedelta

import pytest

from tests.audit import history as h
from viewer.audit.log import AuditLog
from viewer.cli.audit import main

REFERENCE = f"{(h.START + timedelta(weeks=2)).date()}:{(h.START + timedelta(weeks=8)).date()}"


@pytest.fixture(scope="session")
def made(tmp_path_factory):
    """Workstation 1 exported twice (weeks 0-15 and 10-25: six weeks in both), the
    service's own log (an audit folder with serve-0/), workstation 3's export tampered."""
    base = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LIGHTBOX_CONFIG_DIR", str(base / "config"))
        env.setenv("LIGHTBOX_AUDIT_DIR", str(base / "audit"))
        ws1 = AuditLog(base / "ws1" / "ai-runs-1001-reader1.jsonl")
        truth1 = h.generate(ws1, 1, "reader1")
        service = AuditLog(base / "audit" / "serve-0" / "ai-runs-1002-lightbox.jsonl")
        truth2 = h.generate(service, 2, "lightbox")
        ws3 = AuditLog(base / "ws3" / "ai-runs-1003-reader3.jsonl")
        h.generate(ws3, 3, "reader3", runs_per_week=5)
        exports = [base / "ws1-a.export.jsonl", base / "ws1-b.export.jsonl",
                   base / "ws3.export.jsonl"]
        for log, out, start, end in ((ws1, exports[0], 0, 16), (ws1, exports[1], 10, h.WEEKS),
                                     (ws3, exports[2], 0, h.WEEKS)):
            assert main(["export", "--from", h.iso(start), "--to", h.iso(end), "--out", str(out),
                         "--log", str(log.path)]) == 0
        lines = exports[2].read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if '"stats"' in line:  # a reader's accepted warning quietly removed
                lines[i] = line.replace('"unlike": 1', '"unlike": 0', 1)
                if lines[i] != line:
                    break
        exports[2].write_text("\n".join(lines) + "\n", encoding="utf-8")
        out = base / "report" / "drift.html"
        out.parent.mkdir()
        args = ["report", "--from", h.iso(0), "--to", h.iso(h.WEEKS), "--out", str(out),
                "--reference", REFERENCE, "--log", str(base / "audit")]
        for export in exports:
            args += ["--export", str(export)]
        code = main(args)
    truth = h.Truth()
    truth.merge(truth1)
    truth.merge(truth2)
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    return {"base": base, "out": out, "code": code, "report": report, "truth": truth,
            "truth1": truth1, "html": html.unescape(out.read_text(encoding="utf-8"))}
