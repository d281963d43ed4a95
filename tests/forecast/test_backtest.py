"""Rolling-origin backtests against the acceptance targets (forecasting-method section 5).

Targets: relative MASE vs seasonal naive <= 0.85, and 80% intervals covering 72-88% of the
held-out points. Synthetic: a seeded year of daily cost (weekly pattern, growth, launch
step, spikes) in a few variants. Traces: hourly with daily seasonality (m = 24), because
14 days are too few daily points for a weekly model (see docs/forecasting.md).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pytest
from forecast_trace_data import TRACES, ragpulse_hourly, servegen_hourly

from llmcost.forecast import backtest, month_remainder_backtest, run_backtest, synthetic_daily_cost

requires_traces = pytest.mark.skipif(not TRACES.exists(), reason="../shared/traces is not beside the checkout")

VARIANTS = {
    "launch_spikes": {},
    "steady": {"launch_at": None, "n_spikes": 0, "growth": 0.003},
    "noisy": {"growth": 0.0, "noise": 0.2, "launch_at": None, "n_spikes": 0},
    "outages": {"zero_days": 4, "launch_at": 150},
}


@pytest.fixture(scope="module")
def synthetic_result():
    frames = [
        synthetic_daily_cost(365, seed=seed, **kw).with_columns(pl.lit(f"{name}-{seed}").alias("series_id"))
        for name, kw in VARIANTS.items()
        for seed in (0, 1)
    ]
    return backtest(pl.concat(frames), horizon=30, n_origins=3, step=14, n_paths=500)


def test_synthetic_backtest_meets_targets(synthetic_result):
    s = synthetic_result.summary()
    assert s["n_origins"] == 24
    assert s["rel_mase"] <= 0.85, synthetic_result.table()
    assert 0.72 <= s["coverage_80"] <= 0.88, synthetic_result.table()
    assert s["coverage_95"] >= 0.88, synthetic_result.table()
    assert s["ape_total"] < s["ape_total_snaive"]


def test_backtest_table_and_summary(synthetic_result):
    text = synthetic_result.table()
    assert text.splitlines()[0].split()[:3] == ["series", "n", "relMASE"]
    assert text.splitlines()[-1].startswith("POOLED")
    per = synthetic_result.summary(by_series=True)["series"]
    assert set(per) == {f"{n}-{s}" for n in VARIANTS for s in (0, 1)}


def test_run_backtest_accepts_a_single_daily_series():
    daily = synthetic_daily_cost(200, seed=9).rename({"ds": "day", "y": "cost_usd"})
    res = run_backtest(daily, horizon=14, n_origins=2, ds_col="day", y_col="cost_usd", n_paths=200)
    assert res.rows["series_id"].to_list() == ["y", "y"]
    assert res.rows["origin"].to_list() == ["2025-06-29", "2025-07-06"]


@pytest.fixture(scope="module")
def trace_results():
    """Every origin the traces allow: daily origins with at least 4 days (seasons) of training,
    horizon 24 hours, 10 per series (forecasting-method section 4, hourly analogue)."""
    sg = backtest(servegen_hourly(), horizon=24, n_origins=10, season_length=24, min_train=96, n_paths=500)
    rp = backtest(ragpulse_hourly(), horizon=24, n_origins=10, season_length=24, min_train=96, n_paths=500)
    return sg, rp


@pytest.fixture(scope="module")
def synthetic_year_result():
    """The issue's seeded year-long synthetic cost series (weekly pattern, growth, launch step,
    spikes), backtested with the reference protocol: origins every 7 days over the last 12
    weeks, horizon 30 days."""
    year = synthetic_daily_cost(365, seed=0).with_columns(pl.lit("synthetic-year").alias("series_id"))
    return backtest(year, horizon=30, n_origins=12, step=7, n_paths=500)


def _rel_mase(rows: pl.DataFrame) -> float:
    return rows["mase"].mean() / rows["mase_snaive"].mean()


@requires_traces
@pytest.mark.traces
def test_backtests_meet_targets_overall(trace_results, synthetic_year_result):
    """Issue 7's acceptance: over the trace backtests and the year-long synthetic series,
    relative MASE <= 0.85 overall and 80% intervals covering 72-88% of held-out points; as in
    target T1 each group on its own must at least beat seasonal naive (< 1.0)."""
    traces = pl.concat([r.rows for r in trace_results])
    year = synthetic_year_result.rows
    both = pl.concat([traces, year])
    tables = "\n".join([*(r.table() for r in trace_results), synthetic_year_result.table()])
    assert traces.height == 40 and year.height == 12
    assert _rel_mase(both) <= 0.85, tables
    assert 0.72 <= both["in_80"].sum() / both["n_points"].sum() <= 0.88, tables
    assert _rel_mase(traces) < 1.0 and _rel_mase(year) < 1.0, tables


@requires_traces
@pytest.mark.traces
def test_trace_backtests_stay_ahead_of_the_previous_mixture(trace_results):
    """Regression guard, not the target: the traces alone measure 0.849-0.855 over path seeds
    (docs/forecasting.md), so the stricter per-group reading (<= 0.85 on the traces alone) is
    not met. The bound is the previous three-part mixture's 0.879 (AutoETS alone: 0.906),
    less a margin: a change that loses the five-part mixture's gain fails here."""
    traces = pl.concat([r.rows for r in trace_results])
    assert _rel_mase(traces) < 0.87, "\n".join(r.table() for r in trace_results)


