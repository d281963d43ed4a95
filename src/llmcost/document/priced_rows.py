"""The report's one priced table: every live usage row priced once, with what it counts for.

A report (and `export-focus`) prices its store once (issue 18): `price_once` prices every live
`usage` row with its money_basis, counts_for_tokens and counts_for_money
(sql/reconcile_money_usage.sql), its UTC `day` and its calendar day in the report's time zone
(`local_day`) into one materialised table, and returns a `PricedRows` handle naming it. Each
section reads a filter over that table through the handle, never a table of its own: the
measures the report's window (`view`), the reconciliation every row, the month comparison its two
months, the forecast and what-ifs the rows that count for volume up to the as-of day
(`scenarios.history.prepare`). What was not priced in a part is `summary` of that part.

Rows without a timestamp never reach the store (ingest quarantines them), so the money rows of
sql/reconcile_money_usage.sql are all the live rows of `usage`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import duckdb

from llmcost.measures import queries
from llmcost.pricing import Catalog, PricingSummary, attach_costs
from llmcost.pricing.engine import summarize
from llmcost.storage.duck import has_relation, one

COUNTING_COLUMNS = ("day", "money_basis", "counts_for_tokens", "counts_for_money")
"""Columns the priced table has beside the store's usage columns and the engine's, left out of its
views: the UTC day and what the row counts for (sql/reconcile_money_usage.sql). The views keep
`local_day`, the calendar day in the report's tz: the measures cut days, weeks and months by it."""


class PricedTable(Protocol):
    """What the sections read of a report's one priced table: `PricedRows` on DuckDB, or
    engine.spark.SparkPriced (`--engine spark`: the same queries, run on Spark)."""

    @property
    def table(self) -> str: ...
    @property
    def tz(self) -> str: ...
    @property
    def catalog(self) -> Catalog: ...
    @property
    def priced_columns(self) -> tuple[str, ...]: ...
    def view(self, con: Any, name: str, where: str = "true") -> str: ...
    def summary(self, con: Any, relation: str) -> PricingSummary: ...
    def keep(self, con: duckdb.DuckDBPyConnection, name: str, select: str) -> Any: ...
    def value(self, con: Any, sql: str) -> Any: ...


@dataclass(frozen=True)
class PricedRows:
    """Handle on the one priced table of a report: its name and what it was priced with."""

    table: str
    """The materialised table (TEMP TABLE, or a table in the report's work file)."""
    tz: str
    """Time zone of `local_day`."""
    catalog: Catalog
    priced_columns: tuple[str, ...]
    """The columns pricing added (model_key, priced, price_source, the cost columns), in order."""

    def view(self, con: duckdb.DuckDBPyConnection, name: str, where: str = "true") -> str:
        """TEMP VIEW `name`: the rows matching `where` (SQL over the table's columns, no parameters)
        shaped as `attach_costs` shapes the store's `usage` (usage columns, then the pricing ones),
        with `local_day`. Returns `name`."""
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            f"SELECT * EXCLUDE ({', '.join(COUNTING_COLUMNS)}) FROM {self.table} WHERE {where}"
        )
        return name

    def summary(self, con: duckdb.DuckDBPyConnection, relation: str) -> PricingSummary:
        """What is and is not priced among the rows of `relation` (a filter over this table)."""
        return summarize(con, self.catalog, relation)

    def keep(self, con: duckdb.DuckDBPyConnection, name: str, select: str) -> Any:
        """TEMP VIEW `name` on `con`: the rows of `select` (SQL over this table). Returns the
        connection that reads `name`: `con` here; the Spark handle (engine.spark.SparkPriced)
        makes the view on Spark and returns a cursor there."""
        con.execute(f"CREATE TEMP VIEW {name} AS {select}")
        return con

    def value(self, con: duckdb.DuckDBPyConnection, sql: str) -> Any:
        """The first value of `sql` (an aggregate over this table)."""
        return one(con.execute(sql))[0]


def price_once(
    con: duckdb.DuckDBPyConnection, catalog: Catalog, tz: str, name: str = "doc_priced"
) -> PricedRows:
    """Price every live row of `con`'s `usage` (with the store's `costs` beside it) into table
    `name`: one pricing pass for the whole report. `tz` is a checked IANA name."""
    source = f"{name}_src"
    tz_sql = "'" + tz.replace("'", "''") + "'"  # a view takes no parameters
    money = queries.get_query("reconcile_money_usage").sql
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {source} AS "
        f"SELECT *, CAST(timezone({tz_sql}, ts) AS DATE) AS local_day FROM ({money})"
    )
    have = [r[0] for r in con.execute(f"DESCRIBE {source}").fetchall()]
    keys = None
    if has_relation(con, "usage_stored"):
        # the price keys from the same rows without the store's turn fill (storage.store
        # USAGE_STORED_VIEW); the money rows join each live row with a timestamp to its day
        keys = f"{name}_keys"
        con.execute(f"CREATE OR REPLACE TEMP VIEW {keys} AS SELECT * FROM usage_stored WHERE ts IS NOT NULL")
    attach_costs(con, catalog, source=source, target=name, materialize=True, keys_from=keys)
    con.execute(f"DROP VIEW IF EXISTS {source}")
    if keys is not None:
        con.execute(f"DROP VIEW IF EXISTS {keys}")
    added = tuple(r[0] for r in con.execute(f"DESCRIBE {name}").fetchall() if r[0] not in have)
    return PricedRows(table=name, tz=tz, catalog=catalog, priced_columns=added)


__all__ = ["COUNTING_COLUMNS", "PricedRows", "PricedTable", "price_once"]
