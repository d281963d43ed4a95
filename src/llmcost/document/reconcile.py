"""Reconcile provider aggregates, billed costs and request logs so money is counted once.

Why: a store can hold, for the same provider and days, the provider's usage buckets (Usage API,
usage report, dashboard exports), its billed costs (Costs API, cost report, CUR, Azure, FOCUS) and
our own request logs. Summing them double counts. The rule (docs/formats-provider-exports.md,
"Reconciliation"):

- money for a provider and UTC day comes from its cost export when there is one ('billed'), else
  from its usage buckets priced by the engine ('bucket'), else from request logs priced by the
  engine ('request') — never from two of them;
- request logs give behaviour (turns, conversations, prompt shapes); their share of the provider's
  tokens is the coverage;
- the gap between the engine's estimate of the provider's volume and the billed cost shows
  pricing drift, discounts and traffic missing from the usage feeds.

The SQL lives in sql/reconcile_money_usage.sql and sql/reconcile_daily.sql.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from llmcost.measures import queries
from llmcost.pricing import Catalog, PricingSummary, attach_costs, load_catalog

if TYPE_CHECKING:
    from llmcost.document.priced_rows import PricedTable

MONEY_USAGE_VIEW = "money_usage"
PRICED_VIEW = "reconcile_priced"


def money_usage(con: duckdb.DuckDBPyConnection) -> str:
    """Create TEMP VIEW `money_usage`: every live `usage` row plus money_basis, counts_for_tokens and
    counts_for_money (needs the `usage` and `costs` views of `Store.connect`). Returns its name."""
    sql = queries.get_query("reconcile_money_usage").sql
    con.execute(f"CREATE OR REPLACE TEMP VIEW {MONEY_USAGE_VIEW} AS {sql}")
    return MONEY_USAGE_VIEW


def reconcile(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    provider: str | None = None,
    priced: PricedTable | None = None,
) -> pl.DataFrame:
    """Per provider and UTC day: money_basis, billed_usd, estimated_usd, money_usd (counted once),
    gap_usd, gap_pct, provider_tokens, request_tokens, coverage, unpriced_rows.

    Creates TEMP VIEWs `money_usage` and `reconcile_priced` (money_usage priced by the engine) on
    `con`, which must have the store's `usage` and `costs` views (`Store.open(dir).connect()`).
    Given `priced` (a report's one priced table, which holds the money_usage columns already),
    the query reads that table instead (no view is made) and nothing is priced again.
    """
    if priced is not None:  # sql/reconcile_daily.sql reads the one priced table as it is
        sql, params = _over_priced(priced, since, until, provider)
        return con.sql(sql, params=params).pl()
    money_usage(con)
    attach_costs(
        con, catalog if catalog is not None else load_catalog(), source=MONEY_USAGE_VIEW, target=PRICED_VIEW
    )
    return queries.run(con, "reconcile_daily", since=since, until=until, provider=provider)


def _over_priced(
    priced: PricedTable, since: date | None, until: date | None, provider: str | None,
    rows: str | None = None, costs: str | None = None,
) -> tuple[str, dict[str, object]]:
    """sql/reconcile_daily.sql over the report's one priced table (or `rows`, a window over it) and
    the store's cost lines (or `costs`, the same window over them), and its parameters."""
    q = queries.get_query("reconcile_daily")
    sql = queries.sql_over(q, rows or priced.table, reads=PRICED_VIEW)
    if costs is not None:
        sql = queries.sql_over(replace(q, sql=sql), costs, reads=queries.COSTS)
    return sql, queries.bind(q, {"since": since, "until": until, "provider": provider})


def reconcile_days(
    con: Any, priced: PricedTable, *, since: date | None = None, until: date | None = None,
    provider: str | None = None, rows: str | None = None, costs: str | None = None,
) -> list[dict[str, Any]]:
    """The rows of `reconcile(con, priced=priced, ...)` as dicts, read through `con.execute` (a
    DuckDB connection, or engine.spark's SparkCursor over a Spark priced table). A report passes
    its windows (`rows`, `costs`: cut by calendar days of its --tz, as every other figure) and no
    since/until, so that its money counted once is the money of the same rows as its totals."""
    cur = con.execute(*_over_priced(priced, since, until, provider, rows, costs))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def money_total(frame: pl.DataFrame) -> object:
    """The money total of a `reconcile` frame (Decimal; each provider-day counted once)."""
    return sum((v for v in frame["money_usd"].to_list() if v is not None), start=0)


__all__ = [
    "MONEY_USAGE_VIEW", "PRICED_VIEW", "PricingSummary", "money_total", "money_usage", "reconcile", "reconcile_days",
]
