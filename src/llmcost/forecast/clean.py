"""Clean a series before fitting: spikes/outages out (kept for re-injection), launch steps
level-adjusted (forecasting-method 3.3 and 3.5).

Spikes are billed, so they are not thrown away: their frequency and size become a jump
component of the simulated paths (pitfall 16). A sustained level shift would be read as
trend by ETS (pitfall 17), so the history before it is moved to the new level instead.
All of this works on the working scale (log1p), where a shift or spike is a ratio.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .base import Jumps, Model, from_working, to_working

SPIKE_MADS = 4.0
"""Residuals beyond this many robust SDs are spikes/outages (reference 3.3)."""
MAX_JUMP_RATE = 0.05
"""Above this share of flagged points the tails are just noise: keep only the largest."""
SHIFT_MIN_LOG = 0.15
"""Smallest persistent level change (log) treated as a launch step (~16%)."""
SPIKE_CAP = 4.0
"""A day above 4 x the median day with spend is a spike, and counts at that cap wherever a spike
would otherwise set a level or a pattern: the weekday pattern of the recent level
(`periods.recent_level_total`) and the spikes re-injected into the simulated paths
(`CleanedModel._prepare`). One place for the rule, so the months and the quarter agree."""


def spike_cap(y: np.ndarray) -> float:
    """SPIKE_CAP x the median day with spend of `y` (original scale); 0 without spend."""
    y = np.asarray(y, dtype=float)
    spend = y[np.isfinite(y) & (y > 0)]
    return SPIKE_CAP * float(np.median(spend)) if spend.size else 0.0


@dataclass
class Cleaned:
    x: np.ndarray
    """Cleaned working series used for fitting."""
    adj: np.ndarray
    """Additive level adjustment applied per point (non-zero before a detected step)."""
    jumps: Jumps = field(default_factory=Jumps)
    shifts: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def robust_sd(r: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(r - np.median(r))))


def stl_trend_window(m: int, n: int) -> int:
    """A long trend window (8 weeks for daily data): STL's default (about two seasons)
    follows the noise so closely that ordinary days look like outliers."""
    w = max(57, int(2.5 * m))
    w = min(w, n - 1 if n % 2 == 0 else n)
    w = max(w, m + 1)
    return w + 1 if w % 2 == 0 else w


def _stl(x: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    from statsmodels.tsa.seasonal import STL

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # 5 robustness iterations instead of 15: the weights have settled by then, 3x faster
        res = STL(x, period=m, trend=stl_trend_window(m, x.size), seasonal=13, robust=True).fit(outer_iter=5)
    return np.asarray(res.trend) + np.asarray(res.seasonal), np.asarray(res.resid)


def detect_shifts(x: np.ndarray, m: int, max_shifts: int = 3) -> tuple[np.ndarray, list[int]]:
    """Find sustained level shifts and move the history before each to the later level.

    Detector: change between consecutive season-long means (a week for daily data), beyond
    4 robust SDs of that change, that persists (median of up to 4 seasons after vs before
    differs by > 0.15) and is at least one season old. Returns the adjustment vector and
    the step positions (index of the first point at the new level).
    """
    n = x.size
    adj = np.zeros(n)
    shifts: list[int] = []
    if n < 4 * m:
        return adj, shifts
    z = x.copy()
    for _ in range(max_shifts):
        c = np.concatenate([[0.0], np.cumsum(z)])
        means = (c[m:] - c[:-m]) / m  # means[i] = mean(z[i:i+m])
        d = means[m:] - means[:-m]  # d[i]: mean(z[i+m:i+2m]) - mean(z[i:i+m]); step near i+m
        if d.size < 3:
            break
        sd = robust_sd(d)
        dev = np.abs(d - np.median(d))
        thr = max(SPIKE_MADS * sd, SHIFT_MIN_LOG)
        cand = np.flatnonzero(dev > thr)
        best = None
        for i in cand[::-1]:  # most recent first
            # refine: the step position maximising the jump of season means around it
            lo_s, hi_s = max(m, i + 1), min(n - m, i + 2 * m - 1)
            if hi_s <= lo_s:
                continue
            ss = np.arange(lo_s, hi_s + 1)
            jump = np.array([z[s : s + m].mean() - z[s - m : s].mean() for s in ss])
            s = int(ss[np.argmax(np.abs(jump))])
            if n - s < m:  # younger than a season: not confirmed yet
                continue
            w = min(4 * m, n - s, s)
            post, pre = np.median(z[s : s + w]), np.median(z[s - w : s])
            if abs(post - pre) <= SHIFT_MIN_LOG:
                continue
            best = (s, min(2 * m, n - s, s))
            break
        if best is None:
            break
        s, w = best
        delta = float(np.median(z[s : s + w]) - np.median(z[s - w : s]))
        z[:s] += delta
        adj[:s] += delta
        shifts.append(s)
    return adj, shifts


def clean(x: np.ndarray, m: int, *, spikes: bool = True, shifts: bool = True) -> Cleaned:
    """Clean a working-scale series (see module docstring)."""
    x = np.asarray(x, dtype=float).copy()
    n = x.size
    out = Cleaned(x=x, adj=np.zeros(n))
    if n < 3 * m:
        return out
    if shifts:
        adj, pos = detect_shifts(x, m)
        if pos:
            x = x + adj
            out.adj = adj
            out.shifts = pos
            out.notes.append(f"level shift(s) at index {sorted(pos)}: earlier history level-adjusted")
    if spikes:
        fitted, r = _stl(x, m)
        sd = robust_sd(r)
        if sd > 0:
            dev = np.abs(r - np.median(r))
            flag = dev > SPIKE_MADS * sd
            cap = max(1, int(MAX_JUMP_RATE * n))
            if flag.sum() > cap:
                keep = np.argsort(dev)[-cap:]
                flag = np.zeros(n, dtype=bool)
                flag[keep] = True
            if flag.any():
                out.jumps = Jumps(rate=float(flag.mean()), sizes=r[flag] - np.median(r))
                x[flag] = fitted[flag] + np.median(r)
                out.notes.append(f"{int(flag.sum())} spike/outage point(s) cleaned and re-injected")
    out.x = x
    return out


C = TypeVar("C", bound="CleanedModel")


class CleanedModel(Model):
    """A model fitted on its working series after `clean` (spikes replaced, level shifts taken
    out): the shared bookkeeping of AutoETS, FourierARIMA and Theta."""

    cleaned_: Cleaned
    params_: np.ndarray
    res_: Any
    """The statsmodels results (AutoETS, FourierARIMA: `_filtered`)."""

    def _prepare(self, y: np.ndarray, *, min_seasons: int = 0, spikes: bool = True, shifts: bool = True) -> np.ndarray:
        """Keep `y`, clean it on the working scale and return the cleaned working series."""
        y = np.asarray(y, dtype=float)
        m = self.season_length
        if min_seasons and y.size < min_seasons * m:
            raise ValueError(f"{type(self).__name__} needs {min_seasons} full seasons ({min_seasons * m} points), "
                             f"got {y.size}")
        self.y_ = y
        cl = clean(to_working(y, self.transform), m, spikes=spikes, shifts=shifts)
        cap = spike_cap(y)
        if cl.jumps.sizes.size and cap > 0:
            # a re-injected spike lifts a median day to at most SPIKE_CAP x it: at full size one
            # $10.50 day in 79 days of $0.35 sat in the median of the next quarter (its 90 days
            # expect 1.1 of them): $44.00 against $32.92 without it (tests/forecast/test_periods.py)
            lift = float(to_working(np.array([cap]), self.transform)[0]
                         - to_working(np.array([cap / SPIKE_CAP]), self.transform)[0])
            cl.jumps.sizes = np.minimum(cl.jumps.sizes, lift)
        self.cleaned_ = cl
        self.jumps = cl.jumps
        self.notes = list(cl.notes)
        return cl.x

    def _filtered(self, new: C, o: int, model: Callable[[], Any]) -> C:
        """`new` (a fresh instance of this model) as this fit filtered, not re-estimated, on the
        first `o` cleaned points: `model()` makes the statsmodels model over those points, which is
        smoothed with this fit's parameters (`Model.truncated` of AutoETS and FourierARIMA)."""
        assert self.y_ is not None, "fit first"
        new.y_ = self.y_[:o]
        new.jumps = self.jumps
        new.spec_name = self.spec_name
        new.params_ = self.params_
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            new.res_ = model().smooth(self.params_)
        return new

    def comparable_actuals(self) -> np.ndarray:
        """History on the scale the forecasts refer to: level-shift adjusted, spikes kept."""
        assert self.y_ is not None, "fit first"
        x = to_working(self.y_, self.transform) + self.cleaned_.adj[: self.y_.size]
        return from_working(x, self.transform)
