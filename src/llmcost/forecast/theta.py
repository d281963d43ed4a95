"""The Theta method (statsmodels `ThetaModel`) as a point forecast with borrowed error paths.

Theta (Assimakopoulos & Nikolopoulos 2000; Hyndman & Billah 2003: simple exponential
smoothing with drift on the deseasonalised series) is one of the M3/M4 benchmarks that
combinations are built from. statsmodels deseasonalises it by classical decomposition
(multiplicative when the data are positive, after a seasonality test).

Its intervals are not usable here: `ThetaModelResults.prediction_intervals` takes `sigma2`
from an IMA(1,1) fitted to the *non-deseasonalised* series, far too wide with a strong
season (reference pitfall 12, 99.6% coverage at nominal 80%), and there is no simulation.
SES is an IMA(1,1), so the paths here are the Theta point forecast (log1p scale) plus the
centred simulated deviations of another fitted log1p model of the same series (the
exponential-smoothing `noise` model, normally the Fourier-ARIMA part of `Combo`, whose
errors are an IMA(1,1) around a smooth daily shape).
"""

from __future__ import annotations

import warnings

import numpy as np

from .base import Model, from_working, to_working
from .clean import CleanedModel


class Theta(CleanedModel):
    """statsmodels ThetaModel on the cleaned series; paths borrow `noise`'s deviations."""

    alias = "theta"
    transform = "log1p"

    def __init__(self, season_length: int = 7, noise: Model | None = None) -> None:
        super().__init__(season_length)
        self.noise = noise

    def fit(self, y: np.ndarray) -> Theta:
        from statsmodels.tsa.forecasting.theta import ThetaModel

        x = self._prepare(y, min_seasons=2)
        m = self.season_length
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.res_ = ThetaModel(from_working(x, self.transform), period=m).fit()
        if self.noise is None:
            from .ets import AutoETS

            self.noise = AutoETS(m).fit(y)
        return self

    def truncated(self, o: int) -> Theta:
        """Refitted on the first `o` cleaned points (a Theta fit is a few milliseconds)."""
        from statsmodels.tsa.forecasting.theta import ThetaModel

        assert self.noise is not None
        new = Theta(self.season_length, noise=self.noise.truncated(o))
        assert self.y_ is not None, "fit first"
        new.y_ = self.y_[:o]
        new.cleaned_ = self.cleaned_
        new.jumps = self.jumps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new.res_ = ThetaModel(from_working(self.cleaned_.x[:o], self.transform), period=self.season_length).fit()
        return new

    def point(self, h: int) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f = np.asarray(self.res_.forecast(h), dtype=float)
        return to_working(np.maximum(f, 0.0), self.transform)

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        assert self.noise is not None
        x = np.asarray(self.noise._simulate_working(h, n_paths, rng), dtype=float)
        dev = x - np.median(x, axis=0, keepdims=True)
        return self.point(h)[None, :] + dev
