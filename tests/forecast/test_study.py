"""The forecast study (llmcost.forecast.study): 200 mid-month replays on varied seeded histories,
month totals scored against what the series did, beside the run-rate. Figures in docs/forecasting.md."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from llmcost.forecast.study import replay, run_study, varied_history


def test_histories_vary_in_length_and_shape() -> None:
    shapes = [varied_history(s).shape for s in range(200)]
    days = [s["days_of_history"] for s in shapes]
    assert min(days) < 30 and max(days) > 365  # two weeks to two years
    assert {s["weekend"] for s in shapes} >= {1.0, 0.3}  # no weekly season to a strong one
    assert min(s["trend"] for s in shapes) < 0 < max(s["trend"] for s in shapes)
    for kind in ("launch_day", "churn_day", "migration_day"):
        assert 0.2 < np.mean([kind in s for s in shapes]) < 0.5, kind


def test_a_replay_scores_the_true_month_total() -> None:
    h = varied_history(7)
    (cur, nxt) = replay(7, n_paths=100)
    n = int(h.shape["days_of_history"])
    as_of = h.start + timedelta(days=n - 1)
    month = [i for i in range(len(h.values)) if (h.start + timedelta(days=i)).strftime("%Y-%m") == f"{as_of:%Y-%m}"]
    assert cur["actual"] == pytest.approx(float(h.values[month].sum()))
    assert cur["kind"] == "current_month" and nxt["kind"] == "next_month"


@pytest.mark.slow
def test_study_targets() -> None:
    _, s = run_study(200, n_paths=500)
    cur, nxt = s["current_month"], s["next_month"]
    assert cur["replays"] == nxt["replays"] == 200
    # issue 15's targets: 80% intervals hold 75-85% of month totals, 95% intervals at least 90%
    assert 0.75 <= nxt["coverage_80"] <= 0.85 and nxt["coverage_95"] >= 0.90
    assert 0.75 <= cur["coverage_80"] <= 0.85 and cur["coverage_95"] >= 0.90
    # current-month median error at most 0.8x the run-rate's: 0.71 here, 0.78 on the held-out seeds
    # 6000-6999, 0.80 on seeds 4000-4999 and 5000-5999 (docs/forecasting.md)
    assert cur["ratio_to_run_rate"] <= 0.8
    # the next month, recentred like the current month's rest: 0.79 here (0.65-0.85 on the other sets)
    assert nxt["ratio_to_run_rate"] < 0.9


def test_a_quarter_replay_scores_the_true_quarter_total() -> None:
    h = varied_history(11, "next_quarter")
    rows = replay(11, n_paths=100, through="next_quarter")
    assert [r["kind"] for r in rows] == ["current_month", "next_month", "next_quarter"]
    n = int(h.shape["days_of_history"])
    as_of = h.start + timedelta(days=n - 1)
    # the calendar quarter after the one holding the current month (the month of as_of + 1 day)
    cur = as_of + timedelta(days=1)
    q = (cur.month - 1) // 3 + 1
    year, q = (cur.year + 1, 1) if q == 4 else (cur.year, q + 1)
    days = [h.start + timedelta(days=i) for i in range(len(h.values))]
    inside = [i for i, d in enumerate(days) if d.year == year and (d.month - 1) // 3 + 1 == q]
    assert rows[2]["actual"] == pytest.approx(float(h.values[inside].sum()))
    assert days[-1] == days[inside[-1]]  # drawn to the quarter's last day, no further


@pytest.mark.slow
def test_quarter_study_targets() -> None:
    # the next quarter, recentred (forecast.periods.quarter_forecasts): on seeds 0-199 at 300 paths
    # its 80% interval holds 85.0% of the totals and its 95% interval 97.0%, its median error is
    # 0.72x the run-rate's (81-84%, 95-97% and 0.68-0.75x on four sets of 500: docs/forecasting.md;
    # the model's own paths, before, were 0.86-0.98x)
    _, s = run_study(200, n_paths=300, through="next_quarter")
    q = s["next_quarter"]
    assert q["replays"] == 200
    assert 0.75 <= q["coverage_80"] <= 0.88 and q["coverage_95"] >= 0.90
    assert q["ratio_to_run_rate"] <= 0.8
