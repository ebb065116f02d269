"""``lightbox audit report`` over a generated history (tests/audit/history.py): months of
runs of three workstations written through the real audit log, exported with the real
``lightbox audit export``; the report's figures (its JSON companion, drawn into the HTML)
checked against what the generator wrote: per week, per device, the injected scanner
change and output shift, the version change as two series, the downtime stated, a
tampered export named and counted nowhere, overlapping exports counted once."""

from __future__ import annotations

import html
import json
import re
import statistics
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.audit import history as h
from tests.audit.conftest import REFERENCE
from viewer.audit.log import AuditLog, AuditRecord
from viewer.cli.audit import main

ROOT = Path(__file__).resolve().parents[2]
def _series(report, model_id, version):
    (found,) = [m for m in report["models"] if (m["model_id"], m["version"]) ==
                (model_id, version)]
    return found


def test_runs_per_week_and_the_input_figures_are_the_generators(made):
    report, truth = made["report"], made["truth"]
    assert report["runs"] == sum(truth.runs.values()) > 3000
    for model_id, version, _ in (h.TRIAGE, h.LIVER_OLD, h.LIVER_NEW):
        series = _series(report, model_id, version)
        for i in range(h.WEEKS):
            week = h.week_label(i)
            figures = series["weeks"][week]
            assert figures["runs"] == truth.runs[(model_id, version, week)], (model_id, week)
            levels = truth.levels.get((model_id, version, week))
            if not levels:
                assert figures["runs_with_stats"] == 0
                continue
            frames = sum(levels.values())
            assert figures["frames"] == frames
            assert figures["share_unlike"] == pytest.approx(levels["unlike"] / frames)
            assert figures["share_shift"] == pytest.approx(levels["shift"] / frames)
            assert figures["psi_p90"] == pytest.approx(
                np.quantile(truth.p50[(model_id, version, week)], 0.9))
            assert figures["warnings_accepted"] == truth.accepted[(model_id, version, week)]
    triage = _series(report, *h.TRIAGE[:2])
    devices = {d["device"]: d for d in triage["devices"]}
    assert {name: d["runs_with_stats"] for name, d in devices.items()} == {
        k: v for k, v in truth.devices.items() if "Scan 64" not in k}
    new = devices[" / ".join(h.NEW_DEVICE)]
    assert new["first_week"] == h.week_label(h.SCANNER_WEEK)
    by_week = triage["device_weeks"][" / ".join(h.NEW_DEVICE)]
    assert min(by_week) == h.week_label(h.SCANNER_WEEK)
    assert sum(by_week.values()) == truth.devices[" / ".join(h.NEW_DEVICE)]
    assert new["psi_p90"] > triage["psi_limits"]["unlike"] > devices["ACME / Rad 500 / VA10"][
        "psi_p90"]
    assert triage["psi_limits"] == {"shift": 0.1, "unlike": 0.25, "source": "defaults"}
    assert "Lightbox's defaults" in made["html"]


def test_the_output_shift_against_the_reference_period(made):
    report, truth = made["report"], made["truth"]
    triage = _series(report, *h.TRIAGE[:2])
    reference = triage["reference"]["outputs"]["OUTPUT"]["metrics"]["top:nodule"]
    ref_top = sum((truth.top[(h.TRIAGE[1], h.week_label(i))] for i in range(2, 8)),
                  start=h.Counter())
    assert reference == pytest.approx(ref_top["nodule"] / sum(ref_top.values()))
    assert abs(reference - h.P_BEFORE) < 0.05
    for i in range(h.OLD_WEEKS, h.WEEKS):
        week = h.week_label(i)
        top = truth.top.get((h.TRIAGE[1], week))
        if not top:
            continue
        share = triage["weeks"][week]["outputs"]["OUTPUT"]["metrics"]["top:nodule"]
        assert share == pytest.approx(top["nodule"] / sum(top.values()))
    after = [triage["weeks"][h.week_label(i)]["outputs"]["OUTPUT"]["metrics"]["top:nodule"]
             for i in range(h.SHIFT_WEEK, h.WEEKS) if i not in h.GAP_WEEKS]
    assert abs(statistics.fmean(after) - h.P_AFTER) < 0.05
    liver = _series(report, *h.LIVER_NEW[:2])
    for i in range(h.VERSION_WEEK, h.WEEKS):
        values = truth.liver_ml.get((h.LIVER_NEW[1], h.week_label(i)))
        if values:
            assert liver["weeks"][h.week_label(i)]["outputs"]["LABELS"]["metrics"][
                "mean:liver"] == pytest.approx(statistics.fmean(values))


