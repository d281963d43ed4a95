"""Rolling-origin backtest of the whole pipeline, against seasonal naive.

Protocol (forecasting-method section 4, fpp3 5.10): expanding window, origins every season
(7 days) going back from the end, each leaving a full horizon after it. At every origin the
whole routine (cleaning, shift detection, model choice, calibration) sees only data before
the origin. Reported, pooled over series and origins:

* relative MASE = mean MASE(model) / mean MASE(seasonal naive), the MASE scale being the
  in-sample mean |y_t - y_{t-m}| of each origin's training window;
* APE of the horizon total (point = mean of path totals; also of their median), model and
  seasonal naive;
* coverage of the 80% and 95% intervals, per held-out point and for the horizon total;
* the Winkler (interval) score of the horizon total's 80% interval, relative to the actual total:
  width + (2 / 0.2) x the distance by which the actual falls outside (Gneiting and Raftery 2007,
  eq. 43); lower is better, and a narrow interval that misses pays for it.

The model's own paths are scored, except at a daily origin whose history is scattered usage:
there the forecast's medians are the mean day of the last 56 days (`periods.scattered_mean_total`),
and the backtest scores those recentred paths (`_scattered_paths`), as the forecast shows them.

A figure that does not exist is None (null in JSON, "n/a" in the table), never NaN, and the
summary's `not_computed` says why: an error relative to an actual total of 0, a ratio to a
seasonal naive that forecast every held-out day exactly, the total of a horizon with a day
missing from the data. Pooled figures are means over the origins where the figure exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import polars as pl

from .auto import FittedSeries, fit_series, impute
from .baselines import SeasonalNaive
from .frame import split_series
from .periods import periods_after, recentre_paths, rest_forecasts, scattered_mean_total

COLUMNS = (
    "series_id", "origin", "model_used", "confidence", "spread", "n_train",
    "mase", "mase_snaive", "ape_total", "ape_total_p50", "ape_total_snaive",
    "n_points", "in_80", "in_95", "total_in_80", "total_in_95", "total_winkler_80",
)


@dataclass
class BacktestResult:
    """Per-origin rows and their pooled summary."""

    rows: pl.DataFrame
    """One row per (series, origin); columns as in `COLUMNS`."""
    horizon: int
    season_length: int
    extra: dict = field(default_factory=dict)

    def summary(self, by_series: bool = False) -> dict:
        """Pooled figures; with `by_series`, a dict of them per series as well. A figure that
        cannot be computed is None, and `not_computed` maps its key to the reason."""
        out = _pool(self.rows)
        out.update(horizon=self.horizon, season_length=self.season_length)
        if by_series:
            out["series"] = {
                sid: _pool(part) for (sid,), part in self.rows.group_by("series_id", maintain_order=True)
            }
        return out

    def table(self) -> str:
        """Fixed-width text table: one line per series and a pooled line."""
        head = (f"{'series':<24} {'n':>3} {'relMASE':>7} {'MASE':>6} {'sMASE':>6} {'APEtot':>7} "
                f"{'sAPEtot':>7} {'cov80':>6} {'cov95':>6} {'tot80':>6} {'tot95':>6} {'Wtot80':>6}")
        lines = [head, "-" * len(head)]
        groups = [(sid, part) for (sid,), part in self.rows.group_by("series_id", maintain_order=True)]
        why: list[str] = []
        pooled = _pool(self.rows)
        for name, part in [*groups, ("POOLED", self.rows)]:
            s = pooled if name == "POOLED" else _pool(part)
            lines.append(
                f"{name[:24]:<24} {s['n_origins']:>3} {_cell(s['rel_mase'], '7.3f')} {_cell(s['mase'], '6.3f')} "
                f"{_cell(s['mase_snaive'], '6.3f')} {_cell(s['ape_total'], '7.1%')} "
                f"{_cell(s['ape_total_snaive'], '7.1%')} {_cell(s['coverage_80'], '6.1%')} "
                f"{_cell(s['coverage_95'], '6.1%')} {_cell(s['total_coverage_80'], '6.1%')} "
                f"{_cell(s['total_coverage_95'], '6.1%')} {_cell(s['total_winkler_80'], '6.3f')}"
            )
            if s["n_origins"] == 0:  # only the pooled line of an empty backtest: one reason for every figure
                why.append(f"n/a: {NO_ORIGIN}")
                continue
            for key, reason in s["not_computed"].items():
                if key not in _COLUMN_NAMES:
                    continue
                if name == "POOLED":
                    why.append(f"n/a: {_COLUMN_NAMES[key]}: {reason}")
                elif key not in pooled["not_computed"]:
                    why.append(f"n/a: {_COLUMN_NAMES[key]} of {name}: {reason}")
        return "\n".join(lines + why)


_COLUMN_NAMES = {"rel_mase": "relMASE", "mase": "MASE", "mase_snaive": "sMASE", "ape_total": "APEtot",
                 "ape_total_snaive": "sAPEtot", "coverage_80": "cov80", "coverage_95": "cov95",
                 "total_coverage_80": "tot80", "total_coverage_95": "tot95", "total_winkler_80": "Wtot80"}
"""The table's column of each summary key."""


