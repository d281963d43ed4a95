"""Build the report document: one plain dict that every renderer shows the same way.

This is where the layers meet: the store gives rows, pricing gives money, the measures and
forecast add their sections. Renderers in `llmcost.report` only format this dict. Money stays
`Decimal` here; renderers turn it into text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import duckdb

from llmcost import __version__, clock
from llmcost.document.compare import month_end, month_start, period_compare, previous_month
from llmcost.document.overlaps import overlap_warnings
from llmcost.document.priced_rows import PricedTable, price_once
from llmcost.errors import UsageError
from llmcost.measures import queries
from llmcost.pricing import load_catalog
from llmcost.pricing.engine import SUGGEST_LIMIT
from llmcost.storage.store import FileEntry, Manifest, Store, attach_work_file, one
from llmcost.tz import check_day, check_not_after_today, check_tz

if TYPE_CHECKING:
    from llmcost.engine.spark import RemoteStore, SparkPriced

SCHEMA_VERSION = "1.10"
"""1.0: ingest, totals, by_*; 1.1 adds the measures, reconciliation, compare, budget, currency and
the (optional) forecast and scenarios sections; 1.2 adds by_label (--label); 1.3 adds by_tag (--by
tag:NAME); 1.4 adds budget.billed_usd and budget.estimated_usd (month-to-date money counted once);
1.6 adds period.has_data, data_first_day and data_last_day, and compare.same_days, days_compared
and each compared month's days and whole_month; 1.7 adds requests_known, no_request_count_tokens,
no_request_count_token_share and no_request_count_cost_usd to totals, by_provider_model, by_project and
by_day (usage from exports that state no request count: `requests` is then a lower bound, or not
stated when 0); 1.8 adds requests_known and no_request_count_tokens to by_label, by_tag, daily,
spend.by_month, by_month_model, by_week and month_over_month (by_label and by_tag also the share and
cost), and requests_known to cache.by_model; and to compare the tokens driver (tokens_usd,
applicable_drivers), each month's requests_known and tokens, each month's billed money, and each
side's has_data and data_from; and forecast.billed_money (the billed money of models without a list
price, forecast as money); 1.9 adds requests_known and the no_request_count_* columns to spend.totals; 1.10 adds
last_run.notes (what the ingest run said that is no problem: a store in the input, a file read again)
and totals.cost_lines_only (the window holds billed cost lines and no usage row).
docs/report-schema.json describes it."""


@dataclass(frozen=True)
class IngestRun:
    """What the run that ingested before this report did (its "last run" section): files per
    status (ingested, replaced, unchanged, companion, unrecognised, failed) and the files not read."""

    files: dict[str, int]
    problems: list[dict[str, str]]
    """One {"file", "status", "message"} per unrecognised or failed file."""
    notes: list[dict[str, str]] = field(default_factory=list)
    """One {"file", "note"} per file or folder the run has a word about that is no problem: an
    unchanged file read again because its format's reader changed, another llmcost store in the
    input (not read). Said on stderr too, but `--quiet` hides that and cron reads the JSON."""


@dataclass
class ReportOptions:
    store: Path | str
    """A local store directory, or with engine "spark" a store at a URL (engine.spark.is_uri)."""
    prices_file: Path | None = None
    since: date | None = None
    until: date | None = None
    top: int = 20
    month: str | None = None
    """`current`, `last` or YYYY-MM: the report's window (instead of since/until)."""
    tz: str = "UTC"
    """Time zone of calendar days and months (period bounds, daily series, compare, budget)."""
    budget: Decimal | None = None
    """Monthly budget in USD: the budget section says whether the forecast (or month-to-date) crosses it."""
    currency: str | None = None
    """Also show money in this currency (needs rates_file)."""
    rates_file: Path | None = None
    """CSV of dated rates (date,currency,rate_per_usd); see llmcost.pricing.currency."""
    today: date | None = None
    """`current`/`last` are relative to this day (default: today in tz); for tests and replays."""
    as_of: date | None = None
    """The forecast uses data up to this day (default: yesterday in tz) and ignores later data."""
    scenarios_file: Path | None = None
    """Scenario and what-if definitions (TOML); default: the built-in conservative/base/aggressive."""
    forecast: bool = True
    """Compute the forecast, scenarios and alternatives (off with --no-forecast)."""
    value_per_conversion: Decimal | None = None
    """USD a conversion brings: with conversion_rate, the margin per session (unit_costs.economics)."""
    conversion_rate: Decimal | None = None
    """Share of sessions (conversations) that convert, 0 < rate <= 1: the break-even value per conversion."""
    tags: tuple[str, ...] = ()
    """Tag names to group spend by (--by tag:NAME): the by_tag table, one block of rows per tag."""
    engine: str = "duckdb"
    """Where the first screen's measures run: duckdb, or spark (llmcost.engine.spark, docs/scale.md)."""


