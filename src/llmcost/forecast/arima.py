"""Regression on Fourier terms with ARIMA(0,1,1) errors on log1p(y), for long seasons.

With a season of 24 (hourly data) and two weeks of history, seasonal ETS estimates 24
seasonal states from a handful of cycles and its seasonal pattern follows the noise. A
dynamic harmonic regression (fpp3 12.1 and 13.1: Fourier terms for long seasonal periods,
ARIMA errors for the rest) describes the daily shape with 2K smooth terms instead, K chosen
by AICc. ARIMA(0,1,1) errors make the level a local level (simple exponential smoothing),
so the model is "ETS(A,N,N) around a smooth daily profile", fitted in one likelihood.

statsmodels `SARIMAX` with `exog`; spikes and launch steps are cleaned as for AutoETS and
spikes re-injected when simulating. Used as a part of `Combo` (hourly series), not for
daily series: a weekly season of 7 is short enough for ETS.
"""

from __future__ import annotations

import warnings

import numpy as np

from .clean import CleanedModel

HARMONICS: tuple[int, ...] = (1, 2, 3, 4, 6)
"""Candidate numbers of Fourier pairs (K); those with 2K >= season length are skipped."""
ORDER = (0, 1, 1)


def fourier(n: int, m: int, k: int) -> np.ndarray:
    """(n, 2k) sine/cosine terms of period m, at time indices 0..n-1."""
    t = np.arange(n)[:, None] * np.arange(1, k + 1)[None, :] * (2 * np.pi / m)
    return np.hstack([np.sin(t), np.cos(t)])


def _aicc(res, n: int) -> float:
    k = len(res.params)
    return float(res.aic + 2 * k * (k + 1) / max(n - k - 1, 1))


class FourierARIMA(CleanedModel):
    """log1p(y) = Fourier(m, K) regression + ARIMA(0,1,1) errors; K by AICc."""

    alias = "fourier_arima"
    transform = "log1p"

    def fit(self, y: np.ndarray) -> FourierARIMA:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        x = self._prepare(y, min_seasons=2)
        m = self.season_length
        n = x.size
        best = None
        n_warn = 0
        for k in (k for k in HARMONICS if 2 * k < m):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    res = SARIMAX(x, exog=fourier(n, m, k), order=ORDER).fit(disp=False)
                except (ValueError, np.linalg.LinAlgError):
                    continue
            n_warn += len(caught)
            aicc = _aicc(res, n)
            if np.isfinite(aicc) and np.all(np.isfinite(res.params)) and (best is None or aicc < best[0]):
                best = (aicc, k, res)
        if best is None:
            raise ValueError("no Fourier ARIMA candidate could be fitted")
        _, self.k_, self.res_ = best
        self.params_ = np.asarray(self.res_.params)
        self.spec_name = f"K={self.k_}"
        if n_warn:
            self.notes.append(f"{n_warn} optimizer warning(s) during Fourier ARIMA selection (caught)")
        return self

    def truncated(self, o: int) -> FourierARIMA:
        """The chosen model filtered (not re-estimated) on the first `o` cleaned points."""
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        new = FourierARIMA(self.season_length)
        new.k_ = self.k_
        return self._filtered(
            new, o, lambda: SARIMAX(self.cleaned_.x[:o], exog=fourier(o, self.season_length, self.k_), order=ORDER)
        )

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        assert self.y_ is not None, "fit first"
        n = self.y_.size
        exog = fourier(n + h, self.season_length, self.k_)[n:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sim = self.res_.simulate(h, anchor="end", repetitions=max(n_paths, 2), exog=exog, rng=rng)
        return np.asarray(sim, dtype=float).reshape(h, -1).T[:n_paths]
