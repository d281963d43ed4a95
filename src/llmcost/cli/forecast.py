"""`llmcost-forecast forecast` and `llmcost-forecast backtest`: thin commands over llmcost.scenarios.

Each command opens the store (shared lock), makes one library call and prints text or JSON.
"""

from __future__ import annotations

import os

# numpy's OpenBLAS threads only add contention for the tiny matrices of ETS fits (measured in
# docs/forecasting.md); this must happen before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from llmcost.cli import (
    AsOfOpt,
    PricesOpt,
    ScenariosOpt,
    StoreOpt,
    TzOpt,
    _as_of,
    _check_format,
    _inert,
    _store_dir,
    app,
    friendly,
)
from llmcost.report.json_report import exact_default

TableJsonOpt = Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="Output format: table or json.")]


@contextmanager
def _connection(store: Path | None) -> Iterator[Any]:
    from llmcost.storage.store import Store

    with Store.open(_store_dir(store)).reader() as r:
        yield r.con


def _run(store: Path | None, prices: Path | None, fn: Callable[[Any, Any], Any]) -> Any:
    from llmcost.pricing import load_catalog

    catalog = load_catalog(prices)
    with _connection(store) as con:
        return fn(con, catalog)


@app.command("forecast")
@friendly
def forecast_cmd(
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    tz: TzOpt = "UTC",
    scenarios: ScenariosOpt = None,
    format: TableJsonOpt = "table",
    prices: PricesOpt = None,
) -> None:
    """Forecast this month, next month and next quarter, with the scenarios and what-if alternatives."""
    _check_format(format, 'forecast')
    from llmcost.scenarios import forecast_section

    day = _as_of(as_of, tz)
    doc = _run(store, prices, lambda con, cat: forecast_section(con, cat, as_of=day, tz=tz, scenarios_file=scenarios))
    if format == "json":
        typer.echo(json.dumps(doc, default=exact_default, indent=2))
    else:
        from llmcost.report.forecast_text import forecast_text

        typer.echo(_inert(forecast_text(doc)), nl=False)  # scenario names come from the user's file


@app.command("backtest")
@friendly
def backtest_cmd(
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    tz: TzOpt = "UTC",
    horizon: Annotated[int, typer.Option("--horizon", metavar="DAYS", help="Days forecast at each origin.")] = 30,
    origins: Annotated[int, typer.Option("--origins", metavar="N",
                                         help="Origins, every 7 days back from the end.")] = 12,
    series: Annotated[str, typer.Option("--series", metavar="SERIES",
                                        help="cost, drivers (requests per provider) or all.")] = "cost",
    format: TableJsonOpt = "table",
    prices: PricesOpt = None,
) -> None:
    """Rolling-origin backtest on the store's daily series: MASE vs seasonal naive, error of totals, coverage."""
    _check_format(format, 'backtest')
    from llmcost.scenarios.backtest import store_backtest

    day = _as_of(as_of, tz)
    res = _run(
        store,
        prices,
        lambda con, cat: store_backtest(con, cat, as_of=day, tz=tz, horizon=horizon, n_origins=origins, series=series),
    )
    if format == "json":
        typer.echo(
            # a figure that does not exist is null (never a NaN literal, which is not JSON)
            json.dumps({"summary": res.summary(by_series=True), "rows": res.rows.to_dicts()}, default=exact_default,
                       indent=2, allow_nan=False)
        )
        return
    typer.echo(
        f"Rolling-origin backtest: horizon {horizon} days, origins every 7 days (up to {origins}), "
        "expanding window, whole pipeline refitted at each origin."
    )
    typer.echo(_inert(res.table()))  # series are named by provider, from the data
    typer.echo(
        "relMASE = MASE(model) / MASE(seasonal naive, m=7); APEtot / sAPEtot = error of the horizon total "
        "(model / seasonal naive); cov80 / cov95 = daily points inside the 80% / 95% intervals; "
        "tot80 / tot95 = horizon totals inside them (the check that matters for a month's bill); Wtot80 = "
        "Winkler score of the total's 80% interval / the actual total (width plus 10x any miss; lower is better)."
    )
