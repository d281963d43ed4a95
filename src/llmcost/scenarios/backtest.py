"""Rolling-origin backtest of the store's own daily series (what `llmcost-forecast backtest` runs).

The daily priced cost (and, with `series="drivers"` or `"all"`, daily requests per provider)
is built from the same history table as the forecast (money counted once, local days in `tz`,
nothing after `as_of`) and handed to the core's `backtest` (forecasting-method section 4):
relative MASE against seasonal naive, APE of the horizon total and interval coverage.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from llmcost.errors import UsageError
from llmcost.forecast import BacktestResult, backtest
from llmcost.pricing import Catalog

from .history import anchor_day, prepare

MIN_TRAIN = 28


def store_series(con: duckdb.DuckDBPyConnection, history: str, series: str) -> pl.DataFrame:
    """Long frame (series_id, ds, y) of the history table: `cost`, `requests|provider` or both.

    Each series runs from its first day with usage to the history's last day, a day without its
    usage being $0 (0 requests), as the forecast reads it (scenarios/drivers.py): left missing,
    the core would impute those days by interpolation, and usage on a few scattered days became
    usage every day (and a held-out month of missing days scored no total at all)."""
    if series not in ("cost", "drivers", "all"):
        raise UsageError(f"--series {series!r} is not one of cost, drivers, all. Fix: pick one.")
    last = con.execute(f"SELECT max(day) FROM {history}").fetchall()[0][0]
    parts = []
    if series in ("cost", "all"):
        rows = con.execute(
            f"SELECT day, CAST(sum(cost_usd) AS DOUBLE) FROM {history} WHERE priced GROUP BY 1 ORDER BY 1"
        ).fetchall()
        parts.append(
            pl.DataFrame(
                {
                    "series_id": ["cost"] * len(rows),
                    "ds": [r[0] for r in rows],
                    "y": [float(r[1] or 0.0) for r in rows],
                },
                schema={"series_id": pl.String, "ds": pl.Date, "y": pl.Float64},
            )
        )
    if series in ("drivers", "all"):
        rows = con.execute(f"""SELECT 'requests|' || grp_provider, day, CAST(sum(coalesce(request_count, 1)) AS DOUBLE)
                               FROM {history} GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
        parts.append(
            pl.DataFrame(
                {"series_id": [r[0] for r in rows], "ds": [r[1] for r in rows], "y": [r[2] for r in rows]},
                schema={"series_id": pl.String, "ds": pl.Date, "y": pl.Float64},
            )
        )
    frame = pl.concat(parts)
    if frame.height == 0:
        return frame
    calendar = frame.group_by("series_id").agg(pl.col("ds").min().alias("first")).select(
        "series_id", pl.date_ranges("first", pl.lit(last, dtype=pl.Date)).alias("ds")
    ).explode("ds")
    return (calendar.join(frame, on=["series_id", "ds"], how="left").with_columns(pl.col("y").fill_null(0.0))
            .sort("series_id", "ds"))


def store_backtest(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    *,
    as_of: date | None = None,
    tz: str = "UTC",
    horizon: int = 30,
    n_origins: int = 12,
    series: str = "cost",
    n_paths: int = 500,
    seed: int = 0,
) -> BacktestResult:
    """Backtest the store's daily series: origins every 7 days going back from as_of, each with
    at least 28 days of training and a full horizon after it."""
    if horizon < 1 or n_origins < 1:
        raise UsageError("--horizon and --origins must be at least 1.")
    as_of_day, _ = anchor_day(con, as_of, tz)
    hist = prepare(con, catalog, as_of_day, tz)
    if hist.first_day is None:
        raise UsageError(f"The store has no usage on or before {as_of_day}. Fix: ingest logs first or check --as-of.")
    frame = store_series(hist.con, hist.table, series)
    days = (max(frame["ds"]) - min(frame["ds"])).days + 1
    if days < MIN_TRAIN + horizon:
        raise UsageError(
            f"Only {days} days of history up to {as_of_day}; a backtest with --horizon {horizon} needs "
            f"at least {MIN_TRAIN + horizon}. Fix: use a shorter --horizon or ingest more days."
        )
    return backtest(frame, horizon, n_origins, season_length=7, min_train=MIN_TRAIN, n_paths=n_paths, seed=seed)


__all__ = ["store_backtest", "store_series"]
