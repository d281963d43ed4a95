"""`forecast_section`: the forecast, the scenarios and the alternatives for the report document.

One driver forecast (drivers.py) gives simulated token paths; the projection, every scenario
and every alternative are computed from those same paths (same seed, same draws), so their
differences are what they change, never simulation noise. Money leaves this module as
Decimal, quantised to the cent.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import polars as pl

from llmcost.forecast import (
    budget_odds,
    period_totals,
    periods_after,
    pointwise_intervals,
    ramp,
    recentre_paths,
    round_money,
    to_money,
    total_intervals,
)
from llmcost.forecast.auto import LOW_HISTORY, SANITY_MULT
from llmcost.forecast.periods import SCATTERED
from llmcost.pricing import Catalog
from llmcost.storage.store import has_relation, one
from llmcost.tz import check_tz

from .alternatives import measure_all
from .billed import BILLED_SERIES, BilledMoney, billed_all, billed_series, billed_unpriced
from .config import Scenario, ScenarioFile, load_scenarios
from .drivers import INPUT_SIDE, VOLUME_SERIES, DriverForecast, forecast_drivers
from .history import History, anchor_day, left_out_note, prepare, source_ends
from .whatif import Effect, Prices

if TYPE_CHECKING:
    from llmcost.document.priced_rows import PricedTable

_RANK = {"none": 0, "low": 1, "normal": 2}

STALE_DAYS = 28
"""A provider whose data (its usage's sources, or the billed money of its models without a list
price) ends more than this many days before the history's last day is not forecast (a stopped
provider or bill, or an old export beside newer logs); one whose data ends less long before cuts
the history short (`_known_until`)."""


def _money(x: float | None) -> Decimal | None:
    return None if x is None else to_money(float(x))


def _recentre_factors(con: duckdb.DuckDBPyConnection, history: str, paths: np.ndarray, first_day: date,
                      notes: list[str]) -> np.ndarray:
    """forecast.periods.recentre_paths on the priced daily spend: per-path, per-day factors that put
    the rest of this month and the next month on the mean of the local regression and the recent
    level, and the next quarter on `quarter_forecasts` (the model keeps the spread). Every path
    array of the forecast (base, scenarios, savings) is multiplied by them, so a scenario differs
    from the base by its knobs only.

    The factors also hold the path cap on the money (reference target T7: no path above 10x the
    historical daily max x the scenario factor): no day of `paths * factors` is above 10x the
    history's largest day of priced cost. Each driver path is capped on its own scale only, and a
    product of drivers, or a recentred window, can lift a day past 10x the largest day's money."""
    hist = [(d, v or 0.0) for d, v in con.execute(
        f"SELECT day, CAST(sum(cost_usd) AS DOUBLE) FROM {history} WHERE priced GROUP BY day ORDER BY day"
    ).fetchall()]
    factors, how = recentre_paths(paths, first_day, hist, cap=_cap(hist))
    notes += how
    return factors


def _cap(history: list[tuple[date, float]]) -> float:
    """The path cap of a money series: SANITY_MULT (10) x its largest day (forecast.auto)."""
    return SANITY_MULT * max([0.0, *(v for _, v in history)])


