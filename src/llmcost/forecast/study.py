"""A forecast study you can rerun: varied daily cost histories, replayed at mid-month.

`varied_history(seed)` draws one daily cost series whose shape is drawn too: a length from two
weeks to two years of history (plus the two months the replay scores), a weekly season from none
to strong, a trend either way, launch and churn steps, a migration to a cheaper model (a step
or a two-week ramp down in cost per request), spikes, outage days and AR(1) noise in log space.
Shifts can fall in the scored months as well: an interval that ignores them is too narrow.

`replay(seed)` stands on a day between the 8th and the 22nd of the month before the last two
calendar months of its history and forecasts, with `forecast_periods`, the current month (actuals
to date + the rest) and the next month; it scores them against what the series did, beside the
plain run-rate and a seasonal naive (the last 28 days' daily mean, by weekday, over the period).

`run_study(n)` replays seeds 0..n-1 and summarises: coverage of the 80% and 95% intervals of the
current and the next month separately, median absolute percentage errors, and their ratios to
the baselines. `python -m llmcost.forecast.study 60` prints the table in docs/forecasting.md.

The quarter study (`through="next_quarter"`, `python -m llmcost.forecast.study 1000 0 --quarter`)
draws each history on to the end of the next quarter and scores that quarter too, beside the
run-rate carried over the quarter's days.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from .periods import forecast_periods, month_end, periods_after


@dataclass(frozen=True)
class History:
    """One drawn history: daily costs from `start`, and what was drawn."""

    start: date
    values: np.ndarray
    shape: dict[str, float]


def varied_history(seed: int, through: str = "next_month") -> History:
    """One seeded daily cost series of varied shape (see the module docstring). `through` is how far
    the series runs after the replay day: to the end of the next month (the month study), or to the
    end of the next quarter (the quarter study: the same kind of series, drawn longer)."""
    rng = np.random.default_rng([seed, 20261203])
    n_hist = int(np.exp(rng.uniform(np.log(14), np.log(730))))
    start = date(2024, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    # the history runs to a mid-month day, then two full calendar months follow
    as_of = start + timedelta(days=n_hist - 1)
    if not 8 <= as_of.day <= 22:
        as_of = as_of.replace(day=int(rng.integers(8, 23)))
        if (as_of - start).days < 13:  # keep at least two weeks of history
            as_of = month_end(as_of) + timedelta(days=as_of.day)
        n_hist = (as_of - start).days + 1
    end = month_end(month_end(as_of) + timedelta(days=1))
    if through == "next_quarter":
        end = periods_after(as_of)[-1][3]
    elif through != "next_month":
        raise ValueError(f"through must be 'next_month' or 'next_quarter', not {through!r}")
    n = (end - start).days + 1
    t = np.arange(n)
    weekend = rng.choice([1.0, 0.9, 0.7, 0.5, 0.3])
    dow = np.array([(start + timedelta(days=int(i))).weekday() for i in t])
    weekly = np.where(dow >= 5, weekend, 1.0)
    trend = rng.uniform(-0.004, 0.006)
    level = np.exp(trend * t)
    shape: dict[str, float] = {"days_of_history": n_hist, "weekend": weekend, "trend": trend}
    for name, lo, hi in (("launch", 1.3, 3.0), ("churn", 0.4, 0.8)):
        if rng.random() < 0.35:
            at = int(rng.integers(1, n))
            level[at:] *= rng.uniform(lo, hi)
            shape[f"{name}_day"] = at
    if rng.random() < 0.3:  # a migration to a cheaper model: cost per request falls, stepwise or over 2 weeks
        at = int(rng.integers(1, n))
        cut = rng.uniform(0.4, 0.8)
        ramp = np.clip((t - at) / (14 if rng.random() < 0.5 else 1), 0, 1)
        level *= 1 - (1 - cut) * ramp
        shape["migration_day"] = at
    phi, sigma = rng.uniform(0.0, 0.8), rng.uniform(0.04, 0.3)
    e = np.zeros(n)
    shocks = rng.normal(0, sigma * np.sqrt(1 - phi**2), n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + shocks[i]
    y = float(rng.uniform(5, 500)) * level * weekly * np.exp(e)
    for _ in range(int(rng.integers(0, 4))):  # spikes
        y[int(rng.integers(0, n))] *= rng.uniform(2, 5)
    for _ in range(int(rng.integers(0, 3))):  # outages
        y[int(rng.integers(0, n))] = 0.0
    shape.update(phi=phi, sigma=sigma)
    return History(start, np.round(y, 4), shape)


def replay(seed: int, n_paths: int = 500, through: str = "next_month") -> list[dict[str, float | str | bool | None]]:
    """Score the current and next month of one drawn history (one row each), and with
    `through="next_quarter"` the next quarter as well, on a history drawn to its end."""
    h = varied_history(seed, through)
    n_hist = int(h.shape["days_of_history"])
    dates = [h.start + timedelta(days=i) for i in range(len(h.values))]
    as_of = dates[n_hist - 1]
    periods = forecast_periods(dates[:n_hist], h.values[:n_hist], as_of=as_of, n_paths=n_paths, seed=seed)
    by_day = dict(zip(dates, h.values, strict=True))
    recent = h.values[max(0, n_hist - 28):n_hist]
    recent_days = dates[max(0, n_hist - 28):n_hist]
    weekday_mean = {
        wd: float(np.mean([v for d, v in zip(recent_days, recent, strict=True) if d.weekday() == wd] or [0.0]))
        for wd in range(7)
    }
    rows: list[dict[str, float | str | bool | None]] = []
    for p in periods[:2] if through == "next_month" else periods:
        days = [p.start + timedelta(days=i) for i in range((p.end - p.start).days + 1)]
        actual = float(sum(by_day.get(d, 0.0) for d in days))  # before the first day: no usage
        future = [d for d in days if d > as_of]
        snaive = p.actual_to_date + sum(weekday_mean[d.weekday()] for d in future)
        run_rate = (p.run_rate if p.kind == "current_month" else float(np.mean(recent)) * len(days))
        rows.append({
            "seed": seed, "kind": p.kind, "days_of_history": n_hist, "actual": actual,
            "p50": p.p50, "run_rate": run_rate, "seasonal_naive": snaive, "confidence": p.confidence,
            "in_80": None if p.lo_80 is None or p.hi_80 is None else bool(p.lo_80 <= actual <= p.hi_80),
            "in_95": None if p.lo_95 is None or p.hi_95 is None else bool(p.lo_95 <= actual <= p.hi_95),
            "lo_80": p.lo_80, "hi_80": p.hi_80, "lo_95": p.lo_95, "hi_95": p.hi_95,
            "actual_to_date": p.actual_to_date,
        })
    return rows


def _ape(pred: float | None, actual: float) -> float | None:
    return None if pred is None or actual <= 0 else abs(pred - actual) / actual


def _median(xs: list[float | None]) -> float:
    vals = [x for x in xs if x is not None]
    return float(np.median(vals)) if vals else float("nan")


def summarise(rows: list[dict[str, float | str | bool | None]]) -> dict[str, dict[str, float]]:
    """Per kind: replays, coverage (80/95) and median APE of the model and the baselines."""
    out = {}
    for kind in dict.fromkeys(str(r["kind"]) for r in rows):
        part = [r for r in rows if r["kind"] == kind and r["p50"] is not None and float(r["actual"] or 0) > 0]
        model = [_ape(r["p50"], float(r["actual"])) for r in part]  # type: ignore[arg-type]
        rr = [_ape(r["run_rate"], float(r["actual"])) for r in part]  # type: ignore[arg-type]
        sn = [_ape(r["seasonal_naive"], float(r["actual"])) for r in part]  # type: ignore[arg-type]
        out[kind] = {
            "replays": len(part),
            "coverage_80": float(np.mean([bool(r["in_80"]) for r in part])) if part else float("nan"),
            "coverage_95": float(np.mean([bool(r["in_95"]) for r in part])) if part else float("nan"),
            "mdape_model": _median(model),
            "mdape_run_rate": _median(rr),
            "mdape_seasonal_naive": _median(sn),
        }
        out[kind]["ratio_to_run_rate"] = out[kind]["mdape_model"] / out[kind]["mdape_run_rate"]
    return out


def run_study(n: int = 60, n_paths: int = 500, *, first: int = 0, through: str = "next_month"
              ) -> tuple[list[dict[str, float | str | bool | None]], dict[str, dict[str, float]]]:
    """Replay seeds first..first+n-1 (`through`: see `replay`) and summarise them."""
    rows = [r for seed in range(first, first + n) for r in replay(seed, n_paths, through)]
    return rows, summarise(rows)


def main(argv: list[str]) -> None:
    """`python -m llmcost.forecast.study N [FIRST] [--quarter]`: N replays from seed FIRST (0); with
    --quarter the histories run to the end of the next quarter, which is scored too (300 paths)."""
    quarter = "--quarter" in argv
    args = [a for a in argv[1:] if a != "--quarter"]
    n = int(args[0]) if args else 60
    first = int(args[1]) if len(args) > 1 else 0
    rows, summary = run_study(n, 300 if quarter else 500, first=first,
                              through="next_quarter" if quarter else "next_month")
    skipped = n - len({r["seed"] for r in rows if r["p50"] is not None})
    print(f"{n} replays ({skipped} without a statistical forecast: less than 7 days with usage)")
    print("| period | replays | 80% coverage | 95% coverage | MdAPE model | run-rate | seasonal naive "
          "| model / run-rate |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, s in summary.items():
        print(f"| {kind.replace('_', ' ')} | {s['replays']} | {s['coverage_80']:.1%} | {s['coverage_95']:.1%} | "
              f"{s['mdape_model']:.1%} | {s['mdape_run_rate']:.1%} | {s['mdape_seasonal_naive']:.1%} | "
              f"{s['ratio_to_run_rate']:.2f} |")


if __name__ == "__main__":
    main(sys.argv)