def _cell(value: float | None, spec: str) -> str:
    """A table cell: the figure, or "n/a" where it cannot be computed (the reason is printed below)."""
    width = spec.split(".")[0]
    return f"{'n/a':>{width}}" if value is None else f"{value:>{spec}}"


def _mean(s: pl.Series) -> float | None:
    """Mean over the origins where the figure exists (None and NaN left out); None if it exists at none."""
    vals = s.drop_nulls()
    if vals.dtype.is_float():
        vals = vals.drop_nans()
    m = vals.mean()
    return float(m) if isinstance(m, int | float) and np.isfinite(m) else None


EXACT_MASE = 1e-9
"""A seasonal naive MASE at or below this is an exact forecast: the ratio to it is not a figure
(MASE is scale-free; 1.8e-16 was rounding noise, which made a relative MASE of 7.7e12)."""

NO_ORIGIN = "no origin: the series is shorter than the minimum training days plus the horizon"
ZERO_TOTAL = "the actual horizon total is 0 at every origin"
MISSING_DAY = "a held-out day is missing from the data at every origin"


def _pool(rows: pl.DataFrame) -> dict:
    keys = ("mase", "mase_snaive", "rel_mase", "ape_total", "ape_total_p50", "ape_total_snaive", "coverage_80",
            "coverage_95", "total_coverage_80", "total_coverage_95", "total_winkler_80")
    if rows.height == 0:
        return {"n_origins": 0, **dict.fromkeys(keys), "not_computed": dict.fromkeys(keys, NO_ORIGIN)}
    mase = _mean(rows["mase"])
    snaive = _mean(rows["mase_snaive"])
    n_pts = int(rows["n_points"].sum())
    out: dict[str, Any] = {
        "n_origins": rows.height,
        "mase": mase,
        "mase_snaive": snaive,
        "rel_mase": mase / snaive if mase is not None and snaive is not None and snaive > EXACT_MASE else None,
        "ape_total": _mean(rows["ape_total"]),
        "ape_total_p50": _mean(rows["ape_total_p50"]),
        "ape_total_snaive": _mean(rows["ape_total_snaive"]),
        "coverage_80": int(rows["in_80"].sum()) / n_pts,
        "coverage_95": int(rows["in_95"].sum()) / n_pts,
        "total_coverage_80": _mean(rows["total_in_80"]),
        "total_coverage_95": _mean(rows["total_in_95"]),
        "total_winkler_80": _mean(rows["total_winkler_80"]),
    }
    why: dict[str, str] = {}
    if out["rel_mase"] is None:
        why["rel_mase"] = "seasonal naive forecast every held-out day exactly (MASE 0)"
    for key in ("ape_total", "ape_total_p50", "ape_total_snaive"):
        if out[key] is None:
            why[key] = ZERO_TOTAL
    for key in ("total_coverage_80", "total_coverage_95"):
        if out[key] is None:
            why[key] = MISSING_DAY
    if out["total_winkler_80"] is None:
        why["total_winkler_80"] = MISSING_DAY if out["total_coverage_80"] is None else (
            ZERO_TOTAL if out["ape_total"] is None
            else "at every origin the actual horizon total is 0 or a held-out day is missing")
    out["not_computed"] = why
    return out


def winkler(actual: float, lo: float, hi: float, alpha: float) -> float:
    """Winkler score of the central (1 - alpha) interval [lo, hi] for `actual`."""
    return (hi - lo) + (2 / alpha) * max(lo - actual, 0.0) + (2 / alpha) * max(actual - hi, 0.0)


def _ape(actual: float, pred: float) -> float | None:
    """|pred - actual| / |actual|; None for an actual of 0 (no relative error exists: it was 100%
    for any forecast above 0, 0% for a forecast of 0)."""
    return abs(pred - actual) / abs(actual) if actual != 0 else None