def _budget_odds(con: duckdb.DuckDBPyConnection, history: str, paths: np.ndarray, first_day: date,
                 month: tuple[str, str, date, date], budget: Decimal,
                 billed: BilledMoney | None = None) -> dict[str, Any]:
    """The current month's budget odds (forecast.periods.budget_odds) on the cost paths, with the
    month's actual priced spend per day before the first simulated day (and the billed money of
    models without a list price, `billed`)."""
    _, label, start, end = month
    actual = con.execute(
        f"SELECT day, CAST(sum(cost_usd) AS DOUBLE) FROM {history} WHERE priced AND day >= $s AND day < $f "
        "GROUP BY day",
        {"s": start, "f": first_day},
    ).fetchall()
    if billed is not None:
        per_day = {d: v or 0.0 for d, v in actual}
        for d, v in billed.daily().items():
            if start <= d < first_day:
                per_day[d] = per_day.get(d, 0.0) + float(v)
        actual = sorted(per_day.items())
    odds = budget_odds(paths, first_day, start, end, float(budget), actual)
    return {
        "month": label,
        "budget_usd": budget,
        "probability_above": round(odds.p_exceed, 3),
        "crossed_on": odds.crossed_on,
        "crossing_day_p50": odds.crossing_p50,
        "crossing_day_lo_80": odds.crossing_lo_80,
        "crossing_day_hi_80": odds.crossing_hi_80,
        "n_paths": odds.n_paths,
        "definition": "share of simulated paths whose month total is above the budget; crossing day = the first "
        "day a path's running total (actuals, then simulated days) is above it, its median and 10th-90th "
        "percentiles over all paths (a path that never crosses counts as after the month: null)",
    }


def _stats(paths: np.ndarray, first_day: date, start: date, end: date) -> dict[str, float]:
    return total_intervals(period_totals(paths, first_day, start, end, 0.0))


def _period_row(
    kind: str,
    label: str,
    start: date,
    end: date,
    st: dict[str, float] | None,
    actual: Decimal,
    run_rate: Decimal | None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"period": label, "kind": kind, "start": start, "end": end, "actual_to_date_usd": actual}
    for k in ("p50", "mean", "lo_80", "hi_80", "lo_95", "hi_95"):
        row[f"{k}_usd"] = None if st is None else actual + to_money(st[k])
    if kind == "current_month":
        row["run_rate_usd"] = run_rate
    return row


def _factor(h: int, value: float, growth: str) -> np.ndarray | float:
    if value == 1.0:
        return 1.0
    return ramp(h, value) if growth == "ramp" else value


def _scenario_cost(df: DriverForecast, sc: Scenario, growth: str) -> np.ndarray:
    h = df.shape[1]
    g = sc.growth or growth
    days = np.array([df.first_day + timedelta(days=i) for i in range(h)])
    pf: dict[tuple[str, str], np.ndarray | float] = {}
    for grp in df.groups:
        f = np.ones(h)
        for ch in sc.prices:
            if ch.matches(grp[0], grp[1]):
                on = np.ones(h, dtype=bool) if ch.start is None else days >= ch.start
                f = np.where(on, f * ch.factor, f)
        if not np.all(f == 1.0):
            pf[grp] = f
    return df.cost(
        traffic=_factor(h, sc.traffic, g), context=_factor(h, sc.context, g), caching=sc.caching, price_factor=pf
    )


def _savings_paths(df: DriverForecast, e: Effect, best: bool = False) -> np.ndarray:
    a_in = e.a_in_best if best and e.a_in_best is not None else e.a_in
    out: np.ndarray | float = 0.0
    for g in df.groups:
        if g in a_in:
            out = out + float(a_in[g]) * df.prompt(g)
        if g in e.a_out:
            out = out + float(e.a_out[g]) * df.tokens[g]["output"]
        if g in e.fee:
            out = out - float(e.fee[g]) * df.requests[g]
    return np.broadcast_to(np.asarray(out, dtype=float), df.shape)


