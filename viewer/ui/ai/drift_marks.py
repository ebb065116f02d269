""""Drift under review": the site's drift alerts over this workstation's audit logs, as the
AI panel's model rows and the model card show them.

The alerts are computed on the panel's worker when the models are loaded
(:func:`workstation_alerts`: every audit log of the configured folder, the analysis of
``viewer.audit.drift``, the site's ``drift_alerts`` thresholds) and again after each run
the panel records, never on the GUI thread;
here too are the translated words that name each alert's metric, value and threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from viewer.ui.i18n import QT_TRANSLATE_NOOP, translate

if TYPE_CHECKING:  # the audit loads on the worker, after the first image is on screen
    from viewer.audit.drift import DriftAlert
    from viewer.host.settings import Settings

UNDER_REVIEW = QT_TRANSLATE_NOOP("Drift", "DRIFT UNDER REVIEW")
CARD_TITLE = QT_TRANSLATE_NOOP("Drift", "Drift under review")
EXPLAINED = QT_TRANSLATE_NOOP(
    "Drift", "Recent runs of this model version crossed a threshold set by IT. Results "
    "remain available; the department reviews whether the model still fits its images.")
METRIC_WORDS = {
    "unlike_share": QT_TRANSLATE_NOOP("Drift", "images unlike the training data"),
    "shift_share": QT_TRANSLATE_NOOP("Drift", "images shifted from the training data"),
    "psi_p90": QT_TRANSLATE_NOOP("Drift", "PSI (90th percentile of the runs' medians)"),
}
SHARE_LINE = QT_TRANSLATE_NOOP("Drift", "{}: {} (threshold {}), "
                                        "{}, {} runs")
OUTPUT_LINE = QT_TRANSLATE_NOOP("Drift", "output {} ({}) changed by {} "
                                         "from the reference period (threshold "
                                         "{}), {}, {} runs")


def workstation_alerts(settings: Settings) -> tuple[DriftAlert, ...]:
    """The alerts of the last window over every audit log in the configured folder (each
    account of the workstation writes its own); a log this account cannot read is left
    out. Runs on a worker: it reads the logs."""
    from viewer.audit.drift import DriftThresholds, under_review
    from viewer.audit.log import AuditLog, logs_in

    records: list[dict[str, Any]] = []
    for path in logs_in(settings.audit_dir):
        try:
            records.extend(AuditLog(path).records())
        except (OSError, UnicodeDecodeError):
            continue
    return tuple(under_review(records, DriftThresholds.of(settings.drift_alerts)))


def alerts_of(alerts: Sequence[DriftAlert], model_id: str,
              digest: str | None) -> list[DriftAlert]:
    """Those of the model version ``model_id`` with manifest ``digest``."""
    return [a for a in alerts if a.model_id == model_id and a.model_digest == digest]


def alert_line(alert: DriftAlert) -> str:
    """One translated line: the metric, its value and threshold, the window, the runs."""
    if alert.metric.startswith("output:"):
        _, output, statistic = alert.metric.split(":", 2)
        return translate("Drift", OUTPUT_LINE).format(
            output, statistic, f"{alert.value:.0%}", f"{alert.threshold:.0%}", alert.window,
            alert.runs)
    what = translate("Drift", METRIC_WORDS.get(alert.metric, alert.metric))
    shown = (lambda v: f"{v:.3f}") if alert.metric == "psi_p90" else (lambda v: f"{v:.0%}")
    return translate("Drift", SHARE_LINE).format(
        what, shown(alert.value), shown(alert.threshold), alert.window, alert.runs)


def tooltip(alerts: Sequence[DriftAlert]) -> str:
    """The title and one line per alert (empty: none)."""
    if not alerts:
        return ""
    return "\n".join([translate("Drift", CARD_TITLE), *(alert_line(a) for a in alerts)])
