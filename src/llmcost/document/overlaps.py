"""The report's word on overlapping exports: rows stored but not counted because another export of
the same usage or money counts them (storage.store.overlaps_select: a bucket inside a wider bucket
of the same export family, a FOCUS line its provider's own cost export bills). The counting leaves
them out silently; the report says how many, of which source, where, and which rows count instead,
so a user who loaded both exports knows the total is not their sum."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

DOC = '(docs/formats-provider-exports.md, "Overlapping exports at two widths")'

SUMMARY = """
SELECT '{table}' AS tbl, why, source, width_s, coarse_width_s, by_source, count(*) AS n, min(ts) AS first_ts,
       max(ts) AS last_ts
FROM {table}_overlaps WHERE {where}
GROUP BY why, source, width_s, coarse_width_s, by_source"""
"""Per kind of overlap, over the rows of a report's window (`where` on `ts`, as the window's)."""


def width_text(seconds: int) -> str:
    """A bucket width in words: 60 -> '1-minute', 3600 -> '1-hour', 2592000 -> '30-day'."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}-{unit}"
    return f"{seconds}-second"


def _day(ts: Any, tz: str) -> date:
    """The calendar day in `tz` of a timestamp as an engine returns it (Spark's are naive UTC)."""
    t = ts if isinstance(ts, datetime) else datetime.fromisoformat(str(ts))
    return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(ZoneInfo(tz)).date()


def overlap_warnings(con: Any, where: str, tz: str) -> list[str]:
    """One warning per kind of overlap among the rows of the report's window (`where`, SQL on `ts`
    with no parameters), most rows first: empty when nothing overlaps. `con` runs DuckDB SQL over
    the store's views (a DuckDB connection, or engine.spark's cursor)."""
    sql = " UNION ALL ".join(SUMMARY.format(table=t, where=where) for t in ("usage", "costs"))
    rows = con.execute(f"SELECT * FROM ({sql}) ORDER BY tbl DESC, source, width_s, why").fetchall()
    out = []
    for table, why, source, width, coarse, by_source, n, first, last in rows:
        span = f"{_day(first, tz)} to {_day(last, tz)}"
        if why == "focus":
            out.append(
                f"overlapping exports: {n:,} cost line{'' if n == 1 else 's'} of {source} ({span}) bill what the "
                f"provider's own cost export ({by_source}) bills, the same model and token type over the same "
                f"time; they stay stored and are not counted, the {by_source} lines are {DOC}")
            continue
        what, unit = ("usage row", "buckets") if table == "usage" else ("cost line", "periods")
        scope = "model and project" if table == "usage" else "model, project and line item"
        kind = f"{what}{'' if n == 1 else 's'}"
        count_as = "buckets" if table == "usage" else "lines"
        out.append(
            f"overlapping exports: {n:,} {kind} of {source} in {width_text(int(width))} {unit} ({span}) lie inside "
            f"{width_text(int(coarse))} {unit} of the same provider, source, {scope} from another file; they stay "
            f"stored and are not counted, the {width_text(int(coarse))} {count_as} are {DOC}")
    return out
