"""The report as one self-contained HTML file: every plot a PNG inside it (``data:``),
no script, nothing fetched (a Content-Security-Policy that allows only its own style and
``data:`` images), so it opens offline on any committee member's machine and can be
archived as it is.

matplotlib draws the plots (the ``report`` extra): it is never in the frozen desktop app
(packaging/bundle.py leaves it out), so this module imports it only when asked to draw,
and says how to get it when it is absent.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
from collections.abc import Sequence
from typing import Any

from viewer.audit.report.words import say
from viewer.audit.signing import AuditError

NO_MATPLOTLIB = ("the report's plots need matplotlib, which this installation lacks (the "
                 "desktop app never ships it): run 'lightbox audit report' where "
                 "lightbox[report] is installed (pip install 'lightbox[report]'), e.g. the "
                 "service host, with this workstation's exports (--export)")

STYLE = """
body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.6em}h2{border-bottom:2px solid #446;padding-bottom:.2em;margin-top:2em}
h3{margin-top:1.5em}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #bbb;padding:.2em .5em;text-align:right;font-size:.9em}
th{background:#eef}td.t,th.t{text-align:left}
.statement{background:#fff6d8;border-left:4px solid #c90;padding:.4em .8em;margin:.4em 0}
.bad{background:#fde4e4;border-left:4px solid #c00;padding:.4em .8em;margin:.4em 0}
.alert{color:#a00;font-weight:bold}img.plot{display:block;margin:.5em 0;border:1px solid #ddd}
"""


#: The page's policy: its own style (by hash) and ``data:`` images, nothing else, no script.
CSP = ("default-src 'none'; img-src data:; style-src 'sha256-"
       + base64.b64encode(hashlib.sha256(STYLE.strip().encode()).digest()).decode()
       + "'; base-uri 'none'; form-action 'none'")


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise AuditError(NO_MATPLOTLIB) from None
    return plt


def _png(fig: Any, plt: Any, alt: str) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=72, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img class="plot" alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _x(weeks: Sequence[str]) -> tuple[list[int], list[str]]:
    step = max(1, len(weeks) // 12)
    return list(range(len(weeks))), [w if i % step == 0 else "" for i, w in enumerate(weeks)]


def _axes(plt: Any, weeks: Sequence[str], title: str) -> tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=(9, 2.8))
    ticks, labels = _x(weeks)
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _mark(ax: Any, weeks: Sequence[str], alerted: set[str]) -> None:
    """Shade the weeks where an alert fired."""
    for i, week in enumerate(weeks):
        if week in alerted:
            ax.axvspan(i - 0.5, i + 0.5, color="#f4c7c3", alpha=0.5, lw=0)


def _plots(plt: Any, weeks: Sequence[str], m: dict[str, Any]) -> list[str]:
    name = f"{m['model_id']} {m['version']}"
    wf = m["weeks"]
    xs = list(range(len(weeks)))
    alerted = {a["week"] for a in m["alerts"]}
    out = []
    fig, ax = _axes(plt, weeks, f"{name}: runs per week")
    ax.bar(xs, [wf[w]["runs"] for w in weeks], color="#4a6fa5")
    out.append(_png(fig, plt, f"{name}: runs per week"))

    if m["device_weeks"]:
        fig, ax = _axes(plt, weeks, f"{name}: runs per week by acquiring device")
        bottom = [0] * len(weeks)
        for i, (device, counts) in enumerate(m["device_weeks"].items()):
            ys = [counts.get(w, 0) for w in weeks]
            ax.bar(xs, ys, bottom=bottom, color=f"C{i % 10}", label=device)
            bottom = [b + y for b, y in zip(bottom, ys, strict=True)]
        ax.legend(fontsize=7)
        out.append(_png(fig, plt, f"{name}: runs by device"))

    fig, ax = _axes(plt, weeks, f"{name}: share of images flagged (shaded: weeks with "
                    "an alert)")
    _mark(ax, weeks, alerted)
    for key, color, label in (("share_shift", "#d9a400", "shift"),
                              ("share_unlike", "#c0392b", "unlike")):
        ys = [wf[w][key] for w in weeks]
        ax.plot(xs, [float("nan") if y is None else 100 * y for y in ys], "o-", ms=3,
                color=color, label=label)
    ax.set_ylabel("%")
    ax.legend(fontsize=8)
    out.append(_png(fig, plt, f"{name}: share flagged"))

    fig, ax = _axes(plt, weeks, f"{name}: PSI (each run's median) against the model's "
                    f"thresholds ({m['psi_limits']['source']})")
    data = [(i, wf[w]["psi_runs"]) for i, w in enumerate(weeks) if wf[w]["psi_runs"]]
    if data:
        ax.boxplot([d for _, d in data], positions=[i for i, _ in data], widths=0.6,
                   showfliers=False, manage_ticks=False)
    _mark(ax, weeks, alerted)
    lim = m["psi_limits"]
    ax.axhline(lim["shift"], color="#d9a400", ls="--", label=f"shift {lim['shift']:g}")
    ax.axhline(lim["unlike"], color="#c0392b", ls="--", label=f"unlike {lim['unlike']:g}")
    ax.legend(fontsize=8)
    out.append(_png(fig, plt, f"{name}: PSI over time"))

    reference = (m.get("reference") or {}).get("outputs") or {}
    names = sorted({o for w in weeks for o in wf[w]["outputs"]})
    units = {o: wf[w]["outputs"][o].get("unit") for w in weeks for o in wf[w]["outputs"]}
    for output in names:
        metrics = sorted({k for w in weeks for k in wf[w]["outputs"].get(output, {})
                          .get("metrics", {})})
        if not metrics:  # a heatmap: nothing summed
            continue
        unit = f" ({units[output]} per run)" if units.get(output) else ""
        fig, ax = _axes(plt, weeks, f"{name}: output {output}{unit} per week"
                        + (" (dashed: the reference period)" if reference else ""))
        for i, metric in enumerate(metrics):
            color = f"C{i % 10}"
            ys = [wf[w]["outputs"].get(output, {}).get("metrics", {}).get(metric)
                  for w in weeks]
            ax.plot(xs, [float("nan") if y is None else y for y in ys], "o-", ms=3,
                    color=color, label=metric)
            ref = reference.get(output, {}).get("metrics", {}).get(metric)
            if ref is not None:
                ax.axhline(ref, color=color, ls="--", lw=1)
        ax.legend(fontsize=8)
        out.append(_png(fig, plt, f"{name}: output {output}"))
    return out


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="t"' if i < left else ""
        return f"<{tag}{cls}>{html.escape(text)}</{tag}>"

    lines = ["<table><tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr>"]
    lines += ["<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>"
              for r in rows]
    return "\n".join(lines) + "</table>"


def _p(text: str, cls: str = "statement", lang: str = "en") -> str:
    return f'<p class="{cls}">{html.escape(say(text, lang))}</p>'


def _model(plt: Any, weeks: Sequence[str], m: dict[str, Any], lang: str = "en") -> str:
    def w(text: str) -> str:
        return say(text, lang)

    def heads(*names: str) -> tuple[str, ...]:
        return tuple(w(n) for n in names)

    parts = [f"<h2>{html.escape(m['model_id'])} {html.escape(m['version'])}</h2>",
             f"<p>Artifact digest {html.escape(m['digest'][:16])}…; {m['runs']} run(s) "
             f"in the period, weeks {html.escape(str(m['first_week']))} to "
             f"{html.escape(str(m['last_week']))}.</p>"]
    parts += [_p(s, lang=lang) for s in m["statements"]]
    if m["older_format"]:
        parts.append(_p(w("{} run(s) were recorded by an older Lightbox without "
                          "statistics: counted as runs only, in no input or output "
                          "figure.").format(m["older_format"])))
    lim = m["psi_limits"]
    parts.append(_p(f"PSI thresholds: shift at {lim['shift']:g}, unlike above "
                    f"{lim['unlike']:g} — " + (
                        "the model's own (its manifest)" if lim["source"] == "manifest" else
                        "the model's own, as its runs recorded them (this version is not "
                        "installed where the report was made)" if lim["source"] == "recorded"
                        else "Lightbox's defaults (this model version is not installed where "
                        "the report was made, and its runs recorded none)")))
    alerts = m["alerts"]
    parts.append("<h3>" + w("Alerts (the site's thresholds)") + "</h3>")
    if alerts:
        first: dict[str, list[dict[str, Any]]] = {}
        for a in alerts:
            first.setdefault(str(a["metric"]), []).append(a)
        parts.append(_table(heads("metric", "latest", "first week", "last week", "weeks"), [
            (metric, str(found[-1]["message"]), found[0]["week"], found[-1]["week"],
             str(len(found))) for metric, found in first.items()], left=2))
        parts.append(f"<details><summary>Every alert, week by week ({len(alerts)})</summary>")
        parts.append(_table(heads("week", "metric", "what", "value", "threshold"), [
            (a["week"], str(a.get("metric", "")), str(a.get("message", "")),
             _num(a.get("value")), _num(a.get("threshold"))) for a in alerts], left=3))
        parts.append("</details>")
    else:
        parts.append("<p>" + w('No threshold crossed in the period.') + "</p>")
    parts.append("<h3>" + w('Plots') + "</h3>")
    parts += _plots(plt, weeks, m)
    parts.append("<h3>" + w('Per week') + "</h3>")
    wf = m["weeks"]
    parts.append("<p>" + w("PSI: over the week's runs, each run's median PSI (p50: their "
                           "median, p90: their 90th percentile). Shift and unlike: shares "
                           "of the images.") + "</p>")
    parts.append(_table(heads("week", "runs", "with statistics", "frames", "shift", "unlike",
                         "PSI p50", "PSI p90", "warnings accepted"), [
        (w, str(wf[w]["runs"]), str(wf[w]["runs_with_stats"]), str(wf[w]["frames"]),
         _pct(wf[w]["share_shift"]), _pct(wf[w]["share_unlike"]), _num(wf[w]["psi_p50"]),
         _num(wf[w]["psi_p90"]), str(wf[w]["warnings_accepted"])) for w in weeks]))
    parts.append("<h3>" + w('Input statistics per acquiring device') + "</h3>")
    parts.append(_table(heads("device", "weeks", "runs", "frames", "shift", "unlike", "PSI p90",
                         "modality", "kVp", "T", "pixel mm", "slice mm"), [
        (d["device"], f"{d['first_week']} – {d['last_week']}", str(d["runs_with_stats"]),
         str(d["frames"]), _pct(d["share_shift"]), _pct(d["share_unlike"]),
         _num(d["psi_p90"]), d["modality"], _num(d["kvp"]), _num(d["field_strength_t"]),
         _num(d["pixel_mm"]), _num(d["slice_mm"])) for d in m["devices"]], left=2))
    parts.append("<h3>" + w('Warnings accepted by readers') + "</h3>")
    if m["warnings"]:
        parts.append(_table(heads("warning", "runs"), [(t, str(n)) for t, n in
                                                   m["warnings"].items()]))
    else:
        parts.append("<p>" + w('No warning was accepted in the period.') + "</p>")
    return "\n".join(parts)


def render(report: dict[str, Any], language: str = "en") -> str:
    """The HTML of ``report`` (the figures of :func:`viewer.audit.report.figures.build`
    with the period, the sources and the statements), its headings, tables' heads and
    fixed statements in ``language`` (:mod:`.words`; the plots stay English)."""
    plt = _pyplot()

    def w(text: str) -> str:
        return say(text, language)

    weeks = report["weeks"]
    made = w("Made {} by Lightbox from {} audit source(s); {} AI run(s) counted."
             if not report["duplicates"] else
             "Made {} by Lightbox from {} audit source(s); {} AI run(s) counted, {} "
             "record(s) found in more than one source counted once.").format(
        html.escape(report["generated"]), len(report["sources"]), report["runs"],
        report["duplicates"])
    body = ["<h1>" + w("AI drift report: {} to {}").format(
                html.escape(report["period"]["from"]), html.escape(report["period"]["to"]))
            + "</h1>", f"<p>{made}</p>"]
    ref = report.get("reference")
    body.append("<p>" + w("Reference period for the outputs: {} to {}.").format(
        html.escape(ref["from"]), html.escape(ref["to"])) + "</p>" if ref else
                "<p>" + html.escape(w("No reference period was chosen (--reference): "
                                      "outputs are shown without one.")) + "</p>")
    body += [_p(s, lang=language) for s in report["statements"]]
    t = report["thresholds"]
    body.append(f"<p>The site's alert thresholds (drift_alerts): images unlike the training "
                f"data above {t['unlike_share']:.0%}, shifted above {t['shift_share']:.0%}, "
                f"PSI (90th percentile of the runs' medians) above {t['psi_p90']:g}, an output "
                f"moved from the reference by more than {t['output_shift']:g} (absolute for "
                f"shares, relative for means); judged per week with at least "
                f"{t['min_runs']} runs.</p>")
    body += [_p(f"{s['name']} was NOT counted: {s['problem']}", "bad")
             for s in report["sources"] if s["problem"]]
    body.append(f"<h2>{w('Sources')}</h2>")
    body.append(_table(tuple(w(n) for n in ("file", "kind", "verified", "runs", "counted")), [
        (s["name"], s["kind"], "no: " + s["problem"] if s["problem"] else w("yes"),
         str(s["runs"]), str(s["new"])) for s in report["sources"]], left=3))
    body += [_model(plt, weeks, m, language) for m in report["models"]]
    style, csp = STYLE.strip(), CSP
    return (f"<!DOCTYPE html>\n<html lang=\"{language}\"><head><meta charset=\"utf-8\">\n"
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
            "<title>" + w("AI drift report {}").format(html.escape(report["period"]["from"]))
            + "</title>\n"
            f"<style>{style}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
