"""The site configuration's ``drift_alerts`` table: the thresholds IT sets for drift alerts.

When one is crossed over the last ``window_days`` of a model's runs, the viewer's model
card and AI panel say "drift under review" and the service exposes it as a metric
(``viewer.audit.drift`` computes it; docs/governance.md says what each one means). Here:
the names, the defaults and the check of the table, so the site file is judged where
every other key is (``viewer.host.site_keys``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

#: Each threshold: (default, lowest allowed, highest allowed, what it is).
FIELDS: Mapping[str, tuple[float, float, float, str]] = MappingProxyType({
    "unlike_share": (0.10, 0.0, 1.0, "share of images flagged unlike the training data"),
    "shift_share": (0.30, 0.0, 1.0, "share of images flagged shifted"),
    "psi_p90": (0.25, 0.0, 100.0, "90th percentile over runs of each run's median PSI"),
    "output_shift": (0.15, 0.0, 100.0, "change of an output statistic against the "
                     "reference period (absolute for shares, relative for means)"),
    "min_runs": (20, 1, 1_000_000, "fewest runs in the window for any alert"),
    "window_days": (30, 1, 3660, "the window the alerts look at, in days"),
    "reference_days": (30, 1, 3660, "the reference period: the first days of a model "
                       "version's runs"),
})
WHOLE = frozenset({"min_runs", "window_days", "reference_days"})
DEFAULTS: Mapping[str, float] = MappingProxyType({k: v[0] for k, v in FIELDS.items()})


def check_drift_alerts(value: Any) -> tuple[dict[str, float] | None, str]:
    """(the table with every threshold, the defaults filled in, "") or (None, the reason)."""
    if not isinstance(value, dict):
        return None, ("must be a table of thresholds, e.g. {unlike_share = 0.1, "
                      "min_runs = 20}")
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        return None, (f"has no threshold {unknown[0]!r} (it knows "
                      f"{', '.join(FIELDS)})")
    table = dict(DEFAULTS)
    for name, given in value.items():
        _, low, high, _what = FIELDS[name]
        whole = name in WHOLE
        if isinstance(given, bool) or not isinstance(given, int | float) or (
                whole and not isinstance(given, int)) or not low <= given <= high:
            kind = "a whole number" if whole else "a number"
            return None, f"{name} must be {kind} from {low:g} to {high:g}, not {given!r}"
        table[name] = int(given) if whole else float(given)
    return table, ""
