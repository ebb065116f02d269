"""The service's drift alerts: computed from its own audit log at start and every
:data:`REFRESH_S` after (``lightbox serve --drift-refresh S``), exposed as the Prometheus gauge
``lightbox_drift_under_review{model,version,metric}`` (1 while under review; the measured
value in ``lightbox_drift_value``) and in ``/v1/models`` (each model's ``drift``).

The same analysis as the report and the viewer (``viewer.audit.drift.under_review``), with
the site's ``drift_alerts`` thresholds, so a department's monitoring knows before the
governance committee meets. A log that cannot be read leaves the last alerts in place and
is logged (the service goes on serving)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Any

from viewer.audit.drift import DriftAlert, DriftThresholds, under_review
from viewer.audit.log import AuditLog
from viewer.host.settings import Settings

log = logging.getLogger(__name__)
REFRESH_S = 900.0


class DriftWatch:
    def __init__(self, settings: Settings, metrics: Any = None) -> None:
        self.settings, self.metrics = settings, metrics
        self.thresholds = DriftThresholds.of(settings.drift_alerts)
        self.alerts: tuple[DriftAlert, ...] = ()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def of(self, model_id: str, digest: str | None) -> list[DriftAlert]:
        """The alerts of the model version served as ``model_id`` with ``digest``."""
        return [a for a in self.alerts if a.model_id == model_id and a.model_digest == digest]

    def refresh(self) -> None:
        """Read the audit log and compute the alerts of the last window."""
        try:
            records = AuditLog.of(self.settings).records()
        except OSError as exc:
            log.warning("the drift alerts keep their last state: the audit log cannot be "
                        "read (%s)", exc)
            return
        self._show(under_review(records, self.thresholds))

    def _show(self, alerts: Sequence[DriftAlert]) -> None:
        self.alerts = tuple(alerts)
        if self.metrics is None:
            return
        gauge, value = self.metrics.drift_under_review, self.metrics.drift_value
        gauge.clear()
        value.clear()
        for a in alerts:
            gauge.labels(a.model_id, a.model_version, a.metric).set(1)
            value.labels(a.model_id, a.model_version, a.metric).set(a.value)
        if alerts:
            log.warning("drift under review: %s", "; ".join(
                f"{a.model_id} {a.model_version} {a.message}" for a in alerts))

    def start(self, every_s: float = REFRESH_S) -> None:
        """Compute now (before the first request), then every ``every_s`` in a thread."""
        self.refresh()
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, args=(every_s,),
                                            name="drift-watch", daemon=True)
            self._thread.start()

    def _loop(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the watch must outlive one bad refresh
                log.exception("the drift alerts could not be refreshed")

    def stop(self) -> None:
        self._stop.set()
