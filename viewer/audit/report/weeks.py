"""ISO weeks (UTC) and the time of a record: the report's one calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def parse_time(text: str) -> datetime:
    """ISO 8601; a time without a zone is UTC, a bare date its midnight. ValueError if not."""
    stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def record_time(record: dict[str, Any]) -> datetime | None:
    try:
        return parse_time(str(record.get("time", "")))
    except ValueError:
        return None


def week_of(when: datetime) -> str:
    """``2026-W07``: the ISO week (Monday to Sunday, UTC)."""
    year, week, _ = when.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def monday(when: datetime) -> datetime:
    day = when.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def weeks_between(start: datetime, end: datetime) -> list[tuple[str, datetime, datetime]]:
    """Every ISO week that overlaps ``[start, end)``: (label, its Monday, the next Monday)."""
    out = []
    day = monday(start)
    while day < end:
        out.append((week_of(day), day, day + timedelta(days=7)))
        day += timedelta(days=7)
    return out