def _first_quarantined(root: Path | None, rel: str | None) -> dict[str, Any] | None:
    """The first quarantined row of a file (its quarantine file is in line order): line and reason."""
    if root is None or not rel:
        return None
    import json

    try:
        with open(root / rel, encoding="utf-8") as fh:
            first = json.loads(fh.readline() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(first, dict):
        return None
    from llmcost.ingest.privacy import mask_text

    return {"line": first.get("line"), "reason": mask_text(str(first.get("reason") or "")) or None}


def ingest_summary(manifest: Manifest, root: Path | None = None) -> dict[str, Any]:
    """Counts for the whole store, from the manifest: rows read = stored + duplicate + skipped +
    quarantined (skipped: records a format marks as not usage, e.g. a Claude Code reply made
    without an API call).
    With the store's `root`, each file with quarantined rows also gives its first one (line, reason).
    Rows a format derives into its other table (FOCUS token buckets beside the cost lines) count
    with their file: one file, its rows in both tables."""
    derived_of: dict[str, list[FileEntry]] = {}
    for d in manifest.files.values():
        if d.derived_from is not None:
            derived_of.setdefault(d.derived_from, []).append(d)
    files = [_with_derived(f, derived_of.get(f.path, [])) for f in manifest.files.values() if f.derived_from is None]
    out: dict[str, Any] = {
        "files": len(files),
        "rows_read": sum(f.rows_read for f in files),
        "rows_stored": sum(f.rows_stored for f in files),
        "rows_duplicate": sum(f.rows_duplicate for f in files),
        "rows_quarantined": sum(f.rows_quarantined for f in files),
        "rows_skipped": sum(f.rows_skipped for f in files),
    }
    by_source: dict[str, dict[str, Any]] = {}
    for f in files:
        s = by_source.setdefault(
            f.ingestor,
            {
                "source": f.ingestor,
                "files": 0,
                "rows_read": 0,
                "rows_stored": 0,
                "rows_duplicate": 0,
                "rows_quarantined": 0,
                "rows_skipped": 0,
            },
        )
        s["files"] += 1
        for k in ("rows_read", "rows_stored", "rows_duplicate", "rows_quarantined", "rows_skipped"):
            s[k] += getattr(f, k)
    out["by_source"] = sorted(by_source.values(), key=lambda s: s["source"])
    out["by_file"] = [
        {
            "file": f.path,
            "source": f.ingestor,
            "rows_read": f.rows_read,
            "rows_stored": f.rows_stored,
            "rows_duplicate": f.rows_duplicate,
            "rows_quarantined": f.rows_quarantined,
            "rows_skipped": f.rows_skipped,
            "quarantine": f.quarantine,
            "first_quarantined": _first_quarantined(root, f.quarantine) if f.rows_quarantined else None,
            "ingested_at": f.ingested_at,
        }
        for f in sorted(files, key=lambda f: f.path)
    ]
    return out


def _with_derived(f: FileEntry, derived: list[FileEntry]) -> FileEntry:
    """The file's manifest entry with the counts of the rows `derived` from it added in (a scan of
    the manifest per file made the summary quadratic: 4.8 s for 5,160 files)."""
    if not derived:
        return f
    return replace(
        f,
        rows_read=f.rows_read + sum(d.rows_read for d in derived),
        rows_stored=f.rows_stored + sum(d.rows_stored for d in derived),
        rows_duplicate=f.rows_duplicate + sum(d.rows_duplicate for d in derived),
        rows_quarantined=f.rows_quarantined + sum(d.rows_quarantined for d in derived),
        rows_skipped=f.rows_skipped + sum(d.rows_skipped for d in derived),
        quarantine=f.quarantine or next((d.quarantine for d in derived if d.quarantine), None),
    )


def resolve_month(spec: str, tz: str = "UTC", today: date | None = None) -> tuple[date, date, str]:
    """`current`, `last` or `YYYY-MM` -> (first day, last day, "YYYY-MM") in `tz`."""
    day = today or clock.today(check_tz(tz))
    s = spec.strip().lower()
    if s == "current":
        first = day.replace(day=1)
    elif s in ("last", "previous"):
        first = previous_month(day)
    else:
        try:
            # strptime also reads 2026-1: a month is two digits here, as a date is in --since
            if not re.fullmatch(r"\d{4}-\d{2}", s):
                raise ValueError(s)
            first = datetime.strptime(s, "%Y-%m").date()
        except ValueError:
            raise UsageError(f"--month {spec!r} is not a month. Fix: use current, last or YYYY-MM.") from None
        check_day(first, "--month", spec)
        if first > day:
            # a month that has not begun holds no usage: a report of it read "no data" (exit 1)
            # as if an export were missing, and wrote a file named for it
            raise UsageError(f"--month {spec.strip()} is in the future: today is {day} ({tz}), so it holds no "
                             f"usage yet. Fix: use current, last or a month up to {day:%Y-%m}.")
    return first, month_end(first), f"{first:%Y-%m}"


def _window(opts: ReportOptions) -> tuple[date | None, date | None, str | None]:
    """(since, until inclusive, month label) from --month or --since/--until."""
    if opts.month:
        if opts.since or opts.until:
            raise UsageError("--month cannot be combined with --since/--until. Fix: use one or the other.")
        return resolve_month(opts.month, opts.tz, opts.today)
    if opts.since and opts.until and opts.since > opts.until:
        raise UsageError(f"--since {opts.since} is after --until {opts.until}. Fix: swap them.")
    check_not_after_today(opts.since, "--since", opts.tz, opts.today)
    return opts.since, opts.until, None


def _where(since: date | None, until: date | None, tz: str) -> tuple[str, list[Any]]:
    """Bounds on `ts` for calendar days in `tz` (until inclusive)."""
    conds, params = ["true"], []
    if since:
        conds.append("ts >= timezone(?, CAST(? AS TIMESTAMP))")
        params += [tz, since.isoformat()]
    if until:
        conds.append("ts < timezone(?, CAST(? AS TIMESTAMP) + INTERVAL 1 DAY)")
        params += [tz, until.isoformat()]
    return " AND ".join(conds), params


def _inline(where: str, params: list[Any]) -> str:
    """`where` with its ? parameters written as SQL string literals (a view takes no parameters)."""
    parts = where.split("?")
    assert len(parts) == len(params) + 1
    out = parts[0]
    for value, rest in zip(params, parts[1:], strict=True):
        out += "'" + str(value).replace("'", "''") + "'" + rest
    return out


def build_report(opts: ReportOptions, last_run: IngestRun | None = None) -> dict[str, Any]:
    """The whole report document for the store at `opts.store`."""
    check_tz(opts.tz)
    if opts.forecast:
        from llmcost.forecast import warm

        warm.start()  # statsmodels' import overlaps the DuckDB work before the forecast
    since, until, month = _window(opts)
    rates = None
    if opts.currency:
        from llmcost.pricing.currency import load_rates

        if opts.rates_file is None:
            raise UsageError(
                f"--currency {opts.currency} needs dated rates. Fix: add --rates FILE "
                "(CSV with columns date,currency,rate_per_usd)."
            )
        rates = load_rates(opts.rates_file)
    catalog = load_catalog(opts.prices_file)
    with ExitStack() as stack:
        priced = None
        if opts.engine == "spark":
            # the store priced once on Spark, every section read there (docs/scale.md); DuckDB
            # opens nothing of the store: its connection only holds the forecast's scratch
            from llmcost.engine.spark import priced_on_spark
            from llmcost.storage import duck

            priced, store, manifest = stack.enter_context(priced_on_spark(opts.store, catalog, opts.tz))
            con = stack.enter_context(closing(duck.bounded()))
        else:
            store, manifest, con = stack.enter_context(open_store(opts.store))
        doc = _report(con, opts, store, manifest, catalog, since, until, month, rates, priced=priced)
    if last_run is not None:
        doc["last_run"] = {
            "files": dict(last_run.files), "problems": list(last_run.problems), "notes": list(last_run.notes)
        }
    return doc


_CENT = Decimal("0.01")  # budget messages: dollars and cents, half-up as the report's money reads

WINDOW_VIEW = "doc_window"
"""The report's window over its priced table (`window_view`); sections are given the name."""
VOLUME_VIEW = "doc_volume"
"""The report's window over its priced table, the rows that count for volume only (`volume_view`):
a request row on a provider-day that the provider's own usage buckets cover is in the buckets
already (sql/reconcile_money_usage.sql, counts_for_tokens), so spend, tokens and requests are read
from here, the behaviour (turns, conversations, units, bursts) from the whole window."""
COSTS_WINDOW_VIEW = "doc_costs_window"
"""The report's window over the store's billed cost lines (`costs_window_view`)."""
LARGE_ROWS = 5_000_000
"""Above this many stored rows the report's working tables live in a temporary database file."""


@contextmanager
def open_store(path: Path | str) -> Iterator[tuple[Store, Manifest, duckdb.DuckDBPyConnection]]:
    """The store at `path` opened for a report (or export-focus), under a shared lock: the store, its
    checked manifest and a connection whose `usage` view has its turns filled once. The one place
    the report side opens a store (for the store's own reader to replace)."""
    store = Store.open(Path(path))
    work_file = None
    try:
        with store.reader() as r:  # shared lock (waits up to 30 s), checked manifest, bounded connection
            manifest, con = r.manifest, r.con
            if sum(f.rows_stored for f in manifest.files.values()) > LARGE_ROWS:
                work_file = attach_work_file(con)  # large: the working tables go to a compressed file
            # `usage` fills missing turns from a small table the reader computed once
            # (store.usage_view_fill): no copy of the rows here
            yield store, manifest, con
    finally:
        if work_file is not None:  # after the reader closed the connection that had it attached
            work_file.unlink(missing_ok=True)
            Path(f"{work_file}.wal").unlink(missing_ok=True)


def window_view(con: Any, rows: PricedTable, since: date | None, until: date | None) -> str:
    """The report's window over its priced table, as TEMP VIEW `doc_window`; returns the name,
    which every section reading the window is given (the sql/ queries read it with `relation=`)."""
    where, params = _where(since, until, rows.tz)
    return rows.view(con, WINDOW_VIEW, _inline(where, params))


def volume_view(con: Any, rows: PricedTable, since: date | None, until: date | None) -> str:
    """The report's window over its priced table, rows that count for volume only, as TEMP VIEW
    `doc_volume` (VOLUME_VIEW); returns the name. Where no provider aggregate covers a request
    row's provider-day it holds the same rows as `window_view`."""
    where, params = _where(since, until, rows.tz)
    return rows.view(con, VOLUME_VIEW, f"({_inline(where, params)}) AND counts_for_tokens")


def costs_window_view(con: Any, rows: PricedTable, since: date | None, until: date | None) -> str:
    """The report's window over the store's billed cost lines (`costs`), as TEMP VIEW
    `doc_costs_window`; returns the name. Cut as `window_view` cuts the estimates: a cost line
    counts where its bucket starts (`ts`), in calendar days of the report's time zone."""
    where, params = _where(since, until, rows.tz)
    select = f"SELECT * FROM costs WHERE {_inline(where, params)}"
    if isinstance(con, duckdb.DuckDBPyConnection):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {COSTS_WINDOW_VIEW} AS {select}")
    else:  # engine.spark: a view on Spark (SparkPriced.keep makes views of any DuckDB select there)
        rows.keep(con, COSTS_WINDOW_VIEW, select)
    return COSTS_WINDOW_VIEW


def _report(
    duck: duckdb.DuckDBPyConnection, opts: ReportOptions, store: Store | RemoteStore, manifest: Any, catalog: Any,
    since: date | None, until: date | None, month: str | None, rates: Any,
    priced: SparkPriced | None = None,
) -> dict[str, Any]:
    """The report document: every section reads the one priced table (priced once, here).
    `priced`: the store priced on Spark (`--engine spark`, engine.spark.priced_on_spark): then
    DuckDB prices nothing; the sections run their same queries on Spark (through its cursor), and
    the forecast reads its history rows from Spark into a DuckDB table on `duck`."""
    if priced is None:
        rows: PricedTable = price_once(duck, catalog, opts.tz)
        con: Any = duck
    else:
        rows, con = priced, priced.cursor(WINDOW_VIEW, VOLUME_VIEW)
    try:
        return _sections(duck, con, rows, opts, store, manifest, catalog, since, until, month, rates)
    finally:
        if priced is not None:
            con.close()


def _sections(
    duck: duckdb.DuckDBPyConnection, con: Any, rows: Any, opts: ReportOptions, store: Store | RemoteStore,
    manifest: Any,
    catalog: Any, since: date | None, until: date | None, month: str | None, rates: Any,
) -> dict[str, Any]:
    """The document's sections over the priced table `rows`, their queries run by `con` (`duck`,
    or a Spark cursor); the forecast runs on `duck`."""
    window = window_view(con, rows, since, until)
    volume = volume_view(con, rows, since, until)
    costs = costs_window_view(con, rows, since, until)
    pricing = rows.summary(con, volume)
    doc = _document(con, opts, store, manifest, catalog.info(), pricing, volume, costs)
    # rows another export of the same usage or money counts (storage.store.overlaps_select): said,
    # since the totals are then not the sum of the exports loaded
    doc["warnings"].extend(overlap_warnings(con, _inline(*_where(since, until, rows.tz)), rows.tz))
    for m in catalog.overrides.zero_priced():
        doc["warnings"].append(
            f"{m.origin} prices {m.provider}/{m.model} at $0 (input = 0, output = 0): its requests count as $0. "
            "Fix: if those are the snippet's placeholder zeros, write the real prices (USD per million tokens)"
        )
    first, last = data_days(con, rows)
    held = holds_data(first, last, since, until)
    doc["period"] = {"since": since, "until": until, "month": month, "tz": opts.tz,
                     "covers": covered_months(con, (window, costs), opts.tz, since, until, month),
                     "data_first_day": first, "data_last_day": last, "has_data": held}
    if not doc["period"]["has_data"]:
        # nothing was measured in this window: its spend is unknown, not $0 (a gap inside the data is $0)
        for k in ("cost_usd", "server_tools_cost_usd"):
            doc["totals"][k] = None
        doc["warnings"].insert(0, no_data_message(since, until, month, first, last, opts.tz))
    elif doc["totals"]["first_ts"] is None and (since is not None or until is not None):
        # no row in the window (an export's rows count tokens and money but no request: not "no usage")
        doc["warnings"].insert(0, f"no usage in this window ({_window_text(since, until, month)}), inside the data "
                                  f"the store holds ({first} to {last}, {opts.tz}): nothing was spent, $0. Fix: "
                                  "choose another window (--month YYYY-MM, --since/--until) for spend")
    if con is duck:
        measured = _measures(con, window, volume, since)
    else:  # the same compute functions, their queries on Spark
        from llmcost.engine.spark import measures_on_spark

        measured = measures_on_spark(rows.spark, since, relation=window, volume=volume)
    taken = sorted(set(measured) & set(doc))
    if taken:  # a measure's key must not overwrite another section of the document
        raise UsageError(f"measure key(s) {', '.join(map(repr, taken))} already name a section of the report "
                         "document. Fix: register the measure under another key (llmcost.measures.registry.MEASURES).")
    doc.update(measured)
    doc["by_tag"] = _by_tag(con, opts.tags, doc, volume)
    if opts.conversion_rate is not None:
        doc["unit_costs"]["economics"] = unit_economics(doc["unit_costs"], opts.conversion_rate,
                                                        opts.value_per_conversion)
    doc["daily"] = _daily(con, volume, opts.tz)
    doc["cache"]["daily"] = _cache_daily(con, volume, opts.tz)
    doc["reconciliation"] = _reconciliation(con, rows, since, until, costs)
    cmp_month = compare_through(first, last, since, until)
    doc["compare"] = _compare(con, rows, cmp_month, first) if cmp_month else None
    doc["conversations"]["counts"] = _conversation_counts(con, window)
    doc.update(forecast_sections(duck, opts, doc, catalog, rows))
    if opts.budget is not None:
        fc = doc.get("forecast") or {}
        if opts.as_of is not None and fc.get("month") and not (doc.get("period") or {}).get("month"):
            # a replayed forecast's month to its --as-of (the data's last month, or the whole of a
            # month before today, is another month and depends on the run date)
            mtd: dict[str, Any] | None = month_money(con, rows, date.fromisoformat(f"{fc['month']}-01"),
                                                     through=opts.as_of)
        else:
            mtd = month_money(con, rows, cmp_month) if cmp_month else None
        doc["budget"] = budget_check(doc, opts.budget, mtd)
    else:
        doc["budget"] = None
    doc["currency"] = _currency(doc, rates, opts.currency, until) if rates is not None else None
    return doc


def unit_economics(unit_costs: dict[str, Any], conversion_rate: Decimal,
                   value_per_conversion: Decimal | None = None) -> dict[str, Any]:
    """Break-even and margin per session from the cost per conversation (all projects).

    Break-even value per conversion = cost per session / conversion rate (at $0.04 a session and 2%
    conversion, each conversion must bring $2). Margin per session = value x rate - cost. Given for
    the mean session and the p90 session; null when no conversation is priced (never $0)."""
    conv = next((r for r in unit_costs["overall"] if r["unit"] == "conversation"), None)
    out: dict[str, Any] = {"conversion_rate": conversion_rate, "value_per_conversion_usd": value_per_conversion,
                           "definition": "break-even value per conversion = cost per session / conversion rate; "
                           "margin per session = value per conversion x conversion rate - cost per session",
                           "sessions": []}
    for stat in ("mean", "p90"):
        cost = conv.get(f"{stat}_usd") if conv else None
        row: dict[str, Any] = {"session": stat, "cost_per_session_usd": cost,
                               "break_even_value_per_conversion_usd": cost / conversion_rate
                               if cost is not None else None,
                               "value_per_session_usd": None, "margin_per_session_usd": None}
        if value_per_conversion is not None:
            row["value_per_session_usd"] = value_per_conversion * conversion_rate
            row["margin_per_session_usd"] = (value_per_conversion * conversion_rate - cost
                                             if cost is not None else None)
        out["sessions"].append(row)
    return out


def data_days(con: Any, rows: PricedTable) -> tuple[date | None, date | None]:
    """The first and last calendar day (in the priced table's tz) with any usage row or billed cost
    line in the store, whatever the report's window: the days it holds data for."""
    lo, hi = one(con.execute(
        f"SELECT min(ts), max(ts) FROM (SELECT ts FROM {rows.table} UNION ALL SELECT ts FROM costs) AS held"))
    return _local_day(lo, rows.tz), _local_day(hi, rows.tz)


def no_data_message(since: date | None, until: date | None, month: str | None, first: date | None,
                    last: date | None, tz: str) -> str:
    """The warning of a report whose window holds no day of the store's data (or of an empty store):
    its spend is unknown, not $0."""
    if first is None or last is None:
        return ("no data: the store holds no usage or cost rows yet, so spend is unknown, not $0. Fix: ingest "
                "your logs or exports (llmcost-forecast --logs PATH, or llmcost-forecast ingest PATH)")
    side = "ends" if since is not None and since > last else "starts"
    edge = last if side == "ends" else first
    pick = f"--month {last:%Y-%m}" if side == "ends" else f"--month {first:%Y-%m}"
    return (f"no data for this period ({_window_text(since, until, month)}): the store holds data from {first} to "
            f"{last} ({tz}); it {side} on {edge}, so this period's spend is unknown, not $0. Fix: choose a period "
            f"inside it ({pick}, or --since/--until), or ingest the exports or logs that cover this one")


def _window_text(since: date | None, until: date | None, month: str | None) -> str:
    if month:
        return str(month)
    return f"{since or 'start'} to {until or 'now'}"


def _conversation_counts(con: duckdb.DuckDBPyConnection, window: str) -> dict[str, int]:
    """Conversations in the window and how many of them were inferred (docs/conversations.md)."""
    from llmcost.ingest.conversations import conversation_counts

    return conversation_counts(con, window)


def forecast_sections(
    con: duckdb.DuckDBPyConnection, opts: ReportOptions, doc: dict[str, Any], catalog: Any = None,
    rows: PricedTable | None = None,
) -> dict[str, Any]:
    """The forecast, scenarios and what-if alternatives (llmcost.scenarios), for the report.

    They use the store's whole history up to `opts.as_of` (not only the report's window), in
    `opts.tz`; renderers show "not computed" when the keys are absent (--no-forecast). The shapes
    are in docs/report-schema.json and docs/scenarios.md. With `rows` (the report's priced table)
    the history is read from it, not priced again.
    """
    if not opts.forecast:
        return {}
    from llmcost.scenarios import forecast_section

    return forecast_section(
        con, catalog or load_catalog(opts.prices_file), as_of=opts.as_of, tz=opts.tz,
        scenarios_file=opts.scenarios_file, budget=opts.budget, priced=rows,
    )


def _measures(con: duckdb.DuckDBPyConnection, window: str, volume: str, since: date | None) -> dict[str, Any]:
    """The measures over the report's priced rows, shaped for the document: one key per registered
    measure (llmcost.measures.registry.MEASURES), in registry order, then the measures' window.
    The volume queries (registry.VOLUME_QUERIES) read `volume`, the rest `window`."""
    from llmcost.measures.registry import compute_measures, document_sections

    # `window` is already the report's window, a filter over the one priced table
    m = compute_measures(con, window_has_start=since is not None, materialised=True, relation=window,
                         volume=volume)
    return {**document_sections(m), "measures_window": m["window"]}


def _daily(con: duckdb.DuckDBPyConnection, window: str, tz: str) -> list[dict[str, Any]]:
    """Spend per calendar day in `tz`, every day from the first to the last (days without usage: 0
    requests, cost 0); cost_usd is None on days whose usage is all unpriced (sql/report_daily.sql,
    over the window view `window`)."""
    return queries.rows(con, "report_daily", relation=window, tz=tz)


def _cache_daily(con: duckdb.DuckDBPyConnection, window: str, tz: str) -> list[dict[str, Any]]:
    """Cache hit rate per day over cache-known rows, same definition as the measures'
    (sql/report_cache_daily.sql, over the window view `window`)."""
    return queries.rows(con, "report_cache_daily", relation=window, tz=tz)


RECONCILE_WINDOW_VIEW = "doc_reconcile_window"
"""The report's window over its priced table with the columns that say what a row counts for
(`money_basis`, `counts_for_money`, ...), which the sections' window leaves out."""


def _reconciliation(
    con: Any, priced: PricedTable, since: date | None, until: date | None, costs: str
) -> dict[str, Any]:
    """Money counted once per provider and day (billed when a cost export has it, else estimated),
    over the rows and cost lines of the report's window (its --tz days, as the totals)."""
    from llmcost.document.reconcile import reconcile_days

    where, params = _where(since, until, priced.tz)
    reader = priced.keep(con, RECONCILE_WINDOW_VIEW,
                         f"SELECT * FROM {priced.table} WHERE {_inline(where, params)}")
    days = reconcile_days(reader, priced, rows=RECONCILE_WINDOW_VIEW, costs=costs)
    by_provider: dict[Any, dict[str, Any]] = {}
    for d in days:
        p = by_provider.setdefault(
            d["provider"],
            {
                "provider": d["provider"],
                "days": 0,
                "billed_days": 0,
                "billed_usd": None,
                "estimated_usd": None,
                "money_usd": None,
                "gap_usd": None,
                "provider_tokens": None,
                "request_tokens": 0,
                "bases": set(),
            },
        )
        p["days"] += 1
        p["bases"].add(d["money_basis"])
        p["billed_days"] += d["money_basis"] == "billed"
        for k in ("billed_usd", "estimated_usd", "money_usd", "gap_usd"):
            if d[k] is not None:
                p[k] = (p[k] or Decimal(0)) + d[k]
        if d["provider_tokens"] is not None:
            p["provider_tokens"] = (p["provider_tokens"] or 0) + d["provider_tokens"]
        p["request_tokens"] += d["request_tokens"] or 0
    rows = []
    for p in sorted(by_provider.values(), key=lambda p: str(p["provider"])):
        bases = p.pop("bases")
        p["money_basis"] = (
            "billed" if bases == {"billed"} else ("mixed" if "billed" in bases else "estimated")
        )
        p["coverage"] = p["request_tokens"] / p["provider_tokens"] if p["provider_tokens"] else None
        rows.append(p)
    money_vals = [p["money_usd"] for p in rows if p["money_usd"] is not None]
    return {
        "rule": "money per provider and day comes from its cost export when there is one (billed), else from "
        "its usage priced by the catalog (estimated); never both. Coverage = request-log tokens / the "
        "provider's own usage tokens.",
        "money_usd": sum(money_vals, Decimal(0)) if money_vals else None,
        "billed_usd": sum((p["billed_usd"] for p in rows if p["billed_usd"] is not None), Decimal(0)),
        "by_provider": rows,
        "days": days,
    }


def covered_months(
    con: Any, views: tuple[str, ...], tz: str, since: date | None, until: date | None, month: str | None
) -> str | None:
    """The calendar month(s) the report's window covers, in `tz`: what `--out`'s {month} names, for
    `report` and `export-focus` alike. The --month given (`month`, YYYY-MM); else the window from
    --since to --until (both inclusive), an open end taken from the data in it (the first or last
    usage row or cost line of `views`); `YYYY-MM` when that lies in one month, `FIRST_LAST`
    (`2026-08_2026-10`) when it spans several, so a file never names one month it does not wholly
    cover. None when an end is open and the window holds no data."""
    if month:
        return month
    first, last = since, until
    if first is None or last is None:
        union = " UNION ALL ".join(f"SELECT ts FROM {v}" for v in views)
        lo, hi = one(con.execute(f"SELECT min(ts), max(ts) FROM ({union}) AS window_days"))
        first = first or _local_day(lo, tz)
        last = last or _local_day(hi, tz)
    if first is None or last is None:
        return None
    a, b = f"{first:%Y-%m}", f"{last:%Y-%m}"
    return a if a == b else f"{a}_{b}"


def _local_day(ts: Any, tz: str) -> date | None:
    if ts is None:
        return None
    return ts.astimezone(ZoneInfo(tz)).date() if isinstance(ts, datetime) else ts


def holds_data(first: date | None, last: date | None, since: date | None, until: date | None) -> bool:
    """Whether the window (`since`/`until`, open ends allowed) shares a day with the store's data
    (`first` to `last`, data_days): a gap inside the data is $0 spent, a window outside it has no data."""
    return (first is not None and last is not None and (since is None or since <= last)
            and (until is None or until >= first))


def compare_through(first: date | None, last: date | None, since: date | None, until: date | None) -> date | None:
    """The last day of the month the comparison reads (and --budget checks): the window's last day
    with data; None when the window holds no data (an empty month against a whole one read as a
    100% drop). One rule for the report and export-focus's scenario rows."""
    if not holds_data(first, last, since, until) or last is None:
        return None
    return min(until, last) if until else last


def _compare(con: Any, rows: PricedTable, through: date, data_first: date | None) -> dict[str, Any]:
    """The month of `through` (the last day of data the window holds) against the month before, on
    the same days of the month when `through` is before its month's end (compare.same_days); a
    previous month before `data_first` (the store's first day of data) has no data, not $0."""
    where, params = _where(previous_month(through), through, rows.tz)
    # spend and volume: the rows that count for volume (VOLUME_VIEW)
    source = rows.view(con, "doc_compare", f"({_inline(where, params)}) AND counts_for_tokens")
    return period_compare(con, through, source=source, tz=rows.tz, through=through, data_first=data_first,
                          costs="costs")


def month_money(con: Any, rows: PricedTable, month: date, through: date | None = None) -> dict[str, Any]:
    """The money of `month` (calendar month in the priced table's tz) counted once, as the
    reconciliation counts it: billed cost lines where a provider-day has them, estimates of the rows
    that count for money elsewhere. {"month", "money_usd" (None when nothing is known),
    "billed_usd", "estimated_usd" (None when absent), "unpriced_requests" (counted rows without a
    price: left out), "through" (`through`: the last day counted, a forecast's --as-of; None for the
    whole month)}."""
    where, params = _where(month_start(month), min(month_end(month), through or month_end(month)), rows.tz)
    w = _inline(where, params)
    estimated, unpriced = one(con.execute(
        f"SELECT CAST(sum(cost_usd) FILTER (WHERE counts_for_money) AS DECIMAL(38, 12)), "
        f"coalesce(sum(request_count) FILTER (WHERE counts_for_money AND NOT coalesce(priced, false)), 0) "
        f"FROM {rows.table} WHERE {w}"))
    (billed,) = one(con.execute(f"SELECT CAST(sum(cost_usd) AS DECIMAL(38, 12)) FROM costs WHERE {w}"))
    known = [Decimal(v) for v in (billed, estimated) if v is not None]
    return {
        "month": f"{month:%Y-%m}",
        "money_usd": sum(known, Decimal(0)) if known else None,
        "billed_usd": None if billed is None else Decimal(billed),
        "estimated_usd": None if estimated is None else Decimal(estimated),
        "unpriced_requests": int(unpriced or 0),
        "through": through,
    }


def _money_parts(mtd: dict[str, Any]) -> str:
    """" ($5.00 billed, $0.03 estimated)": what the month's money is made of, when some is billed."""
    if mtd.get("billed_usd") is None:
        return ""
    if mtd.get("estimated_usd") is None:  # "$0.00 estimated on the days without them" read as usage that cost $0
        return f" (all of it billed by cost exports: ${mtd['billed_usd'].quantize(_CENT, ROUND_HALF_UP):,})"
    est = mtd["estimated_usd"]
    return (f" (${mtd['billed_usd'].quantize(_CENT, ROUND_HALF_UP):,} billed by cost exports, "
            f"${est.quantize(_CENT, ROUND_HALF_UP):,} estimated on the days without them)")


def budget_check(doc: dict[str, Any], budget: Decimal, mtd: dict[str, Any] | None = None) -> dict[str, Any]:
    """Does the month's forecast (median or upper 80% bound) cross `budget`? Without a forecast
    section, month-to-date spend of the compared month is checked instead, and the result says so
    (basis "month_to_date"; of a month that ended before today in the report's tz, the message says
    "the month's spend": it is the whole month's).

    `mtd` (`month_money` of the compared month): the month-to-date spend counted as the
    reconciliation counts it (billed where a cost export has the provider-day, estimated elsewhere).
    Without it the month-to-date spend is the comparison's estimate. With a forecast, money already
    spent above the budget is over budget whatever the forecast says (the forecast's own actuals
    price billed days' tokens at list prices)."""
    budget = Decimal(budget)
    known, unpriced = None, 0  # the month-to-date spend and its unpriced requests, when it is the basis
    closed = False  # the month checked ended before today (in the report's tz): its whole spend, not "to date"
    gap: str | None = None  # why the compared month cannot be checked (no data for it)
    data_to: date | None = None  # the data's last day when it ends inside the compared month
    fc = doc.get("forecast")
    report_month = (doc.get("period") or {}).get("month")
    # a report about another (closed) month is checked against that month's actual spend
    other_month = bool(fc and report_month and fc.get("month") and report_month != fc.get("month"))
    if fc and fc.get("p50_usd") is not None and not other_month:
        p50 = Decimal(fc["p50_usd"])
        hi = Decimal(fc["hi_80_usd"]) if fc.get("hi_80_usd") is not None else None
        if p50 > budget:
            basis, value = "forecast_p50", p50
        elif hi is not None and hi > budget:
            basis, value = "forecast_hi_80", hi
        else:
            basis, value = (
                "forecast_hi_80" if hi is not None else "forecast_p50",
                hi if hi is not None else p50,
            )
        month = fc.get("month")
        what = {"forecast_p50": "the forecast median", "forecast_hi_80": "the forecast's upper 80% bound"}[
            basis
        ]
    else:
        cmp = doc.get("compare") or {}
        month = (cmp.get("current") or {}).get("month")
        through = mtd.get("through") if mtd is not None else None  # a replayed forecast's --as-of
        if mtd is not None and (month is None or mtd["month"] == month or through is not None):
            month, known, unpriced = mtd["month"], mtd["money_usd"], mtd["unpriced_requests"]
        else:
            known = (cmp.get("totals") or {}).get("current_cost_usd")
            unpriced = sum(m["current_requests"] for m in cmp.get("by_model", []) if not m["priced"])
        value = known if known is not None else Decimal(0)
        basis = "month_to_date"
        period = doc.get("period") or {}
        month = month or period.get("month")
        gap, data_to = _budget_data(month, period)
        if other_month and fc:
            why = f"the report's month, not the forecast month {fc.get('month')}"
        elif fc and fc.get("model_used") == "none":
            why = "no priced usage to forecast"
        elif fc:
            # a store of cost exports only is forecast from its billed lines: it has no usage days
            days = "days with cost lines" if (doc.get("totals") or {}).get("cost_lines_only") else "days with usage"
            why = f"the forecast has no median: too little history (fewer than 7 {days})"
        else:
            why = "no forecast was computed"
        # a month that ended before today (in the report's tz) is checked on its whole spend: "the
        # month's spend", not "month-to-date spend" (the JSON basis stays "month_to_date")
        closed = (through is None and month is not None
                  and month < f"{clock.today(period.get('tz') or 'UTC'):%Y-%m}")
        what = f"month-to-date spend ({why})"
    spent = mtd["money_usd"] if mtd is not None and mtd["month"] == month else None
    if basis != "month_to_date" and spent is not None and spent > budget >= value:
        # already spent past the budget (billed money the forecast prices at list prices can be far
        # above its estimate): the month cannot end within it
        basis, value, known, unpriced = "month_to_date", spent, spent, mtd["unpriced_requests"]  # type: ignore[index]
        what = "month-to-date spend (billed where a cost export has the day, estimated elsewhere)"
    exceeded = value > budget
    shown: Decimal | None = value
    # what is checked, for which month: "spend for 2025-06 (the whole month; why)" for a closed month
    subject = (f"spend for {month} (the whole month; {what.removeprefix('month-to-date spend (')}"
               if closed and basis == "month_to_date" else f"{what} for {month or 'the month'}")
    if basis == "month_to_date" and mtd is not None and mtd.get("through") and mtd["month"] == month:
        subject += f" to {mtd['through']} (--as-of)"
    if basis == "month_to_date" and gap:
        # a month the data does not reach: not checked, never "$0.00, within the budget"
        last = (doc.get("period") or {}).get("data_last_day")
        msg = (f"{subject if month else what + ' for the period'} is unknown: {gap}; budget "
               f"${budget.quantize(_CENT, ROUND_HALF_UP):,}. Fix: ingest the exports or logs of that month, or "
               f"check a month the data covers (--month {f'{last:%Y-%m}' if last else 'YYYY-MM'})")
        shown, exceeded = None, False
    elif basis == "month_to_date" and known is None and unpriced:
        # all of the month's usage is unpriced: its spend is unknown, not $0 within budget
        msg = (
            f"{subject} is unknown: its {unpriced:,} requests have no known price "
            f"(budget ${budget.quantize(_CENT, ROUND_HALF_UP):,}). Fix: add the models' prices (see the unpriced "
            "models section)"
        )
        shown = None
    else:
        msg = (
            f"{subject} is ${value.quantize(_CENT, ROUND_HALF_UP):,}, "
            f"{'above' if exceeded else 'within'} the budget of ${budget.quantize(_CENT, ROUND_HALF_UP):,}"
        )
        if basis == "month_to_date" and data_to is not None:
            msg += f" (the data ends on {data_to}: spend after it is not counted)"
        if basis == "month_to_date" and mtd is not None and mtd["month"] == month:
            msg += _money_parts(mtd)
        if basis == "month_to_date" and unpriced:
            msg += f" ({unpriced:,} unpriced request{'' if unpriced == 1 else 's'} not counted)"
        if basis != "month_to_date" and spent is not None and mtd and mtd.get("billed_usd") is not None:
            msg += (f"; spent so far ${spent.quantize(_CENT, ROUND_HALF_UP):,}{_money_parts(mtd)}; the forecast "
                    "prices billed days' tokens at list prices")
    odds = (fc or {}).get("budget_odds") if not other_month else None
    if odds and odds.get("budget_usd") == budget:
        msg += "; " + budget_odds_text(odds)
    else:
        odds = None
    return {
        "budget_usd": budget,
        "month": month,
        "basis": basis,
        "value_usd": shown,
        "exceeded": exceeded,
        "message": msg,
        "billed_usd": mtd["billed_usd"] if mtd is not None and mtd["month"] == month else None,
        "estimated_usd": mtd["estimated_usd"] if mtd is not None and mtd["month"] == month else None,
        "probability_above": odds["probability_above"] if odds else None,
        "crossed_on": odds["crossed_on"] if odds else None,
        "crossing_day_p50": odds["crossing_day_p50"] if odds else None,
        "crossing_day_lo_80": odds["crossing_day_lo_80"] if odds else None,
        "crossing_day_hi_80": odds["crossing_day_hi_80"] if odds else None,
    }


def _budget_data(month: str | None, period: dict[str, Any]) -> tuple[str | None, date | None]:
    """What the store's data says about the budget's `month` ("YYYY-MM"; `period` is the report's):
    (why it cannot be checked, or None; the data's last day when it ends before the month does)."""
    first, last = period.get("data_first_day"), period.get("data_last_day")
    if "has_data" not in period:  # a document without the data's days (an older caller): as before
        return None, None
    if first is None or last is None:
        return "the store holds no data", None
    held = f"the store holds data from {first} to {last}"
    if month is None:
        return f"the report's period holds no data; {held}", None
    start = datetime.strptime(month, "%Y-%m").date()
    if start > last or month_end(start) < first:
        return f"there is no data for {month}; {held}", None
    return None, last if last < month_end(start) else None


def budget_odds_text(odds: dict[str, Any]) -> str:
    """The budget odds in words: "chance of ending the month above it 62%; crossed around ..."."""
    if odds.get("crossed_on"):
        return f"already crossed on {odds['crossed_on']}"
    p = odds["probability_above"]
    text = f"chance of ending {odds['month']} above it {p:.0%}"
    if odds.get("crossing_day_p50"):
        text += (f"; crossed around {odds['crossing_day_p50']} (80% range {odds['crossing_day_lo_80']} to "
                 f"{odds['crossing_day_hi_80'] or 'after the month'})")
    elif odds.get("crossing_day_lo_80"):
        text += f"; a 10% chance it is crossed by {odds['crossing_day_lo_80']}"
    return text


def _currency(doc: dict[str, Any], rates: list[Any], code: str | None, until: date | None) -> dict[str, Any]:
    from llmcost.pricing.currency import convert, rate_for

    last = until or next((d["day"] for d in reversed(doc.get("daily", []))), None) or clock.today()
    rate = rate_for(rates, code or "", last)
    total = doc["totals"].get("cost_usd")
    return {
        "code": rate.currency,
        "rate_per_usd": rate.rate_per_usd,
        "rate_date": rate.date,
        "rates_file": rate.source,
        "as_of": last,
        "total_cost": convert(total, rate) if total is not None else None,
        "note": f"money shown in {rate.currency} at {rate.rate_per_usd} per USD (rate of {rate.date}); "
        "the JSON keeps USD values",
    }


def cost_lines_only(totals: dict[str, Any]) -> bool:
    """Whether the report's window holds billed cost lines (cost exports: an OpenAI Costs API page,
    an AWS CUR) and no usage row at all: there is no usage to estimate, so the estimate is n/a and
    the billed figure is the spend (it read "$0.00 estimated", as if usage cost nothing). The
    document's `totals.cost_lines_only`: every renderer and the budget read it from there."""
    tokens = sum(int(totals.get(k) or 0) for k in ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                                                     "output_tokens"))
    return (not totals.get("first_ts") and not totals.get("requests") and not tokens
            and Decimal(str(totals.get("billed_cost_usd") or 0)) != 0)


