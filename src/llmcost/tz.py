"""Time zones and calendar days named by the user (`--tz`, `--since`, `--until`, `--as-of`,
`--month`, `prices --at`): one check with one message for every command."""

from __future__ import annotations

import functools
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from llmcost.errors import UsageError

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""The calendar a user may name (issue 17: `--until 9999-12-31` and `--month 0001-01` overflowed
Python's dates when the report stepped a day or a month past them). Usage is stored from 1990 on
(docs/reliability.md), so these bounds leave every real window possible."""


def check_day(day: date, flag: str, shown: str | None = None) -> date:
    """`day` when inside FIRST_DAY .. LAST_DAY; else a UsageError naming `flag` (and the value as
    typed, `shown`)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(f"{flag} {shown or day.isoformat()} is outside the calendar this tool works in. "
                         f"Fix: use a date between {FIRST_DAY} and {LAST_DAY}.")
    return day


@functools.cache
def _duckdb_zones() -> frozenset[str]:
    from llmcost.storage.duck import connect

    with connect() as con:
        return frozenset(r[0] for r in con.execute("SELECT name FROM pg_timezone_names()").fetchall())


def check_tz(tz: str) -> str:
    """Return `tz` if it names an IANA time zone; else a UsageError that says how to fix it."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--tz {tz!r} is not a time zone. Fix: use an IANA name such as UTC or Europe/Paris."
        ) from None
    if tz not in _duckdb_zones():
        # Python's tzdata has a few files that are not zones (posixrules, Factory, localtime);
        # DuckDB (ICU) refuses them in SQL, which read as a damaged store (issue 17)
        raise UsageError(
            f"--tz {tz!r} is not a time zone DuckDB can use. Fix: use an IANA region name such as UTC, "
            "Europe/Paris or America/New_York."
        )
    return tz


LEFT_OUT = {
    "--as-of": "the forecast starts from yesterday, or from the data's last day",
    "--since": "the window starts at the data's first day",
}
"""What leaving a day flag out does, for the fix `check_not_after_today` names."""


def check_not_after_today(day: date | None, flag: str, tz: str, today: date | None = None) -> date | None:
    """`day` when it is not after today in `tz` (or `today`, when given: a report replayed on a
    fixed day); else a UsageError naming `flag`, today and the fix. For `--as-of`, the last day of
    data a forecast uses: a day that has not come holds none, and a forecast from it showed $0.00
    "actual to date" for a month that had not begun. For `--since` (report, export-focus, plan,
    swap), the first day of a window: a window that starts after today holds no usage yet."""
    from llmcost import clock

    if day is None:
        return None
    today = today or clock.today(check_tz(tz))
    if day > today:
        without = f" ({LEFT_OUT[flag]})" if flag in LEFT_OUT else ""
        raise UsageError(f"{flag} {day} is after today ({today}, {tz}): there is no data for it yet. Fix: leave "
                         f"{flag} out{without}, or give a day up to {today}.")
    return day