def _scattered_paths(fit: FittedSeries, train: np.ndarray, day0: date, horizon: int, n_paths: int,
                     rng: np.random.Generator) -> np.ndarray | None:
    """The horizon's paths as a forecast made on the day before `day0` shows them, when its daily
    history is scattered usage (`periods.rest_forecasts` falls back to the mean day of the last 56
    days: neither the local regression nor the recent level has a level); None otherwise. Such a
    forecast's medians are that mean day (`scattered_mean_total`), the model giving only the spread
    (`recentre_paths`, with the path cap): the model's own centre, additive ETS on the raw scale
    with its paths clipped at 0, lifts every day and is not what the forecast shows there (three
    days of $0.26 a month backtested at an APE of the 30-day total of 98%)."""
    hist = [(day0 - timedelta(days=train.size - i), float(v)) for i, v in enumerate(impute(train))]
    days = [day0 + timedelta(days=i) for i in range(horizon)]
    if scattered_mean_total(hist, days) is None:  # cheap first: most histories are not scattered
        return None
    centres = rest_forecasts(hist, days)
    if len(centres) != 1 or centres[0] is None:
        return None
    h = max(horizon, (periods_after(day0 - timedelta(days=1))[-1][3] - day0).days + 1)
    paths = fit.simulate(h, n_paths, rng)
    factors, _ = recentre_paths(paths, day0, hist, cap=fit.cap)
    return (paths * factors)[:, :horizon]


def backtest_array(y: np.ndarray, horizon: int, n_origins: int, *, series_id: str = "y",
                   origin_labels: list | None = None, season_length: int = 7, step: int | None = None,
                   min_train: int = 28, n_paths: int = 500, seed: int = 0,
                   calib_origins: int = 10, combo: bool | None = None) -> list[dict]:
    """Backtest rows for one regular series (NaN = missing)."""
    y = np.asarray(y, dtype=float)
    m = season_length
    step = step or m
    rows = []
    n = y.size
    origins = [n - horizon - j * step for j in range(n_origins)]
    for o in sorted(o for o in origins if o >= min_train):
        train, test = y[:o], y[o : o + horizon]
        ok = np.isfinite(test)
        if not ok.any():
            continue
        fit = fit_series(train, season_length=m, calib_horizon=horizon, calib_origins=calib_origins,
                         seed=seed, combo=combo)
        rng = np.random.default_rng([seed, o])
        day0 = origin_labels[o] if origin_labels is not None and m == 7 else None
        scattered = None
        if isinstance(day0, date) and not isinstance(day0, datetime) and fit.confidence != "none":
            scattered = _scattered_paths(fit, train, day0, horizon, n_paths, rng)
        paths = fit.simulate(horizon, n_paths, rng) if scattered is None else scattered
        point = np.median(paths, axis=0)
        tr = fit.model.y_ if fit.model.y_ is not None else train
        scale = np.nanmean(np.abs(tr[m:] - tr[:-m])) if tr.size > m else np.nan
        if not np.isfinite(scale) or scale <= 0:
            scale = max(float(np.nanmean(np.abs(tr))), 1e-9)
        sn = SeasonalNaive(m).fit(tr)
        sn_point = sn.point(horizon)
        lo80, hi80, lo95, hi95 = np.quantile(paths, [0.1, 0.9, 0.025, 0.975], axis=0)
        tot = paths.sum(axis=1)
        actual_tot = float(test[ok].sum())
        tot_ok = bool(ok.all())
        tq = np.quantile(tot, [0.1, 0.9, 0.025, 0.975])
        rows.append({
            "series_id": series_id,
            "origin": str(origin_labels[o]) if origin_labels is not None else str(o),
            "model_used": fit.model_used,
            "confidence": fit.confidence,
            "spread": fit.spread,
            "n_train": int(fit.n_history),
            "mase": float(np.mean(np.abs(point[ok] - test[ok])) / scale),
            "mase_snaive": float(np.mean(np.abs(sn_point[ok] - test[ok])) / scale),
            "ape_total": _ape(actual_tot, float(tot.mean())),
            "ape_total_p50": _ape(actual_tot, float(np.median(tot))),
            "ape_total_snaive": _ape(actual_tot, float(sn_point[ok].sum())),
            "n_points": int(ok.sum()),
            "in_80": int(((test >= lo80) & (test <= hi80))[ok].sum()),
            "in_95": int(((test >= lo95) & (test <= hi95))[ok].sum()),
            "total_in_80": float(tq[0] <= actual_tot <= tq[1]) if tot_ok else None,
            "total_in_95": float(tq[2] <= actual_tot <= tq[3]) if tot_ok else None,
            "total_winkler_80": winkler(actual_tot, float(tq[0]), float(tq[1]), 0.2) / abs(actual_tot)
            if tot_ok and actual_tot != 0 else None,
        })
    return rows