def test_a_version_change_is_two_series_never_mixed(made):
    old, new = (_series(made["report"], *key[:2]) for key in (h.LIVER_OLD, h.LIVER_NEW))
    assert (old["digest"], new["digest"]) == (h.LIVER_OLD[2], h.LIVER_NEW[2])
    assert old["last_week"] == h.week_label(h.VERSION_WEEK - 1)
    assert new["first_week"] == h.week_label(h.VERSION_WEEK)
    assert all(old["weeks"][w]["runs"] == 0 or new["weeks"][w]["runs"] == 0
               for w in made["report"]["weeks"])
    statement = (f"liver-seg 1.1.0 took over from version 1.0.0 in week "
                 f"{h.week_label(h.VERSION_WEEK)}: reported as two series, never mixed")
    assert new["statements"] == [
        "liver-seg 1.1.0 has no run with statistics in the reference period: its outputs "
        "are shown without a reference, and judged against none.", statement]
    assert statement in made["html"]
    assert new["reference"]["runs"] == 0  # the reference period saw only 1.0.0


def test_the_downtime_and_the_older_records_are_stated(made):
    report = made["report"]
    gap = f"{h.week_label(h.GAP_WEEKS[0])} to {h.week_label(h.GAP_WEEKS[-1])}"
    assert report["empty_weeks"] == [h.week_label(i) for i in h.GAP_WEEKS]
    assert f"No AI run was recorded in {gap}" in report["statements"][0]
    older = sum(made["truth"].older.values())
    assert older > 0
    assert f"{older} run(s) recorded by an older Lightbox carry no statistics" in made["html"]
    triage = _series(report, *h.TRIAGE[:2])
    assert triage["older_format"] == made["truth"].older["chest-triage"]


def test_a_tampered_export_is_named_and_counted_nowhere(made):
    report = made["report"]
    assert made["code"] == 1  # the report is written, and says a source failed
    (bad,) = [s for s in report["sources"] if s["problem"]]
    assert bad["name"] == "ws3.export.jsonl" and bad["new"] == 0
    assert "was edited" in bad["problem"]
    assert f"ws3.export.jsonl was NOT counted: {bad['problem']}" in made["html"]
    assert report["runs"] == sum(made["truth"].runs.values())  # nothing of ws3


def test_overlapping_exports_are_counted_once(made):
    both = sum(n for (_, _, week), n in made["truth1"].runs.items()
               if week in {h.week_label(i) for i in range(10, 16)})
    assert both > 0
    assert made["report"]["duplicates"] == both
    service = [s for s in made["report"]["sources"] if s["kind"] == "log"]
    assert [s["name"] for s in service] == ["ai-runs-1002-lightbox.jsonl"]  # from serve-0/


def test_no_patient_data_and_nothing_to_fetch_in_the_report(made):
    page = made["out"].read_text(encoding="utf-8")
    data = made["out"].with_suffix(".json").read_text(encoding="utf-8")
    for text in (page, data):
        assert h.MARKER not in text
        assert "reader1" not in text and "series_hash" not in text
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_an_empty_period_is_said(made, tmp_path):
    out = tmp_path / "empty.html"
    code = main(["report", "--from", "2030-01-01", "--to", "2030-02-01", "--out", str(out),
                 "--export", str(made["base"] / "ws1-a.export.jsonl")])
    assert code == 0
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["runs"] == 0 and report["models"] == []
    assert "No AI run was recorded in the period in any verified source." in \
        out.read_text(encoding="utf-8")


def test_without_matplotlib_it_says_where_to_run_it(made, tmp_path):
    """The desktop app never ships matplotlib: the command says what to do, writes nothing."""
    out = tmp_path / "r.html"
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from viewer.cli.audit import main\n"
            f"sys.exit(main(['report', '--from', '2026-01-01', '--to', '2026-02-01', "
            f"'--out', {str(out)!r}, '--export', {str(made['base'] / 'ws1-a.export.jsonl')!r}]))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1
    assert "lightbox[report]" in done.stderr and "service host" in done.stderr
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_bad_usage_is_refused_with_the_reason(capsys, tmp_path):
    out = str(tmp_path / "r.html")
    assert main(["report", "--from", "2026-02-01", "--to", "2026-01-01", "--out", out]) == 2
    assert "--to must come after --from" in capsys.readouterr().err
    assert main(["report", "--from", "2026-01-01", "--to", "2026-02-01", "--out", out,
                 "--reference", "last month"]) == 2
    assert "not FROM:TO" in capsys.readouterr().err
    assert main(["report", "--from", "2026-01-01", "--to", "2026-02-01", "--out", out,
                 "--reference", "2026-01-01T00:00:00Z:2025-12-01"]) == 2
    assert "the period must end after it starts" in capsys.readouterr().err
    assert not Path(out).exists()


