"""The logged history the forecast and the what-ifs read: one priced table, built once.

Money is counted once (reconcile.money_usage): a provider-day with usage buckets uses the
buckets, otherwise the request logs; rows after `as_of` (a calendar day in the user's time zone)
are dropped. The rows are priced by the engine (`attach_costs`, DECIMAL money) into TEMP TABLE
`scen_rows`, with the local calendar day and the group key (provider, priced model id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

import duckdb

from llmcost.errors import UsageError
from llmcost.forecast.periods import last_complete_day
from llmcost.pricing import Catalog, PricingSummary, attach_costs
from llmcost.pricing.engine import summarize
from llmcost.storage.schema import USAGE_TOKEN_COLUMNS
from llmcost.storage.store import has_relation

if TYPE_CHECKING:
    from llmcost.document.priced_rows import PricedTable

ROWS = "scen_rows"
"""The name `prepare` gives the history (TEMP TABLE; in a report, a TEMP VIEW over its one priced
table): the columns below plus `day`, `grp_model` and the engine's costs. Readers take the name
from the History `prepare` returns (`History.table`), never from here."""

_COLUMNS = (
    "event_id",
    "source",  # the reader (format): how far each provider's data reaches (`source_ends`)
    "source_file",
    "source_line",
    "grain",
    "ts",
    "provider",
    "model",
    "project",
    "conversation_id",
    "turn",
    "request_count",
    "requests_known",  # usage exports state no request count: the forecast's volume is then tokens
    *USAGE_TOKEN_COLUMNS,  # input, cache read, cache write (5 min, 1 h), output, reasoning
    "tool_calls",
    "label",
    "batch",
    "service_tier",
    "inference_geo",  # US-only inference costs more (pricing/catalog.py GEO_FACTORS)
    "cache_known",
    "reported_cost_usd",
    "web_search_calls",  # server-tool fees are part of the spend the forecast extends
    "file_search_calls",
)


MAX_AS_OF_GAP = 366
"""How far past the store's last day of usage `--as-of` may be (days)."""


def anchor_day(
    con: duckdb.DuckDBPyConnection, as_of: date | None, tz: str, priced: PricedTable | None = None
) -> tuple[date, str | None]:
    """The last day the forecast uses, and a note when it is not yesterday.

    Given `as_of` (a date), that day. Otherwise yesterday in `tz` (llmcost.clock), unless the
    store's newest usage is older: then the newest day with usage, so that a forecast of data
    that ended weeks ago is a forecast from where the data ends (the same on any later date),
    not a month of invented "actuals" up to today. Given `priced` (a report's one priced table,
    priced in `tz`: every live row with its `local_day`), the newest day is read from it, on the
    engine that holds it; otherwise from `con`'s `usage`. A store without any usage row (cost
    exports only) ends where its cost lines end, by the same rule.
    """
    has_usage = priced is not None or has_relation(con, "usage")
    if as_of is not None:
        if has_usage or has_relation(con, "costs"):
            first, last = _day_range(con, tz, priced) if has_usage else (None, None)
            if last is None:  # a store of cost lines only: its billed money is the history
                first, last = _cost_range(con, tz)
            if first is not None and last_complete_day(as_of, tz) < first:
                # nothing on or before it: the forecast read "actual to date $0.00, run-rate $0.00"
                raise UsageError(
                    f"--as-of {as_of} is before the data begins ({first}, {tz}): there is no history to "
                    f"forecast from. Fix: give a day from {first} on, or leave --as-of out (the forecast "
                    "starts from yesterday, or from the data's last day)."
                )
            if last is not None and (as_of - last).days > MAX_AS_OF_GAP:
                # `--as-of 2999-12-31` filled 357,000 empty days for every simulated path: out of
                # memory (issue 17)
                raise UsageError(
                    f"--as-of {as_of} is {(as_of - last).days:,} days after the data ends ({last}): the forecast "
                    f"would start from that many days of no usage. Fix: use an --as-of at most "
                    f"{MAX_AS_OF_GAP} days after {last}, or leave it out."
                )
        return last_complete_day(as_of, tz), None
    yesterday = last_complete_day(None, tz)
    last = _last_day(con, tz, priced) if has_usage else None
    if last is None:
        # a store of cost lines only (cost exports, no usage row): its billed money is what the
        # forecast extends (engine._billed), so the data ends where the cost lines end
        last = _cost_range(con, tz)[1]
    if last is None or last >= yesterday:
        return yesterday, None
    return last, (
        f"the data ends on {last}, before yesterday: the forecast starts from that day "
        f"(current month {last + timedelta(days=1):%Y-%m}); pass --as-of YYYY-MM-DD to choose another day"
    )


def _last_day(con: duckdb.DuckDBPyConnection, tz: str, priced: PricedTable | None = None) -> date | None:
    """The newest day with usage in `tz` (`_day_range`, without asking for the oldest)."""
    return _day_range(con, tz, priced, oldest=False)[1]