def forecast_section(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    *,
    as_of: date | None,
    tz: str,
    scenarios_file: Path | None,
    n_paths: int = 1000,
    seed: int = 0,
    budget: Decimal | None = None,
    priced: PricedTable | None = None,
) -> dict[str, Any]:
    """{"forecast": {...}, "scenarios": [...], "alternatives": [...]} for the store behind `con`.

    `priced`: the report's one priced table (llmcost.document.priced_rows), read instead of pricing again.

    With `budget` (USD), `forecast["budget_odds"]` holds the chance that the current month ends
    above it and the day it is crossed, counted over the same simulated paths.

    `con` needs the store's `usage` view (and `costs`, for counting money once); `as_of` is
    the last day of data used (default: yesterday in `tz`); periods are calendar periods in
    `tz`. See docs/scenarios.md for every key.
    """
    check_tz(tz)
    cfg: ScenarioFile = load_scenarios(scenarios_file)
    as_of_day, anchored = anchor_day(con, as_of, tz, priced)
    hist = prepare(con, catalog, as_of_day, tz, priced)
    # the history's queries run where its rows are (DuckDB, or Spark under --engine spark)
    con, history = hist.con, hist.table
    specs = periods_after(as_of_day)
    _, cur_label, cur_start, cur_end = specs[0]
    billed, stale = _billed(hist, as_of_day, tz)
    ended, cut, known_notes = _known_until(hist, billed)
    if cut is not None:
        # every provider's history ends where the shortest one's data ends: a day after it is
        # known for some providers only, and the others' absence would read as $0
        history = ROWS_KNOWN
        con.execute(f"CREATE OR REPLACE TEMP VIEW {history} AS SELECT * FROM {hist.table} "
                    f"WHERE day <= DATE '{cut.isoformat()}'")
        hist.last_day = cut
        if billed is not None:
            billed.cut(cut)
            billed = billed if billed.days else None
    notes = ([anchored] if anchored else []) + _history_notes(hist, billed) + stale + known_notes
    mtd_raw = con.execute(
        f"SELECT sum(cost_usd) FROM {history} WHERE priced AND day >= $s AND day <= $e",
        {"s": cur_start, "e": as_of_day},
    ).fetchall()[0]
    mtd_exact = Decimal(mtd_raw[0] or 0) if mtd_raw else Decimal(0)
    if billed is not None:  # the billed money of models without a list price counts in the actual to date
        mtd_exact += billed.total(cur_start, as_of_day)
    mtd = round_money(mtd_exact)
    elapsed = (as_of_day - cur_start).days + 1
    run_rate = round_money(mtd_exact / elapsed * cur_end.day) if elapsed > 0 else None
    base_doc: dict[str, Any] = {
        "month": cur_label,
        "as_of": as_of_day,
        "anchored_to_data": anchored is not None,
        "tz": tz,
        "actual_to_date_usd": mtd,
        "run_rate_usd": run_rate,
        "n_paths": n_paths,
        "seed": seed,
        "scenarios_file": cfg.path,
        "history_first_day": hist.first_day,
        "history_last_day": hist.last_day,
        "price_basis": f"list prices at {as_of_day} ({catalog.info()['catalog']}); actuals at the prices in force",
    }
    df = forecast_drivers(con, history, catalog, as_of_day, specs[-1][3], n_paths=n_paths, seed=seed, tz=tz,
                          billed=billed, ended=ended)
    if df is None:
        notes.append("no priced usage on or before as_of: nothing to forecast")
        # rows, not requests: a usage export's rows state no request count (0), and its unpriced
        # month read "actual to date $0.00"
        unpriced, rows = one(con.execute(
            f"SELECT coalesce(sum(request_count), 0), count(*) FROM {history} "
            "WHERE NOT priced AND day >= $s AND day <= $e",
            {"s": cur_start, "e": as_of_day},
        ))
        if hist.last_day is None and billed is None:
            # no usage row at all (a store of cost lines only): nothing says what this month cost so far
            base_doc.update(actual_to_date_usd=None, run_rate_usd=None)
            notes.append(f"the store holds no usage rows on or before {as_of_day} (cost lines alone state no "
                         "tokens or requests): this month's spend so far is unknown, not $0")
        elif rows:
            # the month's usage is all of models without a price: its money is unknown, not $0
            base_doc.update(actual_to_date_usd=None, run_rate_usd=None)
            notes.append(f"{unpriced:,} requests this month have no known price, so the actual to date is unknown"
                         if unpriced else "this month's usage (from exports that state no request count) has no "
                         "known price, so the actual to date is unknown")
        base_doc.update({k: None for k in ("p50_usd", "mean_usd", "lo_80_usd", "hi_80_usd", "lo_95_usd", "hi_95_usd")})
        base_doc.update(model_used="none", confidence="none", periods=[], drivers=[], notes=notes)
        return {"forecast": base_doc, "scenarios": [], "alternatives": []}
    notes += df.notes
    if df.last_history_day < as_of_day:
        # the days after the data's last day are forecast, not actuals (df.notes says so): the
        # run-rate is over the days that have actuals; none when the data ends before the month
        # (a stale export forecast to a later --as-of read "run-rate $0.00" beside a $1.05 median)
        seen = (df.last_history_day - cur_start).days + 1
        run_rate = round_money(mtd_exact / seen * cur_end.day) if seen > 0 else None
        base_doc["run_rate_usd"] = run_rate
    fits = df.mf.fits
    # the series that carry money forward: each provider's volume, and its billed money of models
    # without a list price (billed.py)
    req_ids = [s for s in fits if s.startswith((*VOLUME_SERIES, BILLED_SERIES))]
    gapped = {}  # billed series with months no cost line covers: their fit rests on imputed days
    if billed is not None:
        for p in billed.days:
            gap = billed.missing_months(p)
            if gap:
                gapped[billed_series(p)] = gap
                if fits[billed_series(p)].confidence == "normal":
                    fits[billed_series(p)].confidence = "low"
    confidence = min((fits[s].confidence for s in req_ids), key=lambda c: _RANK.get(c, 0))
    none = confidence == "none"
    priced_base = df.cost()
    factors = np.ones_like(priced_base) if none else _recentre_factors(con, history, priced_base, df.first_day,
                                                                          notes)
    priced_base = priced_base * factors
    billed_base = df.billed_cost()
    b_factors = np.ones_like(billed_base)
    if billed is not None and not none:
        b_hist = _billed_history(billed)
        b_factors, how = recentre_paths(billed_base, df.first_day, b_hist, cap=_cap(b_hist))
        notes += [f"billed money: {n}" for n in how]
    billed_base = billed_base * b_factors
    base = priced_base + billed_base

    def period_rows(paths: np.ndarray) -> list[dict[str, Any]]:
        rows = []
        for kind, label, start, end in specs:
            actual = mtd if kind == "current_month" else Decimal("0.00")
            st = None if none else _stats(paths, df.first_day, start, end)
            rows.append(_period_row(kind, label, start, end, st, actual, run_rate if kind == "current_month" else None))
        return rows

    periods = period_rows(base)
    cur = periods[0]
    vol_ids = [s for s in req_ids if not s.startswith(BILLED_SERIES)]
    billed_ids = [s for s in req_ids if s.startswith(BILLED_SERIES)]
    used = []
    if vol_ids:
        used.append("drivers x list prices (" + "; ".join(f"{_name(s)}: {fits[s].model_used}" for s in vol_ids) + ")")
    if billed_ids:
        used.append("billed money (" + "; ".join(f"{_name(s)}: {fits[s].model_used}" for s in billed_ids) + ")")
    drivers = [
        {
            "series": s,
            "model_used": f.model_used,
            "confidence": f.confidence,
            "spread": round(f.spread, 3),
            "n_history": f.n_history,
            "notes": list(f.notes),
        }
        for s, f in fits.items()
    ]
    if none:
        # the series below the gate, not the longest one: with two providers it read "(10 days
        # with usage; it needs 7)" when the other provider had 3
        def days(s: str) -> str:
            # a billed series (cost exports: a store of cost lines only, a FOCUS export's unpriced
            # models) counts days with cost lines: it has no usage
            n, what = fits[s].n_active, "cost lines" if s.startswith(BILLED_SERIES) else "usage"
            return f"1 day with {what}" if n == 1 else f"{n} days with {what}"

        short = [s for s in req_ids if fits[s].confidence == "none"]
        if len(req_ids) == 1:
            have, rule = days(short[0]), "it needs 7"
        else:
            have = "; ".join(f"{_label(s)}: {days(s)}" for s in short)
            rule = "it needs 7 for each provider"
        notes.append(f"too little history for a statistical forecast ({have}; {rule}): run-rate only")
    elif confidence == "low":
        # the fits' own notes say it in the drivers' notes only (JSON); the table printed
        # "confidence low" with no reason
        for s in req_ids:
            f = fits[s]
            if f.confidence != "low":
                continue
            if s in gapped:
                notes.append(f"history too short for a normal-confidence forecast ({_label(s)}: no cost line in "
                             f"{_months(gapped[s])}, inside the export's span: those days are imputed for the fit, "
                             "not read as $0): the intervals rest on little data")
                continue
            what = "cost lines" if s.startswith(BILLED_SERIES) else "usage"
            have = (f"{f.n_history} days of history" if f.n_history < LOW_HISTORY
                    else f"only {f.n_active} of {f.n_history} days with {what}")
            notes.append(f"history too short for a normal-confidence forecast ({_label(s)}: {have}; it needs "
                         f"{LOW_HISTORY} days, half of them with {what}): the intervals rest on little data")
    # cross-check (forecasting-method 3.2): the direct cost series against the driver product
    nxt = specs[1]
    check = None
    if "cost" in df.mf.paths and not none:
        # the priced part only: the direct series is the priced daily cost
        direct = _stats(df.mf.paths["cost"], df.first_day, nxt[2], nxt[3])
        drv = _stats(priced_base, df.first_day, nxt[2], nxt[3])
        half = (drv["hi_80"] - drv["lo_80"]) / 2
        agree = abs(direct["p50"] - drv["p50"]) <= half
        check = {
            "period": nxt[1],
            "direct_p50_usd": to_money(direct["p50"]),
            "drivers_p50_usd": to_money(drv["p50"]),
            "agree": agree,
        }
        if not agree and f"next month: the median is {SCATTERED}; the model gives the spread" in notes:
            # the direct series' model is the one the mean day replaced: its clipped paths lift every day
            notes.append(
                f"the direct cost forecast for {nxt[1]} ({to_money(direct['p50'])}) is the model's alone: on "
                "scattered usage its paths, clipped at $0 a day, lift every day; the median is the mean day"
            )
        elif not agree:
            notes.append(
                f"the direct cost forecast for {nxt[1]} ({to_money(direct['p50'])}) differs from the driver "
                f"forecast ({to_money(drv['p50'])}) by more than the 80% half-width: prices or mix changed "
                "in the history, or a driver is unstable"
            )
    daily = []
    if not none:
        fan = pointwise_intervals(base)
        for i, day in enumerate(df.mf.ds):
            row: dict[str, Any] = {"day": day, "p50_usd": to_money(fan["median"][i])}
            for lv in (80, 95):
                row[f"lo_{lv}_usd"] = to_money(fan[f"lo-{lv}"][i])
                row[f"hi_{lv}_usd"] = to_money(fan[f"hi-{lv}"][i])
            daily.append(row)
    forecast = dict(base_doc)
    forecast.update(
        {
            "p50_usd": cur["p50_usd"],
            "mean_usd": cur["mean_usd"],
            "lo_80_usd": cur["lo_80_usd"],
            "hi_80_usd": cur["hi_80_usd"],
            "lo_95_usd": cur["lo_95_usd"],
            "hi_95_usd": cur["hi_95_usd"],
            "model_used": "run_rate" if none else " + ".join(used),
            "confidence": confidence,
            "periods": periods,
            "drivers": drivers,
            "cross_check": check,
            "daily": daily,
            "groups": [{"provider": g[0], "model": g[1], "price_source": df.prices[g].source} for g in df.groups],
            "billed_money": _billed_rows(billed, cur_start, as_of_day),
            "notes": notes,
        }
    )
    if budget is not None and not none:
        forecast["budget_odds"] = _budget_odds(con, history, base, df.first_day, specs[0], budget, billed)

    # scenarios: the same paths, deterministic changes
    _, month_label, m_start, m_end = specs[1]
    base_month = None if none else period_totals(base, df.first_day, m_start, m_end)
    scen_rows = []
    lines_only = billed is not None and billed.lines_only
    untokened = [sc.name for sc in cfg.scenarios if _needs_tokens(sc)] if lines_only else []
    if untokened:
        notes.append(f"scenarios {', '.join(untokened)}: n/a: their context, caching or price changes re-price "
                     "tokens, and the store holds none (billed cost lines only); a scenario of traffic alone "
                     "scales the bill")
    elif billed is not None and cfg.scenarios and not lines_only:
        notes.append(f"scenarios scale the billed money of {_billed_names(billed)} by their traffic only: context, "
                     "caching and price changes re-price tokens at list prices, which that money has not")
    h = df.shape[1]
    for sc in cfg.scenarios:
        g = sc.growth or cfg.growth
        paths = (_scenario_cost(df, sc, cfg.growth) * factors
                 + df.billed_cost(_factor(h, sc.traffic, g)) * b_factors)
        row = {
            "name": sc.name,
            "kind": "scenario",
            "description": sc.description,
            "month": month_label,
            "growth": sc.growth or cfg.growth,
            "knobs": {
                "traffic": sc.traffic,
                "context": sc.context,
                "caching": sc.caching,
                "price_changes": [
                    {"provider": p.provider, "model": p.model, "factor": p.factor, "from": p.start} for p in sc.prices
                ],
            },
        }
        na = none or sc.name in untokened
        row.update(_summary(paths, base_month, df, m_start, m_end, na))
        row["periods"] = [] if na else period_rows(paths)
        scen_rows.append(row)

    # alternatives: measured on the logged requests, applied to the projection's paths
    prices = Prices(catalog, {g: df.prices[g] for g in df.groups}, as_of_day)
    effects, since = measure_all(con, history, prices, cfg.alternatives, as_of_day, cfg.window_days)
    # with tokens but no model the catalogue prices (only billed money, or nothing, to forecast),
    # a what-if has no list-priced request to re-price: n/a, not a $0 saving
    unpriced_only = not df.groups and not lines_only
    unmeasured = lines_only or unpriced_only  # every what-if n/a (null figures), with the note below saying why
    if lines_only and effects:
        notes.append("the what-ifs: n/a: each is measured on the logged requests, and the store holds none "
                     "(billed cost lines only)")
    elif unpriced_only and effects:
        notes.append("the what-ifs: n/a: each re-prices the logged requests at list prices, and the catalogue "
                     "has no price for any model in the store (a --prices file gives them one)")
    elif billed is not None and effects:
        notes.append(f"the what-ifs re-price tokens at list prices: they save nothing on the billed money of "
                     f"{_billed_names(billed)} (it stays in each what-if's monthly cost as it is)")
    alt_rows = []
    for e in effects:
        s_paths = _savings_paths(df, e) * factors
        row = {
            "name": e.name,
            "kind": e.kind,
            "description": e.description,
            "month": month_label,
            "window": {"start": since, "end": as_of_day, "days": cfg.window_days},
            "window_savings_usd": None if unmeasured else round_money(e.window_savings_usd),
            "measured": e.measured,
        }
        row.update(_summary(base - s_paths, base_month, df, m_start, m_end, none or unmeasured))
        if not (none or unmeasured):
            sv = total_intervals(period_totals(s_paths, df.first_day, m_start, m_end))
            row.update(savings_lo_80_usd=to_money(sv["lo_80"]), savings_hi_80_usd=to_money(sv["hi_80"]))
            if e.a_in_best is not None:
                best_paths = _savings_paths(df, e, best=True) * factors
                best = total_intervals(period_totals(best_paths, df.first_day, m_start, m_end))
                row["savings_if_cache_kept_usd"] = to_money(best["p50"])
        if e.window_savings_best_usd is not None and not unmeasured:
            row["window_savings_if_cache_kept_usd"] = round_money(e.window_savings_best_usd)
        alt_rows.append(row)
    return {"forecast": forecast, "scenarios": scen_rows, "alternatives": alt_rows}


