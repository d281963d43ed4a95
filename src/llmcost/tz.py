"""Time zones named by the user (`--tz`): one check with one message for every command."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from llmcost.errors import UsageError


def check_tz(tz: str) -> str:
    """Return `tz` if it names an IANA time zone; else a UsageError that says how to fix it."""
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--tz {tz!r} is not a time zone. Fix: use an IANA name such as UTC or Europe/Paris."
        ) from None
    return tz