def _day_range(con: duckdb.DuckDBPyConnection, tz: str, priced: PricedTable | None = None, oldest: bool = True
               ) -> tuple[date | None, date | None]:
    """The oldest (None unless `oldest`) and newest days with usage in `tz`: from `priced` when
    given and priced in `tz`, else from the store's rows without the turn fill (`usage_stored`,
    the same rows) where the connection has them."""
    if priced is not None and priced.tz == tz:
        first = priced.value(con, f"SELECT min(local_day) FROM {priced.table}") if oldest else None
        last = priced.value(con, f"SELECT max(local_day) FROM {priced.table}")
        return cast("date | None", first), cast("date | None", last)
    rows = "usage_stored" if has_relation(con, "usage_stored") else "usage"
    first, last = con.execute(
        f"SELECT min(CAST(timezone($tz, ts) AS DATE)), max(CAST(timezone($tz, ts) AS DATE)) FROM {rows} "
        "WHERE ts IS NOT NULL", {"tz": tz}
    ).fetchall()[0]
    return cast("date | None", first), cast("date | None", last)


def _cost_range(con: duckdb.DuckDBPyConnection, tz: str) -> tuple[date | None, date | None]:
    """The oldest and newest days in `tz` of the store's cost lines (`costs`), (None, None) without any."""
    if not has_relation(con, "costs"):
        return None, None
    first, last = con.execute(
        "SELECT min(CAST(timezone($tz, ts) AS DATE)), max(CAST(timezone($tz, ts) AS DATE)) FROM costs "
        "WHERE ts IS NOT NULL AND cost_usd IS NOT NULL", {"tz": tz}
    ).fetchall()[0]
    return cast("date | None", first), cast("date | None", last)


@dataclass
class History:
    """What `prepare` found."""

    first_day: date | None
    last_day: date | None
    rows: int
    unpriced_models: list[dict[str, Any]]
    notes: list[str]
    table: str = ROWS
    """The relation holding the history rows: what every reader of the history is given."""
    con: Any = field(default=None, compare=False, repr=False)
    """The connection `table` lives on, which runs every query over it: the DuckDB connection
    `prepare` was given, or with `--engine spark` a cursor on Spark (engine.spark.SparkCursor),
    so that only the per-day and per-group aggregates reach the driver."""


