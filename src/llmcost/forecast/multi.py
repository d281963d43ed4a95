"""Many driver series at once, and money rebuilt from them path by path.

The caller forecasts drivers (daily requests, tokens per request by kind, model mix) as
separate series and recombines them with prices (forecasting-method 3.2). Each series gets
its own generator seeded from `(seed, crc32(series_id))`, so a series' simulated futures
do not depend on which other series are in the frame or in what order: run the same frame
with the same seed and every scenario sees the same draws (common random numbers, 3.7),
so scenario differences are never simulation noise.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import polars as pl

from llmcost.errors import UsageError

from .auto import FittedSeries, fit_series
from .frame import split_series

CENT = Decimal("0.01")
SUB_CENT = Decimal("0.0001")


@dataclass
class MultiForecast:
    """Simulated futures of several series on a common time grid."""

    paths: dict[str, np.ndarray]
    """series_id -> (n_paths, h) array; column 0 is `ds[0]`."""
    ds: list
    """The h future timestamps (dates for daily data)."""
    fits: dict[str, FittedSeries] = field(default_factory=dict)
    """series_id -> fitted series (model used, confidence, notes)."""


def series_rng(seed: int, series_id: str) -> np.random.Generator:
    """The generator for one series: depends only on the seed and the series id."""
    return np.random.default_rng([seed, zlib.crc32(series_id.encode())])


def forecast_many(df: pl.DataFrame, h: int, *, n_paths: int = 1000, seed: int = 0,
                  season_length: int = 7, as_of: Any = None) -> MultiForecast:
    """Fit every series of a long frame (`series_id`, `ds`, `y`) and simulate `h` steps.

    Series are aligned on the latest `ds` of the frame (a series that stops early has its
    missing tail imputed and says so in its notes). `as_of` drops later rows.
    """
    if as_of is not None:
        df = df.filter(pl.col("ds") <= as_of)
    series = split_series(df)
    if not series:
        raise UsageError("forecast input is empty (after as_of)")
    end = max(s.ds[-1] for s in series)
    step = min(s.step for s in series)
    out = MultiForecast({}, [end + step * (i + 1) for i in range(h)])
    for s in series:
        y = s.y
        if s.ds[-1] < end:
            extra = int((end - s.ds[-1]) / step)
            y = np.concatenate([y, np.full(extra, np.nan)])
        fit = fit_series(y, season_length=season_length, calib_horizon=min(30, h), seed=seed)
        if s.ds[-1] < end:
            fit.notes.append(f"series ends {s.ds[-1]}, before {end}: tail imputed")
        out.paths[s.series_id] = fit.simulate(h, n_paths, series_rng(seed, s.series_id))
        out.fits[s.series_id] = fit
    return out


def simulate_many(df: pl.DataFrame, h: int, *, n_paths: int = 1000, seed: int = 0,
                  season_length: int = 7, as_of: object = None) -> dict[str, np.ndarray]:
    """series_id -> (n_paths, h) simulated futures (see `forecast_many`)."""
    return forecast_many(df, h, n_paths=n_paths, seed=seed, season_length=season_length, as_of=as_of).paths


def combine(
    paths: Mapping[str, np.ndarray], fn: Callable[[Mapping[str, np.ndarray]], np.ndarray]
) -> np.ndarray:
    """Apply `fn` to the driver paths, e.g. `lambda p: p["requests"] * p["tokens"] / 1e6 * 3.0`.

    All arrays must share one shape; the result is broadcast to it and must be finite and
    non-negative (a cost).
    """
    shapes = {np.shape(p) for p in paths.values()}
    if len(shapes) != 1:
        raise UsageError(f"driver paths have different shapes {sorted(shapes)}; simulate them together")
    shape = shapes.pop()
    out = np.broadcast_to(np.asarray(fn(paths), dtype=float), shape)
    if not np.all(np.isfinite(out)):
        raise UsageError("combined paths contain NaN or infinity; check the multipliers")
    if (out < 0).any():
        raise UsageError("combined paths contain negative values; check the multipliers")
    return np.array(out)


def ramp(h: int, factor: float) -> np.ndarray:
    """Scenario multiplier growing linearly from 1 on day 1 to `factor` on day h (the default
    way to apply growth; a step from day 1 is just `factor`)."""
    return np.linspace(1.0, factor, h) if h > 1 else np.full(h, factor)


def round_money(d: Decimal) -> Decimal:
    """USD rounded half-up to the cent; below $1 to a hundredth of a cent, so that a prototype's
    $0.0015 month stays $0.0015 instead of reading $0.00 (report._fmt shows the same grain)."""
    return d.quantize(CENT if abs(d) >= 1 else SUB_CENT, rounding=ROUND_HALF_UP)


def to_money(x: float) -> Decimal:
    """A simulated (float) amount as USD Decimal: to the cent from $0.10 up (a forecast is not more
    precise than that), to a hundredth of a cent below, so that a tiny forecast is not $0.00."""
    if not np.isfinite(x):
        raise ValueError(f"not a finite amount: {x}")
    d = Decimal(repr(float(x)))
    return d.quantize(CENT if abs(d) >= Decimal("0.10") else SUB_CENT, rounding=ROUND_HALF_UP)
