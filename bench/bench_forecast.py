"""Benchmark: forecast ~10 driver series on two years of daily history, then every scenario.

Drivers for three models: requests, input tokens/request, output tokens/request, plus one
cache-hit share: 10 series x 730 days. Forecast to the end of next quarter (1000 paths),
rebuild cost path by path for the scenarios of forecasting-method 3.7 (base, conservative,
aggressive; growth as ramp and as step) and two routing/caching alternatives, and sum the
calendar periods. Prints seconds per stage; target: under 5 s total on 2 cores.

    .venv/bin/python bench/bench_forecast.py
"""

from __future__ import annotations

import os
import time
from datetime import date, timedelta

# numpy's OpenBLAS threads only add contention for the tiny matrices of ETS fits: on a
# loaded 2-core box wall time varied 1.8-9 s with threads, 2.2-2.8 s without.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
t_start = time.perf_counter()
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from llmcost.forecast import combine, forecast_many, period_totals, periods_after, ramp, total_intervals  # noqa: E402
from llmcost.forecast.synthetic import synthetic_drivers  # noqa: E402

# $ per million tokens: input, cached input, output (illustrative list prices)
PRICES = {"large": (3.0, 0.3, 15.0), "mid": (0.8, 0.08, 4.0), "small": (0.15, 0.015, 0.6)}
N_DAYS = 730
AS_OF = date(2026, 11, 23)


def drivers() -> pl.DataFrame:
    rows = []
    ds = [AS_OF - timedelta(days=N_DAYS - 1 - i) for i in range(N_DAYS)]
    for k, name in enumerate(PRICES):
        req, tpr = synthetic_drivers(N_DAYS, seed=10 + k, launch_at=400 + 50 * k)
        out = 0.2 * tpr * np.exp(np.random.default_rng(k).normal(0, 0.05, N_DAYS))
        series = ((f"requests/{name}", req / (k + 1)), (f"in_tpr/{name}", tpr), (f"out_tpr/{name}", out))
        for sid, y in series:
            rows.append(pl.DataFrame({"series_id": sid, "ds": ds, "y": y}))
    share = np.clip(0.3 + 0.0002 * np.arange(N_DAYS) + np.random.default_rng(9).normal(0, 0.02, N_DAYS), 0, 1)
    rows.append(pl.DataFrame({"series_id": "cache_share", "ds": ds, "y": share}))
    return pl.concat(rows)


def cost(p, *, req_mult=1.0, in_mult=1.0, cache=None, route=None):
    """Daily cost paths; `route` moves that share of large-model requests to the mid model."""
    total = 0.0
    c = p["cache_share"] if cache is None else cache
    moved = p["requests/large"] * (route or 0.0)
    for name, (p_in, p_cache, p_out) in PRICES.items():
        r = p[f"requests/{name}"] - (moved if name == "large" else 0) + (moved if name == "mid" else 0)
        tin = p[f"in_tpr/{name}"] * in_mult
        per_request = tin * ((1 - c) * p_in + c * p_cache) + p[f"out_tpr/{name}"] * p_out
        total = total + r * req_mult * per_request / 1e6
    return total


def main() -> None:
    t_import = time.perf_counter() - t_start
    t_sm = time.perf_counter()
    # statsmodels is imported lazily by the library; time its cold import on its own
    import statsmodels.tsa.exponential_smoothing.ets
    import statsmodels.tsa.seasonal  # noqa: F401

    t_sm = time.perf_counter() - t_sm
    df = drivers()
    specs = periods_after(AS_OF)
    h = (specs[-1][3] - AS_OF).days
    t0, c0 = time.perf_counter(), time.process_time()
    mf = forecast_many(df, h, n_paths=1000, seed=0)
    t_fit = time.perf_counter() - t0
    t1 = time.perf_counter()
    scenarios = {
        "base": lambda p: cost(p, in_mult=ramp(h, 1.3)),
        "base_step": lambda p: cost(p, in_mult=1.3),
        "conservative": lambda p: cost(p, req_mult=0.2),
        "aggressive_ramp": lambda p: cost(p, req_mult=ramp(h, 3.0), in_mult=ramp(h, 1.5), cache=0.0),
        "aggressive_step": lambda p: cost(p, req_mult=3.0, in_mult=1.5, cache=0.0),
        "route_40pct_large_to_mid": lambda p: cost(p, route=0.4),
        "cache_60pct": lambda p: cost(p, cache=0.6),
    }
    table = {}
    # month-to-date actual cost (the same for every scenario: it has happened)
    month_start = specs[0][2]
    hist = {sid: part.filter(pl.col("ds") >= month_start)["y"].to_numpy()
            for (sid,), part in df.group_by("series_id")}
    mtd = float(cost(hist).sum()) if month_start <= AS_OF else 0.0
    for name, fn in scenarios.items():
        paths = combine(mf.paths, fn)
        table[name] = {
            label: total_intervals(period_totals(paths, mf.ds[0], s, e, mtd * (kind == "current_month")))
            for kind, label, s, e in specs
        }
    t_scen = time.perf_counter() - t1
    cpu = time.process_time() - c0
    total = t_fit + t_scen
    print(f"series: {len(mf.paths)} x {N_DAYS} days, horizon {h} days, 1000 paths")
    for sid, fit in mf.fits.items():
        print(f"  {sid:<16} {fit.model_used:<20} spread x{fit.spread:.2f}")
    for name, per in table.items():
        cells = "  ".join(
            f"{lab} p50 {v['p50']:>8,.0f} [{v['lo_80']:,.0f}, {v['hi_80']:,.0f}]" for lab, v in per.items()
        )
        print(f"  {name:<26} {cells}")
    print(f"import (numpy, polars, llmcost.forecast): {t_import:.2f} s")
    print(f"import statsmodels (cold, paid once at the first fit): {t_sm:.2f} s")
    print(f"fit + calibrate + simulate: {t_fit:.2f} s")
    print(f"scenarios ({len(scenarios)}) x periods (3): {t_scen:.2f} s")
    print(f"TOTAL forecast + scenarios: {total:.2f} s wall, {cpu:.2f} s CPU (target < 5 s)")
    print(f"TOTAL including all imports: {total + t_import + t_sm:.2f} s wall")


if __name__ == "__main__":
    main()