def prepare(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, as_of_day: date, tz: str, priced: PricedTable | None = None
) -> History:
    """Build TEMP TABLE `scen_rows` (the volume rows up to `as_of_day` in `tz`, priced).

    Given `priced` (a report's one priced table, priced in the same `tz`), `scen_rows` is a view
    over it (the rows counting for volume up to `as_of_day`) and nothing is priced again."""
    if priced is not None and priced.tz == tz:
        return _from_priced(con, priced, as_of_day)
    if not has_relation(con, "usage"):
        raise UsageError("The connection has no `usage` view. Fix: open it with Store.open(dir).connect().")
    notes: list[str] = []
    money = None  # the money rows' view, given by reconcile.money_usage
    if has_relation(con, "costs"):
        from llmcost.document.reconcile import money_usage

        money = money_usage(con)
        src, cond = money, "counts_for_tokens"
    else:
        src, cond = "usage", "true"
        notes.append("no `costs` view: every usage row counts (no reconciliation with billed costs)")
    cols = ", ".join(_COLUMNS)
    tz_sql = "'" + tz.replace("'", "''") + "'"  # a view takes no parameters
    # One materialisation only (scen_rows): the source and the priced rows are views. Three
    # copies of a 35M-row history filled 55 GB of spill space (20 GB scale run).
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW scen_src AS
            SELECT {cols},
                   CASE WHEN extra LIKE '%"block_hashes"%' THEN extra END AS extra,
                   CAST(timezone({tz_sql}, ts) AS DATE) AS day
            FROM {src}
            WHERE {cond} AND CAST(timezone({tz_sql}, ts) AS DATE) <= DATE '{as_of_day.isoformat()}'"""
    )
    summary = attach_costs(con, catalog, source="scen_src", target="scen_priced")
    from llmcost.storage.store import work_table

    con.execute(
        f"""CREATE OR REPLACE {work_table(con)} {ROWS} AS
            SELECT *, coalesce(provider, '') AS grp_provider, coalesce(model_key, model, '') AS grp_model
            FROM scen_priced"""
    )
    con.execute("DROP VIEW IF EXISTS scen_priced")
    con.execute("DROP VIEW IF EXISTS scen_src")
    if money is not None:
        # the billed provider-days whose usage is priced (the billed money of unpriced models is
        # forecast as money: scenarios/billed.py, named in a note of its own)
        billed = con.execute(
            f"""WITH b AS (SELECT DISTINCT coalesce(provider, '') AS provider, CAST(timezone($tz, ts) AS DATE) AS day
                           FROM {money} WHERE money_basis = 'billed'),
                    p AS (SELECT DISTINCT grp_provider, day FROM {ROWS} WHERE priced)
                SELECT count(*) FROM b JOIN p ON p.grp_provider = b.provider AND p.day = b.day
                WHERE b.day <= $as_of""",
            {"tz": tz, "as_of": as_of_day},
        ).fetchall()[0]
        if billed and billed[0]:
            notes.append(_billed_note(billed[0]))
    return _history(con, summary, notes)


def source_ends(hist: History) -> list[tuple[str, str, date]]:
    """(provider, source, last day) for each provider of priced usage (`grp_provider`) and source
    (reader, i.e. format) its usage comes from: the newest day of any row (of any provider) that
    source stored. A day up to it without the provider's usage in that source is a true zero (the
    log went on without it); a day after it is unknown (the export, or the log, ends there). Daily
    log files of one format cover each other, so a provider absent from the last day's file is
    not cut short."""
    rows = hist.con.execute(
        f"""WITH ends AS (SELECT coalesce(source, '') AS src, max(day) AS src_end FROM {hist.table}
                          GROUP BY coalesce(source, '')),
                 feeds AS (SELECT DISTINCT grp_provider, coalesce(source, '') AS src FROM {hist.table} WHERE priced)
            SELECT feeds.grp_provider, feeds.src, ends.src_end FROM feeds JOIN ends ON feeds.src = ends.src
            ORDER BY 1, 2"""
    ).fetchall()
    return [(p, src, d if isinstance(d, date) else date.fromisoformat(str(d))) for p, src, d in rows]


def _billed_note(days: int) -> str:
    return (f"{days} provider-day(s) of priced usage have billed costs; the forecast prices their token volume "
            "with list prices (the gap to the bill is in the reconciliation section)")


def _history(con: Any, summary: PricingSummary, notes: list[str]) -> History:
    """The History of the rows in ROWS on `con`, with the unpriced models of `summary` named in `notes`."""
    first, last, n = con.execute(f"SELECT min(day), max(day), count(*) FROM {ROWS}").fetchall()[0]  # type: ignore[misc]
    unpriced = [
        {"provider": u.provider, "model": u.model, "requests": u.requests, "tokens": u.tokens} for u in summary.unpriced
    ]
    note = left_out_note(unpriced)
    if note:
        notes.append(note)
    return History(first, last, int(n), unpriced, notes, ROWS, con)


def left_out_note(unpriced: list[dict[str, Any]]) -> str | None:
    """The note naming the unpriced models (History.unpriced_models) left out of the money forecast."""
    if not unpriced:
        return None
    # named as the report's warnings name them: a row logged without a provider is not 'None/...'
    names = ", ".join(f"{u['provider']}/{u['model'] or '(no model)'}" if u["provider"]
                      else f"{u['model'] or '(no model)'} (unknown provider)" for u in unpriced[:3])
    more = f" and {len(unpriced) - 3} more" if len(unpriced) > 3 else ""
    return (f"unpriced models are left out of the money forecast: {names}{more} "
            "(add them to the --prices file)")


def _from_priced(con: duckdb.DuckDBPyConnection, priced: PricedTable, as_of_day: date) -> History:
    """ROWS over the report's priced table: the same rows and columns `prepare` prices. A view on
    DuckDB; with `--engine spark` (engine.spark.SparkPriced) a view on Spark, which the forecast's
    queries then read there (History.con)."""
    as_of = f"DATE '{as_of_day.isoformat()}'"
    for kind in ("TABLE", "VIEW"):  # a table or view left by an earlier prepare on this connection
        try:
            con.execute(f"DROP {kind} IF EXISTS {ROWS}")
        except duckdb.CatalogException:
            pass
    on = priced.keep(
        con,
        ROWS,
        f"""SELECT {", ".join(_COLUMNS)},
                   CASE WHEN extra LIKE '%"block_hashes"%' THEN extra END AS extra,
                   local_day AS day, {", ".join(priced.priced_columns)},
                   coalesce(provider, '') AS grp_provider, coalesce(model_key, model, '') AS grp_model
            FROM {priced.table}
            WHERE counts_for_tokens AND local_day <= {as_of}""",
    )
    notes: list[str] = []
    # the provider-days billed whose usage is priced (a NULL provider is a day of its own, as
    # count(DISTINCT (a, b)) counts it); the billed money of unpriced models is forecast as money
    # (scenarios/billed.py) and named in a note of its own
    billed = priced.value(
        con,
        f"SELECT count(*) FROM (SELECT DISTINCT provider, local_day FROM {priced.table} "
        f"WHERE money_basis = 'billed' AND coalesce(priced, false) AND local_day <= {as_of}) AS billed_days",
    )
    if billed:
        notes.append(_billed_note(billed))
    # the unpriced models of the history rows, from the rows on `con` (priced already: no pricing)
    return _history(on, summarize(on, priced.catalog, ROWS), notes)
