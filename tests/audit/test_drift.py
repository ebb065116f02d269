"""The drift analysis core on hand-made record lists whose truth is plain to see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from viewer.audit.drift import (
    DriftThresholds,
    aggregate,
    by_device,
    evaluate,
    iso_week,
    period_statement,
    series_of,
    under_review,
    weekly,
    weekly_alerts,
)

T0 = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday, 00:00: ISO week 2026-W37 starts


def run(when: datetime, *, version: str = "1.0", digest: str = "d1", unlike: int = 0,
        shift: int = 0, like: int = 10, top: str = "no lesion", psi: float = 0.03,
        device: tuple[str, str, str] = ("ACME", "Scan 64", "VB20"),
        warnings: tuple[str, ...] = (), ml: float | None = None,
        stats: bool = True) -> dict:
    record = {"model_id": "ct-lesion-cls", "model_version": version, "model_digest": digest,
              "series_hash": "h", "runtime": "onnxruntime", "duration_s": 0.1,
              "frames": like + shift + unlike, "outcome": "ok",
              "time": when.isoformat().replace("+00:00", "Z"), "user": "u", "seq": 1}
    if not stats:
        return record
    output: dict = {"CLS": {"kind": "labels", "names": ["no lesion", "lesion"],
                            "mean": [0.7, 0.3] if top == "no lesion"
                            else [0.2, 0.8],
                            "top": {"no lesion": 1 if top == "no lesion" else 0,
                                    "lesion": 1 if top == "lesion" else 0}}}
    if ml is not None:
        output["SEG"] = {"kind": "mask", "ml": {"liver": ml}}
    record["stats"] = {
        "v": 1, "provider": "CPUExecutionProvider", "warnings_accepted": list(warnings),
        "input": {"modality": "CT", "body_part": "CHEST", "manufacturer": device[0],
                  "device_model": device[1], "software": device[2], "kvp": 120.0,
                  "field_strength_t": None, "frames": like + shift + unlike, "rows": 512,
                  "columns": 512, "spacing_mm": [0.7, 0.7], "slice_mm": 2.5,
                  "levels": {"like": like, "shift": shift, "unlike": unlike},
                  "psi": {"p50": psi, "p90": psi, "max": psi, "n": 10,
                          "hist": [10, 0, 0, 0, 0, 0, 0, 0]}},
        "output": output,
    }
    return record


def history(weeks: int = 12, per_day: int = 4, *, change_week: int | None = None,
            **changed) -> list[dict]:
    """``per_day`` runs a day for ``weeks`` weeks; from ``change_week`` on, ``changed``."""
    records = []
    for day in range(weeks * 7):
        for k in range(per_day):
            when = T0 + timedelta(days=day, hours=9 + k)
            kwargs = changed if change_week is not None and day >= change_week * 7 else {}
            # one run in four is positive before and after, unless changed says otherwise
            top = "lesion" if k == 0 else "no lesion"
            records.append(run(when, **{"top": top, **kwargs}))
    return records


def test_a_version_change_is_two_series_never_mixed():
    records = [run(T0), run(T0 + timedelta(days=1)),
               run(T0 + timedelta(days=2), version="1.1", digest="d2", unlike=10, like=0)]
    series = series_of(records)
    assert set(series) == {("ct-lesion-cls", "1.0", "d1"), ("ct-lesion-cls", "1.1", "d2")}
    assert len(series["ct-lesion-cls", "1.0", "d1"]) == 2
    assert aggregate(series["ct-lesion-cls", "1.0", "d1"]).unlike_share == 0.0
    assert aggregate(series["ct-lesion-cls", "1.1", "d2"]).unlike_share == 1.0


def test_sends_to_the_pacs_are_not_runs():
    send = {"event": "send", "outcome": "ok", "time": "2026-09-07T10:00:00Z"}
    assert series_of([send, run(T0)]) == {("ct-lesion-cls", "1.0", "d1"): [run(T0)]}


def test_old_format_records_count_as_runs_only():
    records = [run(T0, stats=False), run(T0 + timedelta(hours=1), stats=False),
               run(T0 + timedelta(hours=2), unlike=5, like=5)]
    total = aggregate(records)
    assert (total.runs, total.without_stats, total.with_stats) == (3, 2, 1)
    assert total.frames == 10 and total.unlike_share == 0.5  # the new record's images only
    assert total.outputs["CLS"].runs == 1
    text = period_statement(records, T0, T0 + timedelta(days=1))
    assert "3 AI runs of 1 model version" in text
    assert "2 records of an older format count as runs only" in text


def test_a_period_with_no_runs_says_so():
    start = datetime(2027, 1, 4, tzinfo=UTC)
    assert period_statement(history(weeks=2), start, start + timedelta(days=14)) == (
        "No AI runs were recorded between 2027-01-04 – 2027-01-17.")
    weeks = weekly(history(weeks=2), T0 - timedelta(days=7), T0 + timedelta(days=21))
    assert list(weeks) == ["2026-W36", "2026-W37", "2026-W38", "2026-W39"]
    assert [w.runs for w in weeks.values()] == [0, 28, 28, 0]
    assert weeks["2026-W36"].unlike_share is None and weeks["2026-W36"].psi(0.9) is None
    assert evaluate(history(weeks=2), DriftThresholds(), start,
                    start + timedelta(days=14)) == []


def test_weekly_shares_psi_devices_and_outputs():
    records = history(weeks=3, change_week=2, unlike=3, like=7, psi=0.4,
                      device=("Other", "X 1", "2.0"), warnings=("modality MR is outside",))
    weeks = weekly(records, T0, T0 + timedelta(weeks=3))
    assert [w.unlike_share for w in weeks.values()] == [0.0, 0.0, 0.3]
    assert [w.psi(0.5) for w in weeks.values()] == [0.03, 0.03, 0.4]
    assert weeks["2026-W39"].devices == {"Other / X 1 / 2.0": 28}
    assert weeks["2026-W39"].warned_runs == 28 and weeks["2026-W37"].warned_runs == 0
    assert weeks["2026-W37"].psi_hist == [280, 0, 0, 0, 0, 0, 0, 0]
    assert weeks["2026-W37"].outputs["CLS"].top_share == {"no lesion": 0.75, "lesion": 0.25}
    devices = by_device(records)
    assert list(devices) == ["ACME / Scan 64 / VB20", "Other / X 1 / 2.0"]
    assert devices["ACME / Scan 64 / VB20"].runs == 56
    assert iso_week(T0) == "2026-W37"


def test_an_injected_unlike_share_alerts_in_the_week_it_starts_and_not_before():
    records = history(weeks=8, change_week=5, unlike=2, like=8)  # 20% unlike from week 5
    thresholds = DriftThresholds(unlike_share=0.1, min_runs=20)
    fired = []
    for week in range(8):
        start = T0 + timedelta(weeks=week)
        alerts = evaluate(records, thresholds, start, start + timedelta(weeks=1))
        fired.append([a.metric for a in alerts])
    assert fired == [[]] * 5 + [["unlike_share"]] * 3
    alert = evaluate(records, thresholds, T0 + timedelta(weeks=5), T0 + timedelta(weeks=6))[0]
    assert alert.value == 0.2 and alert.threshold == 0.1 and alert.runs == 28
    assert alert.window == "2026-10-12 – 2026-10-18"
    assert "20% > 10%" in alert.message


def test_an_injected_output_share_change_crosses_the_threshold_in_the_right_week():
    # From week 6 every run is positive: the positive share goes 25% -> 100%.
    records = history(weeks=8, change_week=6, top="lesion")
    thresholds = DriftThresholds(output_shift=0.15, min_runs=20, reference_days=28)
    fired = {}
    for week in range(8):
        start = T0 + timedelta(weeks=week)
        alerts = evaluate(records, thresholds, start, start + timedelta(weeks=1))
        fired[iso_week(start)] = sorted(a.metric for a in alerts)
    assert [w for w, metrics in fired.items() if metrics] == ["2026-W43", "2026-W44"]
    assert "output:CLS:top:lesion" in fired["2026-W43"]
    by_week = weekly_alerts(records, thresholds, T0, T0 + timedelta(weeks=8))
    assert {w: sorted(a.metric for a in alerts) for w, alerts in by_week.items()} == fired
    alert = next(a for a in evaluate(records, thresholds, T0 + timedelta(weeks=6),
                                     T0 + timedelta(weeks=7))
                 if a.metric == "output:CLS:top:lesion")
    assert alert.reference == 0.25 and alert.value == 0.75


def test_a_relative_change_of_mask_volumes_and_a_chosen_reference():
    records = [run(T0 + timedelta(hours=h), ml=1000.0) for h in range(30)]
    records += [run(T0 + timedelta(days=10, hours=h), ml=1300.0) for h in range(30)]
    thresholds = DriftThresholds(output_shift=0.2, min_runs=20)
    window = (T0 + timedelta(days=10), T0 + timedelta(days=11))
    metrics = [a.metric for a in evaluate(records, thresholds, *window)]
    assert metrics == ["output:SEG:mean:liver"]  # +30% > 20%
    assert evaluate(records, DriftThresholds(output_shift=0.35, min_runs=20), *window) == []
    # the reference chosen as the window itself: nothing moved
    assert evaluate(records, thresholds, *window, reference=window) == []


def test_too_few_runs_are_not_judged_and_the_live_window():
    records = [run(T0 + timedelta(hours=h), unlike=10, like=0) for h in range(5)]
    assert evaluate(records, DriftThresholds(min_runs=20), T0, T0 + timedelta(days=1)) == []
    assert [a.metric for a in evaluate(records, DriftThresholds(min_runs=5), T0,
                                       T0 + timedelta(days=1))] == ["unlike_share"]
    now = T0 + timedelta(days=3)
    assert under_review(records, DriftThresholds(min_runs=5, window_days=7), now)
    assert under_review(records, DriftThresholds(min_runs=5, window_days=2), now) == []


def test_thresholds_from_the_site_table():
    t = DriftThresholds.of({"unlike_share": 0.2, "min_runs": 5, "window_days": 14})
    assert (t.unlike_share, t.min_runs, t.window_days, t.psi_p90) == (0.2, 5, 14, 0.25)
    assert DriftThresholds.of(None) == DriftThresholds()