def _needs_tokens(sc: Scenario) -> bool:
    """Whether a scenario changes more than traffic (context, caching or prices): it re-prices tokens."""
    return sc.context != 1.0 or not sc.caching or bool(sc.prices)


def _name(series: str) -> str:
    """The provider a series id names (`req|p`, `tok|p`, `billed|p`)."""
    return series.split("|", 1)[1]


def _label(series: str) -> str:
    """How a note names a money series: the provider, and 'billed money' for a billed one."""
    name = _name(series) or "(no provider)"
    return f"{name} billed money" if series.startswith(BILLED_SERIES) else _name(series)


def _billed(hist: History, as_of_day: date, tz: str) -> tuple[BilledMoney | None, list[str]]:
    """The billed money of the history's models without a list price (billed.billed_unpriced), read
    where the history is (`hist.con`: DuckDB, whose connection may lack `costs`, or Spark, where the
    store's `costs` view is always registered), and the notes on the bills left out as stale."""
    if isinstance(hist.con, duckdb.DuckDBPyConnection) and not has_relation(hist.con, "costs"):
        return None, []
    if hist.last_day is None:
        # no usage row (a store of cost exports only): the whole bill is the money forecast
        return billed_all(hist.con, as_of_day, tz), []
    billed = billed_unpriced(hist.con, hist.table, as_of_day, tz)
    if billed is None:
        return billed, []
    # a bill that stopped long before the rest of the history ends is not extended to today (the
    # core would impute its whole missing tail): its models stay "left out", with a note
    stale = [p for p, by_day in billed.days.items() if (hist.last_day - max(by_day)).days > STALE_DAYS]
    for p in stale:
        billed.notes.append(f"{p or '(no provider)'}: the billed money of its models without a list price ends on "
                            f"{max(billed.days[p])}, more than {STALE_DAYS} days before the history's last day "
                            f"({hist.last_day}): it is not forecast")
    billed.drop(stale)
    return (billed if billed.days else None), billed.notes


