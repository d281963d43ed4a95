"""Exponential smoothing on log1p(y): the main model, and its STL-based fallback.

AutoETS follows forecasting-method 3.3: additive ETS (statsmodels `ETSModel`) on the log
scale, six candidates (N/A/Ad trend x none/additive seasonality), chosen by AICc. No
multiplicative ETS: it is unstable in statsmodels (statsmodels #7331, #8551) and additive
ETS on the log scale gives multiplicative behaviour anyway. log1p instead of log so that
zero days/hours need no special case.

statsmodels warns (ConvergenceWarning, RuntimeWarning) on some fits; these are caught
here, counted in `notes`, and the candidate is still judged by finite AICc and forecasts
(statsmodels #8314, pitfall 5).
"""

from __future__ import annotations

import warnings

import numpy as np

from .base import Model, to_working
from .clean import CleanedModel, stl_trend_window

CANDIDATES: tuple[tuple[str | None, bool, str | None], ...] = (
    (None, False, None),
    ("add", False, None),
    ("add", True, None),
    (None, False, "add"),
    ("add", False, "add"),
    ("add", True, "add"),
)


def _spec_name(trend: str | None, damped: bool, seasonal: str | None) -> str:
    t = "N" if trend is None else ("Ad" if damped else "A")
    s = "N" if seasonal is None else "A"
    return f"A,{t},{s}"


MAX_ZERO_SHARE_LOG = 0.10
"""Above this share of zero (or negative) points, AutoETS works on the raw scale (reference 3.5)."""

HEURISTIC_SEASONS = 8
"""From this many seasons of history on, initial states are set by statsmodels' heuristic
(Hyndman et al. 2008, as in R's ets for long series) instead of being estimated: the
optimizer then has 1-4 parameters instead of up to 12 and a fit is ~10x faster, which is
what keeps ten 2-year driver series under the 5 s budget."""


def _init_method(n: int, m: int) -> str:
    return "heuristic" if n >= max(HEURISTIC_SEASONS * m, 10 + 2 * (m // 2) + m) else "estimated"


def _ets(x: np.ndarray, trend: str | None, damped: bool, seasonal: str | None, m: int,
         init: str = "estimated"):
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    return ETSModel(
        x,
        error="add",
        trend=trend,
        damped_trend=damped,
        seasonal=seasonal,
        seasonal_periods=m if seasonal else None,
        initialization_method=init,
    )


class AutoETS(CleanedModel):
    """Additive ETS on log1p(y) with AICc selection, after spike and level-shift cleaning."""

    alias = "auto_ets"
    transform = "log1p"

    def __init__(self, season_length: int = 7, *, clean_history: bool = True,
                 candidates: tuple[tuple[str | None, bool, str | None], ...] = CANDIDATES) -> None:
        super().__init__(season_length)
        self.clean_history = clean_history
        self.candidates = candidates

    def fit(self, y: np.ndarray) -> AutoETS:
        y = np.asarray(y, dtype=float)
        m = self.season_length
        zero_share = float(np.mean(y <= 0)) if y.size else 0.0
        if zero_share > MAX_ZERO_SHARE_LOG:
            # log models need positive data; with many zero days model the raw scale, clip at 0
            self.transform = "none"
        log = self.transform == "log1p"
        self._prepare(y, spikes=self.clean_history, shifts=self.clean_history and log)
        cl = self.cleaned_
        if not log:
            self.notes.append(f"{zero_share:.0%} of points are zero: additive ETS on the raw scale")
        cands = [c for c in self.candidates if c[2] is None or y.size >= 2 * m]
        self.init_ = _init_method(y.size, m)
        best = None
        n_warn = 0
        for trend, damped, seasonal in cands:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    res = _ets(cl.x, trend, damped, seasonal, m, self.init_).fit(disp=False)
                except (ValueError, np.linalg.LinAlgError, ZeroDivisionError):
                    continue
            n_warn += len(caught)
            aicc = float(res.aicc)
            if not np.isfinite(aicc) or not np.all(np.isfinite(res.params)):
                continue
            if best is None or aicc < best[0]:
                best = (aicc, (trend, damped, seasonal), res)
        if best is None:
            raise ValueError("no ETS candidate could be fitted")
        _, self.spec_, self.res_ = best
        self.params_ = np.asarray(self.res_.params)
        self.spec_name = _spec_name(*self.spec_)
        if n_warn:
            self.notes.append(f"{n_warn} optimizer warning(s) during ETS selection (caught)")
        return self

    def truncated(self, o: int) -> AutoETS:
        """The chosen model filtered (not re-estimated) on the first `o` cleaned points."""
        new = AutoETS(self.season_length, clean_history=self.clean_history, candidates=self.candidates)
        new.transform = self.transform
        new.spec_ = self.spec_
        new.init_ = self.init_
        return self._filtered(new, o, lambda: _ets(self.cleaned_.x[:o], *self.spec_, self.season_length, self.init_))

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sim = self.res_.simulate(h, anchor="end", repetitions=max(n_paths, 2), rng=rng)
        sim = np.asarray(sim, dtype=float).reshape(h, -1).T
        return sim[:n_paths]


class STLETS(Model):
    """Fallback rung: robust STL removes the season, damped-trend ETS forecasts the rest, the
    last seasonal cycle is repeated (statsmodels STLForecast, done by hand to get paths)."""

    alias = "stl_ets"
    transform = "log1p"

    def fit(self, y: np.ndarray) -> STLETS:
        from statsmodels.tsa.seasonal import STL

        y = np.asarray(y, dtype=float)
        m = self.season_length
        if y.size < 2 * m + 1:
            raise ValueError(f"STL needs more than two seasons ({2 * m} points)")
        self.y_ = y
        x = to_working(y, self.transform)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            stl = STL(x, period=m, trend=stl_trend_window(m, x.size), seasonal=13, robust=True)
            seasonal = np.asarray(stl.fit(outer_iter=5).seasonal)
            self.res_ = _ets(x - seasonal, "add", True, None, m).fit(disp=False)
        if not np.all(np.isfinite(self.res_.params)):
            raise ValueError("STL+ETS fit gave non-finite parameters")
        self.season_ = seasonal[-m:]
        return self

    def _simulate_working(self, h: int, n_paths: int, rng: np.random.Generator) -> np.ndarray:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sim = self.res_.simulate(h, anchor="end", repetitions=max(n_paths, 2), rng=rng)
        sim = np.asarray(sim, dtype=float).reshape(h, -1).T[:n_paths]
        return sim + np.resize(self.season_, h)[None, :]
