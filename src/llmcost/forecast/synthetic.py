"""Seeded synthetic daily LLM-cost series for tests, backtests and the benchmark.

Built as in the appendix of the forecasting reference: daily requests =
`2000 * exp(g t) * weekly(dow) * exp(N(0, sigma))` with weekends at 0.6 and a +-5% weekly
sinusoid, an optional launch step (x `launch_mult` from `launch_at`), optional spikes (x
`spike_mult` on random days after the first 10% of history) and zero days (outages);
tokens/request = `1500 exp(0.0005 t) exp(N(0, 0.05))`; cost = requests x tokens / 1e6 x $3.
Real exports will differ; these series only make the targets checkable and repeatable.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl


def synthetic_drivers(
    n_days: int = 365,
    *,
    seed: int = 0,
    growth: float = 0.002,
    noise: float = 0.08,
    launch_at: int | None = 220,
    launch_mult: float = 1.5,
    n_spikes: int = 6,
    spike_mult: float = 3.0,
    zero_days: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Daily requests and tokens per request as two arrays of length `n_days`."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_days)
    dow = t % 7
    weekly = np.where(dow >= 5, 0.6, 1.0) * (1 + 0.05 * np.sin(2 * np.pi * dow / 7))
    req = 2000 * np.exp(growth * t) * weekly * np.exp(rng.normal(0, noise, n_days))
    if launch_at is not None and 0 < launch_at < n_days:
        req[launch_at:] *= launch_mult
    first = max(1, n_days // 10)
    if n_spikes:
        days = rng.choice(np.arange(first, n_days), size=min(n_spikes, n_days - first), replace=False)
        req[days] *= spike_mult
    if zero_days:
        days = rng.choice(np.arange(first, n_days), size=min(zero_days, n_days - first), replace=False)
        req[days] = 0.0
    tpr = 1500 * np.exp(0.0005 * t) * np.exp(rng.normal(0, 0.05, n_days))
    return req, tpr


def synthetic_daily_cost(
    n_days: int = 365,
    *,
    seed: int = 0,
    start: date = date(2025, 1, 1),
    price_per_mtok: float = 3.0,
    **kwargs: float | int | None,
) -> pl.DataFrame:
    """One year (by default) of daily cost: columns `ds` (Date) and `y` (USD).

    Keyword arguments go to `synthetic_drivers` (growth, noise, launch_at, launch_mult,
    n_spikes, spike_mult, zero_days).
    """
    req, tpr = synthetic_drivers(n_days, seed=seed, **kwargs)  # type: ignore[arg-type]
    cost = req * tpr / 1e6 * price_per_mtok
    return pl.DataFrame({"ds": [start + timedelta(days=i) for i in range(n_days)], "y": cost})