ROWS_KNOWN = "scen_known"
"""The history cut at the last day every forecast provider's data covers (`_known_until`)."""


def _known_until(hist: History, billed: BilledMoney | None) -> tuple[frozenset[str], date | None, list[str]]:
    """(providers not forecast, the day to cut the history at or None, notes) from how far each
    source of priced usage reaches (history.source_ends), and the billed money's last day for a
    provider forecast from its bill. A provider all of whose sources end more than STALE_DAYS
    before the history's last day is not forecast. A source that ends less long before is an export
    or log that stops early (an Anthropic usage export made on the 17th beside Claude Code logs to
    the 31st): its later days are unknown, not $0, so every provider's history stops there."""
    last = hist.last_day
    if last is None:
        return frozenset(), None, []
    ends = source_ends(hist)
    reach: dict[str, date] = {}
    for p, _, d in ends:
        reach[p] = max(reach.get(p, d), d)
    ended = {p: d for p, d in reach.items() if (last - d).days > STALE_DAYS}
    short: dict[str, date] = {}
    for p, src, d in ends:
        if d < last and (last - d).days <= STALE_DAYS and p not in ended:
            short[f"{src or 'usage'} ({p or 'no provider'})"] = d
    if billed is not None:  # its stale bills were dropped by _billed
        short |= {f"the billed money of {p or '(no provider)'}": max(by_day) for p, by_day in billed.days.items()
                  if max(by_day) < last}
    notes = [f"{p or '(no provider)'}: its data ends on {d}, more than {STALE_DAYS} days before the history's last "
             f"day ({last}): its usage is not forecast (it stopped, or its export is old)"
             for p, d in sorted(ended.items())]
    if not short:
        return frozenset(ended), None, notes
    cut = min(short.values())
    names = ", ".join(f"{what} on {d}" for what, d in sorted(short.items(), key=lambda x: (x[1], x[0])))
    notes.append(f"some data ends before the history's last day ({last}): {names}. The days after are not known "
                 f"(an export or log that stops early), not $0, so the forecast uses every provider's data up to "
                 f"{cut} only and forecasts the days after (the actual to date stops there). Fix: add that data up "
                 f"to {last}, or pass --as-of {cut}")
    return frozenset(ended), cut, notes