def test_month_remainder_beats_run_rate_early_in_the_month():
    """Target T6: standing on day 5 or 10, the model's month total beats the run-rate."""
    parts = []
    for seed in (0, 1, 2):
        df = synthetic_daily_cost(300, seed=seed)
        parts.append(month_remainder_backtest(df["ds"].to_list(), df["y"].to_numpy(), days=(5, 10),
                                              n_months=2, n_paths=300))
    rows = pl.concat(parts)
    assert rows.height == 12
    assert rows["ape_model"].mean() < rows["ape_run_rate"].mean()


def test_trace_horizon_totals_inside_the_80_interval(trace_results):
    """Issue 15: on the public traces' backtests, the 24-hour horizon totals fall inside their 80%
    interval 70-90% of the time (pooled over the 20 origin-series)."""
    rows = pl.concat([r.rows for r in trace_results])
    inside = rows["total_in_80"].mean()
    print(f"trace totals inside the 80% interval: {inside:.3f} of {rows.height}")
    assert 0.70 <= inside <= 0.90


def test_winkler_score_by_hand():
    from llmcost.forecast.backtest import winkler

    # inside: the width; below by 5 with alpha 0.2: width + 10 x 5; above by 2: width + 10 x 2
    assert winkler(15.0, 10.0, 20.0, 0.2) == 10.0
    assert winkler(5.0, 10.0, 20.0, 0.2) == 60.0
    assert winkler(22.0, 10.0, 20.0, 0.2) == 30.0


def test_a_figure_that_cannot_be_computed_says_why_and_is_never_nan():
    # 90 days of $0 from 2026-08-01 (a key nobody used), 2 origins, 30-day horizon: every held-out
    # total is $0, so no error relative to it (APE, the Winkler score over the actual total) exists,
    # and seasonal naive forecasts each held-out day exactly (its MASE is 0), so neither does the
    # ratio to it. Before, those figures were NaN: `nan` in the table, a `NaN` literal in the JSON.
    days = [date(2026, 8, 1) + timedelta(days=i) for i in range(90)]
    res = backtest(pl.DataFrame({"series_id": ["idle"] * 90, "ds": days, "y": [0.0] * 90}), 30, 2, n_paths=100)
    assert res.rows.height == 2
    s = res.summary(by_series=True)
    text = json.dumps({"summary": s, "rows": res.rows.to_dicts()}, allow_nan=False)  # valid JSON
    assert "NaN" not in text and "Infinity" not in text
    for doc in (s, s["series"]["idle"]):
        assert doc["rel_mase"] is None and doc["ape_total"] is None and doc["total_winkler_80"] is None
        assert doc["mase_snaive"] == 0 and doc["coverage_80"] == 1.0  # what exists is still given
        assert doc["not_computed"]["rel_mase"] == "seasonal naive forecast every held-out day exactly (MASE 0)"
        assert doc["not_computed"]["ape_total"] == "the actual horizon total is 0 at every origin"
    table = res.table()
    assert "nan" not in table.lower()
    pooled = next(line for line in table.splitlines() if line.startswith("POOLED")).split()
    assert pooled[2] == "n/a" and pooled[5] == "n/a"  # relMASE, APEtot
    assert "n/a: relMASE: seasonal naive forecast every held-out day exactly (MASE 0)" in table


def test_a_backtest_without_an_origin_says_so():
    # one day of data: no origin has 28 days of training and a 30-day horizon after it. The table
    # raised KeyError ('rel_mase': the summary of no origin held only `n_origins`).
    res = backtest(pl.DataFrame({"series_id": ["one"], "ds": [date(2026, 8, 1)], "y": [3.0]}), 30, 2)
    s = res.summary()
    json.dumps(s, allow_nan=False)
    assert s["n_origins"] == 0 and s["rel_mase"] is None and s["coverage_80"] is None
    assert res.table().splitlines()[-1] == (
        "n/a: no origin: the series is shorter than the minimum training days plus the horizon")