def test_the_alerts_fire_in_the_weeks_the_history_changed(made):
    """The site's thresholds (the defaults here), judged week by week: the scanner change
    from its first week on, the output shift from its first week on, nothing before, and
    nothing for the model whose inputs and outputs stayed put."""
    triage = _series(made["report"], *h.TRIAGE[:2])
    fired: dict[str, list[str]] = {}
    for alert in triage["alerts"]:
        fired.setdefault(alert["metric"], []).append(alert["week"])
    running = [i for i in range(h.OLD_WEEKS, h.WEEKS) if i not in h.GAP_WEEKS]
    for metric, first in (("unlike_share", h.SCANNER_WEEK), ("psi_p90", h.SCANNER_WEEK),
                          ("output:OUTPUT:top:nodule", h.SHIFT_WEEK)):
        assert fired[metric] == [h.week_label(i) for i in running if i >= first], metric
    assert "shift_share" not in fired
    assert min(w for weeks in fired.values() for w in weeks) == h.week_label(h.SCANNER_WEEK)
    for key in (h.LIVER_OLD, h.LIVER_NEW):
        assert _series(made["report"], *key[:2])["alerts"] == []
    assert "output OUTPUT top:nodule moved from the reference: 20% → 4" in made["html"] or \
        "output OUTPUT top:nodule moved from the reference" in made["html"]


def test_an_installed_models_own_psi_thresholds_and_a_box_model(tmp_path, monkeypatch):
    """The bundled ct-lesion-det 1.1.0 is installed here: its manifest's PSI thresholds are
    the ones drawn; its version 1.0.0 is not: the thresholds its runs recorded, said so.
    Boxes per run are its output figure."""
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    log = AuditLog(tmp_path / "ai-runs-1-r.jsonl")
    records = []
    for week in range(2):
        for i in range(30):
            version = "1.0.0" if week == 0 else "1.1.0"
            stats = {"v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": [],
                     "input": {"modality": "CT", "manufacturer": "ACME", "device_model": "S",
                               "software": "1", "frames": 1, "levels": {"like": 1},
                               "psi": {"p50": 0.5, "p90": 0.6, "max": 0.7, "n": 1,
                                       "hist": [0, 0, 0, 0, 0, 0, 1, 0]},
                               "psi_thresholds": [0.2, 0.4]},
                     "output": {"BOXES": {"kind": "boxes", "count": i % 3,
                                          "frames_with_boxes": min(1, i % 3),
                                          "scores": [0.9, 0.5][:i % 3]}}}
            when = (h.START + timedelta(weeks=week, hours=i)).isoformat().replace("+00:00", "Z")
            records.append(h.RunRecord(AuditRecord(
                "ct-lesion-det", version, "d" * 64, "0" * 32, "onnxruntime", 0.1, 1, "ok",
                time=when), stats))
    log.append_many(records)
    out = tmp_path / "boxes.html"
    assert main(["report", "--from", h.iso(0), "--to", h.iso(2), "--out", str(out),
                 "--log", str(log.path)]) == 0
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    old, new = (_series(report, "ct-lesion-det", v) for v in ("1.0.0", "1.1.0"))
    assert new["psi_limits"] == {"shift": 0.75, "unlike": 1.25, "source": "manifest"}
    assert old["psi_limits"] == {"shift": 0.2, "unlike": 0.4, "source": "recorded"}
    week = new["weeks"][h.week_label(1)]
    assert week["outputs"]["BOXES"]["metrics"]["boxes_per_run"] == pytest.approx(1.0)
    page = html.unescape(out.read_text(encoding="utf-8"))
    assert "shift at 0.75, unlike above 1.25 — the model's own (its manifest)" in page
    assert "shift at 0.2, unlike above 0.4 — the model's own, as its runs recorded" in page


