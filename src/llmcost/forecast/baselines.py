"""Simple models: the benchmark (seasonal naive) and the last rungs of the fallback chain.

They work on the raw scale and simulate by bootstrapping their own past errors, so they
need nothing but numpy and cannot fail to converge.
"""

from __future__ import annotations

import numpy as np

from .base import Model


def _centered(d: np.ndarray) -> np.ndarray:
    d = d[np.isfinite(d)]
    if d.size == 0:
        return np.zeros(1)
    return d - d.mean()


class SeasonalNaive(Model):
    """Each step repeats the value one season earlier (fpp3 SNAIVE); paths are a random walk
    per position in the season, with bootstrapped seasonal differences."""

    alias = "seasonal_naive"

    def fit(self, y: np.ndarray) -> SeasonalNaive:
        y = np.asarray(y, dtype=float)
        m = self.season_length
        if y.size < m:
            raise ValueError(f"seasonal naive needs at least {m} points, got {y.size}")
        self.y_ = y
        self.last_ = y[-m:].copy()
        diffs = y[m:] - y[:-m] if y.size > m else y - y.mean()
        self.diffs_ = _centered(diffs[-8 * m :])
        return self

    def point(self, h: int) -> np.ndarray:
        return np.resize(self.last_, h)

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        m = self.season_length
        cycles = -(-h // m)
        steps = rng.choice(self.diffs_, size=(n_paths, cycles, m), replace=True).cumsum(axis=1)
        idx = np.arange(h)
        return self.point(h)[None, :] + steps[:, idx // m, idx % m]


class Naive(Model):
    """Last value carried forward; paths are a random walk of bootstrapped differences."""

    alias = "naive"

    def fit(self, y: np.ndarray) -> Naive:
        y = np.asarray(y, dtype=float)
        if y.size < 2:
            raise ValueError("naive needs at least 2 points")
        self.y_ = y
        self.diffs_ = _centered(np.diff(y)[-56:])
        return self

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        steps = rng.choice(self.diffs_, size=(n_paths, h), replace=True).cumsum(axis=1)
        assert self.y_ is not None, "fit first"
        return self.y_[-1] + steps


class WindowMean(Model):
    """Mean of the last `window` points; paths resample those points (iid bootstrap).

    This is the run-rate: the last rung of the fallback chain and the only "forecast" given
    below the history gate.
    """

    alias = "window_mean"

    def __init__(self, season_length: int = 7, window: int | None = None) -> None:
        super().__init__(season_length)
        self.window = window or season_length

    def refit(self, y: np.ndarray) -> WindowMean:
        return WindowMean(self.season_length, self.window).fit(y)

    def fit(self, y: np.ndarray) -> WindowMean:
        y = np.asarray(y, dtype=float)
        y = y[np.isfinite(y)]
        if y.size == 0:
            raise ValueError("window mean needs at least 1 point")
        self.y_ = y
        tail = y[-self.window :]
        self.level_ = float(tail.mean())
        self.resid_ = _centered(tail) if tail.size > 1 else np.zeros(1)
        return self

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        return self.level_ + rng.choice(self.resid_, size=(n_paths, h), replace=True)


class SeasonalMean(Model):
    """Mean of the last `k` seasons, position by position (e.g. the same hour on the last
    three days); paths bootstrap the spread of those seasons around their mean."""

    alias = "seasonal_mean"

    def __init__(self, season_length: int = 7, k: int = 3) -> None:
        super().__init__(season_length)
        self.k = k

    def refit(self, y: np.ndarray) -> SeasonalMean:
        return SeasonalMean(self.season_length, self.k).fit(y)

    def fit(self, y: np.ndarray) -> SeasonalMean:
        y = np.asarray(y, dtype=float)
        m = self.season_length
        k = min(self.k, y.size // m)
        if k < 1:
            raise ValueError(f"seasonal mean needs at least {m} points, got {y.size}")
        self.y_ = y
        block = y[y.size - k * m :].reshape(k, m)
        self.profile_ = block.mean(axis=0)
        self.resid_ = _centered((block - self.profile_).ravel()) if k > 1 else _centered(np.diff(y)[-4 * m :])
        return self

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        return np.resize(self.profile_, h)[None, :] + rng.choice(self.resid_, size=(n_paths, h), replace=True)
