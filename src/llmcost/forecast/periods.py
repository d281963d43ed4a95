"""Calendar periods: rest of this month, next month, next quarter.

Every figure is a sum over the calendar days of the period, computed path by path (weekday
composition matters, and summing daily interval bounds would be wrong: fpp3 13.5). The
current month is month-to-date actuals (no model error) plus simulated remaining days; the
plain run-rate `actual_to_date / days_elapsed * days_in_month` is printed beside it.

`as_of` is the last complete day. Given a `datetime`, it is converted to `tz` and the day
before its local date is the last complete one (the export was taken mid-day: forecasting-
method 3.1); given a `date`, that day counts as complete; `None` means "now" in `tz`.
Data after `as_of` is ignored. "Current month" is the month of the first day still to
come (as_of + 1), so on the last day of November it is December with nothing elapsed.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from llmcost import clock
from llmcost.errors import UsageError

from .auto import fit_series, impute
from .base import DEFAULT_LEVELS, total_intervals
from .clean import spike_cap


@dataclass(frozen=True)
class PeriodForecast:
    """Forecast of one calendar period's total (e.g. USD for a cost series)."""

    period: str
    """Label: "2026-11" for a month, "2027-Q1" for a quarter."""
    kind: str
    """"current_month", "next_month" or "next_quarter"."""
    start: date
    """First day of the period."""
    end: date
    """Last day of the period (inclusive)."""
    actual_to_date: float
    """Sum of actuals inside the period up to as_of (0 for future periods)."""
    p50: float | None
    """Median of simulated period totals (actuals included); None without a forecast."""
    mean: float | None
    """Mean of simulated period totals: the unbiased point forecast of a total."""
    lo_80: float | None
    """Lower bound of the 80% prediction interval."""
    hi_80: float | None
    """Upper bound of the 80% prediction interval."""
    lo_95: float | None
    """Lower bound of the 95% prediction interval."""
    hi_95: float | None
    """Upper bound of the 95% prediction interval."""
    run_rate: float | None
    """Current month only: actual_to_date / days_elapsed * days_in_month."""
    model_used: str
    """Fallback rung that produced the paths (e.g. "auto_ets(A,Ad,A)", "window_mean")."""
    confidence: str
    """"none" (< 7 days of history), "low" (< 28 days) or "normal"."""
    notes: tuple[str, ...]
    """What the forecaster did and why (cleaning, fallbacks, calibration, gaps)."""


def last_complete_day(as_of: date | datetime | None, tz: str = "UTC") -> date:
    """The last complete day in `tz` (see module docstring)."""
    zone = ZoneInfo(tz)
    if as_of is None:
        return clock.today(tz) - timedelta(days=1)
    if isinstance(as_of, datetime):
        local = as_of.astimezone(zone) if as_of.tzinfo else as_of.replace(tzinfo=zone)
        return local.date() - timedelta(days=1)
    return as_of


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def next_month_start(d: date) -> date:
    return month_end(d) + timedelta(days=1)