def _months(months: list[str]) -> str:
    """'2025-02, 2025-03, 2025-04', or '2025-01 to 2025-09 (9 months)' past three."""
    if len(months) > 3:
        return f"{months[0]} to {months[-1]} ({len(months)} months)"
    return ", ".join(months)


def _billed_names(billed: BilledMoney) -> str:
    names = billed.names()
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def _history_notes(hist: History, billed: BilledMoney | None) -> list[str]:
    """The history's notes, with the models forecast from their billed money taken out of the
    "left out of the money forecast" note and named in a note of their own."""
    if billed is None:
        return list(hist.notes)
    left = [u for u in hist.unpriced_models if not billed.covers(u["provider"], u["model"])]
    old, new = left_out_note(hist.unpriced_models), left_out_note(left)
    notes = [n for n in hist.notes if n != old] + ([new] if new else [])
    first, last = min(min(d) for d in billed.days.values()), max(max(d) for d in billed.days.values())
    if billed.lines_only:
        notes.append(f"the forecast rests on billed cost lines only (cost exports, {first} to {last}): the store "
                     "holds no usage rows, so no tokens or requests; the bill is extended as billed")
        return notes
    notes.append(f"{_billed_names(billed)}: forecast from their billed money (cost export, {first} to {last}): "
                 "the catalogue has no list price for them, so their tokens cannot be forecast at list prices")
    return notes


