"""Forecasting: one small model interface, one module per model family, a backtest.

See docs/forecasting.md for the method (AutoETS on log1p with weekly seasonality, fallback
chain, interval calibration on period totals; for hourly series a mixture of AutoETS, Fourier
ARIMA, Theta and seasonal means) and its measured accuracy.

statsmodels is imported lazily (inside the model modules' functions): its cold import costs
about 1.3 s, which commands that never forecast should not pay.
"""

from __future__ import annotations

from .arima import FourierARIMA
from .auto import FittedSeries, fit_series, impute
from .backtest import BacktestResult, backtest, backtest_array, month_remainder_backtest, run_backtest
from .base import DEFAULT_LEVELS, Model, pointwise_intervals, total_intervals
from .baselines import Naive, SeasonalMean, SeasonalNaive, WindowMean
from .combo import Combo
from .ets import STLETS, AutoETS
from .multi import MultiForecast, combine, forecast_many, ramp, round_money, series_rng, simulate_many, to_money
from .periods import (
    BudgetOdds,
    PeriodForecast,
    budget_odds,
    combine_remaining,
    forecast_periods,
    last_complete_day,
    local_trend_total,
    period_totals,
    periods_after,
    recent_level_total,
    recentre_paths,
    rest_forecasts,
    spread_paths,
)
from .synthetic import synthetic_daily_cost, synthetic_drivers
from .theta import Theta

__all__ = [
    "DEFAULT_LEVELS",
    "STLETS",
    "AutoETS",
    "BacktestResult",
    "BudgetOdds",
    "Combo",
    "FittedSeries",
    "FourierARIMA",
    "Model",
    "MultiForecast",
    "Naive",
    "PeriodForecast",
    "SeasonalMean",
    "SeasonalNaive",
    "Theta",
    "WindowMean",
    "backtest",
    "backtest_array",
    "budget_odds",
    "combine",
    "combine_remaining",
    "fit_series",
    "forecast_many",
    "forecast_periods",
    "impute",
    "last_complete_day",
    "local_trend_total",
    "month_remainder_backtest",
    "period_totals",
    "periods_after",
    "pointwise_intervals",
    "ramp",
    "recent_level_total",
    "recentre_paths",
    "rest_forecasts",
    "round_money",
    "run_backtest",
    "series_rng",
    "simulate_many",
    "spread_paths",
    "synthetic_daily_cost",
    "synthetic_drivers",
    "to_money",
    "total_intervals",
]
