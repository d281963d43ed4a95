"""Combo: an equal-weight mixture of AutoETS, a Fourier ARIMA, Theta and two seasonal means, the
model for sub-daily series. Its own module so that Theta (which borrows AutoETS' paths) and
AutoETS do not import each other."""

from __future__ import annotations

import numpy as np

from .arima import FourierARIMA
from .base import Model
from .baselines import SeasonalMean, WindowMean
from .ets import AutoETS
from .theta import Theta


class Combo(Model):
    """Equal-weight mixture of five forecasts of the same series: AutoETS, a Fourier-term
    regression with ARIMA(0,1,1) errors, the Theta method, the mean of the last three seasons
    (same position) and the mean of the last season. Each simulated path comes from one of
    them, picked at random, so the spread also carries the disagreement between them
    (combined intervals calibrate better than single-model ones: Grushka-Cockayne & Jose,
    IJF 2020); the median of the paths is the point forecast.

    The three model families are those of the M3/M4 combination benchmarks (ETS, ARIMA,
    Theta; forecasting-method section 2), the two seasonal means are robust to the day-level
    jumps of bursty traffic. Used for sub-daily series (hourly, m = 24), where two weeks of
    history hold too little structure for ETS alone; measured on the ServeGen/RAGPulse hourly
    backtests, see docs/forecasting.md (relative MASE 0.879 -> 0.849-0.855 over path seeds on
    10 origins per series, against the previous mixture of AutoETS and the two seasonal means).
    """

    alias = "combo"

    PARTS: tuple[str, ...] = ("auto_ets", "fourier_arima", "theta", "seasonal_mean", "window_mean")
    """Default parts; `parts=` picks others from `PART_NAMES` (the backtests in the docs)."""
    PART_NAMES: tuple[str, ...] = (
        "auto_ets", "fourier_arima", "theta", "seasonal_mean", "seasonal_mean_7", "window_mean",
    )

    def __init__(self, season_length: int = 7, parts: tuple[str, ...] | None = None) -> None:
        super().__init__(season_length)
        self.parts = tuple(parts or self.PARTS)
        unknown = [p for p in self.parts if p not in self.PART_NAMES]
        if unknown:
            raise ValueError(f"unknown Combo part(s) {unknown}; choose from {list(self.PART_NAMES)}")

    def _make(self, name: str, fitted: list[Model]) -> Model:
        m = self.season_length
        if name == "auto_ets":
            return AutoETS(m)
        if name == "fourier_arima":
            return FourierARIMA(m)
        if name == "theta":
            # Theta has no usable error model: it borrows the paths of the Fourier ARIMA
            # part (an IMA(1,1) like SES), or of ETS without it
            by_alias = {p.alias: p for p in fitted}
            return Theta(m, noise=by_alias.get("fourier_arima") or by_alias.get("auto_ets"))
        if name == "seasonal_mean":
            return SeasonalMean(m, 3)
        if name == "seasonal_mean_7":
            return SeasonalMean(m, 7)
        return WindowMean(m, window=m)

    def refit(self, y: np.ndarray) -> Combo:
        return Combo(self.season_length, self.parts).fit(y)

    def fit(self, y: np.ndarray) -> Combo:
        y = np.asarray(y, dtype=float)
        self.y_ = y
        self.parts_: list[Model] = []
        for name in self.parts:
            self.parts_.append(self._make(name, self.parts_).fit(y))
        self.spec_name = "+".join(p.alias + (f"({p.spec_name})" if p.spec_name else "") for p in self.parts_)
        self.notes = [note for p in self.parts_ for note in p.notes]
        return self

    def truncated(self, o: int) -> Combo:
        new = Combo(self.season_length, self.parts)
        assert self.y_ is not None, "fit first"
        new.y_ = self.y_[:o]
        new.parts_ = [p.truncated(o) for p in self.parts_]
        new.spec_name = self.spec_name
        return new

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        sims = np.stack([p.simulate(h, n_paths, rng) for p in self.parts_])
        pick = rng.integers(0, len(self.parts_), size=n_paths)
        return sims[pick, np.arange(n_paths)]