def test_the_sites_thresholds_decide_the_alerts(made, tmp_path, monkeypatch):
    """IT's drift_alerts in the site configuration: the unlike share and PSI allowed up
    to what the new scanner brings, only the output shift still alerts."""
    site = tmp_path / "lightbox.toml"
    site.write_text("[drift_alerts]\nunlike_share = 0.9\npsi_p90 = 5.0\n", encoding="utf-8")
    monkeypatch.setenv("LIGHTBOX_SITE_CONFIG", str(site))
    out = tmp_path / "site.html"
    assert main(["report", "--from", h.iso(0), "--to", h.iso(h.WEEKS), "--out", str(out),
                 "--reference", REFERENCE, "--export", str(made["base"] / "ws1-a.export.jsonl"),
                 "--export", str(made["base"] / "ws1-b.export.jsonl")]) == 0
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert report["thresholds"]["unlike_share"] == 0.9
    triage = _series(report, *h.TRIAGE[:2])
    metrics = {a["metric"] for a in triage["alerts"]}
    assert "unlike_share" not in metrics and "psi_p90" not in metrics
    assert {a["week"] for a in triage["alerts"] if a["metric"] == "output:OUTPUT:top:nodule"} \
        == {h.week_label(i) for i in range(h.SHIFT_WEEK, h.WEEKS) if i not in h.GAP_WEEKS}


def _doc_block() -> list[str]:
    doc = (ROOT / "docs" / "governance.md").read_text(encoding="utf-8")
    part = doc[doc.index("## The monthly report"):]
    (block,) = re.findall(r"```sh\n(.*?)```", part, re.S)[:1]
    return block.strip().splitlines()


def test_the_commands_of_docs_governance_run(tmp_path, monkeypatch):
    """The two lines of docs/governance.md as written: this account's log exported, then
    the report over the export and a service's audit folder (its serve-0/ log)."""
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.setenv("LIGHTBOX_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    from viewer.host.settings import load_settings

    h.generate(AuditLog.of(load_settings()), 5, "reader", runs_per_week=25)
    service = tmp_path / "service-audit"
    h.generate(AuditLog(service / "serve-0" / "ai-runs-2-lightbox.jsonl"), 6, "lightbox",
               runs_per_week=25)
    export, report = _doc_block()
    assert export.startswith("lightbox audit export ") and report.startswith(
        "lightbox audit report ")
    assert main(export.split()[2:]) == 0
    args = [str(service) if a == "/var/lib/lightbox/audit" else a
            for a in report.split()[2:]]
    assert main(args) == 0
    figures = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in figures["sources"]] == ["ai-runs-2-lightbox.jsonl",
                                                       "ws1.export.jsonl"]
    assert figures["runs"] == 2 * 25 * (h.WEEKS - len(h.GAP_WEEKS))
    assert (tmp_path / "report.html").is_file()


def test_the_readme_lists_the_report_command(tmp_path, monkeypatch):
    """Its line, optional parts left out, runs as written (dates filled in) over an empty
    audit folder: a report that says there were no runs."""
    monkeypatch.setenv("LIGHTBOX_AUDIT_DIR", str(tmp_path / "audit"))
    monkeypatch.chdir(tmp_path)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if x.startswith("lightbox audit report")]
    required = re.sub(r"\[.*?\]", "", line).split()
    dates = iter(["2026-01-01", "2026-02-01"])
    args = [next(dates) if a == "DATE" else a for a in required[2:]]
    assert args == ["report", "--from", "2026-01-01", "--to", "2026-02-01", "--out",
                    "report.html"]
    assert main(args) == 0
    assert "No AI run was recorded in the period" in (tmp_path / "report.html").read_text(
        encoding="utf-8")


def test_a_real_run_of_a_marker_patient_leaves_no_patient_data_in_the_report(
        tmp_path, monkeypatch):
    """A phantom whose patient, institution, station and study date carry markers, run
    through the real `lightbox infer` (which records the run's statistics), then the
    report: none of the markers, UIDs or the study date anywhere in the HTML or its JSON,
    while the run and its device are counted."""
    import pydicom

    from viewer.cli.ai import infer_main
    from viewer.io.demo import write_phantom_series

    for name in ("AUDIT_DIR", "CONFIG_DIR", "CACHE_DIR", "LOG_DIR"):
        monkeypatch.setenv(f"LIGHTBOX_{name}", str(tmp_path / name.lower()))
    marks = {"PatientName": "Zzqmarker^Patient", "PatientID": "MRK-98765",
             "InstitutionName": "Zzqinstitute", "StationName": "ZZQSTATION",
             "StudyDate": "19770707", "ReferringPhysicianName": "Zzqdoctor"}
    study = tmp_path / "study"
    uids = set()
    for path in write_phantom_series(study, slices=2, size=128):
        ds = pydicom.dcmread(path)
        for key, value in marks.items():
            setattr(ds, key, value)
        ds.Manufacturer, ds.ManufacturerModelName = "ACME", "Scan 64"
        uids |= {str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)}
        ds.save_as(path)
    assert infer_main([str(study), "--model", "ct-lesion-cls", "--all",
                       "--out", str(tmp_path / "out")]) == 0
    out = tmp_path / "report.html"
    assert main(["report", "--from", "2000-01-01", "--to", "2100-01-01", "--out",
                 str(out)]) == 0
    figures = out.with_suffix(".json").read_text(encoding="utf-8")
    (series,) = json.loads(figures)["models"]
    assert series["runs"] == 1 and series["older_format"] == 0
    assert series["devices"][0]["device"].startswith("ACME / Scan 64")
    for text in (out.read_text(encoding="utf-8"), figures):
        found = [m for m in (*marks.values(), "1977-07-07", *uids) if m in text]
        assert found == []


