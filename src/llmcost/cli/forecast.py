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
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer

from llmcost.cli import FormatOpt, PricesOpt, StoreOpt, _date, _store_dir, app, friendly
from llmcost.errors import UsageError

AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Forecast as if today were the day after this date (YYYY-MM-DD); later data "
        "is ignored. Default: yesterday is the last complete day.",
    ),
]
TzOpt = Annotated[str, typer.Option("--tz", help="Time zone of calendar days, months and quarters (IANA name).")]
ScenariosOpt = Annotated[
    Path | None,
    typer.Option("--scenarios", help="Scenario file (TOML) replacing the built-in one (see docs/scenarios.md)."),
]


@contextmanager
def _connection(store: Path | None) -> Iterator[Any]:
    from llmcost.store import Store

    st = Store.open(_store_dir(store))
    with st.lock(exclusive=False, wait=30):
        manifest = st.checked_manifest()
        con = st.connect(manifest)
        try:
            yield con
        finally:
            con.close()


def _json(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _usd(v: Any) -> str:
    if v is None:
        return "-"
    return f"-${-v:,.2f}" if v < 0 else f"${v:,.2f}"


def forecast_text(doc: dict[str, Any]) -> str:
    """The forecast and scenarios as a plain-text table (what `forecast --format table` prints)."""
    f = doc["forecast"]
    lines = [
        f"Forecast as of {f['as_of']} ({f['tz']}), {f.get('n_paths')} simulated paths, confidence "
        f"{f['confidence']}; model: {f['model_used']}"
    ]
    lines.append(f"{'period':<10} {'actual to date':>15} {'p50':>12} {'80% interval':>27} {'95% interval':>27}")
    for p in f.get("periods", []):
        lines.append(
            f"{p['period']:<10} {_usd(p['actual_to_date_usd']):>15} {_usd(p['p50_usd']):>12} "
            f"{_usd(p['lo_80_usd']) + ' - ' + _usd(p['hi_80_usd']):>27} "
            f"{_usd(p['lo_95_usd']) + ' - ' + _usd(p['hi_95_usd']):>27}"
        )
    if f.get("run_rate_usd") is not None:
        lines.append(
            f"run-rate for {f['month']} (month-to-date / days elapsed x days in month): {_usd(f['run_rate_usd'])}"
        )
    rows = doc.get("scenarios", []) + doc.get("alternatives", [])
    if rows:
        month = rows[0]["month"]
        lines += ["", f"Scenarios and alternatives for {month} (same simulated futures; savings = projection - it)"]
        lines.append(f"{'name':<28} {'kind':<9} {'p50':>12} {'80% interval':>27} {'savings':>10}  measured")
        for r in rows:
            m = r.get("measured") or {}
            bits = []
            if "simulated_hit_rate" in m and m["simulated_hit_rate"] is not None:
                bits.append(f"hit rate {m['simulated_hit_rate']:.1%} (logged {m['logged_hit_rate'] or 0:.1%})")
            if "requests_moved" in m:
                bits.append(f"{m['requests_moved']:,.0f} requests moved in window")
            if "requests_trimmed" in m:
                bits.append(f"{m['requests_trimmed']:,} requests trimmed")
            lines.append(
                f"{r['name'][:28]:<28} {r['kind']:<9} {_usd(r['monthly_cost_usd']):>12} "
                f"{_usd(r['lo_80_usd']) + ' - ' + _usd(r['hi_80_usd']):>27} {_usd(r['savings_vs_baseline_usd']):>10}  "
                + "; ".join(bits)
            )
    for n in f.get("notes", []):
        lines.append(f"note: {n}")
    return "\n".join(lines) + "\n"


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
    format: FormatOpt = "table",
    prices: PricesOpt = None,
) -> None:
    """Forecast this month, next month and next quarter, with the scenarios and what-if alternatives."""
    if format not in ("table", "json"):
        raise UsageError(f"Unknown --format {format!r} for forecast. Fix: use table or json.")
    from llmcost.scenarios import forecast_section

    day = _date(as_of, "--as-of")
    doc = _run(store, prices, lambda con, cat: forecast_section(con, cat, as_of=day, tz=tz, scenarios_file=scenarios))
    if format == "json":
        typer.echo(json.dumps(doc, default=_json, indent=2))
    else:
        typer.echo(forecast_text(doc), nl=False)


@app.command("backtest")
@friendly
def backtest_cmd(
    store: StoreOpt = None,
    as_of: AsOfOpt = None,
    tz: TzOpt = "UTC",
    horizon: Annotated[int, typer.Option("--horizon", help="Days forecast at each origin.")] = 30,
    origins: Annotated[int, typer.Option("--origins", help="Origins, every 7 days back from the end.")] = 12,
    series: Annotated[str, typer.Option("--series", help="cost, drivers (requests per provider) or all.")] = "cost",
    format: FormatOpt = "table",
    prices: PricesOpt = None,
) -> None:
    """Rolling-origin backtest on the store's daily series: MASE vs seasonal naive, error of totals, coverage."""
    if format not in ("table", "json"):
        raise UsageError(f"Unknown --format {format!r} for backtest. Fix: use table or json.")
    from llmcost.scenarios.backtest import store_backtest

    day = _date(as_of, "--as-of")
    res = _run(
        store,
        prices,
        lambda con, cat: store_backtest(con, cat, as_of=day, tz=tz, horizon=horizon, n_origins=origins, series=series),
    )
    if format == "json":
        typer.echo(
            json.dumps({"summary": res.summary(by_series=True), "rows": res.rows.to_dicts()}, default=_json, indent=2)
        )
        return
    typer.echo(
        f"Rolling-origin backtest: horizon {horizon} days, origins every 7 days (up to {origins}), "
        "expanding window, whole pipeline refitted at each origin."
    )
    typer.echo(res.table())
    typer.echo(
        "relMASE = MASE(model) / MASE(seasonal naive, m=7); APEtot / sAPEtot = error of the horizon total "
        "(model / seasonal naive); cov80 / cov95 = daily points inside the 80% / 95% intervals; "
        "tot80 / tot95 = horizon totals inside them."
    )
