"""The one small interface every forecasting model implements.

Modelled on Nixtla statsforecast (`models.py`): a model has an `alias`, is fitted on a plain
array, and predicts `h` steps with interval levels. We add `simulate(h, n_paths, rng)`
because every interval this project reports is computed from simulated futures (sums over
calendar periods need whole paths, fpp3 13.5), and because scenarios and cost are
recombined path by path with common random numbers.

A model simulates in its own working scale (`log1p` for the ETS family, raw for the naive
baselines). Three things are applied there, the same for every model:

* `spread`: the calibration factor from the series' own past errors (forecasting-method
  3.6); each path's deviation from the pointwise median is multiplied by it;
* jumps: spikes/outages removed before fitting are re-injected with their historical
  frequency and size (forecasting-method 3.5, pitfall 16);
* back-transform and a floor at 0 (costs and counts are never negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

DEFAULT_LEVELS: tuple[int, ...] = (80, 95)


@dataclass
class Jumps:
    """Spikes and outages seen in the history, in working-scale units, for re-injection."""

    rate: float = 0.0
    """Share of history steps that were a spike or an outage."""
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """Observed jump sizes (residual in working scale); drawn with replacement."""

    def apply(self, paths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.rate <= 0 or self.sizes.size == 0:
            return paths
        hit = rng.random(paths.shape) < self.rate
        n_hit = int(hit.sum())
        if n_hit:
            paths = paths.copy()
            paths[hit] += rng.choice(self.sizes, size=n_hit, replace=True)
        return paths


@dataclass
class LevelShifts:
    """Persistent level shifts (launches, churn, migrations to another model) as a risk in the paths.

    Each simulated day a shift happens with probability `rate`; its size is a log factor drawn from
    N(0, `sd`) and lasts for the rest of the path. A history that had shifts has them again at its
    own rate; one that had none still carries the prior rate (see `estimate`), because a short
    history cannot show that its level never moves.
    """

    rate: float = 0.0
    """Probability of a shift on any future day."""
    sd: float = 0.0
    """Standard deviation of a shift's log size."""
    seen: int = 0
    """Shifts found in the history."""
    walk_sd: float = 0.0
    """Daily sd of a log random walk of the level: the prior drift uncertainty given to a history
    too short to calibrate its own intervals (0 otherwise)."""

    PRIOR_DAYS: ClassVar[float] = 180.0
    """Prior: one shift per 180 days of history..."""
    PRIOR_SD: ClassVar[float] = 0.3
    """...of log size sd 0.3 (x0.74 to x1.35 at one sd), pooled with what the history shows."""
    WINDOW: ClassVar[int] = 14
    THRESHOLD: ClassVar[float] = 0.25

    @classmethod
    def estimate(cls, y: np.ndarray) -> LevelShifts:
        """Shifts in a daily history: a change of more than 0.25 in the mean log1p level between the
        14 days before and the 14 days from a day (weekday mix cancels over two whole weeks),
        counted once per 14 days; the rate and size are pooled with the prior."""
        z = np.log1p(np.maximum(np.asarray(y, dtype=float), 0.0))
        w = cls.WINDOW
        sizes: list[float] = []
        if z.size >= 2 * w:
            c = np.concatenate([[0.0], np.cumsum(z)])
            t = np.arange(w, z.size - w + 1)
            d = (c[t + w] - c[t]) / w - (c[t] - c[t - w]) / w
            i = 0
            while i < d.size:
                if abs(d[i]) > cls.THRESHOLD:
                    j = i + int(np.argmax(np.abs(d[i : i + w])))  # the largest change in the next two weeks
                    sizes.append(float(d[j]))
                    i = j + w
                else:
                    i += 1
        k = len(sizes)
        rate = (k + 1.0) / (z.size + cls.PRIOR_DAYS)
        sd = float(np.sqrt((np.sum(np.square(sizes)) + 2 * cls.PRIOR_SD**2) / (k + 2)))
        return cls(rate=rate, sd=sd, seen=k)

    def apply(self, paths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """`paths` (original scale, n_paths x h) times each path's running shift factor."""
        if (self.rate <= 0 or self.sd <= 0) and self.walk_sd <= 0:
            return paths
        steps = np.zeros(paths.shape)
        if self.rate > 0 and self.sd > 0:
            hit = rng.random(paths.shape) < self.rate
            steps = np.where(hit, rng.normal(0.0, self.sd, paths.shape), 0.0)
        if self.walk_sd > 0:
            steps = steps + rng.normal(0.0, self.walk_sd, paths.shape)
        return paths * np.exp(np.cumsum(steps, axis=1))


def to_working(y: np.ndarray, transform: str) -> np.ndarray:
    if transform == "log1p":
        return np.log1p(np.maximum(y, 0.0))
    return np.asarray(y, dtype=float)


def from_working(x: np.ndarray, transform: str) -> np.ndarray:
    if transform == "log1p":
        # exp(709) overflows; anything that large fails the sanity bound anyway
        return np.maximum(np.expm1(np.minimum(x, 700.0)), 0.0)
    return np.maximum(x, 0.0)


class Model:
    """Base class: subclasses implement `fit` and `_simulate_working`."""

    alias: ClassVar[str] = "model"
    transform: str = "none"
    """Working scale: "log1p" or "none" (raw); a model may choose it per series in `fit`."""

    def __init__(self, season_length: int = 7) -> None:
        self.season_length = season_length
        self.spread = 1.0
        self.jumps = Jumps()
        self.shifts = LevelShifts()
        self.notes: list[str] = []
        self.y_: np.ndarray | None = None

    # -- interface -------------------------------------------------------------------------
    def fit(self, y: np.ndarray) -> Model:  # pragma: no cover - abstract
        raise NotImplementedError

    spec_name: str = ""
    """Specification chosen inside the family (e.g. "A,Ad,A" for ETS); empty if none."""

    def refit(self, y: np.ndarray) -> Model:
        """Same specification on other data."""
        return type(self)(season_length=self.season_length).fit(y)

    def truncated(self, o: int) -> Model:
        """This model as if fitted on the first `o` points of its history (in-history
        calibration); models with expensive fits override it to skip re-estimation."""
        assert self.y_ is not None, "fit first"
        return self.refit(self.y_[:o])

    def comparable_actuals(self) -> np.ndarray:
        """The history on the scale the forecasts refer to (calibration compares with it)."""
        assert self.y_ is not None, "fit first"
        return self.y_

    def simulate(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        """Simulated futures on the original scale, shape (n_paths, h), finite and >= 0."""
        x = np.asarray(self._simulate_working(h, n_paths, rng), dtype=float)
        if self.spread != 1.0:
            med = np.median(x, axis=0, keepdims=True)
            x = med + self.spread * (x - med)
        x = self.jumps.apply(x, rng)
        out = self.shifts.apply(from_working(x, self.transform), rng)
        if not np.all(np.isfinite(out)):
            raise FloatingPointError(f"{self.alias}: non-finite simulated values")
        return out

    def predict(self, h: int, level: tuple[int, ...] = DEFAULT_LEVELS, *, n_paths: int = 1000,
                seed: int = 0) -> dict[str, np.ndarray]:
        """statsforecast-style dict: `mean`, `median`, `lo-80`, `hi-80`, ... per step."""
        paths = self.simulate(h, n_paths, np.random.default_rng(seed))
        return pointwise_intervals(paths, level)

    # -- helpers for subclasses ---------------------------------------------------------------
    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover


def pointwise_intervals(paths: np.ndarray, level: tuple[int, ...] = DEFAULT_LEVELS) -> dict[str, np.ndarray]:
    """Per-step mean, median and central intervals of an (n_paths, h) array."""
    out = {"mean": paths.mean(axis=0), "median": np.median(paths, axis=0)}
    for lv in level:
        a = (100 - lv) / 200
        lo, hi = np.quantile(paths, [a, 1 - a], axis=0)
        out[f"lo-{lv}"] = np.minimum(lo, out["median"])
        out[f"hi-{lv}"] = np.maximum(hi, out["median"])
    return out


def total_intervals(totals: np.ndarray, level: tuple[int, ...] = DEFAULT_LEVELS) -> dict[str, float]:
    """Mean, p50 and central intervals of path totals; lo <= p50 <= hi by construction."""
    p50 = float(np.median(totals))
    out = {"mean": float(totals.mean()), "p50": p50}
    for lv in level:
        a = (100 - lv) / 200
        lo, hi = (float(v) for v in np.quantile(totals, [a, 1 - a]))
        out[f"lo_{lv}"] = min(lo, p50)
        out[f"hi_{lv}"] = max(hi, p50)
    return out