def _document(con, opts, store, manifest, catalog_info, pricing, window, costs) -> dict[str, Any]:
    # the report's queries (sql/report_*.sql) read `window`, the window's rows that count for volume
    # (VOLUME_VIEW), and the billed cost lines of the same window `costs` (billed money outside the
    # window is not the window's)
    totals = queries.rows_over(con, "report_totals", window, costs)[0]
    totals["cost_lines_only"] = cost_lines_only(totals)
    by_model = queries.rows(con, "report_by_provider_model", relation=window)
    by_day = queries.rows(con, "report_by_day", relation=window)
    by_project = queries.rows(con, "report_by_project", relation=window)
    warnings = []
    unpriced = []
    # billed money per model from cost exports: an unpriced model may still be paid for in the billed total
    billed_by_model = {(r["provider"], r["model"]): r["cost_usd"]
                       for r in queries.rows_over(con, "report_billed_by_model", costs=costs)}
    for u in pricing.unpriced:
        unpriced.append(
            {
                "provider": u.provider,
                "model": u.model,
                "requests": u.requests,
                "tokens": u.tokens,
                "token_share": u.token_share,
                "did_you_mean": list(u.did_you_mean),
                "reason": u.reason,
                "fix": u.fix,
                "override_snippet": u.snippet,
            }
        )
        share = f"{u.token_share:.1%} of tokens" if u.token_share is not None else "no token counts"
        # a billing export's token totals carry no request count: "0 requests" would read as no usage
        size = (f"{u.requests:,} request{'' if u.requests == 1 else 's'}, {share}" if u.requests
                else f"{share} (no request counts)")
        who = f"{u.model or '(no model)'} ({u.provider or 'unknown provider'})"
        paid = billed_by_model.get((u.provider, u.model))
        left_out = (
            "excluded from cost totals"
            if paid is None
            else f"excluded from estimated cost totals; its billed cost (${paid:,.2f}) is in the billed total"
        )
        if u.reason.startswith("unknown model:"):
            # the common case keeps its one short line (the unpriced list gives the reason and fix)
            warnings.append(f"{who} has no known price: {size}, {left_out}")
        else:
            # a known model unpriced on some days or for a token kind, or rows with no model: say why
            warnings.append(f"{who} is unpriced: {u.reason}; {size}, {left_out}. {u.fix}")
    for s in pricing.at_standard_rate:
        # priced, but likely low: the tier's price (fast mode, priority) is not known for this model
        n = f"{s.requests:,} request{'' if s.requests == 1 else 's'}"
        warnings.append(
            f"{s.model or '(no model)'} ({s.provider or 'unknown provider'}): {n} at service tier {s.tier!r} priced "
            f"at the standard rate: no {s.tier} price is known for this model, so the estimate is low if "
            f"the provider charged more. Fix: add priority_factor = ... (the {s.tier} price over the standard one) "
            "to a [[model]] entry for it in the override file (docs/pricing.md)."
        )
    for m in by_model:
        tokens = sum(m[k] for k in ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens"))
        if m["requests"] and not tokens and m["priced"] and not m["cost_usd"] and not m["reported_cost_usd"]:
            # requests counted with no token stated anywhere (a rate trace, a log that counts calls):
            # their $0.00 is an absence of tokens, not a price, and must not read as free usage
            n = f"{m['requests']:,} request{'' if m['requests'] == 1 else 's'}"
            warnings.append(
                f"{m['model'] or '(no model)'} ({m['provider'] or 'unknown provider'}): {n} and no tokens: "
                "the source counts requests without their token counts, so their estimated cost of $0.00 "
                "is unknown, not free. Fix: ingest a log or export that states these requests' tokens "
                "(or map its token columns with --mapping / --map)."
            )
        for key, single, many, price_key in (("unpriced_web_search_calls", "web search has", "web searches have",
                                       "web_search_per_1k"),
                                      ("unpriced_file_search_calls", "file search has", "file searches have",
                                       "file_search_per_1k")):
            if m[key]:
                warnings.append(
                    f"{m['model'] or '(no model)'} ({m['provider'] or 'unknown provider'}): "
                    f"{m[key]:,} " + (single if m[key] == 1 else many)
                    + " no known price (the server-tools fee is "
                    f"left out of cost totals). Fix: add {price_key} = ... (USD per 1,000 calls, from the "
                    "provider's price page) to a [[model]] entry for it in the override file."
                )
    if pricing.suggestions_left_out:
        warnings.append(
            f"{pricing.suggestions_left_out:,} more unpriced model names have no 'did you mean' or override snippet "
            f"(given for the {SUGGEST_LIMIT} with the most tokens only)"
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": f"llmcost-forecast {__version__}",
        "generated_at": clock.now().replace(microsecond=0),
        "store": str(store.root),
        "price_catalog": catalog_info,
        # a store at a URL (--engine spark, engine.spark.RemoteStore): no first quarantined rows
        "ingest": ingest_summary(manifest, store.root if isinstance(store.root, Path) else None),
        "totals": totals,
        "by_provider_model": by_model,
        "by_project": by_project,
        "by_label": _by_label(con, window, costs),
        "by_day": by_day,
        "unpriced": unpriced,
        "cost_labels": {
            "cost_usd": "estimated: tokens x the price in force at the time (price catalog above)",
            "billed_cost_usd": "billed: what provider cost exports state",
            "reported_cost_usd": "reported: what the logs themselves state",
        },
        "warnings": warnings,
    }


def _by_tag(
    con: duckdb.DuckDBPyConnection, tags: tuple[str, ...], doc: dict[str, Any], window: str
) -> list[dict[str, Any]]:
    """Spend by each asked tag's value over the report's priced rows (llmcost.measures.registry.spend_by_tag);
    a tag no row carries gets a warning (its only row is '(untagged)')."""
    from llmcost.measures.registry import spend_by_tag, tag_names
    from llmcost.text import close_matches, suggestion

    rows = spend_by_tag(con, tags, relation=window)
    missing = [n for n in dict.fromkeys(tags) if all(r["untagged"] for r in rows if r["tag"] == n)]
    if missing and doc["totals"]["first_ts"] is not None:  # rows in the window (exports count no request)
        known = [t["tag"] for t in tag_names(con, window)]
        if known:
            more = f" and {len(known) - 10} more" if len(known) > 10 else ""
            seen = f"the tags in this window: {', '.join(known[:10])}{more}"
        else:
            seen = "no row in this window has tags (docs/schema.md says which formats keep them)"
        for name in missing:
            close = close_matches(name, known) or [k for k in known if k.lower() == name.lower()]
            hint = suggestion(close, "tag:{}".format)
            doc["warnings"].append(
                f"no request in this window carries the tag {name!r} (--by tag:{name}){hint}: every request is "
                f"'(untagged)'. Fix: {seen}"
            )
    return rows


def _by_label(con: duckdb.DuckDBPyConnection, window: str, costs: str) -> list[dict[str, Any]]:
    """Requests, tokens and money per --label KEY=VALUE (e.g. host=laptop: each machine's share),
    sql/report_by_label.sql over the report's window `window` (billed cost over the window's cost lines `costs`)."""
    return queries.rows_over(con, "report_by_label", window, costs)
