"""The model interface, the history gates and the fallback chain."""

from __future__ import annotations

import numpy as np
import pytest

from llmcost.forecast import (
    STLETS,
    AutoETS,
    Combo,
    FourierARIMA,
    Naive,
    SeasonalNaive,
    Theta,
    WindowMean,
    fit_series,
)
from llmcost.forecast.clean import clean
from llmcost.forecast.synthetic import synthetic_drivers

MODELS = [AutoETS, STLETS, FourierARIMA, Theta, Combo, SeasonalNaive, Naive, WindowMean]


def _series(n: int = 120, seed: int = 0, **kw) -> np.ndarray:
    req, _ = synthetic_drivers(n, seed=seed, **kw)
    return req


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.alias)
def test_interface(cls):
    y = _series()
    model = cls(season_length=7).fit(y)
    assert isinstance(model.alias, str) and model.alias
    paths = model.simulate(31, 300, np.random.default_rng(1))
    assert paths.shape == (300, 31)
    assert np.all(np.isfinite(paths)) and (paths >= 0).all()
    pred = model.predict(14, level=(80, 95))
    assert set(pred) == {"mean", "median", "lo-80", "hi-80", "lo-95", "hi-95"}
    assert np.all(pred["lo-95"] <= pred["lo-80"]) and np.all(pred["lo-80"] <= pred["median"])
    assert np.all(pred["median"] <= pred["hi-80"]) and np.all(pred["hi-80"] <= pred["hi-95"])


def test_simulate_is_reproducible_with_the_same_generator():
    model = AutoETS(7).fit(_series())
    a = model.simulate(20, 100, np.random.default_rng(5))
    b = model.simulate(20, 100, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


def _hourly(days: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(days * 24)
    return 200 * np.exp(0.6 * np.sin(2 * np.pi * t / 24) + rng.normal(0, 0.1, t.size))


def test_fourier_arima_follows_a_daily_cycle():
    y = _hourly()
    model = FourierARIMA(24).fit(y)
    med = np.median(model.simulate(24, 500, np.random.default_rng(0)), axis=0)
    truth = 200 * np.exp(0.6 * np.sin(2 * np.pi * np.arange(y.size, y.size + 24) / 24))
    assert model.k_ >= 1
    assert np.mean(np.abs(np.log(med / truth))) < 0.15


def test_theta_borrows_the_spread_of_its_noise_model():
    y = _hourly()
    noise = FourierARIMA(24).fit(y)
    theta = Theta(24, noise=noise).fit(y)
    paths = theta.simulate(24, 500, np.random.default_rng(0))
    spread = np.log1p(paths).std(axis=0)
    noise_spread = np.log1p(noise.simulate(24, 500, np.random.default_rng(0))).std(axis=0)
    np.testing.assert_allclose(spread, noise_spread, rtol=0.25)


def test_combo_mixes_its_parts_and_rejects_unknown_ones():
    y = _hourly()
    combo = Combo(24).fit(y)
    assert [p.alias for p in combo.parts_] == ["auto_ets", "fourier_arima", "theta", "seasonal_mean", "window_mean"]
    assert combo.truncated(120).simulate(24, 50, np.random.default_rng(0)).shape == (50, 24)
    with pytest.raises(ValueError, match="choose from"):
        Combo(24, parts=("auto_ets", "prophet"))


def test_seasonal_naive_point_repeats_last_week():
    y = np.arange(1.0, 22.0)
    np.testing.assert_array_equal(SeasonalNaive(7).fit(y).point(10), [15, 16, 17, 18, 19, 20, 21, 15, 16, 17])


@pytest.mark.parametrize(("n", "confidence", "model"), [
    (3, "none", "window_mean"),
    (6, "none", "window_mean"),
    (7, "low", "auto_ets"),
    (20, "low", "auto_ets"),
    (27, "low", "auto_ets"),
    (28, "normal", "auto_ets"),
    (200, "normal", "auto_ets"),
])
def test_history_gates(n, confidence, model):
    fit = fit_series(_series(n, launch_at=None))
    assert fit.confidence == confidence
    assert fit.model_used.startswith(model)
    if confidence == "none":
        assert any("insufficient history" in note for note in fit.notes)
    if 7 <= n < 14:  # seasonal ETS needs two full weeks
        assert fit.model_used.endswith(",N)")


def test_short_history_is_widened_and_long_history_is_calibrated():
    assert fit_series(_series(60)).spread == pytest.approx(2.0)
    long = fit_series(_series(200))
    assert long.calib_errors.size >= 4
    assert 1.0 <= long.spread <= 3.0


def test_fallback_when_the_main_model_fails(monkeypatch):
    def boom(self, y):
        raise ValueError("forced failure")

    monkeypatch.setattr(AutoETS, "fit", boom)
    fit = fit_series(_series(120))
    assert fit.model_used == "stl_ets"
    assert any("auto_ets failed: forced failure" in note for note in fit.notes)
    monkeypatch.setattr(STLETS, "fit", boom)
    assert fit_series(_series(120)).model_used == "seasonal_naive"


def test_fallback_when_paths_explode(monkeypatch):
    def huge(self, h, n_paths, rng):
        return np.full((n_paths, h), 1e6)

    monkeypatch.setattr(AutoETS, "_simulate_working", huge)
    fit = fit_series(_series(120))
    assert fit.model_used == "stl_ets"
    assert any("10x the historical max" in note for note in fit.notes)


def test_missing_days_are_imputed_not_zero():
    y = _series(120, launch_at=None, n_spikes=0)
    y[50:53] = np.nan
    fit = fit_series(y)
    assert np.all(np.isfinite(fit.model.y_)) and fit.model.y_[50:53].min() > 0.3 * np.nanmedian(y)


def test_spikes_are_cleaned_and_reinjected():
    y = _series(300, launch_at=None, n_spikes=0, seed=3)
    y[[100, 180, 250]] *= 4
    cl = clean(np.log1p(y), 7)
    assert cl.jumps.rate > 0
    assert np.isclose(np.exp(cl.jumps.sizes.max()), 4, rtol=0.3)
    assert cl.x[[100, 180, 250]].max() < np.log1p(y[[100, 180, 250]]).min()


def test_launch_step_is_level_adjusted():
    y = _series(300, launch_at=200, launch_mult=1.6, n_spikes=0, growth=0.0, seed=4)
    cl = clean(np.log1p(y), 7)
    assert cl.shifts and abs(cl.shifts[0] - 200) <= 3
    assert cl.adj[:190].mean() == pytest.approx(np.log(1.6), abs=0.08)
    steady = clean(np.log1p(_series(300, launch_at=None, n_spikes=0, growth=0.003, seed=4)), 7)
    assert steady.shifts == []


def test_zero_heavy_series_use_the_raw_scale():
    rng = np.random.default_rng(2)
    y = (rng.random(200) < 0.3) * 40.0  # 70% zero days, mean 12 a day
    fit = fit_series(y)
    assert fit.model.transform == "none"
    assert any("raw scale" in note for note in fit.notes)
    paths = fit.simulate(30, 500, np.random.default_rng(0))
    assert (paths >= 0).all()
    # the log scale would forecast the median day (0); the raw scale keeps the mean
    assert 5 < paths.mean() < 25