def periods_after(as_of_day: date) -> list[tuple[str, str, date, date]]:
    """(kind, label, start, end) for the current month, next month and next quarter."""
    cur = (as_of_day + timedelta(days=1)).replace(day=1)
    nxt = next_month_start(cur)
    q_first_month = 3 * ((cur.month - 1) // 3) + 1
    q_start = date(cur.year, q_first_month, 1)
    nq_start = date(q_start.year + (q_first_month + 3 > 12), (q_first_month + 2) % 12 + 1, 1)
    nq_end = month_end(date(nq_start.year, nq_start.month + 2, 1))
    quarter = (nq_start.month - 1) // 3 + 1
    return [
        ("current_month", f"{cur:%Y-%m}", cur, month_end(cur)),
        ("next_month", f"{nxt:%Y-%m}", nxt, month_end(nxt)),
        ("next_quarter", f"{nq_start.year}-Q{quarter}", nq_start, nq_end),
    ]


def daily_history(
    dates: Sequence[date], values: Sequence[float] | np.ndarray, as_of_day: date
) -> tuple[date, np.ndarray]:
    """Complete daily calendar from the first date to as_of (NaN = missing); later data dropped."""
    pairs = [(d, v) for d, v in zip(dates, values, strict=True) if d <= as_of_day]
    if not pairs:
        raise UsageError(f"no daily history on or before as_of {as_of_day}; check --as-of and the time zone")
    first = min(d for d, _ in pairs)
    y = np.full((as_of_day - first).days + 1, np.nan)
    for d, v in pairs:
        i = (d - first).days
        v = np.nan if v is None else float(v)
        y[i] = v if np.isnan(y[i]) else y[i] + (0.0 if np.isnan(v) else v)
    return first, y


def period_totals(paths: np.ndarray, first_day: date, start: date, end: date,
                  actual_to_date: float = 0.0) -> np.ndarray:
    """Per-path totals of the simulated days in [start, end]; paths[:, 0] is `first_day`."""
    i0 = max((start - first_day).days, 0)
    i1 = (end - first_day).days + 1
    if i1 > paths.shape[1]:
        raise ValueError(f"paths end before {end}: simulate at least {i1} days")
    if i1 <= i0:
        return np.full(paths.shape[0], actual_to_date)
    return actual_to_date + paths[:, i0:i1].sum(axis=1)


LOCAL_DAYS = 365
"""Window of the local log-linear regression of the current month's remaining days."""

STEP_MARGIN = 7
"""A level step is searched between the window's 8th day and its 4th-last (`local_trend_total`)."""


def _daily_window(history: Sequence[tuple[date, float]], days_back: int) -> tuple[date, np.ndarray]:
    """The last `days_back` calendar days of `history` (missing days 0), and the first day."""
    last = max(d for d, _ in history)
    first = max(min(d for d, _ in history), last - timedelta(days=days_back - 1))
    x = np.zeros((last - first).days + 1)
    for d, v in history:
        if d >= first:
            x[(d - first).days] += float(v)
    return first, x


def local_trend_total(history: Sequence[tuple[date, float]], days: Sequence[date]) -> float | None:
    """Sum over `days` (after the history) of a local regression forecast: log spend on the last
    365 days regressed on a linear trend (from 21 days), weekday effects (from 14 days) and at most
    one level step (a launch, churn or a migration to a cheaper model), its day chosen by BIC among
    all days but the first 7 and the last 3 and kept only when BIC prefers it; points beyond 4
    robust SDs (spikes, outages) left out of the fit; AR(1) errors whose last residual decays into
    the forecast; back-transformed with half the residual variance (the mean of a log-normal).
    Days missing from `history` count as 0; zero days are left out of the fit (an outage is not the
    level). None when fewer than 7 days, or fewer than half of the window's days, carry spend. A
    regression with ARIMA errors and an intervention (fpp3 10.1-10.3, 10.6)."""
    if not history or not days:
        return None
    first, x = _daily_window(history, LOCAL_DAYS)
    n = x.size
    ok = x > 0
    if ok.sum() < 7 or ok.sum() < n / 2:
        return None
    t = np.arange(n)[ok]
    t_fut = np.array([(d - first).days for d in days])
    wd0 = first.weekday()

    def design(tt: np.ndarray, step: int | None) -> np.ndarray:
        cols = [np.ones(tt.size)]
        if n >= 21:
            cols.append((tt - n) / 30.0)
        if n >= 14:
            cols += [((tt + wd0) % 7 == j).astype(float) for j in range(1, 7)]
        if step is not None:
            cols.append((tt >= step).astype(float))
        return np.column_stack(cols)

    z = np.log(x[ok])
    xm = design(t, None)
    r = z - xm @ np.linalg.lstsq(xm, z, rcond=None)[0]
    good = np.abs(r) < 4 * (1.4826 * float(np.median(np.abs(r - np.median(r)))) + 1e-9)
    m = int(good.sum())

    def rss(step: int | None) -> float:
        d = design(t[good], step)
        e = z[good] - d @ np.linalg.lstsq(d, z[good], rcond=None)[0]
        return float(e @ e)

    step, best = None, m * np.log(rss(None) / m + 1e-12)
    for s_ in range(STEP_MARGIN, n - 3):
        crit = m * np.log(rss(s_) / m + 1e-12) + np.log(m)
        if crit < best:
            step, best = s_, crit
    xm = design(t, step)
    beta = np.linalg.lstsq(xm[good], z[good], rcond=None)[0]
    r = z - xm @ beta
    mad = 1.4826 * float(np.median(np.abs(r[good] - np.median(r[good])))) + 1e-9
    good = np.abs(r) < 4 * mad
    beta = np.linalg.lstsq(xm[good], z[good], rcond=None)[0]
    r = np.where(good, z - xm @ beta, 0.0)
    s2 = float(np.var(r[good]))
    phi, r_last = 0.0, 0.0
    if ok[-1] and good[-1]:
        phi = float(np.clip(np.sum(r[1:] * r[:-1]) / max(float(np.sum(r[:-1] ** 2)), 1e-12), 0.0, 0.95))
        r_last = float(r[-1])
    k = t_fut - (n - 1)
    zf = design(t_fut, step) @ beta + phi**k * r_last + s2 * (1 - phi ** (2 * k)) / 2
    return float(np.sum(np.exp(zf)))


LEVEL_DAYS, PATTERN_DAYS = 10, 56
"""`recent_level_total`: the level from the last 10 days, the weekday pattern from the last 56."""


def recent_level_total(history: Sequence[tuple[date, float]], days: Sequence[date]) -> float | None:
    """Sum over `days` of a weekday-adjusted recent level: each weekday's factor is its mean over
    the last 56 days (each day capped at 4 x the median day with spend, so that a spike does not
    make its weekday a big day) relative to their overall mean; the level is the median of the last 10 days,
    each divided by its weekday's factor (a median, so a spike or an outage does not move it). A
    weekday without spend in the 56 days forecasts 0. None without history or spend, or when fewer
    than half of the last 10 days carry spend: on scattered usage the median of mostly empty days
    is 0, which is no level (it would pin the month to $0 with an interval of zero width)."""
    if not history or not days:
        return None
    first, x = _daily_window(history, PATTERN_DAYS)
    mean = float(x.mean())
    if mean <= 0:
        return None
    wd = (np.arange(x.size) + first.weekday()) % 7
    # the weekday pattern from days clipped at SPIKE_CAP x the median day with spend: one $7 spike
    # on a $0.16-a-day Tuesday made every Tuesday of next month a big day (next month's median
    # +54% in the mean of the two forecasts); the level below is a median and needs no clipping
    clipped = np.minimum(x, spike_cap(x))
    cmean = float(clipped.mean())
    factor = np.array([float(clipped[wd == j].mean()) / cmean if (wd == j).any() else 1.0 for j in range(7)])
    recent = slice(max(0, x.size - LEVEL_DAYS), x.size)
    if 2 * int((x[recent] > 0).sum()) < x[recent].size:
        return None
    f = factor[wd[recent]]
    adjusted = x[recent][f > 0] / f[f > 0]
    if adjusted.size == 0:
        return None
    return float(np.median(adjusted)) * float(sum(factor[d.weekday()] for d in days))


SCATTERED = "the mean day of the last 56 days (scattered usage)"
"""What a period's median is when `scattered_mean_total` centres it (recentre_paths' notes)."""


def scattered_mean_total(history: Sequence[tuple[date, float]], days: Sequence[date]) -> float | None:
    """Sum over `days` of the mean day of the last 56 days, when fewer than half of those days
    carry spend (scattered usage: a few days a month) and some do; None otherwise. Neither the
    local regression nor the recent level has a level on such a history, and the model alone
    (additive ETS on the raw scale, its paths clipped at 0) lifts every day: 3 days a month of
    $0.26 ($0.78) forecast $1.55 next month, its 80% interval ($0.98 to $2.23) above the $0.78."""
    if not history or not days:
        return None
    _, x = _daily_window(history, PATTERN_DAYS)
    used = int((x > 0).sum())
    if used == 0 or 2 * used >= x.size:
        return None
    return float(x.mean()) * len(days)


def rest_forecasts(history: Sequence[tuple[date, float]], days: Sequence[date]) -> list[float | None]:
    """The short-horizon forecasts of `days` (the current month's remaining days, or the next
    month's) whose mean becomes the period's median (`combine_remaining`): the local regression
    and the recent level; on scattered usage, where neither has a level, the mean day
    (`scattered_mean_total`)."""
    out = [local_trend_total(history, days), recent_level_total(history, days)]
    return out if any(v is not None for v in out) else [scattered_mean_total(history, days)]


QUARTER_TREND_CAP = 2.0
"""The next quarter's local regression total is held within this factor of its recent level total
(`quarter_forecasts`): a trend fitted on the last year and carried three to five months out can
run away (on the quarter study it once forecast 2,700 times what the series did)."""


def quarter_forecasts(history: Sequence[tuple[date, float]], days: Sequence[date],
                      next_month_per_day: float | None = None) -> tuple[list[float | None], str]:
    """The forecasts of the next quarter's `days` whose mean becomes its median (`combine_remaining`),
    and what they are: the recent level, and the local regression held within QUARTER_TREND_CAP of
    it. Their mean does not fall behind the next month's median carried over the quarter
    (`next_month_per_day` x the days) when the trend points up, nor rise above it when it points
    down: a steep trend, held by the cap, would otherwise give three months below the next month
    alone. Without a recent level, the mean day of the last 56 days on scattered usage
    (`scattered_mean_total`), else nothing (the model's paths stay as they are): an unbounded trend
    alone is no centre. Chosen on the quarter study, seeds 0-999 (docs/forecasting.md, "The next
    quarter")."""
    level = recent_level_total(history, days)
    if level is None:
        mean = scattered_mean_total(history, days)
        return ([], "") if mean is None else ([mean], SCATTERED)
    trend = local_trend_total(history, days)
    if trend is None:
        return [level], "the recent weekday-adjusted level"
    held = min(max(trend, level / QUARTER_TREND_CAP), level * QUARTER_TREND_CAP)
    if next_month_per_day is not None:
        carried, mean = next_month_per_day * len(days), (level + held) / 2
        if (trend > level and mean < carried) or (trend < level and mean > carried):
            return [carried], (f"the next month's median carried over the quarter's days (the trend points "
                               f"{'up' if trend > level else 'down'} past the mean of the recent level and the "
                               f"regression held within {QUARTER_TREND_CAP:g}x of it)")
    return [level, held], (f"the mean of the recent weekday-adjusted level and the local regression held within "
                           f"{QUARTER_TREND_CAP:g}x of it")


REST_SPREAD = (0.9, 0.9)
"""The current month's rest: each path total's log deviation from the median is multiplied by
these factors, the first at the 80% interval's bounds and inside them, the second at the 95%
interval's bounds and beyond (`spread_paths`). The model's spread is calibrated on the model's own
errors; the combination errs less (study in docs/forecasting.md)."""

NEXT_SPREAD = (0.75, 1.1)
"""The next month, recentred like the rest of this month: narrower than the model at the 80%
bounds (the combination errs less than the model's median), wider at the 95% bounds (the tails
hold the level shifts no forecast foresees: recentred with the model's own width, the 80% interval
over-covered and the 95% one sat at 90%). Chosen on a grid over the study's six seed sets so that
both bounds hold on each with a margin, and checked on seeds 6000-6999 (docs/forecasting.md)."""


def spread_paths(totals: np.ndarray, target: float, spread: tuple[float, float]) -> np.ndarray:
    """Per-path totals moved so that their median is `target`, each path's log deviation from the
    old median multiplied by a factor that depends on the path's rank: `spread[0]` for the paths
    inside and at the 80% interval's bounds (ranks 10%-90%), `spread[1]` at the 95% bounds and
    beyond (ranks below 2.5% or above 97.5%), linear in the rank between. The map is monotone (the
    paths keep their order, so the budget odds read the same intervals) when spread[1] >=
    spread[0]; an interval of level L is then the model's, recentred, with its log half-width
    scaled by the factor at L (a conformal-style widening per level, fitted on the study)."""
    s80, s95 = spread
    if s95 < s80:
        raise ValueError(f"spread at 95% ({s95}) below the spread at 80% ({s80}): the paths would cross")
    n = totals.size
    med = float(np.median(totals)) if n else 0.0
    if n == 0 or med <= 0:
        return totals
    dev = np.log(np.maximum(totals / med, 1e-12))
    rank = (np.argsort(np.argsort(totals, kind="stable"), kind="stable") + 0.5) / n
    central = np.abs(2 * rank - 1)  # the central coverage whose bound the path sits on
    factor = s80 + (s95 - s80) * np.clip((central - 0.80) / (0.95 - 0.80), 0.0, 1.0)
    return target * np.exp(factor * dev)


def combine_remaining(totals: np.ndarray, others: Sequence[float | None],
                      spread: tuple[float, float] = REST_SPREAD) -> tuple[np.ndarray, str | None]:
    """Per-path totals of a period's simulated days, rescaled so that their median is the mean of
    the other forecasts given (the local regression and the recent level; `None` ones are left out;
    unchanged when none is given): forecasts with different errors, averaged, beat each alone, and
    on the current month's rest and the next month both beat the model's median (study in
    docs/forecasting.md). The model keeps the spread, scaled per level by `spread_paths`."""
    med = float(np.median(totals)) if totals.size else 0.0
    extra = [float(v) for v in others if v is not None and v >= 0]
    if not extra or med <= 0:
        return totals, None
    target = sum(extra) / len(extra)
    return spread_paths(totals, target, spread), (
        f"the median is the mean of {len(extra)} short-horizon forecast(s) (local regression with a "
        "level step, recent weekday-adjusted level); the model gives the spread")


def recentre_paths(paths: np.ndarray, first_day: date, history: Sequence[tuple[date, float]],
                   cap: float = float("inf")) -> tuple[np.ndarray, list[str]]:
    """Per-path, per-day factors that recentre simulated daily paths (`paths[:, 0]` is `first_day`,
    the day after the history) on `combine_remaining`: the current month's remaining days with
    REST_SPREAD, then the whole next month with NEXT_SPREAD, then the next quarter's days after
    the next month (all of it, or its last two months when the next month opens it) on
    `quarter_forecasts` with NEXT_SPREAD. Each path's days in a window are scaled by one factor, so
    its daily shape is kept and every period total built from the scaled paths agrees with the
    recentred windows. Days outside every window (a month between the next month and the next
    quarter) keep factor 1; a path whose window is all zeros stays zero. Multiply any path array
    of the same forecast (scenarios, savings) by the factors to keep it on the same level.

    `cap` is the path cap (10x the historical daily max, `FittedSeries.cap`): a factor is lowered
    on the days where it would lift a path above it (or where the path already is), so no day of
    `paths * factors` exceeds it. The recentring moves a window's total to a centre the model's
    paths may lie far below (after an outage, the model's level is low and the recent level is
    back), and the 95% tails are widened (NEXT_SPREAD): without this, 150 days of $10, 20 without
    usage and 5 at $10 again had 3% of their simulated days above the cap (up to 4.6x it), and the
    next quarter's 95% bound at $16,878, above 10x the largest day x the quarter's 90 days ($9,945)."""
    factors = np.ones_like(paths, dtype=float)
    notes: list[str] = []
    per_day: float | None = None  # the next month's median per day, once recentred
    rest_end = month_end(first_day)
    next_end = month_end(rest_end + timedelta(days=1))
    _, _, q_start, q_end = periods_after(first_day - timedelta(days=1))[-1]
    windows = (("rest of this month", first_day, rest_end, REST_SPREAD),
               ("next month", rest_end + timedelta(days=1), next_end, NEXT_SPREAD),
               ("next quarter", max(q_start, next_end + timedelta(days=1)), q_end, NEXT_SPREAD))
    for name, start, end, spread in windows:
        i0, i1 = (start - first_day).days, (end - first_day).days + 1
        if i1 > paths.shape[1] or not history:
            continue
        days = [start + timedelta(days=i) for i in range(i1 - i0)]
        totals = paths[:, i0:i1].sum(axis=1)
        if name == "next quarter":
            others, what = quarter_forecasts(history, days, per_day)
        else:
            others = rest_forecasts(history, days)
            what = SCATTERED if len(others) == 1 else ""
        combined, how = combine_remaining(totals, others, spread)
        if how is None:
            continue
        if name == "next month":
            per_day = float(np.median(combined)) / len(days)
        factors[:, i0:i1] = np.where(totals > 0, combined / np.where(totals > 0, totals, 1.0), 0.0)[:, None]
        notes.append(f"{name}: " + (f"the median is {what}; the model gives the spread" if what else how))
    over = paths * factors > cap
    if over.any():
        factors = np.where(over, cap / np.where(over, paths, 1.0), factors)
    return factors, notes


def forecast_periods(
    dates: Sequence[date],
    values: Sequence[float] | np.ndarray,
    as_of: date | datetime | None = None,
    tz: str = "UTC",
    *,
    n_paths: int = 1000,
    seed: int = 0,
    levels: tuple[int, ...] = DEFAULT_LEVELS,
) -> list[PeriodForecast]:
    """Current month, next month and next quarter from a daily history in `tz`.

    `dates` are local calendar days (already aggregated in `tz`), `values` their totals.
    Missing days are imputed for fitting, never read as zero; days after `as_of` ignored.
    """
    as_of_day = last_complete_day(as_of, tz)
    first, y = daily_history(dates, values, as_of_day)
    fut0 = as_of_day + timedelta(days=1)
    specs = periods_after(as_of_day)
    h = (specs[-1][3] - as_of_day).days
    fit = fit_series(y, season_length=7, seed=seed)
    imputed = impute(y)
    notes = list(fit.notes)
    n_missing = int(np.isnan(y).sum())
    if n_missing:
        notes.append(f"{n_missing} missing day(s) in the history were imputed for fitting")
    paths = fit.simulate(h, n_paths, np.random.default_rng(seed))
    if fit.confidence != "none":
        hist = [(first + timedelta(days=i), float(v)) for i, v in enumerate(imputed)]
        factors, how = recentre_paths(paths, fut0, hist, cap=fit.cap)
        paths = paths * factors
        notes += how
    out = []
    for kind, label, start, end in specs:
        mtd = y[max((start - first).days, 0) :] if start <= as_of_day else np.zeros(0)
        actual = float(np.nansum(mtd))
        run_rate = None
        pnotes = list(notes)
        if kind == "current_month":
            elapsed = (as_of_day - start).days + 1
            if elapsed > 0:
                if np.isnan(mtd).any():
                    pnotes.append(f"{int(np.isnan(mtd).sum())} day(s) of this month missing from actuals")
                run_rate = actual / elapsed * end.day
        filled = 0.0
        if np.isnan(mtd).any():
            # missing days this month are neither actuals nor future: count their imputed value
            filled = float(imputed[max((start - first).days, 0) :][np.isnan(mtd)].sum())
            pnotes.append("missing days of this month enter the total at their imputed value")
        future = period_totals(paths, fut0, start, end, 0.0)
        stats = total_intervals(actual + filled + future, levels)
        none = fit.confidence == "none"
        out.append(PeriodForecast(
            period=label, kind=kind, start=start, end=end, actual_to_date=actual,
            p50=None if none else stats["p50"], mean=None if none else stats["mean"],
            lo_80=None if none else stats.get("lo_80"), hi_80=None if none else stats.get("hi_80"),
            lo_95=None if none else stats.get("lo_95"), hi_95=None if none else stats.get("hi_95"),
            run_rate=run_rate, model_used="run_rate" if none else fit.model_used,
            confidence=fit.confidence, notes=tuple(pnotes),
        ))
    return out


@dataclass(frozen=True)
class BudgetOdds:
    """How likely a period's spend ends above a budget, and when it crosses it, counted over paths."""

    p_exceed: float
    """Share of simulated paths whose period total is above the budget."""
    crossed_on: date | None
    """The day the actual spend crossed the budget, when it already has (then p_exceed is 1)."""
    crossing_p50: date | None
    """Median crossing day over all paths (a path that never crosses counts as after the period);
    None when fewer than half the paths cross."""
    crossing_lo_80: date | None
    """10th percentile of the crossing day (None when fewer than 10% of paths cross)."""
    crossing_hi_80: date | None
    """90th percentile of the crossing day (None when fewer than 90% of paths cross: "after the period")."""
    n_paths: int


def budget_odds(
    paths: np.ndarray,
    first_day: date,
    start: date,
    end: date,
    budget: float,
    actual_daily: Sequence[tuple[date, float]] = (),
) -> BudgetOdds:
    """The chance that the total of [start, end] ends above `budget`, and the day it is crossed.

    `paths[:, 0]` is `first_day`, the first simulated day; `actual_daily` are the period's known
    days before it (day, spend). Each path's running total is the actuals plus its simulated days;
    its crossing day is the first day the running total exceeds the budget. Quantiles of the
    crossing day are taken over all paths, a path that never crosses counting as after `end`.
    """
    n = paths.shape[0]
    running = 0.0
    for day, spend in sorted(actual_daily):
        if start <= day <= end and day < first_day:
            running += float(spend)
            if running > budget:
                return BudgetOdds(1.0, day, day, day, day, n)
    i0 = max((start - first_day).days, 0)
    i1 = (end - first_day).days + 1
    if i1 > paths.shape[1]:
        raise ValueError(f"paths end before {end}: simulate at least {i1} days")
    days = [first_day + timedelta(days=i) for i in range(i0, max(i1, i0))]
    if not days:
        return BudgetOdds(float(running > budget), None, None, None, None, n)
    cum = running + np.cumsum(paths[:, i0:i1], axis=1)
    over = cum > budget
    crosses = over.any(axis=1)
    # index of the first day over budget; len(days) ("after the period") for paths that never cross
    idx = np.where(crosses, over.argmax(axis=1), len(days))

    def quantile(q: float) -> date | None:
        k = int(np.quantile(idx, q, method="inverted_cdf"))
        return days[k] if k < len(days) else None

    return BudgetOdds(float((cum[:, -1] > budget).mean()), None, quantile(0.5), quantile(0.1), quantile(0.9), n)