def backtest(df: pl.DataFrame, horizon: int, n_origins: int, *, season_length: int = 7,
             step: int | None = None, min_train: int = 28, n_paths: int = 500, seed: int = 0,
             calib_origins: int = 10, combo: bool | None = None) -> BacktestResult:
    """Rolling-origin backtest of every series in a long frame (`series_id`, `ds`, `y`).

    Origins are `n - horizon - j * step` for j < n_origins (step defaults to one season)
    and at least `min_train` points in. Hourly data: pass `season_length=24`.
    """
    rows: list[dict] = []
    for s in split_series(df):
        rows += backtest_array(s.y, horizon, n_origins, series_id=s.series_id, origin_labels=s.ds,
                               season_length=season_length, step=step, min_train=min_train,
                               n_paths=n_paths, seed=seed, calib_origins=calib_origins, combo=combo)
    frame = pl.DataFrame(rows, schema={c: _DTYPES[c] for c in COLUMNS}, orient="row") if rows else \
        pl.DataFrame(schema={c: _DTYPES[c] for c in COLUMNS})
    return BacktestResult(frame, horizon, season_length)


_DTYPES = {
    "series_id": pl.String, "origin": pl.String, "model_used": pl.String, "confidence": pl.String,
    "spread": pl.Float64, "n_train": pl.Int64, "mase": pl.Float64, "mase_snaive": pl.Float64,
    "ape_total": pl.Float64, "ape_total_p50": pl.Float64, "ape_total_snaive": pl.Float64,
    "n_points": pl.Int64, "in_80": pl.Int64,
    "in_95": pl.Int64, "total_in_80": pl.Float64, "total_in_95": pl.Float64, "total_winkler_80": pl.Float64,
}


def run_backtest(daily: pl.DataFrame, horizon: int = 30, n_origins: int = 12, *, ds_col: str = "ds",
                 y_col: str = "y", id_col: str = "series_id", n_paths: int = 1000,
                 seed: int = 0) -> BacktestResult:
    """What the CLI calls: daily history (one or more series) -> backtest over the last
    12 weeks of origins, 30-day horizon (forecasting-method section 4)."""
    cols = {ds_col: "ds", y_col: "y"}
    if id_col in daily.columns:
        cols[id_col] = "series_id"
    frame = daily.rename({k: v for k, v in cols.items() if k != v}).select(list(cols.values()))
    return backtest(frame, horizon, n_origins, season_length=7, n_paths=n_paths, seed=seed)


def month_remainder_backtest(
    dates: list,
    values: list | np.ndarray,
    *,
    days: tuple[int, ...] = (5, 10, 15, 20, 25),
    n_months: int = 3,
    n_paths: int = 500,
    seed: int = 0,
) -> pl.DataFrame:
    """The current-month task (forecasting-method 4 and target T6) on the last `n_months`
    complete calendar months of a daily series: standing on day d of the month, forecast the
    month total (actuals to date + remaining days) and compare with the plain run-rate.

    One row per (month, day): `ape_model` (p50 of the month total), `ape_run_rate`, `in_80`.
    """
    from .periods import forecast_periods, month_end

    vals = np.asarray(values, dtype=float)
    by_day = dict(zip(dates, vals, strict=True))
    last = max(dates)
    months: list[date] = []
    m_end = last.replace(day=1) - timedelta(days=1)  # last complete month
    while len(months) < n_months and m_end >= min(dates):
        months.append(m_end.replace(day=1))
        m_end = m_end.replace(day=1) - timedelta(days=1)
    rows = []
    for start in sorted(months):
        end = month_end(start)
        actual = sum(by_day.get(start + timedelta(days=i), 0.0) for i in range((end - start).days + 1))
        for d in days:
            as_of = start + timedelta(days=d - 1)
            cur = forecast_periods(dates, vals, as_of=as_of, n_paths=n_paths, seed=seed)[0]
            if cur.p50 is None or cur.run_rate is None or actual <= 0:
                continue
            rows.append({
                "month": f"{start:%Y-%m}", "day": d, "model_used": cur.model_used,
                "ape_model": abs(cur.p50 - actual) / actual,
                "ape_run_rate": abs(cur.run_rate - actual) / actual,
                "in_80": float(cur.lo_80 <= actual <= cur.hi_80),
            })
    schema = {"month": pl.String, "day": pl.Int64, "model_used": pl.String, "ape_model": pl.Float64,
              "ape_run_rate": pl.Float64, "in_80": pl.Float64}
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
