"""Several driver series, common random numbers, and cost rebuilt path by path."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import polars as pl
import pytest

from llmcost.errors import UsageError
from llmcost.forecast import combine, forecast_many, ramp, simulate_many, to_money
from llmcost.forecast.synthetic import synthetic_drivers


def _drivers(n: int = 150, seed: int = 0) -> pl.DataFrame:
    req, tpr = synthetic_drivers(n, seed=seed)
    ds = [date(2026, 1, 1) + timedelta(days=i) for i in range(n)]
    return pl.DataFrame({
        "series_id": ["requests"] * n + ["tokens_per_request"] * n,
        "ds": ds + ds,
        "y": np.concatenate([req, tpr]),
    })


def test_paths_per_series_and_common_random_numbers():
    df = _drivers()
    a = simulate_many(df, 40, n_paths=300, seed=11)
    assert set(a) == {"requests", "tokens_per_request"}
    assert all(p.shape == (300, 40) for p in a.values())
    b = simulate_many(df, 40, n_paths=300, seed=11)
    np.testing.assert_array_equal(a["requests"], b["requests"])
    # a series' draws do not depend on the other series in the frame
    only = simulate_many(df.filter(pl.col("series_id") == "requests"), 40, n_paths=300, seed=11)
    np.testing.assert_array_equal(a["requests"], only["requests"])
    c = simulate_many(df, 40, n_paths=300, seed=12)
    assert not np.array_equal(a["requests"], c["requests"])


def test_forecast_many_dates_and_fits():
    mf = forecast_many(_drivers(), 10, n_paths=100)
    assert mf.ds[0] == date(2026, 1, 1) + timedelta(days=150)
    assert len(mf.ds) == 10
    assert mf.fits["requests"].model_used.startswith("auto_ets")


def test_combine_scenarios_differ_only_by_the_multiplier():
    p = simulate_many(_drivers(), 30, n_paths=400, seed=3)

    def cost(d):
        return d["requests"] * d["tokens_per_request"] / 1e6 * 3.0

    base = combine(p, cost)
    assert base.shape == (400, 30)
    conservative = combine(p, lambda d: 0.2 * cost(d))
    np.testing.assert_allclose(conservative, 0.2 * base)
    growth = combine(p, lambda d: cost(d) * ramp(30, 1.3))
    np.testing.assert_allclose(growth[:, 0], base[:, 0])
    np.testing.assert_allclose(growth[:, -1], 1.3 * base[:, -1])


def test_combine_rejects_mismatched_or_bad_paths():
    with pytest.raises(UsageError, match="different shapes"):
        combine({"a": np.ones((2, 3)), "b": np.ones((2, 4))}, lambda d: d["a"])
    with pytest.raises(UsageError, match="negative"):
        combine({"a": np.ones((2, 3))}, lambda d: -d["a"])
    with pytest.raises(UsageError, match="NaN"):
        combine({"a": np.ones((2, 3))}, lambda d: d["a"] * np.nan)


def test_to_money():
    assert to_money(1234.565) == Decimal("1234.57")
    assert to_money(0.8183) == Decimal("0.82")  # to the cent from $0.10 up
    assert to_money(0.004999) == Decimal("0.0050")  # a tiny forecast is not $0.00
    assert to_money(0.09995) == Decimal("0.1000")
    assert to_money(2.675) == Decimal("2.68")  # repr keeps the decimal digits people typed
    with pytest.raises(ValueError):
        to_money(float("nan"))


def test_long_frame_errors_name_the_fix():
    with pytest.raises(UsageError, match=r"lacks column\(s\) \['y'\]"):
        simulate_many(pl.DataFrame({"ds": [date(2026, 1, 1)], "value": [1.0]}), 5)
    frame = pl.DataFrame({"ds": [date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 4)], "y": [1.0, 2.0, 3.0]})
    from llmcost.forecast.frame import split_series

    (s,) = split_series(frame)
    assert s.series_id == "y" and np.isnan(s.y[1]) and s.y[3] == 3.0  # the gap is missing, not zero


def test_series_that_stop_early_are_aligned_and_say_so():
    df = _drivers(60)
    df = df.filter(~((pl.col("series_id") == "tokens_per_request") & (pl.col("ds") > date(2026, 2, 25))))
    mf = forecast_many(df, 7, n_paths=50)
    assert mf.ds[0] == date(2026, 3, 2)
    assert any("tail imputed" in note for note in mf.fits["tokens_per_request"].notes)
