"""Today and now, from one place.

Every part of the tool that needs "today" (the forecast's last complete day, `--month current`,
`--out {date}`, the report's generation time, the ingest check for timestamps in the future)
asks this module. `LLMCOST_TODAY` fixes the clock for tests, demos and replays:

- `LLMCOST_TODAY=2026-11-24`: today is that day in every time zone, and now is its noon there;
- `LLMCOST_TODAY=2026-11-24T08:30:00+00:00`: now is that instant (a time without an offset is UTC),
  and today is its date in the time zone asked for.

Unset, both come from the system clock.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from llmcost.errors import UsageError

ENV = "LLMCOST_TODAY"


def _fixed() -> date | datetime | None:
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return date.fromisoformat(raw)
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"{ENV}={raw!r} is not a date. Fix: set it to YYYY-MM-DD (or an ISO timestamp), or unset it."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def now(tz: str = "UTC") -> datetime:
    """The current instant, as an aware datetime in `tz`."""
    zone = ZoneInfo(tz)
    fixed = _fixed()
    if fixed is None:
        return datetime.now(zone)
    if isinstance(fixed, datetime):
        return fixed.astimezone(zone)
    return datetime.combine(fixed, time(12), tzinfo=zone)


def today(tz: str = "UTC") -> date:
    """Today's date in `tz`."""
    fixed = _fixed()
    if fixed is not None and not isinstance(fixed, datetime):
        return fixed
    return now(tz).date()


def wall_now() -> datetime:
    """The system clock in UTC, never fixed: for records of when something happened (the manifest's
    ingest times, the lock's holder), not for the logic that depends on the day."""
    return datetime.now(UTC)