def test_sources_that_cannot_be_counted_are_named_with_the_reason(made, tmp_path):
    """A file that is not there, a log given as an export, a log whose head was deleted:
    each named, none counted; the good export beside them still counts."""
    ws1 = made["base"] / "ws1" / "ai-runs-1001-reader1.jsonl"
    headless = tmp_path / "ai-runs-7-cut.jsonl"
    headless.write_bytes(ws1.read_bytes())  # its .head left behind
    out = tmp_path / "r.html"
    code = main(["report", "--from", h.iso(0), "--to", h.iso(h.WEEKS), "--out", str(out),
                 "--export", str(made["base"] / "ws1-a.export.jsonl"),
                 "--export", str(ws1), "--export", str(tmp_path / "gone.jsonl"),
                 "--log", str(headless)])
    assert code == 1
    report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    problems = {s["name"]: s["problem"] for s in report["sources"]}
    assert problems["ws1-a.export.jsonl"] is None
    assert "head file is missing" in problems["ai-runs-7-cut.jsonl"]
    assert problems["ai-runs-1001-reader1.jsonl"] == (
        "not an export written by 'lightbox audit export'")
    assert problems["gone.jsonl"].startswith("cannot be read (No such file")
    assert report["runs"] == sum(n for (_, _, w), n in made["truth1"].runs.items()
                                 if w < h.week_label(16))


def test_the_report_in_japanese_uses_the_desktops_terms(made, tmp_path):
    out = tmp_path / "ja.html"
    assert main(["report", "--from", h.iso(0), "--to", h.iso(4), "--out", str(out),
                 "--language", "ja", "--export", str(made["base"] / "ws1-a.export.jsonl")]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<html lang="ja">' in page
    assert "<h1>AI ドリフト報告書: " in page and "<h2>監査ログの出典</h2>" in page
    for heading in ("アラート（施設の閾値）", "週ごと", "撮影装置ごとの入力統計",
                    "読影者が承認した警告"):
        assert f"<h3>{heading}</h3>" in page
    assert "<th>モダリティ</th>" in page and "<th>画像数</th>" in page  # the desktop's words
    assert "Per week" not in page and "<h2>Sources</h2>" not in page
    assert "<p>PSI: その週の各実行の PSI 中央値" in page
    empty = tmp_path / "empty-ja.html"
    assert main(["report", "--from", "2030-01-01", "--to", "2030-02-01", "--out", str(empty),
                 "--language", "ja", "--export", str(made["base"] / "ws1-a.export.jsonl")]) == 0
    assert "検証済みのどの出典にも、期間中の AI 実行は記録されていません。" in \
        empty.read_text(encoding="utf-8")


def test_an_unknown_language_is_refused(made, tmp_path, capsys):
    assert main(["report", "--from", h.iso(0), "--to", h.iso(4), "--out",
                 str(tmp_path / "x.html"), "--language", "fr"]) == 2
    assert not (tmp_path / "x.html").exists()
    assert "invalid choice: 'fr'" in capsys.readouterr().err


@pytest.mark.parametrize(("start", "end", "reference", "said"), [
    ("2026-01-01", "9999-12-31T23:59:59", None, "between 1970-01-01 and 9000-01-01"),
    ("0001-01-01", "2026-01-01", None, "between 1970-01-01 and 9000-01-01"),
    ("1970-01-01", "2100-01-01", None, "longer than 100 years"),
    ("2026-01-01", "2026-02-01", "1900-01-01:2026-01-01", "the reference period must lie"),
])
def test_a_period_out_of_reach_is_refused_not_drawn_for_ever(capsys, tmp_path, start, end,
                                                             reference, said):
    """``--to 9999-12-31`` once crashed (OverflowError) and ``--from 0001-01-01`` ran for
    ever (a report is drawn week by week): refused as usage, nothing written."""
    out = tmp_path / "r.html"
    args = ["report", "--from", start, "--to", end, "--out", str(out)]
    assert main(args + (["--reference", reference] if reference else [])) == 2
    assert said in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