def _billed_history(billed: BilledMoney) -> list[tuple[date, float]]:
    """The billed money per day as its series holds it (a day without a cost line between the first
    and the last is $0), for recentring."""
    frame = billed.frame().group_by("ds").agg(pl.col("y").sum()).sort("ds")
    return [(d, float(v)) for d, v in frame.iter_rows()]


def _billed_rows(billed: BilledMoney | None, start: date, end: date) -> list[dict[str, Any]]:
    """`forecast.billed_money`: per provider, the series, the models and the month's billed money to date."""
    if billed is None:
        return []
    return [
        {
            "series": billed_series(p),
            "provider": p,
            "models": billed.models[p],
            "actual_to_date_usd": round_money(billed.total(start, end, provider=p)),
            "first_day": min(by_day),
            "last_day": max(by_day),
        }
        for p, by_day in sorted(billed.days.items())
    ]


def _summary(
    paths: np.ndarray, base_month: np.ndarray | None, df: DriverForecast, start: date, end: date, none: bool
) -> dict[str, Any]:
    if none or base_month is None:
        return {
            "monthly_cost_usd": None,
            "lo_80_usd": None,
            "hi_80_usd": None,
            "lo_95_usd": None,
            "hi_95_usd": None,
            "savings_vs_baseline_usd": None,
        }
    tot = period_totals(paths, df.first_day, start, end)
    st = total_intervals(tot)
    diff = float(np.median(base_month - tot))
    return {
        "monthly_cost_usd": to_money(st["p50"]),
        "mean_usd": to_money(st["mean"]),
        "lo_80_usd": to_money(st["lo_80"]),
        "hi_80_usd": to_money(st["hi_80"]),
        "lo_95_usd": to_money(st["lo_95"]),
        "hi_95_usd": to_money(st["hi_95"]),
        "savings_vs_baseline_usd": to_money(diff),
    }


__all__ = ["INPUT_SIDE", "forecast_section"]
